import { z } from 'zod';

/** The effect of a rule, and of a decision. Precedence: deny > require_approval > allow. */
export const EFFECTS = ['allow', 'require_approval', 'deny'] as const;

/** One of `allow`, `require_approval`, `deny`. */
export type Effect = (typeof EFFECTS)[number];

/** Rank of an effect in the combining order; higher wins. */
export const EFFECT_RANK: Readonly<Record<Effect, number>> = { allow: 0, require_approval: 1, deny: 2 };

/** `apiVersion` of policy and policy test files. */
export const POLICY_API_VERSION = 'aegis/v1';

const effectSchema = z.enum(EFFECTS, { error: 'must be one of "allow", "require_approval", "deny"' });

/** A rule as written in a PolicySet file. */
export const policyRuleSchema = z
  .strictObject({
    id: z
      .string()
      .regex(/^[a-z0-9][a-z0-9._-]*$/, 'must be lowercase letters, digits, ".", "_" or "-" (e.g. deny-freeze)'),
    description: z.string().default(''),
    /** A CEL expression over action, target, impact, actor and context. */
    when: z.string().min(1, 'must not be empty'),
    effect: effectSchema,
    /** Groups that must approve (require_approval only); `$owner` is the target's owning team. */
    approvers: z.array(z.string().min(1)).optional(),
    /** Why the rule exists, shown to whoever is held up by it. */
    reason: z.string().min(1, 'must not be empty'),
  })
  .superRefine((rule, ctx) => {
    if (rule.approvers && rule.effect !== 'require_approval') {
      ctx.addIssue({
        code: 'custom',
        path: ['approvers'],
        message: `only applies to effect require_approval (got ${rule.effect})`,
      });
    }
  });

/** A rule as parsed (defaults filled). */
export type PolicyRuleSpec = z.output<typeof policyRuleSchema>;

/** One PolicySet document. See policies/README.md for the format. */
export const policySetDocSchema = z.strictObject({
  apiVersion: z.literal(POLICY_API_VERSION, { error: `must be "${POLICY_API_VERSION}"` }),
  kind: z.literal('PolicySet', { error: 'must be "PolicySet"' }),
  metadata: z.strictObject({ name: z.string().min(1), description: z.string().optional() }),
  spec: z.strictObject({
    /** Effect when no rule of the whole directory matches; overrides the configured default. */
    default: effectSchema.optional(),
    rules: z.array(z.unknown()).default([]),
  }),
});
