import { InputError } from '../../core/errors.ts';
import type { EvidenceSource, Scope, Score, ScoreComponent, ScoreDimension, SourceRef } from '../types.ts';

/** Hours in an average month (365 × 24 / 12), the usual cloud-pricing convention for $/month. */
export const HOURS_PER_MONTH = 730;

/** Weighted mean of the components that have a value; null when none has.
 *  Components without data drop out instead of counting as 0, so missing telemetry never
 *  reads as a bad score. */
export function weightedMean(components: readonly Pick<ScoreComponent, 'value' | 'weight'>[]): number | null {
  let sum = 0;
  let weights = 0;
  for (const c of components) {
    if (c.value === null || !(c.weight > 0)) continue;
    sum += c.value * c.weight;
    weights += c.weight;
  }
  return weights > 0 ? sum / weights : null;
}

/** Builds a score from its components; the one place a score's value is computed. */
export function makeScore(
  dimension: ScoreDimension,
  scope: Scope,
  subject: string,
  components: ScoreComponent[],
  computedAtMs: number,
): Score {
  return { dimension, scope, subject, value: weightedMean(components), components, computedAtMs };
}

/** Default component weights with the caller's overrides. Every weight must be positive: a zero
 *  weight would list a component in the score that silently counts for nothing. */
export function resolveWeights<K extends string>(
  defaults: Record<K, number>,
  overrides: Partial<Record<K, number>> | undefined,
): Record<K, number> {
  const weights = { ...defaults, ...overrides };
  for (const [name, w] of Object.entries(weights) as [K, number][]) {
    if (!(Number.isFinite(w) && w > 0)) throw new InputError(`weights.${name} must be a number > 0 (got ${w})`);
  }
  return weights;
}

/** Clamps a number into [min, max]. */
export function clamp(x: number, min = 0, max = 100): number {
  return Math.min(max, Math.max(min, x));
}

/** A share (0–1) as a percentage: `12.3 %` (one decimal unless told otherwise). */
export function pct(share: number, digits = 1): string {
  return `${(share * 100).toFixed(digits)} %`;
}

/** Evidence lists at most this many items per component (worst first); counts in details stay exact. */
export const MAX_EVIDENCE_ITEMS = 50;

/** Money with two decimals: `$12.34`. */
export function usd(amount: number): string {
  return `$${amount.toFixed(2)}`;
}

/** A duration as the largest sensible unit: `45 s`, `12.5 min`, `3.2 h`, `2.0 d`. */
export function formatDuration(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < 60_000) return `${(ms / 1000).toFixed(0)} s`;
  if (abs < 3_600_000) return `${(ms / 60_000).toFixed(1)} min`;
  if (abs < 86_400_000) return `${(ms / 3_600_000).toFixed(1)} h`;
  return `${(ms / 86_400_000).toFixed(1)} d`;
}

/** A source ref narrowed to a time range and, optionally, extra filter columns. */
export function sourceOf(
  ref: SourceRef,
  range: { fromMs?: number; toMs?: number },
  extraFilter: Record<string, string> = {},
): EvidenceSource {
  const source: EvidenceSource = { table: ref.table, filter: { ...ref.filter, ...extraFilter } };
  if (range.fromMs !== undefined) source.fromMs = range.fromMs;
  if (range.toMs !== undefined) source.toMs = range.toMs;
  return source;
}

/** The filter that selects a subject's rows in a table with a service column and a team column
 *  (named `teamColumn`): `{ service }`, `{ [teamColumn]: team }`, or nothing for the platform. */
export function scopeFilter(scope: Scope, subject: string, teamColumn = 'team'): Record<string, string> {
  if (scope === 'service') return { service: subject };
  if (scope === 'team') return { [teamColumn]: subject };
  return {};
}

/** Who a roll-up is for and how much each child counts. */
export interface RollUpParams {
  /** Dimension of every child score (and of the result). */
  dimension: ScoreDimension;
  scope: 'team' | 'platform';
  subject: string;
  /** Weight per child subject (e.g. by tier or traffic), positive; a child not listed weighs 1. */
  weights?: Record<string, number>;
  computedAtMs: number;
}

/** Rolls scores of one dimension up to a team or the platform: one component per child score,
 *  pointing at the stored child score as evidence, so the child's own evidence stays one hop away. */
export function rollUp(scores: readonly Score[], params: RollUpParams): Score {
  const dimension = params.dimension;
  for (const s of scores) {
    if (s.dimension !== dimension) {
      throw new InputError(`rollUp scores must all be ${dimension} (got ${s.dimension} for ${s.subject})`);
    }
    const weight = params.weights?.[s.subject] ?? 1;
    if (!(weight > 0)) throw new InputError(`rollUp weight of ${s.subject} must be > 0 (got ${weight})`);
  }
  const components: ScoreComponent[] = [...scores]
    .sort((a, b) => a.subject.localeCompare(b.subject))
    .map((s) => {
      const weight = params.weights?.[s.subject] ?? 1;
      return {
        name: `${s.scope}:${s.subject}`,
        value: s.value,
        weight,
        detail:
          s.value === null
            ? `${s.subject} has no ${s.dimension} data`
            : `${s.subject} scores ${s.value.toFixed(1)} (weight ${weight})`,
        evidence: [
          {
            kind: 'score',
            subject: s.subject,
            description: `${s.dimension} score of ${s.scope} ${s.subject}`,
            ...(s.value === null ? {} : { value: s.value }),
            source: {
              table: 'scores',
              filter: { dimension: s.dimension, scope: s.scope, subject: s.subject },
              toMs: s.computedAtMs,
            },
          },
        ],
      };
    });
  return makeScore(dimension, params.scope, params.subject, components, params.computedAtMs);
}
