import 'reflect-metadata';
import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Authorized, Ctx, FieldResolver, GraphQLISODateTime, Info, Query, Resolver } from 'type-graphql';
import { MATURITY_NAMES, type MaturityAssessment, type MaturityLevel } from '../../../scoring/assessment/index.ts';
import type { ApiContext } from '../../context.ts';
import { parseJson, selects } from './common.ts';
import { Maturity, Platform } from './platform-types.ts';
import { latestScoreRow, latestScores, scoreSeries } from './score-loaders.ts';
import { type LatestScoreRow, toScore } from './score-reads.ts';
import { Score, ScoreDimension, ScoreSeries, toEvidence } from './score-types.ts';

const PLATFORM = 'platform';

/** The platform's health index, maturity and platform-scope scores, from the latest pass. */
@Resolver(() => Platform)
export class PlatformResolver {
  @Authorized('read')
  @Query(() => Platform, { description: 'The platform as of the latest scoring pass.' })
  platform(): Platform {
    return { name: PLATFORM };
  }

  @FieldResolver(() => Score, { nullable: true, description: 'The health index; null before the first pass.' })
  async health(@Ctx() ctx: ApiContext, @Info() info: GraphQLResolveInfo): Promise<Score | null> {
    const row = await latestScoreRow(ctx, 'platform', PLATFORM, 'health', selects(info, 'components'));
    return row ? toScore(row) : null;
  }

  @FieldResolver(() => Maturity, { nullable: true, description: 'Null before the first pass.' })
  async maturity(@Ctx() ctx: ApiContext, @Info() info: GraphQLResolveInfo): Promise<Maturity | null> {
    // Level, name and next level follow from the stored value; criteria need the assessment JSON.
    const row = await latestScoreRow(ctx, 'platform', PLATFORM, 'maturity', selects(info, 'criteria', 'missing'));
    return row ? toMaturity(row) : null;
  }

  @FieldResolver(() => [Score], { description: 'The latest platform score of each dimension.' })
  latestScores(@Ctx() ctx: ApiContext, @Info() info: GraphQLResolveInfo): Promise<Score[]> {
    return latestScores(ctx, 'platform', PLATFORM, selects(info, 'components'));
  }

  @FieldResolver(() => ScoreSeries, { description: 'A platform score over time (default: the last 7 days).' })
  scores(
    @Ctx() ctx: ApiContext,
    @Arg('dimension', () => ScoreDimension) dimension: ScoreDimension,
    @Arg('from', () => GraphQLISODateTime, { nullable: true }) from?: Date | null,
    @Arg('to', () => GraphQLISODateTime, { nullable: true }) to?: Date | null,
  ): Promise<ScoreSeries> {
    return scoreSeries(ctx, 'platform', PLATFORM, dimension, from, to);
  }
}

/** The stored maturity row (value = level, components = the whole assessment) as `Maturity`. */
function toMaturity(row: LatestScoreRow): Maturity {
  const m = parseJson<Partial<MaturityAssessment>>(row.components, {});
  const level = Number(m.level ?? row.value ?? 1) as MaturityLevel;
  const next = level < 5 ? ((level + 1) as MaturityLevel) : null;
  return {
    level,
    name: MATURITY_NAMES[level] ?? String(m.name ?? ''),
    computedAt: new Date(row.at),
    criteria: (m.criteria ?? []).map((c) => ({
      id: c.id,
      level: c.level,
      description: c.description,
      met: c.met ?? null,
      value: c.value ?? null,
      threshold: c.threshold,
      comparison: c.comparison,
      unit: c.unit,
      evidence: (c.evidence ?? []).map(toEvidence),
    })),
    nextLevel: next,
    nextLevelName: next === null ? null : MATURITY_NAMES[next],
    missing: m.nextLevel?.missing ?? [],
  };
}
