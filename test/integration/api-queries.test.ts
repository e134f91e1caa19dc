import 'reflect-metadata';
import { type ExecutionResult, type GraphQLSchema, graphql } from 'graphql';
import { buildSchema } from 'type-graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authChecker } from '../../api/auth/index.ts';
import type { ApiPrincipal } from '../../api/auth/permissions.ts';
import type { ApiContext } from '../../api/context.ts';
import { QUERY_RESOLVERS } from '../../api/schema/queries/index.ts';
import { storeSimulated } from '../../bench/store-direct.ts';
import { type AegisConfig, aegisConfigSchema } from '../../core/config/index.ts';
import { silentLogger } from '../../core/logger.ts';
import { toJsonEachRow, type Warehouse } from '../../core/warehouse/index.ts';
import { simulatedPlatformConfig } from '../../ingest/components.ts';
import { createPlatform } from '../../ingest/simulator/index.ts';
import type { Catalog } from '../../scoring/catalog/index.ts';
import { buildScorer } from '../../scoring/components.ts';
import { loadDefinitions } from '../../scoring/service/definitions.ts';
import { startTestWarehouse, tempDir } from '../harness/index.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
// The current hour, so the raw tables' TTL keeps what is seeded.
const NOW = Math.floor(Date.now() / HOUR) * HOUR;
const INJECTION = "'; DROP TABLE scores; --";

const ADMIN: ApiPrincipal = { keyId: 'ak_admin', name: 'admin', role: 'admin', team: null };
const NOBODY: ApiPrincipal = { keyId: 'ak_none', name: 'none', role: 'viewer', team: null };

/** Counts the warehouse's SELECTs, so batching can be checked. */
function counting(wh: Warehouse): { warehouse: Warehouse; queries: string[] } {
  const queries: string[] = [];
  const warehouse: Warehouse = Object.create(wh);
  warehouse.query = (sql, params) => {
    queries.push(sql);
    return wh.query(sql, params);
  };
  return { warehouse, queries };
}

describe('GraphQL read queries on a scored warehouse', () => {
  let store: Awaited<ReturnType<typeof startTestWarehouse>>;
  let wh: Warehouse;
  let schema: GraphQLSchema;
  let catalog: Catalog;
  let config: AegisConfig;
  let teams: string[];
  const dir = tempDir('aegis-api-queries-');
  const counter = { queries: [] as string[] };
  let countingWh: Warehouse;

  const run = async (
    source: string,
    principal: ApiPrincipal | null = ADMIN,
    variableValues?: Record<string, unknown>,
  ): Promise<ExecutionResult> => {
    const contextValue: ApiContext = {
      requestId: 'test',
      principal,
      services: {
        config,
        warehouse: countingWh,
        bus: undefined as never,
        controller: undefined as never,
        catalog: () => catalog,
        logger: silentLogger(),
        clock: () => NOW + 60_000,
      },
      loaders: new Map(),
    };
    return graphql({ schema, source, contextValue, variableValues });
  };
  const data = async (
    source: string,
    principal?: ApiPrincipal | null,
    vars?: Record<string, unknown>,
    // biome-ignore lint/suspicious/noExplicitAny: test helper over untyped GraphQL data
  ): Promise<any> => {
    const r = await run(source, principal, vars);
    expect(r.errors).toBeUndefined();
    return r.data;
  };
  const errorCode = (r: ExecutionResult) =>
    (r.errors?.[0]?.originalError as { code?: string } | undefined)?.code ?? r.errors?.[0]?.message;
  const teamOf = (service: string) => {
    const s = catalog.serviceByName(service);
    return s ? (catalog.teamOf(s)?.name ?? s.owner) : '';
  };

  beforeAll(async () => {
    store = await startTestWarehouse();
    wh = store.warehouse;
    const counted = counting(wh);
    countingWh = counted.warehouse;
    counter.queries = counted.queries;
    config = aegisConfigSchema.parse({ dataDir: dir.path, simulator: { services: 6, teams: 3 } });
    const platform = createPlatform(simulatedPlatformConfig(config));
    await storeSimulated(wh, platform, NOW - 2 * DAY, NOW, ['metrics', 'access', 'resources']);
    // Two weeks of cost (cheap: a row per resource-hour), so month-end spend can be forecast.
    await storeSimulated(wh, platform, NOW - 14 * DAY, NOW, ['cost']);
    // A small budget for one team, so a month-end forecast (and an overrun) exists.
    catalog = loadDefinitions(config).catalog;
    teams = [...new Set(catalog.services.map((s) => catalog.teamOf(s)?.name ?? s.owner))].sort();
    config.scoring.budgets = { [teams[0] as string]: 1 };
    const scorer = await buildScorer(config, { warehouse: wh, logger: silentLogger(), noTf: true });
    await scorer.runOnce(NOW - HOUR);
    await scorer.runOnce(NOW);
    const [head, ...rest] = QUERY_RESOLVERS;
    schema = await buildSchema({ resolvers: [head!, ...rest], authChecker, validate: false });
  }, 300_000);
  afterAll(async () => {
    await store?.stop();
    dir.remove();
  });

  it('answers platform health and maturity from the latest pass, as stored', async () => {
    const d = await data(`{ platform {
      health { value computedAt components { name value weight } }
      maturity { level name nextLevel missing criteria { id level description met value threshold unit evidence { kind source { table } } } }
    } }`);
    const [health] = await wh.query<{ value: number; components: string }>(
      "SELECT value, components FROM scores WHERE dimension = 'health' AND scope = 'platform' ORDER BY computed_at DESC LIMIT 1",
    );
    expect(d.platform.health.value).toBeCloseTo(Number(health?.value), 9);
    expect(d.platform.health.computedAt).toBe(new Date(NOW).toISOString());
    expect(d.platform.health.components.map((c: { name: string }) => c.name)).toEqual(
      (JSON.parse(health?.components ?? '[]') as { name: string }[]).map((c) => c.name),
    );
    const [maturity] = await wh.query<{ value: number }>(
      "SELECT value FROM scores WHERE dimension = 'maturity' ORDER BY computed_at DESC LIMIT 1",
    );
    expect(d.platform.maturity.level).toBe(Number(maturity?.value));
    expect(d.platform.maturity.criteria.length).toBeGreaterThan(5);
    expect(d.platform.maturity.criteria[0].evidence[0].source.table).toBeTruthy();
  });

  it('answers a platform score series with one point per pass', async () => {
    const d = await data(
      `query($from: DateTimeISO!) { platform { scores(dimension: HEALTH, from: $from) { dimension points { at value } } } }`,
      ADMIN,
      { from: new Date(NOW - DAY).toISOString() },
    );
    const rows = await wh.query<{ value: number; at: number }>(
      "SELECT value, toUnixTimestamp64Milli(computed_at) AS at FROM scores WHERE dimension = 'health' ORDER BY computed_at",
    );
    expect(d.platform.scores.points).toEqual(
      rows.map((r) => ({ at: new Date(Number(r.at)).toISOString(), value: Number(r.value) })),
    );
    expect(d.platform.scores.points).toHaveLength(2);
  });

  it('pages services by name with first/after and hasNextPage', async () => {
    const q = `query($after: String) { services(first: 4, after: $after) { nodes { name } pageInfo { hasNextPage endCursor } } }`;
    const p1 = await data(q);
    expect(p1.services.nodes).toHaveLength(4);
    expect(p1.services.pageInfo.hasNextPage).toBe(true);
    const p2 = await data(q, ADMIN, { after: p1.services.pageInfo.endCursor });
    expect(p2.services.pageInfo.hasNextPage).toBe(false);
    const names = [...p1.services.nodes, ...p2.services.nodes].map((n: { name: string }) => n.name);
    expect(names).toEqual(catalog.services.map((s) => s.name).sort());
  });

  it('refuses first: 101, a foreign cursor, and a range that ends before it starts', async () => {
    expect((await run('{ services(first: 101) { nodes { name } } }')).errors?.[0]?.message).toMatch(/first must be/);
    expect(errorCode(await run('{ insights(first: 101) { nodes { id } } }'))).toBe('INPUT_INVALID');
    expect(errorCode(await run('{ services(after: "bm9wZQ") { nodes { name } } }'))).toBe('INPUT_INVALID');
    expect(
      errorCode(await run(`{ cost(groupBy: TEAM, from: "2026-01-02T00:00:00Z", to: "2026-01-01T00:00:00Z") { key } }`)),
    ).toBe('INPUT_INVALID');
    expect(
      errorCode(
        await run(
          `{ cost(groupBy: TEAM, granularity: HOUR, from: "2026-01-01T00:00:00Z", to: "2026-03-01T00:00:00Z") { key } }`,
        ),
      ),
    ).toBe('INPUT_INVALID');
  });

  it('refuses a request without the read permission', async () => {
    const r = await run('{ platform { health { value } } }', null);
    expect(r.errors).toBeDefined();
    const ok = await run('{ platform { health { value } } }', NOBODY);
    expect(ok.errors).toBeUndefined();
  });

  it("answers a service's catalog fields, latest scores and SLOs as stored", async () => {
    const name = catalog.services[0]?.name as string;
    const d = await data(
      `query($name: String!) { service(name: $name) {
        name tier owner team latestScores { dimension value computedAt }
        slos { name target attainment budgetRemaining burnRates { window rate } alert firing }
      } }`,
      ADMIN,
      { name },
    );
    const s = d.service;
    expect(s.team).toBe(teamOf(name));
    expect(s.tier).toBe((catalog.serviceByName(name)?.tier ?? '').toUpperCase().replace('-', '_'));
    const scores = await wh.query<{ dimension: string; value: number }>(
      `SELECT dimension, argMax(value, computed_at) AS value FROM scores
       WHERE scope = 'service' AND subject = {name:String} GROUP BY dimension ORDER BY dimension`,
      { name },
    );
    expect(scores.length).toBeGreaterThanOrEqual(2);
    for (const row of scores) {
      const got = s.latestScores.find((x: { dimension: string }) => x.dimension === row.dimension.toUpperCase());
      expect(got?.value ?? null).toEqual(row.value === null ? null : expect.closeTo(Number(row.value), 9));
      expect(got?.computedAt).toBe(new Date(NOW).toISOString());
    }
    const slos = await wh.query<{ slo: string; attainment: number; burn: Record<string, number>; alert: string }>(
      `SELECT slo, attainment, burn_rates AS burn, alert FROM slo_status
       WHERE service = {name:String} AND toUnixTimestamp64Milli(computed_at) = {now:UInt64} ORDER BY slo`,
      { name, now: NOW },
    );
    expect(s.slos.map((x: { name: string }) => x.name)).toEqual(slos.map((x) => x.slo));
    for (const [i, row] of slos.entries()) {
      expect(s.slos[i].attainment).toBeCloseTo(Number(row.attainment), 9);
      expect(s.slos[i].alert).toBe(row.alert);
      expect(
        Object.fromEntries(s.slos[i].burnRates.map((b: { window: string; rate: number }) => [b.window, b.rate])),
      ).toEqual(row.burn);
    }
  });

  it('batches nested fields: one query per field for a whole page of services', async () => {
    const before = counter.queries.length;
    const d = await data(`{ services(first: 6) { nodes {
      name latestScores { dimension value } slos { name attainment }
      scores(dimension: RELIABILITY) { points { value } } anomalies { at } forecasts { at }
    } } }`);
    expect(d.services.nodes).toHaveLength(6);
    const issued = counter.queries.slice(before);
    // latestScores, slos, scores, anomalies, forecasts: one each, whatever the page size.
    expect(issued).toHaveLength(5);
    // No component JSON was asked for, so none was read.
    const latest = issued.filter((q) => q.includes('argMax(tuple(value,'));
    expect(latest).toHaveLength(1);
    expect(latest[0]).not.toContain('components');
    const withSlos = d.services.nodes.filter((n: { slos: unknown[] }) => n.slos.length > 0);
    expect(withSlos.length).toBeGreaterThan(0);
  });

  it("answers a service's anomalies newest first and its latest capacity forecast", async () => {
    const service = catalog.services[0]?.name as string;
    const [resource] = await wh.query<{ id: string }>(
      'SELECT resource_id AS id FROM resources_latest WHERE service = {s:String} ORDER BY resource_id LIMIT 1',
      { s: service },
    );
    expect(resource).toBeDefined();
    const anomaly = (tsMs: number, score: number) => ({
      ts: tsMs,
      detected_at: NOW,
      service,
      name: 'latency_p99',
      series_id: 1,
      labels: { subject: service },
      value: 2.5,
      expected: 1,
      score,
      detector_version: 'test-1',
    });
    await wh.insert('anomalies', toJsonEachRow([anomaly(NOW - 3 * HOUR, 0.95), anomaly(NOW - 2 * HOUR, 0.97)]));
    const step = (computedAt: number, subject: string, metric: string, i: number, yhat: number) => ({
      computed_at: computedAt,
      kind: 'capacity',
      subject,
      metric,
      ts: NOW + (i + 1) * HOUR,
      yhat,
      lower: yhat - 0.1,
      upper: yhat + 0.1,
      level: 80,
      model: 'test',
      model_version: 'test',
      backtest_mase: null,
    });
    await wh.insert(
      'forecasts',
      toJsonEachRow([
        // An older forecast the latest one replaces.
        ...[0, 1, 2].map((i) => step(NOW - HOUR, service, 'saturation', i, 0.1)),
        ...[0, 1, 2].map((i) => step(NOW, service, 'saturation', i, 0.5 + i / 10)),
        ...[0, 1].map((i) => step(NOW, resource?.id as string, 'memory_utilization', i, 0.8)),
      ]),
    );
    const d = await data(
      `query($name: String!) { service(name: $name) {
        anomalies(first: 1) { at signal value expected score detector }
        all: anomalies { at }
        saturation: forecasts(metric: "saturation") { metric subject at yhat lower upper computedAt }
        forecasts(first: 100) { metric subject }
      } }`,
      ADMIN,
      { name: service },
    );
    expect(d.service.anomalies).toEqual([
      {
        at: new Date(NOW - 2 * HOUR).toISOString(),
        signal: 'latency_p99',
        value: 2.5,
        expected: 1,
        score: 0.97,
        detector: 'test-1',
      },
    ]);
    expect(d.service.all.map((a: { at: string }) => a.at)).toContain(new Date(NOW - 3 * HOUR).toISOString());
    expect(d.service.saturation.map((f: { yhat: number }) => f.yhat)).toEqual([0.5, 0.6, 0.7]);
    expect(d.service.saturation[0].computedAt).toBe(new Date(NOW).toISOString());
    const memory = d.service.forecasts.filter((f: { metric: string }) => f.metric === 'memory_utilization');
    expect(memory).toEqual([
      { metric: 'memory_utilization', subject: resource?.id },
      { metric: 'memory_utilization', subject: resource?.id },
    ]);
  });

  it('sums cost from the daily and hourly rollups by team, service and category', async () => {
    const vars = { from: new Date(NOW - 15 * DAY).toISOString(), to: new Date(NOW + HOUR).toISOString() };
    const d = await data(
      `query($from: DateTimeISO, $to: DateTimeISO) {
        byTeam: cost(groupBy: TEAM, from: $from, to: $to) { key bucket billedCost effectiveCost }
        byCategory: cost(groupBy: CATEGORY, granularity: HOUR, from: $from, to: $to) { key effectiveCost }
        byService: cost(groupBy: SERVICE, from: $from, to: $to) { key effectiveCost }
      }`,
      ADMIN,
      vars,
    );
    const [total] = await wh.query<{ billed: number; effective: number }>(
      'SELECT sum(BilledCost) AS billed, sum(EffectiveCost) AS effective FROM cost_1d',
    );
    const sum = (rows: { effectiveCost: number }[]) => rows.reduce((a, r) => a + r.effectiveCost, 0);
    expect(d.byTeam.length).toBeGreaterThan(0);
    expect(sum(d.byTeam)).toBeCloseTo(Number(total?.effective), 6);
    expect(d.byTeam.reduce((a: number, r: { billedCost: number }) => a + r.billedCost, 0)).toBeCloseTo(
      Number(total?.billed),
      6,
    );
    expect(sum(d.byCategory)).toBeCloseTo(Number(total?.effective), 6);
    expect(sum(d.byService)).toBeCloseTo(Number(total?.effective), 6);
    const [teamRow] = await wh.query<{ effective: number }>(
      'SELECT sum(EffectiveCost) AS effective FROM cost_1d WHERE team = {team:String}',
      { team: teams[1] as string },
    );
    expect(sum(d.byTeam.filter((r: { key: string }) => r.key === teams[1]))).toBeCloseTo(Number(teamRow?.effective), 6);
  });

  it("answers a team's month-end forecast against its budget, and NOT_FOUND for an unknown team", async () => {
    const team = teams[0] as string;
    const d = await data(
      `query($team: String!) { costForecast(team: $team) { team monthEnd yhat lower upper level model budget overBudget } }`,
      ADMIN,
      { team },
    );
    const [row] = await wh.query<{ yhat: number; lower: number; upper: number }>(
      `SELECT yhat, lower, upper FROM forecasts WHERE kind = 'cost' AND subject = {team:String}
       ORDER BY computed_at DESC LIMIT 1`,
      { team },
    );
    expect(row).toBeDefined();
    expect(d.costForecast.yhat).toBeCloseTo(Number(row?.yhat), 9);
    expect(d.costForecast.lower).toBeLessThanOrEqual(d.costForecast.upper);
    expect(d.costForecast.budget).toBe(1);
    expect(d.costForecast.overBudget).toBe(Number(row?.yhat) > 1);
    expect(errorCode(await run('{ costForecast(team: "no-such-team") { yhat } }'))).toBe('NOT_FOUND');
  });

  it('lists idle resources with their monthly cost', async () => {
    const d = await data(
      '{ idleWaste { totalMonthlyCost count resources { resourceId monthlyCost team insightId } } }',
    );
    const [open] = await wh.query<{ n: number }>(
      "SELECT count() AS n FROM insights FINAL WHERE kind = 'idle_resource' AND status != 'resolved'",
    );
    expect(d.idleWaste.count).toBe(Number(open?.n));
    expect(d.idleWaste.count).toBeGreaterThan(0);
    const [cost] = await wh.query<{ monthly: number }>(
      `SELECT sum(h) * 730 AS monthly FROM (SELECT resource_id, argMax(hourly_cost, ts) AS h FROM resources_latest
       WHERE resource_id IN (SELECT subject FROM insights FINAL WHERE kind = 'idle_resource' AND status != 'resolved')
       GROUP BY resource_id)`,
    );
    expect(d.idleWaste.totalMonthlyCost).toBeCloseTo(Number(cost?.monthly), 6);
  });

  it('lists insights with filters and pages, and each with its recommendations', async () => {
    const all = await wh.query<{ id: string; kind: string }>(
      'SELECT id, kind FROM insights FINAL ORDER BY opened_at DESC, id DESC',
    );
    expect(all.length).toBeGreaterThan(3);
    const q = `query($after: String) { insights(first: 2, after: $after) { nodes { id kind } pageInfo { hasNextPage endCursor } } }`;
    const seen: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 100; i++) {
      const d = await data(q, ADMIN, { after });
      seen.push(...d.insights.nodes.map((n: { id: string }) => n.id));
      if (!d.insights.pageInfo.hasNextPage) break;
      after = d.insights.pageInfo.endCursor;
    }
    expect(seen).toEqual(all.map((r) => r.id));

    const idle = await data(
      '{ insights(first: 100, filter: { kind: IDLE_RESOURCE, status: OPEN }) { nodes { id kind status evidence { kind } recommendations { type insightId impactUsdMonth } } } }',
    );
    expect(idle.insights.nodes.length).toBe(all.filter((r) => r.kind === 'idle_resource').length);
    for (const n of idle.insights.nodes) {
      expect(n.kind).toBe('IDLE_RESOURCE');
      expect(n.recommendations[0]?.type).toBe('STOP_IDLE');
      expect(n.recommendations[0]?.insightId).toBe(n.id);
    }
  });

  it('answers one insight and one recommendation by id, and NOT_FOUND for an unknown id', async () => {
    const [rec] = await wh.query<{ id: string; insight_id: string; impact: number }>(
      'SELECT id, insight_id, impact_usd_month AS impact FROM recommendations FINAL ORDER BY id LIMIT 1',
    );
    const d = await data(
      `query($id: String!, $ins: String!) {
        recommendation(id: $id) { id impactUsdMonth insight { id } }
        insight(id: $ins) { id recommendations { id } }
      }`,
      ADMIN,
      { id: rec?.id, ins: rec?.insight_id },
    );
    expect(d.recommendation.impactUsdMonth).toBeCloseTo(Number(rec?.impact), 9);
    expect(d.recommendation.insight.id).toBe(rec?.insight_id);
    expect(d.insight.recommendations.map((r: { id: string }) => r.id)).toContain(rec?.id);
    expect(errorCode(await run('{ insight(id: "ins-nope") { id } }'))).toBe('NOT_FOUND');
    expect(errorCode(await run('{ recommendation(id: "rec-nope") { id } }'))).toBe('NOT_FOUND');
  });

  it('lists recommendations filtered by type and status', async () => {
    const [n] = await wh.query<{ n: number }>(
      "SELECT count() AS n FROM recommendations FINAL WHERE type = 'stop_idle'",
    );
    const d = await data('{ recommendations(first: 100, filter: { type: STOP_IDLE }) { nodes { type status } } }');
    expect(d.recommendations.nodes).toHaveLength(Number(n?.n));
    expect(d.recommendations.nodes.every((r: { type: string }) => r.type === 'STOP_IDLE')).toBe(true);
  });

  it('answers governance and access findings from the insights of those kinds', async () => {
    const d = await data(`{
      governance: findings(kind: GOVERNANCE, first: 100) { nodes { kind } }
      access: findings(kind: ACCESS, first: 100) { nodes { kind } }
    }`);
    const count = async (kinds: string[]) =>
      Number(
        (
          await wh.query<{ n: number }>(
            "SELECT count() AS n FROM insights FINAL WHERE kind IN {k:Array(String)} AND status != 'resolved'",
            { k: kinds },
          )
        )[0]?.n,
      );
    expect(d.governance.nodes.length).toBe(await count(['shadow_resource', 'untagged_resource']));
    expect(d.governance.nodes.length).toBeGreaterThan(0);
    expect(d.access.nodes.length).toBe(await count(['risky_access', 'unused_access']));
    for (const n of d.governance.nodes) expect(['SHADOW_RESOURCE', 'UNTAGGED_RESOURCE']).toContain(n.kind);
  });

  describe('team scope', () => {
    const scoped = (): ApiPrincipal => ({
      keyId: 'ak_team',
      name: 'team-key',
      role: 'viewer',
      team: teams[1] as string,
    });

    it("shows a team key only its team's services, teams, insights, recommendations and cost", async () => {
      const d = await data(
        `{ services(first: 100) { nodes { name team } } teams { nodes { name } }
           insights(first: 100) { nodes { team } } recommendations(first: 100) { nodes { team } }
           cost(groupBy: TEAM, from: "${new Date(NOW - 3 * DAY).toISOString()}") { key }
           idleWaste { resources { team } } }`,
        scoped(),
      );
      const mine = catalog.services.filter((s) => teamOf(s.name) === teams[1]).map((s) => s.name);
      expect(d.services.nodes.map((n: { name: string }) => n.name)).toEqual(mine.sort());
      expect(d.teams.nodes).toEqual([{ name: teams[1] }]);
      for (const list of [d.insights.nodes, d.recommendations.nodes, d.idleWaste.resources]) {
        for (const n of list) expect(n.team).toBe(teams[1]);
      }
      expect(d.cost.length).toBeGreaterThan(0);
      for (const r of d.cost) expect(r.key).toBe(teams[1]);
      // Asking for another team's rows finds nothing rather than widening the scope.
      const other = await data(`{ insights(filter: { team: "${teams[0]}" }) { nodes { id } } }`, scoped());
      expect(other.insights.nodes).toEqual([]);
    });

    it("answers NOT_FOUND for another team's service, team, insight and forecast", async () => {
      const foreign = catalog.services.find((s) => teamOf(s.name) !== teams[1])?.name as string;
      expect(errorCode(await run(`{ service(name: "${foreign}") { name } }`, scoped()))).toBe('NOT_FOUND');
      expect(errorCode(await run(`{ team(name: "${teams[0]}") { name } }`, scoped()))).toBe('NOT_FOUND');
      expect(errorCode(await run(`{ costForecast(team: "${teams[0]}") { yhat } }`, scoped()))).toBe('NOT_FOUND');
      const [ins] = await wh.query<{ id: string }>('SELECT id FROM insights FINAL WHERE team != {t:String} LIMIT 1', {
        t: teams[1] as string,
      });
      expect(errorCode(await run(`{ insight(id: "${ins?.id}") { id } }`, scoped()))).toBe('NOT_FOUND');
    });
  });

  it('treats injection strings in filters as plain values: nothing found, nothing dropped', async () => {
    const vars = { x: INJECTION };
    const d = await data(
      `query($x: String!) {
        services(filter: { search: $x, team: $x }) { nodes { name } }
        insights(filter: { team: $x, service: $x }) { nodes { id } }
        recommendations(filter: { team: $x }) { nodes { id } }
        cost(groupBy: SERVICE, team: $x, service: $x) { key }
        idleWaste(team: $x) { count }
        findings(kind: ACCESS, team: $x) { nodes { id } }
        platform { scores(dimension: HEALTH) { points { value } } }
      }`,
      ADMIN,
      vars,
    );
    expect(d.services.nodes).toEqual([]);
    expect(d.insights.nodes).toEqual([]);
    expect(d.recommendations.nodes).toEqual([]);
    expect(d.cost).toEqual([]);
    expect(d.idleWaste.count).toBe(0);
    expect(d.findings.nodes).toEqual([]);
    expect(errorCode(await run('query($x: String!) { service(name: $x) { name } }', ADMIN, vars))).toBe('NOT_FOUND');
    expect(errorCode(await run('query($x: String!) { insight(id: $x) { id } }', ADMIN, vars))).toBe('NOT_FOUND');
    const [n] = await wh.query<{ n: number }>('SELECT count() AS n FROM scores');
    expect(Number(n?.n)).toBeGreaterThan(0);
  });
});
