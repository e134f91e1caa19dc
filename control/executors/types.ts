import { z } from 'zod';

/** What an executor is asked to do: preview the change, make it, or undo one it made. */
export const EXECUTION_MODES = ['dry_run', 'execute', 'rollback'] as const;
/** One of {@link EXECUTION_MODES}. */
export type ExecutionMode = (typeof EXECUTION_MODES)[number];

/** The entity an action touches, as the catalog knows it. */
export const executionTargetSchema = z.strictObject({
  kind: z.string().min(1),
  name: z.string().min(1),
  service: z.string().min(1),
  owner: z.string().min(1),
  tier: z.string().min(1),
  env: z.string().min(1),
  /** A cloud resource id (ARN) or a principal, when the action is about one. */
  resourceId: z.string().optional(),
});

/** One call to an executor. The same JSON goes in a webhook body and a NATS request. */
export const executionRequestSchema = z.strictObject({
  actionId: z.string().min(1),
  /** The action type: `scale_up`, `stop_idle`, `rightsize`, `revoke_access`, `enforce_mfa`, `rollback_change`… */
  type: z.string().min(1),
  mode: z.enum(EXECUTION_MODES),
  target: executionTargetSchema,
  params: z.record(z.string(), z.unknown()),
  /** Same key → same effect, at most once: a retried call (after a timeout, a crash, a redelivery)
   *  must return the first call's result and change nothing again. `<actionId>:<mode>`. */
  idempotencyKey: z.string().min(1),
  /** Epoch ms after which the caller has given up; an executor should not start work past it. */
  deadlineMs: z.number().int().nonnegative(),
  /** For `rollback`: the `undo` the execute call returned. */
  undo: z.record(z.string(), z.unknown()).optional(),
});
/** A validated execution request. */
export type ExecutionRequest = z.output<typeof executionRequestSchema>;

/** What an executor answers. */
export const executionResultSchema = z.strictObject({
  ok: z.boolean(),
  /** One line for people: what changed, or would change in a dry run, or why it failed. */
  summary: z.string(),
  /** Executor-specific facts kept in the audit record. */
  details: z.record(z.string(), z.unknown()).default({}),
  /** What `rollback` needs to undo this change (execute only; absent when it cannot be undone). */
  undo: z.record(z.string(), z.unknown()).optional(),
  /** True when this answer repeats an earlier call with the same idempotency key (nothing was done again). */
  replayed: z.boolean().default(false),
});
/** An executor's answer. */
export type ExecutionResult = z.output<typeof executionResultSchema>;

/** An `ok: false` answer for a request refused before any change. */
export function refused(summary: string, details: Record<string, unknown> = {}): ExecutionResult {
  return { ok: false, summary, details, replayed: false };
}

/** The first issue of a failed parse, with its path: `target.owner: Invalid input: expected string…`. */
export function describeIssue(error: { issues: { path: PropertyKey[]; message: string }[] }): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid';
  const path = issue.path.map(String).join('.');
  return path ? `${path}: ${issue.message}` : issue.message;
}

/** Carries out actions somewhere: the simulated platform, a webhook, an agent over NATS.
 *  `run` resolves with `ok: false` for a refusal the executor understood (the target does not exist,
 *  the change is not allowed there); it rejects only when the outcome is unknown (a timeout, a
 *  transport error), which the controller treats as "maybe done" and retries with the same key. */
export interface Executor {
  /** `simulator`, `webhook:<name>`, `nats`. */
  readonly name: string;
  /** Whether it can carry out this action type. */
  supports(type: string): boolean;
  run(request: ExecutionRequest, signal?: AbortSignal): Promise<ExecutionResult>;
  /** Releases connections and timers. */
  close?(): Promise<void>;
}
