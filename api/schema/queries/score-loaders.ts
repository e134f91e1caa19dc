import type { ApiContext } from '../../context.ts';
import { timeRange } from './common.ts';
import { loader, requestNow } from './loaders.ts';
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

const KEY_SEPARATOR = '\u0000';

/** The latest stored row of one dimension of `subject` (null when never scored), batched per scope
 *  across the request: every subject and dimension asked for goes in one query. Recent passes are
 *  read first; subjects with nothing there (the scorer was down, a new subject) are looked up again
 *  over their whole history. `withComponents` also reads the component JSON (see readLatestScores). */
export function latestScoreRow(
  ctx: ApiContext,
  scope: ScoreScope,
  subject: string,
  dimension: string,
  withComponents: boolean,
): Promise<LatestScoreRow | null> {
  const wh = ctx.services.warehouse;
  return loader<LatestScoreRow | null>(
    ctx,
    `latestScores:${scope}:${withComponents ? 'full' : 'values'}`,
    async (keys) => {
      const pairs = keys.map((k) => k.split(KEY_SEPARATOR) as [string, string]);
      const subjects = [...new Set(pairs.map(([s]) => s))];
      const dimensions = [...new Set(pairs.map(([, d]) => d))];
      const read = (subjectList: string[], sinceMs: number | null) =>
        readLatestScores(wh, { scope, subjects: subjectList, dimensions, sinceMs, withComponents });
      const rows = await read(subjects, requestNow(ctx) - recentScoresMs(ctx, scope));
      const seen = new Set(rows.map((r) => r.subject));
      const missing = subjects.filter((s) => !seen.has(s));
      if (missing.length > 0) rows.push(...(await read(missing, null)));
      return new Map(rows.map((r) => [`${r.subject}${KEY_SEPARATOR}${r.dimension}`, r]));
    },
    null,
  ).load(`${subject}${KEY_SEPARATOR}${dimension}`);
}

/** The latest score of each dimension of `subject` (maturity left out), in dimension order. */
export async function latestScores(
  ctx: ApiContext,
  scope: ScoreScope,
  subject: string,
  withComponents: boolean,
): Promise<Score[]> {
  const rows = await Promise.all(SCORE_DIMENSIONS.map((d) => latestScoreRow(ctx, scope, subject, d, withComponents)));
  return rows.filter((r): r is LatestScoreRow => r !== null).map(toScore);
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
    (subjects) => readScoreSeries(ctx.services.warehouse, scope, dimension, range, subjects),
    [],
  ).load(subject);
  return { dimension, points };
}
