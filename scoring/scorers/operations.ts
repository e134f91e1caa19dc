import type { Evidence, Score, ScoreComponent, ScoreOptions, SourceRef } from '../types.ts';
import { formatDuration, makeScore, pct, resolveWeights, sourceOf } from './score.ts';

/** One incident's timeline, epoch ms; unset = not detected / not resolved yet. */
export interface IncidentTimes {
  startMs: number;
  detectedMs?: number;
  resolvedMs?: number;
}

/** Input of `scoreOperations`; a null part means no data for it. */
export interface OperationsInput {
  subject: string;
  scope?: 'service' | 'team' | 'platform';
  fromMs: number;
  toMs: number;
  /** Corrective actions in the window; `rolledBack` counts automated ones that were rolled back. */
  corrections: { automated: number; manual: number; rolledBack: number } | null;
  incidents: IncidentTimes[] | null;
  changes: { deploys: number; failed: number } | null;
  /** Rows behind each part. @default action_events, incidents, deployments filtered by subject */
  sources?: Partial<Record<'corrections' | 'incidents' | 'changes', SourceRef>>;
}

/** Options of `scoreOperations`. */
export interface OperationsOptions extends ScoreOptions {
  weights?: Partial<Record<OperationsComponentName, number>>;
}

/** The components of an operations score. */
export type OperationsComponentName = 'automation share' | 'time to detect' | 'time to restore' | 'change failure rate';

/** Relative weights of the operations components. */
export const DEFAULT_OPERATIONS_WEIGHTS: Record<OperationsComponentName, number> = {
  'automation share': 0.25,
  'time to detect': 0.2,
  'time to restore': 0.3,
  'change failure rate': 0.25,
};

/** A DORA performance band. */
export type DoraBand = 'elite' | 'high' | 'medium' | 'low';

/** Score of each band; stepped so a reader can check a score against the band named in its detail. */
export const BAND_SCORES: Record<DoraBand, number> = { elite: 100, high: 75, medium: 50, low: 25 };

/** Upper bounds of each band (a value at or under `elite` is elite, and so on; above `medium` is low).
 *  Time to restore and change failure rate follow the DORA 2023 State of DevOps clusters (restore
 *  < 1 h / < 1 d / < 1 w; failure rate 5 % / 10 % / 15 %). DORA defines no time to detect: those
 *  bounds are AEGIS's own, chosen so that detection takes a small share of a restore in each band. */
export const DORA_BANDS = {
  timeToRestoreMs: { elite: 3_600_000, high: 86_400_000, medium: 7 * 86_400_000 },
  changeFailureRate: { elite: 0.05, high: 0.1, medium: 0.15 },
  timeToDetectMs: { elite: 5 * 60_000, high: 15 * 60_000, medium: 3_600_000 },
} as const;

/** The band a value falls in, lower being better. */
export function bandOf(value: number, bounds: { elite: number; high: number; medium: number }): DoraBand {
  if (value <= bounds.elite) return 'elite';
  if (value <= bounds.high) return 'high';
  if (value <= bounds.medium) return 'medium';
  return 'low';
}

/** Mean of (end − start) over incidents that have an end; null when none has. */
export function meanDurationMs(incidents: readonly IncidentTimes[], end: 'detectedMs' | 'resolvedMs'): number | null {
  const ds = incidents.filter((i) => i[end] !== undefined).map((i) => (i[end] as number) - i.startMs);
  return ds.length > 0 ? ds.reduce((a, b) => a + b, 0) / ds.length : null;
}

/** Scores operations: automation share, MTTD, MTTR and change failure rate against DORA bands. */
export function scoreOperations(input: OperationsInput, options: OperationsOptions): Score {
  const w = resolveWeights(DEFAULT_OPERATIONS_WEIGHTS, options.weights);
  const ref = (part: 'corrections' | 'incidents' | 'changes', table: string) =>
    input.sources?.[part] ?? { table, filter: { subject: input.subject } };
  const window = { fromMs: input.fromMs, toMs: input.toMs };
  const fact = (kind: string, r: SourceRef, description: string, value: number, threshold?: number): Evidence => ({
    kind,
    subject: input.subject,
    description,
    value,
    ...(threshold === undefined ? {} : { threshold }),
    source: sourceOf(r, window),
  });

  let automation: ScoreComponent = {
    name: 'automation share',
    value: null,
    weight: w['automation share'],
    detail: 'no corrective actions',
    evidence: [],
  };
  const c = input.corrections;
  if (c && c.automated + c.manual > 0) {
    // A rolled-back automated correction corrected nothing, so only the kept ones count.
    const kept = Math.max(0, c.automated - c.rolledBack);
    const share = kept / (c.automated + c.manual);
    const detail = `${kept} of ${c.automated + c.manual} corrections automated and kept (${c.automated} automated, ${c.rolledBack} rolled back, ${c.manual} manual)`;
    automation = {
      ...automation,
      value: 100 * share,
      detail,
      evidence: [fact('corrections', ref('corrections', 'action_events'), detail, share)],
    };
  }

  const timed = (
    name: OperationsComponentName,
    end: 'detectedMs' | 'resolvedMs',
    bounds: { elite: number; high: number; medium: number },
    label: string,
    source: string,
  ): ScoreComponent => {
    const incidents = input.incidents ?? [];
    const mean = meanDurationMs(incidents, end);
    if (mean === null)
      return {
        name,
        value: null,
        weight: w[name],
        detail: incidents.length === 0 ? 'no incidents' : `no incident has a ${label} time yet`,
        evidence: [],
      };
    const band = bandOf(mean, bounds);
    const count = incidents.filter((i) => i[end] !== undefined).length;
    const detail = `${label} ${formatDuration(mean)} over ${count} incident(s): ${band} (${source})`;
    return {
      name,
      value: BAND_SCORES[band],
      weight: w[name],
      detail,
      evidence: [
        fact(
          `mean-time-to-${end === 'detectedMs' ? 'detect' : 'restore'}`,
          ref('incidents', 'incidents'),
          detail,
          mean,
          bounds.elite,
        ),
      ],
    };
  };

  let cfr: ScoreComponent = {
    name: 'change failure rate',
    value: null,
    weight: w['change failure rate'],
    detail: 'no deployments',
    evidence: [],
  };
  const ch = input.changes;
  if (ch && ch.deploys > 0) {
    const rate = ch.failed / ch.deploys;
    const band = bandOf(rate, DORA_BANDS.changeFailureRate);
    const detail = `${ch.failed} of ${ch.deploys} deployments failed (${pct(rate)}): ${band} (DORA 2023)`;
    cfr = {
      ...cfr,
      value: BAND_SCORES[band],
      detail,
      evidence: [
        fact('change-failure-rate', ref('changes', 'deployments'), detail, rate, DORA_BANDS.changeFailureRate.elite),
      ],
    };
  }

  const components = [
    automation,
    timed('time to detect', 'detectedMs', DORA_BANDS.timeToDetectMs, 'mean time to detect', 'AEGIS bands'),
    timed('time to restore', 'resolvedMs', DORA_BANDS.timeToRestoreMs, 'mean time to restore', 'DORA 2023'),
    cfr,
  ];
  return makeScore('operations', input.scope ?? 'service', input.subject, components, options.nowMs);
}
