import 'reflect-metadata';
import { Arg, Authorized, Ctx, FieldResolver, Int, Query, Resolver, Root } from 'type-graphql';
import { NotFoundError } from '../../../core/errors.ts';
import type { ApiContext } from '../../context.ts';
import { pageSize } from '../connection.ts';
import { type RowFilter, readInsightPage, readInsightsByIds, readRecommendationsBy } from './insight-reads.ts';
import {
  FINDING_KINDS,
  FindingKind,
  Insight,
  InsightConnection,
  InsightFilter,
  Recommendation,
} from './insight-types.ts';
import { groupBy, loader, readsOf } from './loaders.ts';
import { equalsConditions, teamConditions } from './scope.ts';

/** The insight conditions of a filter plus the key's team scope, all bound parameters. */
export function insightFilter(ctx: ApiContext, f: InsightFilter | null | undefined): RowFilter {
  return equalsConditions(ctx, f?.team, {
    status: f?.status,
    severity: f?.severity,
    kind: f?.kind,
    service: f?.service,
  });
}

/** Insights and findings (latest versions), within the key's team scope. */
@Resolver(() => Insight)
export class InsightResolver {
  @Authorized('read')
  @Query(() => InsightConnection, { description: 'Insights, newest opened first.' })
  insights(
    @Ctx() ctx: ApiContext,
    @Arg('filter', () => InsightFilter, { nullable: true }) filter?: InsightFilter | null,
    @Arg('first', () => Int, { nullable: true }) first?: number | null,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ): Promise<InsightConnection> {
    return readInsightPage(readsOf(ctx), insightFilter(ctx, filter), pageSize(first), after);
  }

  @Authorized('read')
  @Query(() => Insight, { description: 'One insight by id; NOT_FOUND outside your team.' })
  async insight(@Ctx() ctx: ApiContext, @Arg('id', () => String) id: string): Promise<Insight> {
    const [found] = await readInsightsByIds(readsOf(ctx), [id], insightFilter(ctx, null));
    if (!found) throw new NotFoundError(`insight ${JSON.stringify(id)} not found`);
    return found;
  }

  @Authorized('read')
  @Query(() => InsightConnection, {
    description:
      'Open governance findings (shadow and untagged resources) or access findings (risky and unused access), newest first.',
  })
  findings(
    @Ctx() ctx: ApiContext,
    @Arg('kind', () => FindingKind) kind: FindingKind,
    @Arg('team', () => String, { nullable: true }) team?: string | null,
    @Arg('first', () => Int, { nullable: true }) first?: number | null,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ): Promise<InsightConnection> {
    const f = insightFilter(ctx, { team });
    f.where.push("status != 'resolved'", 'kind IN {findingKinds:Array(String)}');
    f.params.findingKinds = FINDING_KINDS[kind];
    return readInsightPage(readsOf(ctx), f, pageSize(first), after);
  }

  @FieldResolver(() => [Recommendation], { description: 'What to do about it, oldest first.' })
  recommendations(@Root() insight: Insight, @Ctx() ctx: ApiContext): Promise<Recommendation[]> {
    return loader(
      ctx,
      'recommendationsByInsight',
      async (ids) =>
        groupBy(
          await readRecommendationsBy(readsOf(ctx), 'insight_id', ids, teamConditions(ctx, null)),
          (r) => r.insightId,
        ),
      [] as Recommendation[],
    ).load(insight.id);
  }
}
