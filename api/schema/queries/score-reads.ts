import type { Warehouse } from '../../../core/warehouse/index.ts';
import type { ScoreComponent as ScoringComponent } from '../../../scoring/types.ts';
import { numOrNull, type TimeRange } from './common.ts';
import { groupBy } from './loaders.ts';
import { type Score, type ScoreDimension, type ScorePoint, toEvidence } from './score-types.ts';

/** A score scope as stored in `scores.scope`. */
export type ScoreScope = 'platform' | 'team' | 'service';

/** The latest stored row of one dimension of one subject; `components` is the raw JSON. */
export interface LatestScoreRow {
  dimension: string;
  subject: string;
  value: number | null;
  components: string;
  at: number;
}

/** Most points a score series returns: longer ranges are bucketed (last pass of each bucket). */
export const MAX_SERIES_POINTS = 500;

/** The latest row of each of `dimensions` for each subject of one scope, in one pass over the
 *  rows (argMax by pass time). `sinceMs` bounds the read to recent passes, so the sort key skips
 *  each subject's history (null: all of it). The component JSON is the heavy column: it is read
 *  only when `withComponents`, else `components` is ''. Values go through a tuple because argMax
 *  skips NULL arguments, and a latest NULL score must not show an older value. */
export async function readLatestScores(
  wh: Warehouse,
  p: {
    scope: ScoreScope;
    subjects: readonly string[];
    dimensions: readonly string[];
    sinceMs: number | null;
    withComponents: boolean;
  },
): Promise<LatestScoreRow[]> {
  const since = p.sinceMs === null ? '' : " AND computed_at >= {since:DateTime64(3, 'UTC')}";
  const rows = await wh.query<{ dimension: string; subject: string; latest: [number | null, string]; at: number }>(
    `SELECT dimension, subject, argMax(tuple(value, ${p.withComponents ? 'components' : "''"}), computed_at) AS latest,
       toUnixTimestamp64Milli(max(computed_at)) AS at
     FROM scores
     WHERE dimension IN {dimensions:Array(String)} AND scope = {scope:String}
       AND subject IN {subjects:Array(String)}${since}
     GROUP BY dimension, subject`,
    { dimensions: p.dimensions, scope: p.scope, subjects: p.subjects, since: p.sinceMs ?? 0 },
  );
  return rows.map((r) => ({
    dimension: r.dimension,
    subject: r.subject,
    value: numOrNull(r.latest[0]),
    components: r.latest[1],
    at: Number(r.at),
  }));
}

/** One dimension's score per subject over a range: the last pass of each bucket, buckets sized so a
 *  series has at most {@link MAX_SERIES_POINTS} points (never under a minute). */
export async function readScoreSeries(
  wh: Warehouse,
  scope: ScoreScope,
  dimension: ScoreDimension,
  range: TimeRange,
  subjects: readonly string[],
): Promise<Map<string, ScorePoint[]>> {
  const stepMs = Math.max(60_000, Math.ceil((range.toMs - range.fromMs) / MAX_SERIES_POINTS));
  const rows = await wh.query<{ subject: string; at: number; v: [number | null] }>(
    `SELECT subject, toUnixTimestamp64Milli(max(computed_at)) AS at, argMax(tuple(value), computed_at) AS v
     FROM scores
     WHERE dimension = {dimension:String} AND scope = {scope:String} AND subject IN {subjects:Array(String)}
       AND computed_at >= {from:DateTime64(3, 'UTC')} AND computed_at < {to:DateTime64(3, 'UTC')}
     GROUP BY subject, intDiv(toUnixTimestamp64Milli(computed_at), {step:UInt64}) AS b
     ORDER BY subject, at`,
    { dimension, scope, subjects, from: range.fromMs, to: range.toMs, step: stepMs },
  );
  const out = new Map<string, ScorePoint[]>();
  for (const [subject, list] of groupBy(rows, (r) => r.subject)) {
    out.set(
      subject,
      list.map((r) => ({ at: new Date(Number(r.at)), value: numOrNull(r.v[0]) })),
    );
  }
  return out;
}

/** A stored score row as the GraphQL `Score`. */
export function toScore(r: LatestScoreRow): Score {
  let components: Partial<ScoringComponent>[] = [];
  // '' when the components were not read: no parse (a thrown SyntaxError per score is most of a page's time).
  if (r.components !== '') {
    try {
      const parsed = JSON.parse(r.components) as unknown;
      if (Array.isArray(parsed)) components = parsed;
    } catch {
      // a row that is not JSON shows no components rather than failing the page
    }
  }
  return {
    dimension: r.dimension as ScoreDimension,
    value: r.value,
    computedAt: new Date(r.at),
    components: components.map((c) => ({
      name: String(c.name ?? ''),
      value: typeof c.value === 'number' ? c.value : null,
      weight: typeof c.weight === 'number' ? c.weight : 0,
      detail: String(c.detail ?? ''),
      evidence: (c.evidence ?? []).map(toEvidence),
    })),
  };
}

/** The dimensions a latest-scores list shows (maturity is the platform's own field). */
export const SCORE_DIMENSIONS: readonly string[] = [
  'reliability',
  'cost',
  'governance',
  'security',
  'operations',
  'health',
];
