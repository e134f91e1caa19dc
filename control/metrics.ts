import { counter, histogram, type Registry } from '../core/metrics.ts';
import { EFFECTS, type Effect } from './policy/index.ts';

/** How an approval ended, for the `outcome` label: a vote decided it, or nobody did in time. */
export type ApprovalOutcome = 'approved' | 'rejected' | 'expired';
const APPROVAL_OUTCOMES: readonly ApprovalOutcome[] = ['approved', 'rejected', 'expired'];

/** The control layer's self-metrics: what policy decided, and how long people took to approve. */
export interface ControlMetrics {
  /** One policy decision on a proposal; `byDefault` when no rule matched. */
  decided(effect: Effect, byDefault: boolean): void;
  /** An approval closed, `seconds` after its action was proposed. */
  approvalClosed(outcome: ApprovalOutcome, seconds: number): void;
}

/** Registers `aegis_policy_decisions_total{effect,source}` and `aegis_approval_latency_seconds{outcome}`
 *  in `registry`; without one, every call is a no-op. */
export function createControlMetrics(registry: Registry | undefined): ControlMetrics {
  if (!registry) return { decided: () => undefined, approvalClosed: () => undefined };
  const decisions = counter(registry, {
    name: 'aegis_policy_decisions_total',
    help: 'Policy decisions on proposed actions, by effect (allow, require_approval, deny) and source (rule: a rule matched; default: the default effect applied)',
    labelNames: ['effect', 'source'],
  });
  const approvals = histogram(registry, {
    name: 'aegis_approval_latency_seconds',
    help: 'Seconds from an action being proposed to its approval closing, by outcome (approved, rejected, expired)',
    labelNames: ['outcome'],
    buckets: [1, 10, 60, 300, 900, 1800, 3600, 4 * 3600, 12 * 3600, 24 * 3600, 72 * 3600],
  });
  // Every series from 0, so rates and ratios are defined before the first decision.
  for (const effect of EFFECTS) for (const source of ['rule', 'default']) decisions.inc({ effect, source }, 0);
  for (const outcome of APPROVAL_OUTCOMES) approvals.zero({ outcome });
  return {
    decided(effect, byDefault) {
      decisions.inc({ effect, source: byDefault ? 'default' : 'rule' });
    },
    approvalClosed(outcome, seconds) {
      approvals.observe({ outcome }, Math.max(0, seconds));
    },
  };
}
