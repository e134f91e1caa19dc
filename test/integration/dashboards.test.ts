import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeSimulated } from '../../bench/store-direct.ts';
import { buildController } from '../../control/components.ts';
import type { Controller } from '../../control/controller.ts';
import { createSimulatorExecutor } from '../../control/executors/simulator.ts';
import { aegisConfigSchema } from '../../core/config/index.ts';
import { silentLogger } from '../../core/logger.ts';
import { createMetricsRegistry } from '../../core/metrics.ts';
import type { Warehouse } from '../../core/warehouse/index.ts';
import { DASHBOARD_DIR } from '../../dashboards/generate.ts';
import { ALL, type ExpandParams, expandQuery, type VariableState } from '../../dashboards/macros.ts';
import { createSimulatorFeed } from '../../ingest/collectors/simulator-feed.ts';
import { buildIngestWriter, simulatedPlatformConfig } from '../../ingest/components.ts';
import { createTelemetryPublisher } from '../../ingest/publisher.ts';
import { createPlatform, HOUR_MS } from '../../ingest/simulator/index.ts';
import type { IngestWriter } from '../../ingest/writer/index.ts';
import { buildScorer } from '../../scoring/components.ts';
import { startTestNats, startTestWarehouse, TEST_WRITER_CONFIG, tempDir } from '../harness/index.ts';
import { waitFor, writerDrained } from '../harness/telemetry.ts';

const DAY_MS = 24 * HOUR_MS;
// The current hour: the raw tables' TTL keeps all the simulator backfills.
const NOW = Math.floor(Date.now() / HOUR_MS) * HOUR_MS;
/** Days of cost history: a month-end forecast needs its backtest plus the days left in the month. */
const COST_DAYS = 45;
const VARIABLES = ['team', 'service', 'environment'] as const;
// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's ${var} syntax, not a template literal
const DATASOURCE = { type: 'grafana-clickhouse-datasource', uid: '${datasource}' };

/** Panels whose data can legitimately be empty on the seeded platform, and why. */
const MAY_BE_EMPTY: Record<string, string> = {
  'aegis-cost/Cost anomalies':
    'the detectors flag cost only when the simulator planted a cost drift in the seeded days, which depends on the seed and the date',
  'aegis-actions/Rollbacks': 'a rollback follows a failed post-condition; the seeded action succeeds',
};

interface Target {
  refId: string;
  datasource: { type: string; uid: string };
  editorType: string;
  format: number;
  queryType: string;
  pluginVersion: string;
  rawSql: string;
}
interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  targets?: Target[];
}
interface Variable {
  type: string;
  name: string;
  query: string | { rawSql: string; editorType: string; format: number };
  datasource?: { type: string; uid: string };
  multi?: boolean;
  includeAll?: boolean;
  current?: { value: unknown };
}
interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: Panel[];
  templating: { list: Variable[] };
}

const dashboards: Dashboard[] = readdirSync(DASHBOARD_DIR)
  .filter((f) => f.endsWith('.json'))
  .map((f) => JSON.parse(readFileSync(join(DASHBOARD_DIR, f), 'utf8')) as Dashboard);

/** What a panel type needs from its query's columns, as ClickHouse types them. */
function missingColumns(type: string, columns: { name: string; type: string }[]): string | undefined {
  const base = (t: string) =>
    t.replace(/^(LowCardinality|Nullable)\((.*)\)$/, '$2').replace(/^Nullable\((.*)\)$/, '$1');
  const numeric = columns.filter((c) => /^(U?Int\d+|Float\d+|Decimal)/.test(base(c.type)));
  const time = columns.filter((c) => /^DateTime/.test(base(c.type)));
  const text = columns.filter((c) => /^(String|FixedString|Enum)/.test(base(c.type)));
  if (type === 'timeseries' && (time.length === 0 || numeric.length === 0)) return 'a DateTime and a numeric column';
  if (['stat', 'gauge', 'bargauge'].includes(type) && numeric.length === 0) return 'a numeric column';
  if (type === 'piechart' && (text.length === 0 || numeric.length === 0)) return 'a string and a numeric column';
  return undefined;
}

/** Every dashboard seen through the plugin, on the simulated platform after a few days of AEGIS running:
 *  telemetry through NATS and the ingest writer into the embedded ClickHouse, three scoring passes, and
 *  an action proposed, approved by two people and executed by the controller. */
describe('Grafana dashboards on the simulated platform', () => {
  let nats: Awaited<ReturnType<typeof startTestNats>>;
  let store: Awaited<ReturnType<typeof startTestWarehouse>>;
  let wh: Warehouse;
  let writer: IngestWriter;
  let controller: Controller;
  const dir = tempDir('aegis-dashboards-');
  const logger = silentLogger();
  // Simulated time for the controller, behind the real clock.
  let now = NOW;
  /** The acted-on resource's team, service and environment: the concrete selection. */
  let chosen: Record<(typeof VARIABLES)[number], string>;

  beforeAll(async () => {
    nats = await startTestNats();
    store = await startTestWarehouse();
    wh = store.warehouse;
    const config = aegisConfigSchema.parse({
      dataDir: dir.path,
      simulator: { seed: 7, services: 4, teams: 2, backfillDays: 0 },
      writer: TEST_WRITER_CONFIG,
      control: { approvals: { roles: { 'platform-lead': ['lee'] } } },
    });
    const platform = createPlatform(simulatedPlatformConfig(config));
    // Cost older than the feed's backfill goes through the writer's row encoding straight into the table
    // (bench/store-direct.ts), as the benchmarks seed it: only month-end forecasts read that far back.
    await storeSimulated(wh, platform, NOW - COST_DAYS * DAY_MS, NOW - 3 * DAY_MS, ['cost']);
    // Three days of everything: simulator → NATS → ingest writer → ClickHouse.
    writer = buildIngestWriter(config, { bus: nats.bus, warehouse: wh, logger, metrics: createMetricsRegistry() });
    await writer.start();
    const feed = createSimulatorFeed({
      platform,
      publisher: createTelemetryPublisher({ bus: nats.bus, source: 'simulator' }),
      checkpointPath: join(dir.path, 'simulator', 'checkpoint.json'),
      groundTruthPath: join(dir.path, 'simulator', 'ground-truth.jsonl'),
      backfillDays: 3,
      tickMs: 60_000,
      logger,
      now: () => NOW,
    });
    await feed.start();
    await feed.backfilled();
    await feed.stop();
    await waitFor(() => writerDrained(nats.bus, config.writer.durable), 120_000, 200);

    // A scoring pass a day for the last two days: scores, SLO states, forecasts, insights over time.
    const scorer = await buildScorer(config, { warehouse: wh, bus: nats.bus, logger, noTf: true });
    for (let t = NOW - 2 * DAY_MS; t <= NOW; t += DAY_MS) await scorer.runOnce(t);

    // One action through the controller: proposed by the owner, approved by a colleague and the platform
    // lead twenty minutes later, executed.
    const catalog = scorer.definitions.catalog;
    controller = await buildController(config, {
      warehouse: wh,
      bus: nats.bus,
      logger,
      catalog: () => catalog,
      simulator: createSimulatorExecutor({ platform, journalPath: join(dir.path, 'changes.jsonl'), clock: () => now }),
      clock: () => now,
      schedule: false,
    });
    await controller.start();
    const resource = catalog.resources.find(
      (r) =>
        (r.type === 'vm' || r.type === 'k8s-node') &&
        r.service !== null &&
        r.env !== null &&
        catalog.serviceByName(r.service)?.tier !== 'tier-1' &&
        (catalog.teamOf(r.service)?.members.length ?? 0) >= 2,
    )!;
    const [owner, colleague] = catalog.teamOf(resource.service!)!.members as [string, string];
    now = NOW - 30 * 60_000;
    const action = await controller.actions.propose(
      { type: 'stop_idle', target: { resourceId: resource.id }, reason: 'idle for days' },
      { id: owner, kind: 'human', roles: [], team: resource.owner },
    );
    now = NOW - 10 * 60_000;
    await controller.actions.vote(
      action.id,
      { id: colleague, kind: 'human', roles: [], teams: [resource.owner] },
      'approve',
    );
    if ((await controller.actions.get(action.id)).state === 'pending_approval')
      await controller.actions.vote(action.id, { id: 'lee', kind: 'human', roles: [], teams: [] }, 'approve');
    const done = await controller.runner.execute(action.id, {
      id: colleague,
      kind: 'human',
      roles: [],
      team: resource.owner,
    });
    expect(done.state).toBe('succeeded');
    chosen = { team: resource.owner, service: resource.service!, environment: resource.env! };
  }, 180_000);

  afterAll(async () => {
    await controller?.stop();
    await writer?.stop();
    await store?.stop();
    await nats?.stop();
    dir.remove();
  });

  const range = { fromMs: NOW - (COST_DAYS + 1) * DAY_MS, toMs: Date.now(), intervalMs: HOUR_MS };

  /** Runs a dashboard's variable queries in order, each with the variables before it set to "All". */
  async function variableOptions(d: Dashboard): Promise<Record<string, VariableState>> {
    const variables: Record<string, VariableState> = {};
    for (const v of d.templating.list.filter((x) => x.type === 'query')) {
      const sql = typeof v.query === 'string' ? v.query : v.query.rawSql;
      const rows = await wh.query<Record<string, string>>(expandQuery(sql, { ...range, variables }));
      variables[v.name] = { current: [ALL], options: rows.map((r) => String(Object.values(r)[0])) };
    }
    return variables;
  }

  /** Runs every panel with `variables`; a line per problem, naming the dashboard, panel and SQL. */
  async function runPanels(variables: ExpandParams['variables']): Promise<string[]> {
    const problems: string[] = [];
    for (const d of dashboards) {
      for (const p of d.panels.filter((x) => x.type !== 'row')) {
        const sql = expandQuery(p.targets![0]!.rawSql, { ...range, variables });
        const where = `${d.title} / ${p.title} (${p.type})\n${sql}`;
        try {
          if (/\$__\w|\$\{?\w/.test(sql)) throw new Error('unexpanded macro or variable left in the SQL');
          const columns = await wh.query<{ name: string; type: string }>(`DESCRIBE TABLE (${sql})`);
          const rows = await wh.query(sql);
          const missing = missingColumns(p.type, columns);
          if (missing) problems.push(`${where}\n→ needs ${missing}; got ${columns.map((c) => `${c.name} ${c.type}`)}`);
          if (rows.length === 0 && !MAY_BE_EMPTY[`${d.uid}/${p.title}`]) problems.push(`${where}\n→ no rows`);
        } catch (err) {
          problems.push(`${where}\n→ ${(err as Error).message.split('\n')[0]}`);
        }
      }
    }
    return problems;
  }

  it('has the five dashboards, each with its uid, title, unique panel ids, the datasource and the variables', () => {
    expect(dashboards.map((d) => d.uid).sort()).toEqual([
      'aegis-actions',
      'aegis-cost',
      'aegis-governance',
      'aegis-overview',
      'aegis-reliability',
    ]);
    for (const d of dashboards) {
      expect(d.title, d.uid).toMatch(/^AEGIS · /);
      expect(d.schemaVersion).toBeGreaterThanOrEqual(39);
      const ids = d.panels.map((p) => p.id);
      expect(new Set(ids).size, `${d.uid}: panel ids`).toBe(ids.length);
      const titles = d.panels.filter((p) => p.type !== 'row').map((p) => p.title);
      expect(new Set(titles).size, `${d.uid}: panel titles`).toBe(titles.length);
      const [ds, ...vars] = d.templating.list;
      expect(ds).toMatchObject({ type: 'datasource', name: 'datasource', query: 'grafana-clickhouse-datasource' });
      expect(ds!.current).toMatchObject({ value: 'aegis-clickhouse' });
      expect(vars.map((v) => v.name)).toEqual([...VARIABLES]);
      for (const v of vars) {
        expect(v, `${d.uid}/${v.name}`).toMatchObject({ type: 'query', multi: true, includeAll: true });
        expect(v.datasource).toEqual(DATASOURCE);
      }
      for (const p of d.panels.filter((x) => x.type !== 'row')) {
        const where = `${d.uid}/${p.title}`;
        expect(p.datasource, where).toEqual(DATASOURCE);
        expect(p.targets, where).toHaveLength(1);
        expect(p.targets![0], where).toMatchObject({
          datasource: p.datasource,
          editorType: 'sql',
          format: p.type === 'timeseries' ? 0 : 1,
          queryType: p.type === 'timeseries' ? 'timeseries' : 'table',
        });
        expect(p.targets![0]!.pluginVersion, where).toMatch(/^4\./);
        expect(p.targets![0]!.rawSql, `${where}: read-only SQL`).toMatch(/^\s*SELECT\b/i);
        expect(p.targets![0]!.rawSql, `${where}: read-only SQL`).not.toMatch(
          /\b(INSERT|ALTER|DROP|TRUNCATE|DELETE|UPDATE|CREATE|OPTIMIZE)\b/i,
        );
      }
    }
  });

  it("runs every variable query, and the acted-on resource's team, service and environment are among the options", async () => {
    for (const d of dashboards) {
      const options = await variableOptions(d);
      for (const name of VARIABLES) expect(options[name]!.options, `${d.uid}/${name}`).toContain(chosen[name]);
    }
  });

  it('runs every panel with "All" selected and gets what its type needs', async () => {
    const problems = await runPanels(await variableOptions(dashboards[0]!));
    expect(problems, problems.join('\n\n')).toEqual([]);
  });

  it('runs every panel for one team, one service and one environment and gets what its type needs', async () => {
    const options = await variableOptions(dashboards[0]!);
    const one = Object.fromEntries(
      VARIABLES.map((name) => [name, { current: [chosen[name]], options: options[name]!.options }]),
    );
    const problems = await runPanels(one);
    expect(problems, problems.join('\n\n')).toEqual([]);
  });
});
