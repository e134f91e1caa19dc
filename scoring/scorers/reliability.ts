import type { Evidence, Score, ScoreComponent, ScoreOptions, SourceRef } from '../types.ts';
import {
  assertTarget,
  type BurnRateAlert,
  burnRateAlerts,
  DEFAULT_MIN_EVENTS,
  type EventCounts,
  errorBudget,
  WINDOW_MS,
  type WindowName,
} from './burn-rate.ts';
import { clamp, formatDuration, makeScore, pct, resolveWeights, sourceOf } from './score.ts';

/** An SLO as OpenSLO defines it, reduced to what scoring needs. */
export interface SloDefinition {
  name: string;
  service: string;
  /** Objective, 0–1 exclusive: 0.999 for 99.9 %. */
  target: number;
  /** Occurrences counts events; Timeslices counts good time slices. */
  budgeting: 'Occurrences' | 'Timeslices';
  /** Length of the SLO's rolling window, ms (30 days is usual). */
  windowMs: number;
  /** OpenSLO ratioMetric or thresholdMetric. */
  indicator: 'ratio' | 'threshold';
  /** What the SLO protects; unset = `latency` for threshold indicators, `availability` for ratios. */
  category?: 'availability' | 'latency';
}

/** One SLO with its counts per window, as the lead's rollup query returns them. */
export interface SloWindows {
  slo: SloDefinition;
  /** A window left out is treated as having no events. */
  windows: Partial<Record<WindowName, EventCounts>>;
  /** Rows the counts came from. @default { table: 'metrics_1m', filter: { service, slo } } */
  source?: SourceRef;
}

/** Input of `scoreReliability`: one service and all of its SLOs. */
export interface ReliabilityInput {
  service: string;
  slos: SloWindows[];
}

/** Options of `scoreReliability`. */
export interface ReliabilityOptions extends ScoreOptions {
  /** Fewest events a window needs before it can fire a rule or be scored; applies to Occurrences
   *  SLOs only, since a time slice is already a judgement over its own traffic. @default 100 */
  minEvents?: number;
  weights?: Partial<Record<ReliabilityComponentName, number>>;
}

/** The components of a reliability score. */
export type ReliabilityComponentName = 'attainment' | 'error budget remaining' | 'burn rate' | 'latency against target';

/** Relative weights of the reliability components. Burn state and budget weigh as much as
 *  attainment: a service meeting its SLO while burning at 14× is about to miss it. */
export const DEFAULT_RELIABILITY_WEIGHTS: Record<ReliabilityComponentName, number> = {
  attainment: 0.3,
  'error budget remaining': 0.25,
  'burn rate': 0.25,
  'latency against target': 0.2,
};

/** Score of a burn-rate state: nothing firing 100, a ticket rule 50, a page rule 0. */
export const BURN_STATE_SCORES = { ok: 100, ticket: 50, page: 0 } as const;

interface PerSlo {
  slo: SloDefinition;
  value: number | null;
  detail: string;
  evidence: Evidence[];
}

const categoryOf = (slo: SloDefinition) => slo.category ?? (slo.indicator === 'threshold' ? 'latency' : 'availability');

/** Scores one service's reliability from its SLOs' window counts. */
export function scoreReliability(input: ReliabilityInput, options: ReliabilityOptions): Score {
  const nowMs = options.nowMs;
  const weights = resolveWeights(DEFAULT_RELIABILITY_WEIGHTS, options.weights);
  const attainments: PerSlo[] = [];
  const latencies: PerSlo[] = [];
  const budgets: PerSlo[] = [];
  const burns: PerSlo[] = [];
  for (const item of input.slos) {
    assertTarget(item.slo.target, `SLO ${item.slo.name} target`);
    const minEvents = item.slo.budgeting === 'Occurrences' ? (options.minEvents ?? DEFAULT_MIN_EVENTS) : 0;
    const ref = item.source ?? { table: 'metrics_1m', filter: { service: item.slo.service } };
    const sloWindow = windowEvidence(item, ref, 'slo', nowMs);
    const objective = objectiveOf(item, minEvents, sloWindow);
    (categoryOf(item.slo) === 'latency' ? latencies : attainments).push(objective);
    budgets.push(budgetOf(item, minEvents, sloWindow));
    burns.push(burnOf(item, minEvents, ref, nowMs));
  }
  const components: ScoreComponent[] = [
    worst('attainment', weights.attainment, attainments, 'no availability SLO'),
    worst('error budget remaining', weights['error budget remaining'], budgets, 'no SLO'),
    worst('burn rate', weights['burn rate'], burns, 'no SLO'),
    worst('latency against target', weights['latency against target'], latencies, 'no latency SLO'),
  ];
  return makeScore('reliability', 'service', input.service, components, nowMs);
}

/** The component takes the worst SLO: averaging would let a healthy SLO hide a breached one. */
function worst(name: string, weight: number, items: PerSlo[], none: string): ScoreComponent {
  const scored = items.filter((i) => i.value !== null);
  const evidence = items.flatMap((i) => i.evidence);
  if (scored.length === 0) {
    const detail = items.length === 0 ? none : items.map((i) => `${i.slo.name}: ${i.detail}`).join('; ');
    return { name, value: null, weight, detail, evidence };
  }
  const low = scored.reduce((a, b) => ((b.value as number) < (a.value as number) ? b : a));
  const detail =
    scored.length === 1
      ? `${low.slo.name}: ${low.detail}`
      : `worst of ${scored.length} SLOs is ${low.slo.name}: ${low.detail}`;
  return { name, value: low.value, weight, detail, evidence };
}

function windowEvidence(item: SloWindows, ref: SourceRef, window: WindowName, nowMs: number): Evidence {
  const counts = item.windows[window] ?? { good: 0, total: 0 };
  const lengthMs = window === 'slo' ? item.slo.windowMs : WINDOW_MS[window];
  const unit = item.slo.budgeting === 'Occurrences' ? 'events' : 'slices';
  return {
    kind: 'slo-window',
    subject: item.slo.name,
    description: `${counts.good} good of ${counts.total} ${unit} over the last ${formatDuration(lengthMs)}`,
    ...(counts.total > 0 ? { value: counts.good / counts.total } : {}),
    threshold: item.slo.target,
    source: sourceOf(ref, { fromMs: nowMs - lengthMs, toMs: nowMs }),
  };
}

/** Attainment against target: 100 when met, falling linearly to 0 when twice the budget is spent
 *  (99.85 % against 99.9 % scores 50). */
function objectiveOf(item: SloWindows, minEvents: number, evidence: Evidence): PerSlo {
  const { slo } = item;
  const counts = item.windows.slo ?? { good: 0, total: 0 };
  if (counts.total === 0) return { slo, value: null, detail: 'no events in the SLO window', evidence: [evidence] };
  if (counts.total < minEvents) {
    return {
      slo,
      value: null,
      detail: `insufficient traffic (${counts.total} < ${minEvents} events)`,
      evidence: [evidence],
    };
  }
  const achieved = counts.good / counts.total;
  const overspend = (slo.target - achieved) / (1 - slo.target);
  const value = clamp(100 * (1 - Math.max(0, overspend)));
  const verdict = achieved >= slo.target ? 'meets' : 'misses';
  return { slo, value, detail: `${pct(achieved, 3)} ${verdict} target ${pct(slo.target, 3)}`, evidence: [evidence] };
}

/** Budget remaining as a percentage, 0 once overspent. */
function budgetOf(item: SloWindows, minEvents: number, evidence: Evidence): PerSlo {
  const { slo } = item;
  const counts = item.windows.slo ?? { good: 0, total: 0 };
  const budget = errorBudget(counts, slo.target);
  if (budget === null) return { slo, value: null, detail: 'no events in the SLO window', evidence: [evidence] };
  if (counts.total < minEvents) {
    return {
      slo,
      value: null,
      detail: `insufficient traffic (${counts.total} < ${minEvents} events)`,
      evidence: [evidence],
    };
  }
  const unit = slo.budgeting === 'Occurrences' ? 'bad events' : 'bad slices';
  const detail = `${pct(budget.remainingFraction)} of the error budget left (${budget.bad} of ${budget.allowedBad.toFixed(1)} ${unit} allowed)`;
  const budgetEvidence: Evidence = {
    ...evidence,
    kind: 'error-budget',
    description: detail,
    value: budget.remainingFraction,
    threshold: 0,
  };
  return { slo, value: clamp(100 * budget.remainingFraction), detail, evidence: [budgetEvidence] };
}

function burnOf(item: SloWindows, minEvents: number, ref: SourceRef, nowMs: number): PerSlo {
  const { slo } = item;
  const alerts = burnRateAlerts(item.windows, slo.target, { minEvents });
  const evidence = alerts.map((a) => alertEvidence(a, slo, ref, nowMs));
  const evaluated = alerts.filter((a) => a.state === 'ok' || a.state === 'firing');
  if (evaluated.length === 0) {
    const why = alerts.some((a) => a.state === 'insufficient-traffic')
      ? `insufficient traffic (fewer than ${minEvents} events per window)`
      : 'no events in the burn-rate windows';
    return { slo, value: null, detail: why, evidence };
  }
  const firing = evaluated.filter((a) => a.firing);
  const page = firing.find((a) => a.severity === 'page');
  const ticket = firing.find((a) => a.severity === 'ticket');
  const value = page ? BURN_STATE_SCORES.page : ticket ? BURN_STATE_SCORES.ticket : BURN_STATE_SCORES.ok;
  const top = page ?? ticket;
  const skipped = alerts.length - evaluated.length;
  const detail =
    (top
      ? `${top.rule} burning at ${(top.longBurn as number).toFixed(1)}× (> ${top.factor}×): ${top.severity}`
      : `no burn-rate rule firing (${evaluated.map((a) => a.rule).join(', ')} evaluated)`) +
    (skipped > 0 ? `; ${skipped} rule(s) skipped for insufficient traffic or no data` : '');
  return { slo, value, detail, evidence };
}

function alertEvidence(a: BurnRateAlert, slo: SloDefinition, ref: SourceRef, nowMs: number): Evidence {
  const burns =
    a.longBurn === null || a.shortBurn === null
      ? 'no events'
      : `burn ${a.longBurn.toFixed(2)}× over ${a.long}, ${a.shortBurn.toFixed(2)}× over ${a.short}`;
  const evidence: Evidence = {
    kind: 'burn-rate-rule',
    subject: slo.name,
    description: `${a.rule} ×${a.factor} (${a.severity}) ${a.state}: ${burns} (${a.longEvents}/${a.shortEvents} events)`,
    threshold: a.factor,
    // The long window's range holds the short one: both come from the same rows.
    source: sourceOf(ref, { fromMs: nowMs - WINDOW_MS[a.long], toMs: nowMs }),
  };
  if (a.longBurn !== null) evidence.value = a.longBurn;
  return evidence;
}
