import { z } from 'zod';

/** What a rule's `when` can decide on: the action, its target, its estimated impact, who asks, and
 *  the platform's state at that moment. camelCase here and in CEL (`impact.costUsdMonth`). */

const intLike = z.union([z.number().int(), z.bigint()]);

/** The action proposed: a recommendation about to be executed. */
export const policyActionSchema = z.strictObject({
  id: z.string().min(1),
  /** `scale`, `stop_idle`, `rightsize`, `revoke_access`, `enforce_mfa`, `rollback_change`, `restart`, `config_change`… */
  type: z.string().min(1),
  /** Free-form parameters; whole numbers become CEL ints, others doubles. */
  params: z.record(z.string(), z.unknown()).default({}),
  reversible: z.boolean(),
  dryRun: z.boolean().default(false),
});

/** The catalog entity the action touches. */
export const policyTargetSchema = z.strictObject({
  kind: z.string().min(1),
  name: z.string().min(1),
  service: z.string().min(1),
  /** Owning team (the catalog owner's name). */
  owner: z.string().min(1),
  tier: z.enum(['tier-1', 'tier-2', 'tier-3']),
  env: z.string().min(1),
  resourceId: z.string().optional(),
  tags: z.array(z.string()).default([]),
});

/** Estimated cost of the action. */
export const policyImpactSchema = z.strictObject({
  /** Change in monthly cost, USD (negative for savings). A CEL double. */
  costUsdMonth: z.number(),
  /** Fraction of the target's error budget the action may spend, 0–1. A CEL double. */
  errorBudgetCost: z.number().min(0).max(1),
  /** Number of resources affected. A CEL int. */
  blastRadius: intLike.refine((n) => n >= 0, 'must be >= 0'),
});

/** Who asks: a person, an agent or AEGIS itself. */
export const policyActorSchema = z.strictObject({
  id: z.string().min(1),
  kind: z.enum(['human', 'agent', 'system']),
  roles: z.array(z.string()).default([]),
  team: z.string().optional(),
});

/** The platform's state when the decision is made. */
export const policyContextSchema = z.strictObject({
  /** Decision time, ms since the epoch; unset means the evaluator's clock. In CEL also `context.now`
   *  (a timestamp), `context.hourUtc` (0-23) and `context.dayOfWeekUtc` (0 = Sunday). */
  nowMs: intLike.optional(),
  /** Incidents open on the target's service. A CEL int. */
  openIncidents: intLike.default(0),
  /** Burn-rate alert state of the target's SLOs; `page` is the fast-burn alert. */
  burnRate: z
    .strictObject({ firing: z.boolean(), severity: z.enum(['none', 'ticket', 'page']) })
    .default({ firing: false, severity: 'none' }),
  /** Inside an approved change window. @default false */
  changeWindow: z.boolean().default(false),
  /** A change freeze is in force. @default false */
  freeze: z.boolean().default(false),
});

/** Everything a policy decision is made on. */
export const policyInputSchema = z.strictObject({
  action: policyActionSchema,
  target: policyTargetSchema,
  impact: policyImpactSchema,
  actor: policyActorSchema,
  context: policyContextSchema.default({
    openIncidents: 0,
    burnRate: { firing: false, severity: 'none' },
    changeWindow: false,
    freeze: false,
  }),
});

/** A validated evaluation input. */
export type PolicyInput = z.output<typeof policyInputSchema>;
/** An evaluation input as callers write it (defaults not yet filled). */
export type PolicyInputParams = z.input<typeof policyInputSchema>;

/** The CEL variables' field types, for load-time checking of `when` (a typo such as `target.teir`
 *  fails at load, not at 3 a.m.). Keep in step with the schemas above. */
export const CEL_SCHEMA = {
  action: { id: 'string', type: 'string', params: 'map', reversible: 'bool', dryRun: 'bool' },
  target: {
    kind: 'string',
    name: 'string',
    service: 'string',
    owner: 'string',
    tier: 'string',
    env: 'string',
    resourceId: 'string',
    tags: 'list<string>',
  },
  impact: { costUsdMonth: 'double', errorBudgetCost: 'double', blastRadius: 'int' },
  actor: { id: 'string', kind: 'string', roles: 'list<string>', team: 'string' },
  context: {
    // cel-js's schema declarations take the protobuf name of timestamp, not the short one.
    now: 'google.protobuf.Timestamp',
    nowMs: 'int',
    hourUtc: 'int',
    dayOfWeekUtc: 'int',
    openIncidents: 'int',
    burnRate: { firing: 'bool', severity: 'string' },
    changeWindow: 'bool',
    freeze: 'bool',
  },
} as const;

/** The CEL activation of an input. CEL keeps ints and doubles apart and cel-js represents ints as
 *  BigInt: integer fields become BigInt so `context.openIncidents + 1` works, money stays double. */
export function toActivation(input: PolicyInput, nowMs: number): Record<string, unknown> {
  const ms = input.context.nowMs === undefined ? nowMs : Number(input.context.nowMs);
  const now = new Date(ms);
  const { action, impact, context } = input;
  // Built field by field, not by spreading: this runs once per decision and shows in profiles.
  return {
    action: {
      id: action.id,
      type: action.type,
      params: bigIntegers(action.params),
      reversible: action.reversible,
      dryRun: action.dryRun,
    },
    target: input.target,
    impact: {
      costUsdMonth: Number(impact.costUsdMonth),
      errorBudgetCost: Number(impact.errorBudgetCost),
      blastRadius: BigInt(impact.blastRadius),
    },
    actor: input.actor,
    context: {
      now,
      nowMs: BigInt(Math.trunc(ms)),
      // Precomputed: cel-js resolves a method on a map field at runtime, and with a time zone
      // (`context.now.getHours("Europe/Berlin")`) it goes through toLocaleString: 10-350 µs a call
      // (measured), against well under 1 µs for these.
      hourUtc: BigInt(now.getUTCHours()),
      dayOfWeekUtc: BigInt(now.getUTCDay()),
      openIncidents: BigInt(context.openIncidents),
      burnRate: context.burnRate,
      changeWindow: context.changeWindow,
      freeze: context.freeze,
    },
  };
}

/** Whole numbers (deep) as BigInt. Params are written without a type, and most of them (replicas,
 *  sizes) are counts; `3` and `3.0` cannot be told apart once parsed. */
function bigIntegers(value: unknown): unknown {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? BigInt(value) : value;
  if (Array.isArray(value)) return value.map(bigIntegers);
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const k in value) out[k] = bigIntegers((value as Record<string, unknown>)[k]);
    return out;
  }
  return value;
}
