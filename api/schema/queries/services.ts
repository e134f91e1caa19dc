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
import type { Catalog, CatalogService } from '../../../scoring/catalog/index.ts';
import type { ApiContext } from '../../context.ts';
import { decodeCursor, pageSize, toConnection } from '../connection.ts';
import { selects, timeRange } from './common.ts';
import { loader, lookbackStart, readsOf, requestNow } from './loaders.ts';
import { requireService, scopeTeam, servicesByName, teamOfService } from './scope.ts';
import { latestScores, scoreSeries } from './score-loaders.ts';
import { Score, ScoreDimension, ScoreSeries } from './score-types.ts';
import { readAnomalies, readForecasts, readSlos } from './service-reads.ts';
import {
  Anomaly,
  ForecastPoint,
  Service,
  ServiceConnection,
  ServiceFilter,
  SloStatus,
  type Tier,
} from './service-types.ts';

/** A catalog service as the GraphQL `Service`. */
export function toService(catalog: Catalog, s: CatalogService): Service {
  return {
    name: s.name,
    title: s.title,
    description: s.description,
    tier: s.tier as Tier,
    owner: s.owner,
    team: teamOfService(catalog, s),
    system: s.system,
    lifecycle: s.lifecycle,
  };
}

const servicesOfCatalog = new WeakMap<Catalog, readonly Service[]>();

/** Every service of a catalog as `Service`, by name: built once per catalog, shared (read-only) by requests. */
export function catalogServices(catalog: Catalog): readonly Service[] {
  let list = servicesOfCatalog.get(catalog);
  if (!list) {
    list = Object.freeze(servicesByName(catalog).map((s) => Object.freeze(toService(catalog, s))));
    servicesOfCatalog.set(catalog, list);
  }
  return list;
}

/** Pages a name-sorted list by name: the cursor is the last name seen. */
export function pageByName<T extends { name: string }>(
  items: readonly T[],
  first?: number | null,
  after?: string | null,
) {
  const size = pageSize(first);
  const from = decodeCursor(after, 1)?.[0];
  const rest = from === undefined ? items : items.filter((i) => i.name > String(from));
  return toConnection(
    rest.slice(0, size + 1),
    size,
    (i) => [i.name],
    (i) => i,
  );
}

/** How far back the latest SLO status is looked for: a day, else (the scorer was down) a week. */
const SLO_LOOKBACK_MS = [86_400_000, 7 * 86_400_000] as const;

/** The latest status of the services' SLOs: rows within three scoring intervals (at least 5 min) of
 *  their latest pass in the last day, or in the last week when none is that recent. */
async function latestSlos(
  ctx: ApiContext,
  names: readonly string[],
  withBurn: boolean,
): Promise<Map<string, SloStatus[]>> {
  const passWindowMs = Math.max(5 * 60_000, 3 * ctx.services.config.scoring.intervalSec * 1000);
  const read = (lookbackMs: number) =>
    readSlos(readsOf(ctx), names, { sinceMs: lookbackStart(ctx, lookbackMs), passWindowMs, withBurn });
  const found = await read(SLO_LOOKBACK_MS[0]);
  return found.size > 0 ? found : read(SLO_LOOKBACK_MS[1]);
}

/** Services (from the catalog, within the key's team scope) and their scores, SLOs, anomalies and
 *  forecasts; nested fields go through per-request loaders, one query per field per page. */
@Resolver(() => Service)
export class ServiceResolver {
  @Authorized('read')
  @Query(() => ServiceConnection, { description: 'Catalogued services by name.' })
  services(
    @Ctx() ctx: ApiContext,
    @Arg('first', () => Int, { nullable: true }) first?: number | null,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
    @Arg('filter', () => ServiceFilter, { nullable: true }) filter?: ServiceFilter | null,
  ): ServiceConnection {
    const search = filter?.search?.toLowerCase();
    const scoped = scopeTeam(ctx);
    const list = catalogServices(ctx.services.catalog()).filter(
      (s) =>
        (scoped === null || s.team === scoped) &&
        (!filter?.tier || s.tier === filter.tier) &&
        (!filter?.team || s.team === filter.team) &&
        (!search ||
          s.name.toLowerCase().includes(search) ||
          s.title.toLowerCase().includes(search) ||
          s.description.toLowerCase().includes(search)),
    );
    return pageByName(list, first, after);
  }

  @Authorized('read')
  @Query(() => Service, { description: 'One service by name (or catalog ref); NOT_FOUND outside your team.' })
  service(@Ctx() ctx: ApiContext, @Arg('name', () => String) name: string): Service {
    return toService(ctx.services.catalog(), requireService(ctx, name));
  }

  @FieldResolver(() => [Score], { description: 'The latest score of each dimension scored for the service.' })
  latestScores(@Root() s: Service, @Ctx() ctx: ApiContext, @Info() info: GraphQLResolveInfo): Promise<Score[]> {
    return latestScores(ctx, 'service', s.name, selects(info, 'components'));
  }

  @FieldResolver(() => ScoreSeries, { description: 'A score over time (default: the last 7 days).' })
  scores(
    @Root() s: Service,
    @Ctx() ctx: ApiContext,
    @Arg('dimension', () => ScoreDimension) dimension: ScoreDimension,
    @Arg('from', () => GraphQLISODateTime, { nullable: true }) from?: Date | null,
    @Arg('to', () => GraphQLISODateTime, { nullable: true }) to?: Date | null,
  ): Promise<ScoreSeries> {
    return scoreSeries(ctx, 'service', s.name, dimension, from, to);
  }

  @FieldResolver(() => [SloStatus], { description: 'Each SLO as of the latest pass.' })
  slos(@Root() s: Service, @Ctx() ctx: ApiContext, @Info() info: GraphQLResolveInfo): Promise<SloStatus[]> {
    const withBurn = selects(info, 'burnRates', 'firing');
    return loader(
      ctx,
      `slos:${withBurn ? 'full' : 'status'}`,
      (names) => latestSlos(ctx, names, withBurn),
      [] as SloStatus[],
    ).load(s.name);
  }

  @FieldResolver(() => [Anomaly], { description: 'Newest anomalies first (default: the last 7 days, 20).' })
  anomalies(
    @Root() s: Service,
    @Ctx() ctx: ApiContext,
    @Arg('from', () => GraphQLISODateTime, { nullable: true }) from?: Date | null,
    @Arg('to', () => GraphQLISODateTime, { nullable: true }) to?: Date | null,
    @Arg('first', () => Int, { nullable: true }) first?: number | null,
  ): Promise<Anomaly[]> {
    const range = timeRange(from, to, requestNow(ctx));
    const size = pageSize(first);
    return loader(
      ctx,
      `anomalies:${range.fromMs}:${range.toMs}:${size}`,
      (names) => readAnomalies(readsOf(ctx), names, range, size),
      [] as Anomaly[],
    ).load(s.name);
  }

  @FieldResolver(() => [ForecastPoint], {
    description: 'The first steps of the latest capacity forecast (saturation and resource memory).',
  })
  forecasts(
    @Root() s: Service,
    @Ctx() ctx: ApiContext,
    @Arg('metric', () => String, { nullable: true }) metric?: string | null,
    @Arg('first', () => Int, { nullable: true }) first?: number | null,
  ): Promise<ForecastPoint[]> {
    const size = pageSize(first);
    return loader(
      ctx,
      `forecasts:${JSON.stringify(metric ?? '')}:${size}`,
      (names) => readForecasts(readsOf(ctx), names, metric ?? null, size),
      [] as ForecastPoint[],
    ).load(s.name);
  }
}
