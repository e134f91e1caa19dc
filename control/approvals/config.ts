import { z } from 'zod';
import { ConfigError } from '../../core/errors.ts';
import { normalizeMemberId, roleKey } from './ids.ts';

/** The role the cost rule adds. */
export const FINANCE_ROLE = 'finance';
/** The role the tier, error-budget and irreversibility rules add, and the default escalation. */
export const PLATFORM_LEAD_ROLE = 'platform-lead';
/** The role policies name for access changes. */
export const SECURITY_ROLE = 'security';
/** Role names an unqualified policy approver resolves to even when `roles` does not list them
 *  (so a missing `finance` entry is reported as an empty role, not taken for a team). */
export const BUILT_IN_ROLES: readonly string[] = [PLATFORM_LEAD_ROLE, SECURITY_ROLE, FINANCE_ROLE];

/** @default 24 hours */
export const DEFAULT_EXPIRY_MS = 24 * 60 * 60 * 1000;
/** @default 2 hours */
export const DEFAULT_ESCALATE_AFTER_MS = 2 * 60 * 60 * 1000;
/** @default 1000 USD/month */
export const DEFAULT_FINANCE_ABOVE_USD_MONTH = 1000;
/** @default 0.25 of the error budget */
export const DEFAULT_PLATFORM_LEAD_BELOW_ERROR_BUDGET = 0.25;

const NAME = /^[a-z0-9][a-z0-9._-]*$/;
const NAME_RULE = 'lowercase letters, digits, ".", "_" or "-" (e.g. platform-lead)';
const roleNameSchema = z
  .string()
  .transform(roleKey)
  .pipe(z.string().regex(NAME, `must be ${NAME_RULE}`));

/** A person: `alice`, `user:alice` or `user:default/alice`, stored normalised (`alice`). */
const memberIdSchema = z.string().transform((id, ctx) => {
  const n = normalizeMemberId(id);
  if (typeof n === 'string') return n;
  ctx.addIssue({ code: 'custom', message: n.error });
  return z.NEVER;
});

const tierSchema = z.enum(['tier-1', 'tier-2', 'tier-3']);
const quorumSchema = z.int().min(1, 'must be >= 1 (an authority nobody has to approve is not an authority)');

/** Approval routing: who approves an action that policy sent to `require_approval`, how many of them,
 *  and for how long. Every field has a default; `{}` is valid. */
export const approvalsConfigSchema = z
  .strictObject({
    /** Role name → the people who hold it (`platform-lead`, `security`, `finance`, or any other a policy
     *  names). Ids are normalised (`user:default/alice` → `alice`) and de-duplicated. An empty or missing
     *  role that an action needs is a routing problem, never a free pass. @default {} */
    roles: z
      .record(z.string(), z.array(memberIdSchema))
      .default({})
      // Keys are checked here rather than by a key schema so the message names the key.
      .superRefine((roles, ctx) => {
        for (const key of Object.keys(roles)) {
          if (!NAME.test(roleKey(key))) {
            ctx.addIssue({
              code: 'custom',
              path: [key],
              message: `role name must be ${NAME_RULE} (got ${JSON.stringify(key)})`,
            });
          }
        }
      })
      .transform((roles) => {
        const merged = new Map<string, string[]>();
        for (const [k, v] of Object.entries(roles)) {
          merged.set(roleKey(k), [...new Set([...(merged.get(roleKey(k)) ?? []), ...v])]);
        }
        return Object.fromEntries(merged);
      }),
    /** A cost change whose size |impact.costUsdMonth| (USD per month, increases and savings alike) is at or
     *  above this adds `finance`. 0 adds finance to every action that changes cost at all (a zero change
     *  never does); `null` disables the rule. @default 1000 */
    financeAboveUsdMonth: z.number().min(0).nullable().default(DEFAULT_FINANCE_ABOVE_USD_MONTH),
    /** Target tiers that add `platform-lead`. `[]` disables the rule. @default ['tier-1'] */
    platformLeadTiers: z.array(tierSchema).default(['tier-1']),
    /** Error budget left after the action (fraction of the SLO's budget: 1 untouched, 0 spent, negative
     *  overspent), computed as `errorBudgetRemaining - impact.errorBudgetCost`; below this adds
     *  `platform-lead`. 0 adds it only once the budget would be overspent; `null` disables the rule.
     *  An unknown remaining budget (no SLO) never adds it. @default 0.25 */
    platformLeadBelowErrorBudget: z.number().min(0).max(1).nullable().default(DEFAULT_PLATFORM_LEAD_BELOW_ERROR_BUDGET),
    /** An irreversible action adds `platform-lead`. @default true */
    platformLeadIfIrreversible: z.boolean().default(true),
    /** Approvals each authority needs. Where several entries apply, the highest wins: each is a floor. */
    quorum: z
      .strictObject({
        /** Every authority's quorum unless an entry below raises it. @default 1 */
        default: quorumSchema.default(1),
        /** The owning team's quorum by target tier. @default { 'tier-1': 2 } */
        ownerByTier: z.partialRecord(tierSchema, quorumSchema).default({ 'tier-1': 2 }),
        /** Quorum by authority id (`team:payments`, `role:security`). @default {} */
        byAuthority: z
          .record(z.string(), quorumSchema)
          .default({})
          .superRefine((byId, ctx) => {
            for (const key of Object.keys(byId)) {
              if (!/^(team|role):[a-z0-9][a-z0-9._/-]*$/.test(key)) {
                ctx.addIssue({
                  code: 'custom',
                  path: [key],
                  message: `key must be "team:<name>" or "role:<name>", lower-case (got ${JSON.stringify(key)})`,
                });
              }
            }
          }),
      })
      .prefault({}),
    /** How long a request stays open, ms from routing; then it expires. Must be > 0: a request that never
     *  expires would let an old approval run an action in a changed world. @default 86400000 (24 h) */
    expiryMs: z.int().min(1, 'must be > 0 (an approval request always expires)').default(DEFAULT_EXPIRY_MS),
    /** Time without a decision, ms from routing, after which `escalateTo` may approve in place of any
     *  authority still short of its quorum. 0 disables escalation. @default 7200000 (2 h) */
    escalateAfterMs: z.int().min(0).default(DEFAULT_ESCALATE_AFTER_MS),
    /** The role escalation goes to. @default 'platform-lead' */
    escalateTo: roleNameSchema.default(PLATFORM_LEAD_ROLE),
    /** Actions proposed by an agent or by AEGIS itself (kind `agent` or `system`) count only human votes.
     *  @default true */
    humanRequiredForAgents: z.boolean().default(true),
  })
  .superRefine((c, ctx) => {
    if (c.expiryMs > 0 && c.escalateAfterMs > 0 && c.escalateAfterMs >= c.expiryMs) {
      ctx.addIssue({
        code: 'custom',
        path: ['escalateAfterMs'],
        message: `must be < expiryMs, or 0 to disable escalation (got ${c.escalateAfterMs} >= ${c.expiryMs})`,
      });
    }
  });

/** Approvals config as written (every field optional). */
export type ApprovalsConfigInput = z.input<typeof approvalsConfigSchema>;
/** Parsed approvals config, defaults filled and ids normalised. */
export type ApprovalsConfig = z.output<typeof approvalsConfigSchema>;

/** Parses approvals config, failing with a `ConfigError` that names the field after `label`
 *  (`control.approvals` where it is a section of the AEGIS config). */
export function parseApprovalsConfig(input: unknown = {}, label = 'invalid approvals config'): ApprovalsConfig {
  const r = approvalsConfigSchema.safeParse(input ?? {});
  if (!r.success) throw new ConfigError(`${label}: ${z.prettifyError(r.error)}`);
  return r.data;
}
