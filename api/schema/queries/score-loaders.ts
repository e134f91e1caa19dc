import type { ApiContext } from '../../context.ts';
import { timeRange } from './common.ts';
import { loader, lookbackStart, readsOf, requestNow } from './loaders.ts';
import {
  type LatestScoreRow,
  readLatestScores,
  readScoreSeries,
  SCORE_DIMENSIONS,
  type ScoreScope,
  toScore,
} from './score-reads.ts';
import type { Score, ScoreDimension, ScoreSeries } from './score-types.ts';

/** How far back the latest scores are looked for first: a day, or three store intervals when
 *  longer (platform scores are stored every pass, service and team ones every
 *  `storeScoresEverySec`). Reading a day costs about what reading the last pass does (the same few
 *  granules) and tolerates a scorer some hours behind. */
export function recentScoresMs(ctx: ApiContext, scope: ScoreScope): number {
  const { intervalSec, storeScoresEverySec } = ctx.services.config.scoring;
  const everySec = scope === 'platform' ? intervalSec : Math.max(intervalSec, storeScoresEverySec);
  return Math.max(86_400_000, 3 * everySec * 1000);
}

/** Every dimension a latest-scores read asks for: one read serves `latestScores` and any single
 *  dimension (the platform's health and maturity) alike. */
const LATEST_DIMENSIONS: readonly string[] = [...SCORE_DIMENSIONS, 'maturity'];
const NO_ROWS: ReadonlyMap<string, LatestScoreRow> = new Map();

/** The latest stored row of each dimension of `subject`, by dimension (empty when never scored),
 *  batched per scope across the request: every subject asked for goes in one query. Recent passes are
 *  read first; subjects with nothing there (the scorer was down, a new subject) are looked up again
 *  over their whole history. `withComponents` also reads the component JSON (see readLatestScores). */
export function latestScoreRows(
  ctx: ApiContext,
  scope: ScoreScope,
  subject: string,
  withComponents: boolean,
): Promise<ReadonlyMap<string, LatestScoreRow>> {
  const wh = readsOf(ctx);
  return loader<ReadonlyMap<string, LatestScoreRow>>(
    ctx,
    `latestScores:${scope}:${withComponents ? 'full' : 'values'}`,
    async (keys) => {
      const read = (subjects: readonly string[], sinceMs: number | null) =>
        readLatestScores(wh, { scope, subjects, dimensions: LATEST_DIMENSIONS, sinceMs, withComponents });
      const rows = await read(keys, lookbackStart(ctx, recentScoresMs(ctx, scope)));
      const seen = new Set(rows.map((r) => r.subject));
      const missing = keys.filter((s) => !seen.has(s));
      if (missing.length > 0) rows.push(...(await read(missing, null)));
      const out = new Map<string, Map<string, LatestScoreRow>>();
      for (const r of rows) {
        let bySubject = out.get(r.subject);
        if (!bySubject) {
          bySubject = new Map();
          out.set(r.subject, bySubject);
        }
        bySubject.set(r.dimension, r);
      }
      return out;
    },
    NO_ROWS,
  ).load(subject);
}

/** The latest stored row of one dimension of `subject` (null when never scored); see {@link latestScoreRows}. */
export async function latestScoreRow(
  ctx: ApiContext,
  scope: ScoreScope,
  subject: string,
  dimension: string,
  withComponents: boolean,
): Promise<LatestScoreRow | null> {
  return (await latestScoreRows(ctx, scope, subject, withComponents)).get(dimension) ?? null;
}

/** The latest score of each dimension of `subject` (maturity left out), in dimension order. */
export async function latestScores(
  ctx: ApiContext,
  scope: ScoreScope,
  subject: string,
  withComponents: boolean,
): Promise<Score[]> {
  const rows = await latestScoreRows(ctx, scope, subject, withComponents);
  const out: Score[] = [];
  for (const d of SCORE_DIMENSIONS) {
    const r = rows.get(d);
    if (r) out.push(toScore(r));
  }
  return out;
}

/** One dimension of `subject` over `from`..`to` (default: the last 7 days), batched per scope,
 *  dimension and range across the request. */
export async function scoreSeries(
  ctx: ApiContext,
  scope: ScoreScope,
  subject: string,
  dimension: ScoreDimension,
  from: Date | null | undefined,
  to: Date | null | undefined,
): Promise<ScoreSeries> {
  const range = timeRange(from, to, requestNow(ctx));
  const points = await loader(
    ctx,
    `scoreSeries:${scope}:${dimension}:${range.fromMs}:${range.toMs}`,
    (subjects) => readScoreSeries(readsOf(ctx), scope, dimension, range, subjects),
    [],
  ).load(subject);
  return { dimension, points };
}
