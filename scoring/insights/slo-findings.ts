import type { BurnRateAlert } from '../scorers/index.ts';
import type { Evidence } from '../types.ts';
import type { Finding } from './types.ts';

/** One SLO's burn-rate state at this pass. */
export interface SloBurnState {
  slo: string;
  service: string;
  team: string;
  target: number;
  alerts: readonly BurnRateAlert[];
  /** Share of the error budget left over the SLO window; null without traffic. */
  budgetRemaining: number | null;
  fromMs: number;
  toMs: number;
}

/** A recent change to a service (a deploy), a suspect when its SLO starts to burn. */
export interface ServiceChange {
  service: string;
  atMs: number;
  principal: string;
  action: string;
}

/** The rules that page: their firing means the budget goes in hours, so cost changes must wait. */
const isFast = (a: BurnRateAlert) => a.firing && a.severity === 'page';

/** Services whose fast burn-rate alert fires, with the reason a FinOps change there is held. */
export function burnHolds(states: readonly SloBurnState[]): Map<string, string> {
  const holds = new Map<string, string>();
  for (const s of states) {
    const fast = s.alerts.find(isFast);
    if (!fast || holds.has(s.service)) continue;
    holds.set(
      s.service,
      `held: ${s.service}'s fast burn-rate alert ${fast.rule} (×${fast.factor}) on SLO ${s.slo} is firing; a cost change now would add risk to a service already burning its error budget`,
    );
  }
  return holds;
}

/** An `slo_burn` insight per SLO with a firing burn-rate rule; a roll-back recommendation when a
 *  change reached the service in the `suspectWindowMs` before the burn. */
export function sloFindings(
  states: readonly SloBurnState[],
  changes: readonly ServiceChange[] = [],
  suspectWindowMs = 2 * 3_600_000,
): Finding[] {
  const out: Finding[] = [];
  for (const s of states) {
    const firing = s.alerts.filter((a) => a.firing);
    if (firing.length === 0) continue;
    const page = firing.some((a) => a.severity === 'page');
    const worst = firing.reduce((a, b) => ((b.longBurn ?? 0) > (a.longBurn ?? 0) ? b : a));
    const evidence: Evidence[] = firing.map((a) => ({
      kind: 'burn-rate-rule',
      subject: s.slo,
      description: `${a.rule} rule: burn ${a.longBurn?.toFixed(1)}× over ${a.long} and ${a.shortBurn?.toFixed(1)}× over ${a.short}, both above ${a.factor}×`,
      value: a.longBurn ?? 0,
      threshold: a.factor,
      source: { table: 'slo_status', filter: { slo: s.slo }, fromMs: s.fromMs, toMs: s.toMs },
    }));
    const suspects = changes
      .filter((c) => c.service === s.service && c.atMs <= s.toMs && c.atMs >= s.toMs - suspectWindowMs)
      .sort((a, b) => b.atMs - a.atMs);
    const latest = suspects[0];
    out.push({
      kind: 'slo_burn',
      subject: s.slo,
      service: s.service,
      team: s.team,
      severity: page ? 'critical' : 'warning',
      title: `${s.slo} is burning its error budget ${worst.longBurn?.toFixed(1)}× too fast`,
      summary:
        `${firing.map((a) => a.rule).join(', ')} firing` +
        (s.budgetRemaining === null ? '' : `; ${(s.budgetRemaining * 100).toFixed(1)} % of the budget left`),
      score: Math.min(1, (worst.longBurn ?? 0) / (worst.factor * 2)),
      evidence,
      recommendations: latest
        ? [
            {
              type: 'rollback_change',
              subject: s.service,
              title: `Roll back the latest change to ${s.service}`,
              rationale: `${latest.action} by ${latest.principal} ${Math.round((s.toMs - latest.atMs) / 60_000)} min before the burn; rolling back is the fastest way to stop it`,
              impactUsdMonth: 0,
              impactRisk: `stops a ${worst.longBurn?.toFixed(1)}× burn of the error budget`,
              confidence: 0.6,
              finops: false,
              evidence: [
                ...evidence,
                {
                  kind: 'recent-change',
                  subject: s.service,
                  description: `${latest.action} by ${latest.principal}`,
                  value: latest.atMs,
                  source: {
                    table: 'access',
                    filter: { principal: latest.principal },
                    fromMs: latest.atMs,
                    toMs: latest.atMs + 1,
                  },
                },
              ],
            },
          ]
        : [],
    });
  }
  return out;
}
