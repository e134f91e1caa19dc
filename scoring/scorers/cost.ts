import { InputError } from '../../core/errors.ts';
import type { Evidence, Score, ScoreComponent, ScoreOptions, SourceRef } from '../types.ts';
import {
  clamp,
  HOURS_PER_MONTH,
  MAX_EVIDENCE_ITEMS,
  makeScore,
  pct,
  resolveWeights,
  scopeFilter,
  sourceOf,
  usd,
} from './score.ts';

/** One resource with its provisioned capacity, price and utilisation over the input window. */
export interface CostResource {
  id: string;
  type: string;
  /** null for resources without compute (buckets); they are left out of utilisation. */
  provisionedVcpu: number | null;
  provisionedMemoryGib: number | null;
  /** On-demand price, USD per hour. */
  hourlyCost: number;
  /** Mean and p95 utilisation over the window, 0–1; null when not measured. */
  cpuAvg: number | null;
  memAvg: number | null;
  cpuP95: number | null;
  memP95: number | null;
}

/** A day whose spend a detector flagged. */
export interface SpendAnomaly {
  dayMs: number;
  /** Actual spend that day, USD. */
  cost: number;
  /** What the detector expected, USD. */
  expected: number;
  /** The detector's own anomaly score. */
  score: number;
}

/** Input of `scoreCost`: one service's (or team's) resources and spend. */
export interface CostInput {
  subject: string;
  scope?: 'service' | 'team' | 'platform';
  /** Utilisation window (usually the last 7 days), epoch ms. */
  fromMs: number;
  toMs: number;
  resources: CostResource[];
  /** Spend since the first of the month (UTC), USD. */
  spendMonthToDate: number;
  /** Spend per day over the last ~30 days, USD. */
  dailySpend: { dayMs: number; cost: number }[];
  budgetMonthly?: number;
  /** Month-end spend forecast with its interval, USD. */
  forecastMonthEnd?: { yhat: number; lower: number; upper: number };
  spendAnomalies: SpendAnomaly[];
  /** Rows behind the resources and spend. @default `cost_1d` filtered by `service` or `team` per scope */
  source?: SourceRef;
}

/** Utilisation band that scores 100, 0–1: under it money idles, over it there is no headroom. */
export const DEFAULT_UTILISATION_BAND: [number, number] = [0.4, 0.8];

/** Options of `scoreCost`. */
export interface CostOptions extends ScoreOptions {
  /** Utilisation band that scores 100, 0–1. @default [0.4, 0.8] */
  utilisationBand?: [number, number];
  weights?: Partial<Record<CostComponentName, number>>;
}

/** The components of a cost-efficiency score. */
export type CostComponentName =
  | 'utilisation'
  | 'idle resources'
  | 'oversized resources'
  | 'spend anomalies'
  | 'forecast against budget';

/** Relative weights of the cost components. */
export const DEFAULT_COST_WEIGHTS: Record<CostComponentName, number> = {
  utilisation: 0.25,
  'idle resources': 0.25,
  'oversized resources': 0.2,
  'spend anomalies': 0.15,
  'forecast against budget': 0.15,
};

/** CPU and memory means both below this share: the resource is idle. */
export const IDLE_UTILISATION = 0.05;
/** CPU and memory p95 both below this share: the resource would fit half its size. */
export const OVERSIZED_P95 = 0.4;
/** Excess anomalous spend, as a share of the period's spend, that scores 0. */
export const ANOMALY_EXCESS_ZERO_SHARE = 0.1;
/** Forecast overrun of the budget, as a share of the budget, that scores 0. */
export const BUDGET_OVERRUN_ZERO_SHARE = 0.5;

interface Measured {
  r: CostResource;
  util: number;
  monthly: number;
}

/** Scores cost efficiency: utilisation, idle and oversized waste, spend anomalies, budget. */
export function scoreCost(input: CostInput, options: CostOptions): Score {
  const weights = resolveWeights(DEFAULT_COST_WEIGHTS, options.weights);
  const ref = input.source ?? { table: 'cost_1d', filter: scopeFilter(input.scope ?? 'service', input.subject) };
  const window = { fromMs: input.fromMs, toMs: input.toMs };
  const band = options.utilisationBand ?? DEFAULT_UTILISATION_BAND;
  if (!(band[0] > 0 && band[0] < band[1] && band[1] < 1)) {
    throw new InputError(`utilisationBand must satisfy 0 < low < high < 1 (got [${band.join(', ')}])`);
  }
  // Only compute with a measurement can be judged; buckets and unmeasured resources drop out.
  const measured: Measured[] = input.resources
    .filter((r) => r.provisionedVcpu !== null && r.cpuAvg !== null && r.memAvg !== null)
    .map((r) => ({
      r,
      util: Math.max(r.cpuAvg as number, r.memAvg as number),
      monthly: r.hourlyCost * HOURS_PER_MONTH,
    }));
  const fleet: Fleet = {
    subject: input.subject,
    measured,
    monthly: measured.reduce((a, m) => a + m.monthly, 0),
    ref,
    window,
  };
  const components: ScoreComponent[] = [
    utilisation(fleet, band, weights.utilisation),
    waste(fleet, IDLE_RULE, weights['idle resources']),
    waste(fleet, OVERSIZED_RULE, weights['oversized resources']),
    anomalies(input, ref, weights['spend anomalies']),
    forecast(input, ref, options.nowMs, weights['forecast against budget']),
  ];
  return makeScore('cost', input.scope ?? 'service', input.subject, components, options.nowMs);
}

/** True when mean CPU and memory are both under `IDLE_UTILISATION`. */
export function isIdle(r: CostResource): boolean {
  return r.cpuAvg !== null && r.memAvg !== null && r.cpuAvg < IDLE_UTILISATION && r.memAvg < IDLE_UTILISATION;
}

/** True when p95 CPU and memory are both under `OVERSIZED_P95`. */
export function isOversized(r: CostResource): boolean {
  return r.cpuP95 !== null && r.memP95 !== null && r.cpuP95 < OVERSIZED_P95 && r.memP95 < OVERSIZED_P95;
}

/** The measured compute of one input, with its total monthly cost and where it came from. */
interface Fleet {
  subject: string;
  measured: Measured[];
  monthly: number;
  ref: SourceRef;
  window: { fromMs: number; toMs: number };
}

/** What a waste component looks for and how much of a hit's cost acting on it would save. */
interface WasteRule {
  name: CostComponentName;
  /** `idle`, `oversized`: how the detail names a hit. */
  label: string;
  kind: string;
  matches: (r: CostResource) => boolean;
  savedShare: number;
}

/** Stopping an idle resource saves all of it. */
const IDLE_RULE: WasteRule = {
  name: 'idle resources',
  label: 'idle',
  kind: 'idle-resource',
  matches: isIdle,
  savedShare: 1,
};
/** Halving an oversized one saves half; idle ones are counted once, as idle. */
const OVERSIZED_RULE: WasteRule = {
  name: 'oversized resources',
  label: 'oversized',
  kind: 'oversized-resource',
  matches: (r) => !isIdle(r) && isOversized(r),
  savedShare: 0.5,
};

/** The `MAX_EVIDENCE_ITEMS` costliest, costliest first; ties by id so the order is stable. */
const byCost = (ms: Measured[]) =>
  [...ms].sort((a, b) => b.monthly - a.monthly || a.r.id.localeCompare(b.r.id)).slice(0, MAX_EVIDENCE_ITEMS);

/** Cost-weighted utilisation (the busier of CPU and memory, since that one bounds a resize) against
 *  the band: 100 inside, linear to 0 at 0 % below it, linear to 50 at 100 % above it (hot, not wasteful). */
function utilisation(
  { measured, monthly, ref, window }: Fleet,
  band: [number, number],
  weight: number,
): ScoreComponent {
  const name = 'utilisation';
  if (measured.length === 0 || monthly <= 0) {
    return { name, value: null, weight, detail: 'no measured compute resources', evidence: [] };
  }
  const util = measured.reduce((a, m) => a + m.util * m.monthly, 0) / monthly;
  const [low, high] = band;
  const value = util < low ? (100 * util) / low : util <= high ? 100 : 100 - (50 * (util - high)) / (1 - high);
  const where = util < low ? 'below' : util <= high ? 'inside' : 'above';
  // The costliest resources move the cost-weighted mean most, so they are the evidence kept.
  const evidence: Evidence[] = byCost(measured).map((m) => ({
    kind: 'resource-utilisation',
    subject: m.r.id,
    description: `${m.r.type} at ${pct(m.util)} (cpu ${pct(m.r.cpuAvg as number)}, memory ${pct(m.r.memAvg as number)}), ${usd(m.monthly)}/month`,
    value: m.util,
    threshold: low,
    source: sourceOf(ref, window, { ResourceId: m.r.id }),
  }));
  return {
    name,
    value: clamp(value),
    weight,
    detail: `cost-weighted utilisation ${pct(util)} is ${where} the ${pct(low)}–${pct(high)} band`,
    evidence,
  };
}

/** Share of monthly spend that stopping (idle, saves all) or halving (oversized, saves half) would save. */
function waste({ subject, measured, monthly, ref, window }: Fleet, rule: WasteRule, weight: number): ScoreComponent {
  const { name, label, kind, matches, savedShare } = rule;
  if (measured.length === 0 || monthly <= 0)
    return { name, value: null, weight, detail: 'no measured compute resources', evidence: [] };
  const hits = measured.filter((m) => matches(m.r));
  const wasted = hits.reduce((a, m) => a + m.monthly * savedShare, 0);
  const evidence: Evidence[] =
    hits.length > 0
      ? byCost(hits).map((m) => ({
          kind,
          subject: m.r.id,
          description: `${m.r.type} cpu avg ${pct(m.r.cpuAvg as number)} p95 ${pct(m.r.cpuP95 ?? 0)}, memory avg ${pct(m.r.memAvg as number)} p95 ${pct(m.r.memP95 ?? 0)}: ${usd(m.monthly * savedShare)}/month to save`,
          value: m.monthly * savedShare,
          source: sourceOf(ref, window, { ResourceId: m.r.id }),
        }))
      : [
          {
            kind: 'resources-checked',
            subject,
            description: `none of ${measured.length} measured resources is ${label}`,
            value: 0,
            source: sourceOf(ref, window),
          },
        ];
  const detail = `${hits.length} of ${measured.length} resources ${label}, ${usd(wasted)}/month of ${usd(monthly)} (${pct(wasted / monthly)}) to save`;
  return { name, value: clamp(100 * (1 - wasted / monthly)), weight, detail, evidence };
}

/** Excess spend on anomalous days as a share of the period: 0 scores 100, 10 % scores 0. */
function anomalies(input: CostInput, ref: SourceRef, weight: number): ScoreComponent {
  const name = 'spend anomalies';
  const total = input.dailySpend.reduce((a, d) => a + d.cost, 0);
  if (input.dailySpend.length === 0 || total <= 0)
    return { name, value: null, weight, detail: 'no daily spend', evidence: [] };
  const days = input.dailySpend.map((d) => d.dayMs);
  const range = { fromMs: Math.min(...days), toMs: Math.max(...days) + 86_400_000 };
  const excess = input.spendAnomalies.reduce((a, x) => a + Math.max(0, x.cost - x.expected), 0);
  const share = excess / total;
  const evidence: Evidence[] =
    input.spendAnomalies.length > 0
      ? [...input.spendAnomalies]
          .sort((a, b) => b.cost - b.expected - (a.cost - a.expected) || a.dayMs - b.dayMs)
          .slice(0, MAX_EVIDENCE_ITEMS)
          .map((x) => ({
            kind: 'spend-anomaly',
            subject: input.subject,
            description: `${new Date(x.dayMs).toISOString().slice(0, 10)}: ${usd(x.cost)} against ${usd(x.expected)} expected (score ${x.score.toFixed(2)})`,
            value: x.cost,
            threshold: x.expected,
            source: { table: 'anomalies', filter: { ...ref.filter }, fromMs: x.dayMs, toMs: x.dayMs + 86_400_000 },
          }))
      : [
          {
            kind: 'daily-spend',
            subject: input.subject,
            description: `no anomalous day in ${input.dailySpend.length} days (${usd(total)})`,
            value: total,
            source: sourceOf(ref, range),
          },
        ];
  const detail = `${input.spendAnomalies.length} anomalous day(s), ${usd(excess)} over expected = ${pct(share)} of ${usd(total)}`;
  return { name, value: clamp(100 * (1 - share / ANOMALY_EXCESS_ZERO_SHARE)), weight, detail, evidence };
}

/** Month-end spend (the forecast, or a straight-line projection of month-to-date) against budget:
 *  at or under budget 100, 50 % over scores 0. */
function forecast(input: CostInput, ref: SourceRef, nowMs: number, weight: number): ScoreComponent {
  const name = 'forecast against budget';
  const budget = input.budgetMonthly;
  if (budget === undefined || budget <= 0)
    return { name, value: null, weight, detail: 'no monthly budget', evidence: [] };
  const now = new Date(nowMs);
  const monthStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
  const monthEnd = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
  const elapsed = (nowMs - monthStart) / (monthEnd - monthStart);
  let projected: number;
  let how: string;
  if (input.forecastMonthEnd) {
    projected = input.forecastMonthEnd.yhat;
    how = `forecast ${usd(projected)} (${usd(input.forecastMonthEnd.lower)}–${usd(input.forecastMonthEnd.upper)})`;
  } else if (elapsed > 0) {
    projected = input.spendMonthToDate / elapsed;
    how = `straight-line projection ${usd(projected)} from ${usd(input.spendMonthToDate)} month to date`;
  } else {
    return { name, value: null, weight, detail: 'no forecast and no spend this month yet', evidence: [] };
  }
  const overrun = projected / budget - 1;
  const value = clamp(100 * (1 - Math.max(0, overrun) / BUDGET_OVERRUN_ZERO_SHARE));
  const risk =
    input.forecastMonthEnd && input.forecastMonthEnd.upper > budget && overrun <= 0 ? '; upper bound exceeds it' : '';
  const detail = `${how} against budget ${usd(budget)} (${overrun > 0 ? `${pct(overrun)} over` : 'within'})${risk}`;
  const evidence: Evidence[] = [
    {
      kind: input.forecastMonthEnd ? 'spend-forecast' : 'spend-projection',
      subject: input.subject,
      description: detail,
      value: projected,
      threshold: budget,
      source: input.forecastMonthEnd
        ? { table: 'forecasts', filter: { ...ref.filter }, fromMs: monthStart, toMs: monthEnd }
        : sourceOf(ref, { fromMs: monthStart, toMs: nowMs }),
    },
  ];
  return { name, value, weight, detail, evidence };
}
