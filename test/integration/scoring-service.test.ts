import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scoringConfigSchema } from '../../core/config/index.ts';
import { silentLogger } from '../../core/logger.ts';
import type { Warehouse } from '../../core/warehouse/index.ts';
import { createSimulatorFeed } from '../../ingest/collectors/simulator-feed.ts';
import { createTelemetryPublisher } from '../../ingest/publisher.ts';
import { createPlatform } from '../../ingest/simulator/index.ts';
import { createIngestWriter, type IngestWriter } from '../../ingest/writer/index.ts';
import { loadCatalog, loadSlos } from '../../scoring/catalog/index.ts';
import { createAnomalyWatcher } from '../../scoring/detection/watcher.ts';
import { writeSimulatorDefinitions } from '../../scoring/service/definitions.ts';
import { type PassResult, runScoringPass } from '../../scoring/service/pass.ts';
import { passSettings } from '../../scoring/service/scorer.ts';
import { startTestNats, startTestWarehouse, TEST_WRITER_CONFIG, tempDir } from '../harness/index.ts';
import { waitFor, writerDrained } from '../harness/telemetry.ts';

const HOUR = 3_600_000;
// The current hour, so the raw tables' TTL keeps everything the simulator backfills.
const NOW = Math.floor(Date.now() / HOUR) * HOUR;
const PLATFORM = { seed: 5, services: 6, teams: 3 };
const SETTINGS = passSettings(scoringConfigSchema.parse({ unusedAccessDays: 1 }));

describe('scoring service on the real pipeline', () => {
  let nats: Awaited<ReturnType<typeof startTestNats>>;
  let store: Awaited<ReturnType<typeof startTestWarehouse>>;
  let wh: Warehouse;
  let writer: IngestWriter;
  const dir = tempDir('aegis-scoring-');
  const platform = createPlatform(PLATFORM);
  let first: PassResult;
  let deps: Parameters<typeof runScoringPass>[0];

  beforeAll(async () => {
    nats = await startTestNats();
    store = await startTestWarehouse();
    wh = store.warehouse;
    writer = createIngestWriter(TEST_WRITER_CONFIG, { bus: nats.bus, warehouse: wh, logger: silentLogger() });
    await writer.start();
    // Two days of the simulated platform: simulator → NATS → ingest writer → ClickHouse.
    const feed = createSimulatorFeed({
      platform,
      publisher: createTelemetryPublisher({ bus: nats.bus, source: 'simulator' }),
      checkpointPath: join(dir.path, 'checkpoint.json'),
      groundTruthPath: join(dir.path, 'ground-truth.jsonl'),
      backfillDays: 2,
      tickMs: 60_000,
      logger: silentLogger(),
      now: () => NOW,
    });
    await feed.start();
    await feed.backfilled();
    await feed.stop();
    await waitFor(() => writerDrained(nats.bus, TEST_WRITER_CONFIG.durable), 120_000, 200);
    const defs = writeSimulatorDefinitions(dir.path, PLATFORM);
    const catalog = loadCatalog(defs.catalogDir);
    deps = { warehouse: wh, bus: nats.bus, logger: silentLogger(), catalog, slos: loadSlos(defs.sloDir, catalog) };
    first = await runScoringPass(deps, SETTINGS, NOW);
  }, 300_000);
  afterAll(async () => {
    await writer?.stop();
    await store?.stop();
    await nats?.stop();
    dir.remove();
  });

  it('stores a reliability, cost and governance score per service, roll-ups, the health index and the maturity level', async () => {
    const rows = await wh.query<{ dimension: string; scope: string; n: number }>(
      'SELECT dimension, scope, count() AS n FROM scores WHERE pass_id = {p:String} GROUP BY dimension, scope ORDER BY dimension, scope',
      { p: first.passId },
    );
    const n = (dimension: string, scope: string) => rows.find((r) => r.dimension === dimension && r.scope === scope)?.n;
    expect(n('reliability', 'service')).toBe(6);
    expect(n('cost', 'service')).toBe(6);
    expect(n('governance', 'service')).toBe(6);
    expect(n('reliability', 'team')).toBe(3);
    expect(n('health', 'platform')).toBe(1);
    expect(n('maturity', 'platform')).toBe(1);
    expect(first.health.value).toBeGreaterThan(0);
    expect(first.health.value).toBeLessThanOrEqual(100);
    expect(first.maturity.level).toBeGreaterThanOrEqual(1);
  });

  it('records every SLO with its burn rates, and two days of traffic give it attainment', async () => {
    const slos = await wh.query<{
      slo: string;
      total: number;
      attainment: number | null;
      burn: Record<string, number>;
    }>('SELECT slo, total, attainment, burn_rates AS burn FROM slo_status WHERE pass_id = {p:String}', {
      p: first.passId,
    });
    expect(slos.length).toBe(deps.slos.length);
    for (const s of slos) {
      expect(s.total).toBeGreaterThan(0);
      expect(s.attainment).toBeGreaterThan(0.5);
      expect(Object.keys(s.burn)).toEqual(expect.arrayContaining(['5m', '1h', '1d', 'slo']));
    }
  });

  it('finds the idle and shadow resources the simulator planted, with a stop recommendation', async () => {
    const insights = await wh.query<{ kind: string; subject: string }>(
      "SELECT kind, subject FROM insights FINAL WHERE status = 'open'",
    );
    const idle = platform.resources.filter((r) => r.idle && r.catalogued).map((r) => r.id);
    const shadow = platform.resources.filter((r) => !r.catalogued).map((r) => r.id);
    const found = (kind: string) => insights.filter((i) => i.kind === kind).map((i) => i.subject);
    expect(idle.length).toBeGreaterThan(0);
    expect(found('idle_resource')).toEqual(expect.arrayContaining(idle));
    expect(found('shadow_resource').sort()).toEqual([...shadow].sort());
    const recs = await wh.query<{ type: string; subject: string; impact: number }>(
      "SELECT type, subject, impact_usd_month AS impact FROM recommendations FINAL WHERE type = 'stop_idle'",
    );
    expect(recs.map((r) => r.subject)).toEqual(expect.arrayContaining(idle));
    for (const r of recs) expect(r.impact).toBeGreaterThan(0);
  });

  it('finds privileged actions left unused and recommends revoking them', async () => {
    const recs = await wh.query<{ subject: string }>(
      "SELECT DISTINCT subject FROM recommendations FINAL WHERE type = 'revoke_access' ORDER BY subject",
    );
    // The same question asked of the raw events: privileged actions last used over a day ago.
    const expected = await wh.query<{ principal: string }>(
      `SELECT DISTINCT principal FROM (
         SELECT principal, action, max(ts) AS last FROM access
         WHERE result = 'success' AND privileged AND NOT root GROUP BY principal, action)
       WHERE last < {cut:DateTime64(3, 'UTC')} ORDER BY principal`,
      { cut: Math.floor((NOW - 86_400_000) / 3_600_000) * 3_600_000 },
    );
    expect(expected.length).toBeGreaterThan(0);
    expect(recs.map((r) => r.subject)).toEqual(expected.map((r) => r.principal));
  });

  it('publishes insights and recommendations as CloudEvents on the EVENTS stream', async () => {
    const events = await nats.bus.read('EVENTS', 10_000);
    const subjects = new Set(events.map((e) => e.subject));
    expect(subjects).toContain('aegis.insights.warning');
    expect(subjects).toContain('aegis.recommendations.stop_idle');
    const e = JSON.parse(Buffer.from(events[0]!.data).toString());
    expect(e).toMatchObject({ specversion: '1.0', source: 'aegis/scorer', datacontenttype: 'application/json' });
    expect(events[0]!.headers['Nats-Msg-Id']).toBe(e.id);
  });

  it('watches every signal of the pipeline with online detectors', async () => {
    const watcher = createAnomalyWatcher({ warehouse: wh, logger: silentLogger(), threshold: 0.9 });
    const r = await watcher.step(NOW);
    // 6 services × 2 days of minutes for the service signals; hourly cost per resource.
    expect(r.pointsBySignal.latency_p99).toBeGreaterThan(6 * 2 * 1400);
    expect(r.pointsBySignal.error_ratio).toBeGreaterThan(6 * 2 * 1400);
    expect(r.pointsBySignal.saturation).toBeGreaterThan(6 * 2 * 1400);
    expect(r.pointsBySignal.memory).toBeGreaterThan(2 * 1400);
    expect(r.pointsBySignal.cpu).toBe(r.pointsBySignal.memory);
    expect(r.pointsBySignal.cost).toBeGreaterThan(40);
    const [stored] = await wh.query<{ n: number }>('SELECT count() AS n FROM anomalies');
    expect(stored!.n).toBe(r.anomalies);
  });

  it('updates instead of duplicating: a second pass on the same data opens nothing new', async () => {
    const before = await nats.bus.streamMessages('EVENTS');
    const second = await runScoringPass(deps, SETTINGS, NOW);
    expect(second.insightsWritten).toBe(0);
    expect(second.recommendationsWritten).toBe(0);
    expect(await nats.bus.streamMessages('EVENTS')).toBe(before);
    const [dupes] = await wh.query<{ n: number }>(
      "SELECT count() AS n FROM (SELECT kind, subject FROM insights FINAL WHERE status != 'resolved' GROUP BY kind, subject HAVING count() > 1)",
    );
    expect(dupes!.n).toBe(0);
  });
});
