import 'reflect-metadata';
import { Arg, Authorized, Ctx, GraphQLISODateTime, Int, Query, Resolver } from 'type-graphql';
import { NotFoundError } from '../../../core/errors.ts';
import type { ApiContext } from '../../context.ts';
import { pageSize } from '../connection.ts';
import { timeRange } from './common.ts';
import { readCost, readCostForecast, readIdleResources } from './cost-reads.ts';
import { CostForecast, CostGroupBy, CostRow, Granularity, IdleWaste } from './cost-types.ts';
import { readsOf, requestNow } from './loaders.ts';
import { equalsConditions, scopeTeam, teamConditions, teamOfService } from './scope.ts';
import { budgetOf } from './teams.ts';

const DAY_MS = 86_400_000;
/** Default and longest range per granularity: the hourly rollup answers up to a month at a time. */
const RANGES: Record<Granularity, { defaultMs: number; maxMs: number }> = {
  [Granularity.HOUR]: { defaultMs: 2 * DAY_MS, maxMs: 31 * DAY_MS },
  [Granularity.DAY]: { defaultMs: 30 * DAY_MS, maxMs: 400 * DAY_MS },
};

/** Spend from the cost rollups, the month-end forecast against budget, and idle waste; a key
 *  limited to a team sees that team's cost only (filtered in the query). */
@Resolver()
export class CostResolver {
  @Authorized('read')
  @Query(() => [CostRow], { description: 'Cost per group per hour or day, bucket then key order.' })
  cost(
    @Ctx() ctx: ApiContext,
    @Arg('groupBy', () => CostGroupBy) groupBy: CostGroupBy,
    @Arg('from', () => GraphQLISODateTime, { nullable: true }) from?: Date | null,
    @Arg('to', () => GraphQLISODateTime, { nullable: true }) to?: Date | null,
    @Arg('granularity', () => Granularity, { nullable: true }) granularity?: Granularity | null,
    @Arg('team', () => String, { nullable: true }) team?: string | null,
    @Arg('service', () => String, { nullable: true }) service?: string | null,
  ): Promise<CostRow[]> {
    const g = granularity ?? Granularity.DAY;
    const range = timeRange(from, to, requestNow(ctx), RANGES[g].defaultMs, RANGES[g].maxMs);
    const { where, params } = equalsConditions(ctx, team, { service });
    return readCost(readsOf(ctx), { groupBy, granularity: g, range, where, params });
  }

  @Authorized('read')
  @Query(() => CostForecast, {
    nullable: true,
    description: "The team's latest month-end spend forecast; null when none was made (no history or budget).",
  })
  async costForecast(@Ctx() ctx: ApiContext, @Arg('team', () => String) team: string): Promise<CostForecast | null> {
    const catalog = ctx.services.catalog();
    const known =
      catalog.teams.some((t) => t.name === team) || catalog.services.some((s) => teamOfService(catalog, s) === team);
    const scoped = scopeTeam(ctx);
    if (!known || (scoped !== null && scoped !== team)) {
      throw new NotFoundError(`team ${JSON.stringify(team)} not found`);
    }
    const f = await readCostForecast(readsOf(ctx), team);
    if (!f) return null;
    const budget = budgetOf(ctx, team);
    return { team, ...f, budget, overBudget: budget === null ? null : f.yhat > budget };
  }

  @Authorized('read')
  @Query(() => IdleWaste, { description: 'Running resources found idle, and what they cost a month.' })
  async idleWaste(
    @Ctx() ctx: ApiContext,
    @Arg('team', () => String, { nullable: true }) team?: string | null,
    @Arg('first', () => Int, { nullable: true }) first?: number | null,
  ): Promise<IdleWaste> {
    const size = pageSize(first);
    const { where, params } = teamConditions(ctx, team);
    const all = await readIdleResources(readsOf(ctx), where, params);
    return {
      totalMonthlyCost: all.reduce((a, r) => a + r.monthlyCost, 0),
      count: all.length,
      resources: all.slice(0, size),
    };
  }
}
