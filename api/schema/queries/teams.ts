import 'reflect-metadata';
import type { GraphQLResolveInfo } from 'graphql';
import {
  Arg,
  Authorized,
  Ctx,
  FieldResolver,
  GraphQLISODateTime,
  Info,
  Int,
  Query,
  Resolver,
  Root,
} from 'type-graphql';
import { NotFoundError } from '../../../core/errors.ts';
import type { CatalogTeam } from '../../../scoring/catalog/index.ts';
import type { ApiContext } from '../../context.ts';
import { selects } from './common.ts';
import { byName, scopeTeam } from './scope.ts';
import { latestScores, scoreSeries } from './score-loaders.ts';
import { Score, ScoreDimension, ScoreSeries } from './score-types.ts';
import { ServiceConnection, Team, TeamConnection } from './service-types.ts';
import { catalogServices, pageByName } from './services.ts';

/** A team's monthly budget: the configuration's, else the catalog's annotation. */
export function budgetOf(ctx: ApiContext, team: string): number | null {
  const configured = ctx.services.config.scoring.budgets[team];
  if (configured !== undefined) return configured;
  return ctx.services.catalog().teams.find((t) => t.name === team)?.budgetMonthlyUsd ?? null;
}

function toTeam(ctx: ApiContext, t: CatalogTeam): Team {
  return { name: t.name, displayName: t.displayName, budgetMonthlyUsd: budgetOf(ctx, t.name) };
}

/** Catalog teams visible to the key: all of them, or its own. */
function visibleTeams(ctx: ApiContext): CatalogTeam[] {
  const scoped = scopeTeam(ctx);
  return [...ctx.services.catalog().teams].filter((t) => scoped === null || t.name === scoped).sort(byName);
}

/** Teams (from the catalog, within the key's scope) with their services and scores. */
@Resolver(() => Team)
export class TeamResolver {
  @Authorized('read')
  @Query(() => TeamConnection, { description: 'Owning teams by name.' })
  teams(
    @Ctx() ctx: ApiContext,
    @Arg('first', () => Int, { nullable: true }) first?: number | null,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ): TeamConnection {
    return pageByName(
      visibleTeams(ctx).map((t) => toTeam(ctx, t)),
      first,
      after,
    );
  }

  @Authorized('read')
  @Query(() => Team, { description: 'One team by name; NOT_FOUND outside your team.' })
  team(@Ctx() ctx: ApiContext, @Arg('name', () => String) name: string): Team {
    const t = visibleTeams(ctx).find((x) => x.name === name);
    if (!t) throw new NotFoundError(`team ${JSON.stringify(name)} not found`);
    return toTeam(ctx, t);
  }

  @FieldResolver(() => ServiceConnection, { description: "The team's services by name." })
  services(
    @Root() team: Team,
    @Ctx() ctx: ApiContext,
    @Arg('first', () => Int, { nullable: true }) first?: number | null,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ): ServiceConnection {
    const scoped = scopeTeam(ctx);
    const mine = catalogServices(ctx.services.catalog()).filter(
      (s) => s.team === team.name && (scoped === null || s.team === scoped),
    );
    return pageByName(mine, first, after);
  }

  @FieldResolver(() => [Score], { description: 'The latest team roll-up of each dimension scored per team.' })
  latestScores(@Root() team: Team, @Ctx() ctx: ApiContext, @Info() info: GraphQLResolveInfo): Promise<Score[]> {
    return latestScores(ctx, 'team', team.name, selects(info, 'components'));
  }

  @FieldResolver(() => ScoreSeries, { description: 'A team score over time (default: the last 7 days).' })
  scores(
    @Root() team: Team,
    @Ctx() ctx: ApiContext,
    @Arg('dimension', () => ScoreDimension) dimension: ScoreDimension,
    @Arg('from', () => GraphQLISODateTime, { nullable: true }) from?: Date | null,
    @Arg('to', () => GraphQLISODateTime, { nullable: true }) to?: Date | null,
  ): Promise<ScoreSeries> {
    return scoreSeries(ctx, 'team', team.name, dimension, from, to);
  }
}
