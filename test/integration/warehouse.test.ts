import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DependencyError } from '../../core/errors.ts';
import { migrate, openServerWarehouse, toJsonEachRow, type Warehouse } from '../../core/warehouse/index.ts';
import { startServerTestWarehouse, startTestWarehouse, TEST_CLICKHOUSE_URL } from '../harness/index.ts';

// Recent enough that the raw TTL keeps it: two hours before the current hour.
const T0 = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 2 * 3_600_000;
const point = (i: number, extra: Record<string, unknown> = {}) => ({
  ts: T0 + i * 1000,
  service: 'checkout',
  name: 'http_requests_total',
  kind: 'counter',
  value: i,
  labels: { route: '/pay' },
  unit: '',
  source: 'test',
  _seq: 1,
  ...extra,
});

// The same behaviour from both drivers: the embedded engine always, a server when one is given.
const drivers = [
  { driver: 'embedded', start: startTestWarehouse },
  ...(TEST_CLICKHOUSE_URL ? [{ driver: 'server', start: startServerTestWarehouse }] : []),
];

describe.each(drivers)('$driver warehouse', ({ start }) => {
  let env: Awaited<ReturnType<typeof start>>;
  let wh: Warehouse;
  beforeAll(async () => {
    env = await start();
    wh = env.warehouse;
  });
  afterAll(async () => env?.stop());

  it('applies each migration once and records it', async () => {
    const again = await migrate(wh);
    expect(again.applied).toEqual([]);
    expect(again.alreadyApplied).toEqual([
      '001_raw_telemetry',
      '002_rollups',
      '003_scoring',
      '004_audit',
      '005_actions',
      '006_api_keys',
    ]);
    const tables = await wh.query<{ name: string }>(
      'SELECT name FROM system.tables WHERE database = currentDatabase() ORDER BY name',
    );
    expect(tables.map((t) => t.name)).toEqual(
      expect.arrayContaining([
        'metrics',
        'cost',
        'access',
        'resources',
        'metrics_1m',
        'metrics_1h',
        'metrics_1d',
        'cost_1d',
        'access_1h',
        'scores',
        'slo_status',
        'slo_sli_1h',
        'anomalies',
        'forecasts',
        'insights',
        'recommendations',
        'audit_log',
        'action_events',
        'api_keys',
        'schema_migrations',
      ]),
    );
  });

  it('changes the raw TTL when rawRetentionDays changes', async () => {
    await migrate(wh, { rawRetentionDays: 14 });
    const [row] = await wh.query<{ q: string }>(
      "SELECT create_table_query AS q FROM system.tables WHERE database = currentDatabase() AND name = 'metrics'",
    );
    expect(row!.q).toContain('toIntervalDay(14)');
  });

  it('binds hostile strings as parameters instead of splicing them into SQL', async () => {
    const hostile = "x'); DROP TABLE metrics; --";
    const rows = await wh.query<{ s: string; n: number }>(
      'SELECT {s:String} AS s, count() AS n FROM metrics WHERE service = {s:String}',
      { s: hostile },
    );
    expect(rows).toEqual([{ s: hostile, n: 0 }]);
    expect(
      await wh.query('SELECT 1 FROM system.tables WHERE database = currentDatabase() AND name = {t:String}', {
        t: 'metrics',
      }),
    ).toHaveLength(1);
  });

  it('stores a retried insert with the same deduplication token once, rollups included', async () => {
    const payload = toJsonEachRow(Array.from({ length: 120 }, (_, i) => point(i)));
    await wh.insert('metrics', payload, { dedupToken: 'test:1-1' });
    await wh.insert('metrics', payload, { dedupToken: 'test:1-1' });
    const [raw] = await wh.query<{ n: number }>("SELECT count() AS n FROM metrics WHERE service = 'checkout'");
    expect(raw!.n).toBe(120);
    const minutes = await wh.query<{ bucket: string; count: number; first: number; last: number; max: number }>(
      `SELECT bucket, sum(count) AS count, argMinMerge(first) AS first, argMaxMerge(last) AS last, max(max) AS max
       FROM metrics_1m WHERE service = 'checkout' GROUP BY bucket ORDER BY bucket`,
    );
    expect(minutes.map((m) => m.count)).toEqual([60, 60]);
    expect(minutes[1]).toMatchObject({ first: 60, last: 119, max: 119 });
    const [hour] = await wh.query<{ count: number; last: number }>(
      "SELECT sum(count) AS count, argMaxMerge(last) AS last FROM metrics_1h WHERE service = 'checkout'",
    );
    expect(hour).toEqual({ count: 120, last: 119 });
    const [day] = await wh.query<{ count: number }>(
      "SELECT sum(count) AS count FROM metrics_1d WHERE service = 'checkout'",
    );
    expect(day!.count).toBe(120);
  });

  it('rolls cost up by hour and day with ownership tags', async () => {
    const row = (h: number) => ({
      ChargePeriodStart: T0 + h * 3_600_000,
      ChargePeriodEnd: T0 + (h + 1) * 3_600_000,
      BilledCost: 1.5,
      EffectiveCost: 1.25,
      ServiceName: 'Amazon EC2',
      ServiceCategory: 'Compute',
      ResourceId: 'i-1',
      Tags: { team: 'payments', service: 'checkout', env: 'production' },
      Extra: { x_Custom: 'a' },
      source: 'test',
      _seq: 2,
    });
    await wh.insert('cost', toJsonEachRow([row(0), row(1), row(2)]));
    const [day] = await wh.query<{ billed: number; team: string }>(
      'SELECT team, sum(BilledCost) AS billed FROM cost_1d GROUP BY team',
    );
    expect(day).toEqual({ team: 'payments', billed: 4.5 });
  });

  it('keeps the newest inventory snapshot per resource, whatever the day of the older ones', async () => {
    const snapshot = (ts: number, cpu: number) => ({
      ts,
      resource_id: 'vm-latest',
      resource_type: 'vm',
      state: 'running',
      cpu_utilization: cpu,
      source: 'test',
      _seq: 3,
    });
    await wh.insert('resources', toJsonEachRow([snapshot(T0 - 2 * 86_400_000, 0.1), snapshot(T0, 0.5)]));
    const rows = await wh.query("SELECT cpu_utilization FROM resources_latest FINAL WHERE resource_id = 'vm-latest'");
    expect(rows).toEqual([{ cpu_utilization: 0.5 }]);
  });

  it('turns engine errors into DependencyError with the ClickHouse code', async () => {
    const err = await wh.query('SELECT * FROM no_such_table').catch((e) => e);
    expect(err).toBeInstanceOf(DependencyError);
    expect(err.dependency).toBe('clickhouse');
    expect(err.dependencyCode).toBe('60');
    expect(err.retryable).toBe(false);
  });
});

describe('server warehouse driver', () => {
  it('reports an unreachable server as a retryable DependencyError naming the URL without credentials', async () => {
    // A port that was free a moment ago: nothing listens there.
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    await new Promise((r) => server.close(r));
    const err = await openServerWarehouse({
      url: `http://u:secret@127.0.0.1:${port}`,
      database: 'aegis',
      requestTimeoutMs: 2000,
    }).catch((e) => e);
    expect(err).toBeInstanceOf(DependencyError);
    expect(err.retryable).toBe(true);
    expect(err.message).toContain(`cannot reach ClickHouse at http://127.0.0.1:${port}`);
    expect(err.message).not.toContain('secret');
  });
});
