import 'reflect-metadata';
import { Arg, Authorized, Ctx, FieldResolver, Int, Query, Resolver, Root } from 'type-graphql';
import { NotFoundError } from '../../../core/errors.ts';
import type { ApiContext } from '../../context.ts';
import { pageSize } from '../connection.ts';
import { type RowFilter, readInsightsByIds, readRecommendationPage, readRecommendationsBy } from './insight-reads.ts';
import { Insight, Recommendation, RecommendationConnection, RecommendationFilter } from './insight-types.ts';
import { loader, readsOf } from './loaders.ts';
import { equalsConditions, teamConditions } from './scope.ts';

/** The recommendation conditions of a filter plus the key's team scope, all bound parameters. */
function recommendationFilter(ctx: ApiContext, f: RecommendationFilter | null | undefined): RowFilter {
  return equalsConditions(ctx, f?.team, { status: f?.status, type: f?.type, service: f?.service });
}

/** Recommendations (latest versions), within the key's team scope. */
@Resolver(() => Recommendation)
export class RecommendationResolver {
  @Authorized('read')
  @Query(() => RecommendationConnection, { description: 'Recommendations, newest first.' })
  recommendations(
    @Ctx() ctx: ApiContext,
    @Arg('filter', () => RecommendationFilter, { nullable: true }) filter?: RecommendationFilter | null,
    @Arg('first', () => Int, { nullable: true }) first?: number | null,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ): Promise<RecommendationConnection> {
    return readRecommendationPage(readsOf(ctx), recommendationFilter(ctx, filter), pageSize(first), after);
  }

  @Authorized('read')
  @Query(() => Recommendation, { description: 'One recommendation by id; NOT_FOUND outside your team.' })
  async recommendation(@Ctx() ctx: ApiContext, @Arg('id', () => String) id: string): Promise<Recommendation> {
    const [found] = await readRecommendationsBy(readsOf(ctx), 'id', [id], recommendationFilter(ctx, null));
    if (!found) throw new NotFoundError(`recommendation ${JSON.stringify(id)} not found`);
    return found;
  }

  @FieldResolver(() => Insight, { nullable: true, description: 'The insight it came from.' })
  insight(@Root() r: Recommendation, @Ctx() ctx: ApiContext): Promise<Insight | null> {
    return loader<Insight | null>(
      ctx,
      'insightById',
      async (ids) =>
        new Map((await readInsightsByIds(readsOf(ctx), ids, teamConditions(ctx, null))).map((i) => [i.id, i])),
      null,
    ).load(r.insightId);
  }
}
