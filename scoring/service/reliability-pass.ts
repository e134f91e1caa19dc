import type { Warehouse } from '../../core/warehouse/index.ts';
import type { Catalog } from '../catalog/index.ts';
import type { SloBurnState } from '../insights/slo-findings.ts';
import {
  type BurnRateAlert,
  burnRate,
  burnRateAlerts,
  errorBudget,
  type SloWindows,
  scoreReliability,
} from '../scorers/index.ts';
import { readSliWindows, refreshHourlySli, SLI_WINDOWS, type SliWindows } from '../sli/index.ts';
import type { Score } from '../types.ts';
import type { ObjectiveTarget } from './slo-targets.ts';

/** What the reliability step of a pass produces. */
export interface ReliabilityResult {
  /** One reliability score per catalogued service that has an SLO. */
  scores: Score[];
  burnStates: SloBurnState[];
  sloStatusRows: object[];
  hoursWritten: number;
}

/** Reads SLI counts for every objective, scores each service's reliability and evaluates the
 *  burn-rate rules. Two queries per indicator shape, whatever the number of services. */
export async function reliabilityStep(
  wh: Warehouse,
  catalog: Catalog,
  targets: readonly ObjectiveTarget[],
  params: { nowMs: number; passId: string; minEvents: number; recomputeHours: number },
): Promise<ReliabilityResult> {
  const { nowMs } = params;
  const { hoursWritten } = await refreshHourlySli(wh, targets, { nowMs, recomputeHours: params.recomputeHours });
  const windows = await readSliWindows(wh, targets, { nowMs });
  const byService = new Map<string, { target: ObjectiveTarget; windows: SliWindows }[]>();
  for (const t of targets) {
    const w = windows.get(t.slo);
    if (!w) continue;
    byService.set(t.service, [...(byService.get(t.service) ?? []), { target: t, windows: w }]);
  }
  const out: ReliabilityResult = { scores: [], burnStates: [], sloStatusRows: [], hoursWritten };
  for (const [service, items] of [...byService].sort(([a], [b]) => a.localeCompare(b))) {
    const team = catalog.teamOf(service)?.name ?? catalog.serviceByName(service)?.owner ?? '';
    const slos: SloWindows[] = items.map(({ target: t, windows: w }) => ({
      slo: {
        name: t.slo,
        service,
        target: t.target,
        budgeting: t.budgeting,
        windowMs: t.windowMs,
        indicator: t.sli.kind,
      },
      windows: w,
      source: { table: 'slo_sli_1h', filter: { slo: t.slo } },
    }));
    out.scores.push(scoreReliability({ service, slos }, { nowMs, minEvents: params.minEvents }));
    for (const { target: t, windows: w } of items) {
      // Time slices are judgements already; the traffic guard applies to event counts only.
      const minEvents = t.budgeting === 'Timeslices' ? 0 : params.minEvents;
      const alerts = burnRateAlerts(w, t.target, { minEvents });
      const budget = errorBudget(w.slo, t.target);
      out.burnStates.push({
        slo: t.slo,
        service,
        team,
        target: t.target,
        alerts,
        budgetRemaining: budget?.remainingFraction ?? null,
        fromMs: t.windowStartMs,
        toMs: nowMs,
      });
      out.sloStatusRows.push(statusRow(t, w, alerts, team, budget?.remainingFraction ?? null, params));
    }
  }
  return out;
}

function statusRow(
  t: ObjectiveTarget,
  w: SliWindows,
  alerts: readonly BurnRateAlert[],
  team: string,
  budgetRemaining: number | null,
  params: { nowMs: number; passId: string },
): object {
  const burn: Record<string, number> = {};
  for (const name of SLI_WINDOWS) {
    const b = burnRate(w[name], t.target);
    if (b !== null) burn[name] = b;
  }
  const firing = alerts.filter((a) => a.firing);
  return {
    computed_at: params.nowMs,
    pass_id: params.passId,
    slo: t.slo,
    service: t.service,
    team,
    indicator: t.sli.kind,
    budgeting: t.budgeting,
    target: t.target,
    window_ms: t.windowMs,
    good: w.slo.good,
    total: w.slo.total,
    attainment: w.slo.total > 0 ? w.slo.good / w.slo.total : null,
    budget_remaining: budgetRemaining,
    burn_rates: burn,
    firing: firing.map((a) => a.rule),
    alert: firing.some((a) => a.severity === 'page') ? 'page' : firing.length > 0 ? 'ticket' : 'none',
  };
}
