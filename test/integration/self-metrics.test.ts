import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKeyStore, ensureDevAdminKey } from '../../api/auth/index.ts';
import { parseApiConfig } from '../../api/config.ts';
import { type ApiServer, createApiServer } from '../../api/server.ts';
import { buildController } from '../../control/components.ts';
import type { Controller } from '../../control/controller.ts';
import { createSimulatorExecutor } from '../../control/executors/simulator.ts';
import { aegisConfigSchema } from '../../core/config/index.ts';
import { createLogger } from '../../core/logger.ts';
import { createMetricsRegistry } from '../../core/metrics.ts';
import { simulatedPlatformConfig } from '../../ingest/components.ts';
import { createTelemetryPublisher } from '../../ingest/publisher.ts';
import { createPlatform } from '../../ingest/simulator/index.ts';
import { createIngestWriter, type IngestWriter } from '../../ingest/writer/index.ts';
import type { MetricPointInput } from '../../schemas/index.ts';
import { loadCatalog, loadSlos } from '../../scoring/catalog/index.ts';
import { createScorer, type Scorer } from '../../scoring/service/scorer.ts';
import { postGraphql } from '../harness/graphql.ts';
import { startTestNats, startTestWarehouse, TEST_WRITER_CONFIG, tempDir } from '../harness/index.ts';
import { makePoints, waitFor, writerDrained } from '../harness/telemetry.ts';

/** Valid points published, in messages of BATCH_RECORDS records (plus one malformed record). */
const POINTS = 250;
const BATCH_RECORDS = 100;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a Prometheus text exposition (label values here never hold `,` or `"`). */
function parseExposition(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const pair of (m[2] ?? '').split(',').filter(Boolean)) {
      const [k, v] = pair.split('=') as [string, string];
      labels[k] = v.replace(/^"|"$/g, '');
    }
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

/** Sum of the samples named `name` whose labels include `labels`; undefined when there is none. */
function metricValue(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const hits = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  return hits.length === 0 ? undefined : hits.reduce((n, s) => n + s.value, 0);
}

/** The whole pipeline in one process on one registry, as `aegis start` runs it: the ingest writer, a
 *  scorer, the controller and the API, on a real nats-server and the embedded ClickHouse engine. */
describe('self-metrics and request ids', () => {
  let nats: Awaited<ReturnType<typeof startTestNats>>;
  let store: Awaited<ReturnType<typeof startTestWarehouse>>;
  let writer: IngestWriter;
  let scorer: Scorer;
  let controller: Controller;
  let server: ApiServer;
  const dir = tempDir('aegis-self-metrics-');
  const metrics = createMetricsRegistry();
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({
    level: 'debug',
    destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
  });
  let adminToken: string;
  let adminKeyId: string;
  let ownerToken: string;
  let approverToken: string;
  let resourceId: string;
  let publishedMessages = 0;
  const startedAt = Date.now();

  const post = async (
    query: string,
    options: { token?: string | null; variables?: Record<string, unknown>; headers?: Record<string, string> } = {},
  ) => {
    const r = await postGraphql(server.url, query, {
      ...options,
      token: options.token === undefined ? adminToken : options.token,
    });
    return { ...r, requestId: r.headers.get('x-request-id') };
  };
  const scrape = async () => parseExposition(await (await fetch(`${server.url}/metrics`)).text());

  beforeAll(async () => {
    nats = await startTestNats();
    store = await startTestWarehouse();
    const config = aegisConfigSchema.parse({
      dataDir: dir.path,
      control: { approvals: { roles: { security: ['sam'] } } },
    });
    const warehouse = store.warehouse;

    writer = createIngestWriter(TEST_WRITER_CONFIG, { bus: nats.bus, warehouse, logger, metrics });
    await writer.start();
    const publisher = createTelemetryPublisher({ bus: nats.bus, source: 'selftest', batchRecords: BATCH_RECORDS });
    const malformed = { ...makePoints(1)[0]!, value: 'not a number' } as unknown as MetricPointInput;
    const sent = await publisher.publish('metrics', [...makePoints(POINTS), malformed]);
    publishedMessages = sent.messages;
    // A whole message that is not JSON: refused before any record is read.
    await nats.bus.publish('aegis.telemetry.metrics.selftest', 'not json', { msgId: 'selftest-garbage' });
    await waitFor(
      async () =>
        (await writerDrained(nats.bus, TEST_WRITER_CONFIG.durable)) &&
        (writer.stats().rowsInserted.metrics ?? 0) === POINTS,
      60_000,
    );

    const catalog = loadCatalog('./catalog');
    scorer = createScorer(config.scoring, {
      warehouse,
      bus: nats.bus,
      logger,
      definitions: { catalog, slos: loadSlos('./slos', catalog), catalogDir: './catalog', sloDir: './slos' },
      metrics,
    });
    await scorer.runOnce();

    controller = await buildController(config, {
      warehouse,
      bus: nats.bus,
      logger,
      catalog: () => catalog,
      schedule: false,
      simulator: createSimulatorExecutor({ platform: createPlatform(simulatedPlatformConfig(config)) }),
      metrics,
    });
    await controller.start();
    const keys = createApiKeyStore(warehouse, { cacheMs: 1000 });
    const admin = await ensureDevAdminKey(keys, dir.path);
    adminToken = admin.token;
    adminKeyId = admin.keyId;
    const resource = catalog.resources.find(
      (r) =>
        (r.type === 'vm' || r.type === 'k8s-node') &&
        r.service !== null &&
        catalog.serviceByName(r.service)?.tier !== 'tier-1' &&
        (catalog.teamOf(r.service)?.members.length ?? 0) >= 2,
    )!;
    resourceId = resource.id;
    const [owner, colleague] = catalog.teamOf(resource.service!)!.members as [string, string];
    ownerToken = (await keys.create({ name: owner, role: 'operator', team: resource.owner })).token;
    approverToken = (await keys.create({ name: colleague, role: 'approver', team: resource.owner })).token;
    server = createApiServer({
      services: {
        config,
        warehouse,
        bus: nats.bus,
        controller,
        catalog: () => catalog,
        logger,
        clock: Date.now,
      },
      config: parseApiConfig({ port: 0 }),
      keys,
      metrics,
    });
    await server.start();
  }, 180_000);

  afterAll(async () => {
    await server?.stop();
    await controller?.stop();
    await scorer?.stop();
    await writer?.stop();
    await store?.stop();
    await nats?.stop();
    dir.remove();
  });

  describe('/metrics of the API server', () => {
    let samples: Sample[];
    let actionId: string;

    beforeAll(async () => {
      const proposed = await post(
        `mutation($input: ProposeActionInput!) { proposeAction(input: $input) { action { id state decision { effect } } } }`,
        { token: ownerToken, variables: { input: { type: 'stop_idle', target: { resourceId }, reason: 'idle' } } },
      );
      expect(proposed.errors).toBeUndefined();
      expect(proposed.data.proposeAction.action.decision.effect).toBe('require_approval');
      actionId = proposed.data.proposeAction.action.id;
      const approved = await post('mutation($id: String!) { approveAction(id: $id) { action { state } } }', {
        token: approverToken,
        variables: { id: actionId },
      });
      expect(approved.errors).toBeUndefined();
      expect(approved.data.approveAction.action.state).toBe('approved');
      samples = await scrape();
    }, 60_000);

    it('counts the rows ingested and the rejects by reason class', () => {
      expect(metricValue(samples, 'aegis_ingest_rows_total', { table: 'metrics' })).toBe(POINTS);
      expect(metricValue(samples, 'aegis_ingest_rejected_total', { reason: 'invalid_record' })).toBe(1);
      expect(metricValue(samples, 'aegis_ingest_rejected_total', { reason: 'bad_encoding' })).toBe(1);
      // Every reason class is there from the start, at 0 when nothing was refused for it.
      for (const reason of ['bad_subject', 'bad_envelope', 'max_deliveries'])
        expect(metricValue(samples, 'aegis_ingest_rejected_total', { reason })).toBe(0);
      const reasons = samples.filter((s) => s.name === 'aegis_ingest_rejected_total').map((s) => s.labels.reason);
      expect(reasons).toHaveLength(5);
    });

    it('records batch sizes by the trigger that cut them', () => {
      expect(metricValue(samples, 'aegis_ingest_batch_rows_sum')).toBe(POINTS);
      const batches = metricValue(samples, 'aegis_ingest_batch_rows_count') ?? 0;
      expect(batches).toBeGreaterThanOrEqual(1);
      expect(metricValue(samples, 'aegis_ingest_flushes_total')).toBe(batches);
      // Well under maxBatchRows: only the timer can have cut these batches.
      expect(metricValue(samples, 'aegis_ingest_batch_rows_count', { trigger: 'timer' })).toBe(batches);
    });

    it('measures ingest lag per stored message, from JetStream to the insert', () => {
      expect(publishedMessages).toBe(Math.ceil((POINTS + 1) / BATCH_RECORDS));
      expect(metricValue(samples, 'aegis_ingest_lag_seconds_count')).toBe(publishedMessages);
      const sum = metricValue(samples, 'aegis_ingest_lag_seconds_sum') ?? -1;
      expect(sum).toBeGreaterThan(0);
      expect(sum / publishedMessages).toBeLessThan((Date.now() - startedAt) / 1000);
    });

    it('reads the consumer backlog from JetStream when scraped', () => {
      const labels = { stream: 'TELEMETRY', consumer: TEST_WRITER_CONFIG.durable };
      expect(metricValue(samples, 'aegis_ingest_consumer_pending_messages', labels)).toBe(0);
      expect(metricValue(samples, 'aegis_ingest_consumer_ack_pending_messages', labels)).toBe(0);
    });

    it('times the scoring pass and its steps', () => {
      expect(metricValue(samples, 'aegis_scoring_pass_duration_seconds_count', { outcome: 'ok' })).toBe(1);
      const pass = metricValue(samples, 'aegis_scoring_pass_duration_seconds_sum', { outcome: 'ok' }) ?? 0;
      expect(pass).toBeGreaterThan(0);
      const reliability = metricValue(samples, 'aegis_scoring_step_duration_seconds_sum', { step: 'reliability' });
      expect(reliability).toBeGreaterThanOrEqual(0);
      expect(reliability).toBeLessThanOrEqual(pass);
      expect(metricValue(samples, 'aegis_scoring_step_duration_seconds_count', { step: 'insights' })).toBe(1);
    });

    it('counts policy decisions by effect and times the approval', () => {
      expect(metricValue(samples, 'aegis_policy_decisions_total', { effect: 'require_approval' })).toBe(1);
      expect(metricValue(samples, 'aegis_policy_decisions_total')).toBe(1);
      expect(metricValue(samples, 'aegis_policy_decisions_total', { effect: 'deny' })).toBe(0);
      expect(metricValue(samples, 'aegis_approval_latency_seconds_count', { outcome: 'approved' })).toBe(1);
      const latency = metricValue(samples, 'aegis_approval_latency_seconds_sum', { outcome: 'approved' }) ?? -1;
      expect(latency).toBeGreaterThanOrEqual(0);
      expect(latency).toBeLessThan((Date.now() - startedAt) / 1000);
    });

    it('counts audit records appended by kind, as many as the chain holds', () => {
      const head = controller.audit.head();
      expect(head).toBeDefined();
      expect(metricValue(samples, 'aegis_audit_records_appended_total')).toBe(head!.seq);
      expect(metricValue(samples, 'aegis_audit_records_appended_total', { kind: 'action.proposed' })).toBe(1);
      expect(metricValue(samples, 'aegis_audit_records_appended_total', { kind: 'policy.decided' })).toBe(1);
      expect(metricValue(samples, 'aegis_audit_records_appended_total', { kind: 'approval.granted' })).toBe(1);
      expect(metricValue(samples, 'aegis_audit_insert_records_sum')).toBe(head!.seq);
      expect(metricValue(samples, 'aegis_audit_insert_duration_seconds_count', { outcome: 'ok' })).toBe(
        metricValue(samples, 'aegis_audit_insert_records_count'),
      );
    });

    it('gives every aegis_ metric a help text', async () => {
      const text = await (await fetch(`${server.url}/metrics`)).text();
      const names = new Set([...text.matchAll(/^# TYPE (aegis_\w+) /gm)].map((m) => m[1]));
      expect(names.size).toBeGreaterThan(10);
      for (const name of names) expect(text).toMatch(new RegExp(`^# HELP ${name} \\S`, 'm'));
    });

    it('logs a written batch with its stream sequence range', () => {
      const flushes = lines.filter((l) => l.msg === 'batch written and acked');
      expect(flushes.length).toBeGreaterThan(0);
      for (const l of flushes) expect(Number(l.lastSeq)).toBeGreaterThanOrEqual(Number(l.firstSeq));
    });
  });

  describe('request ids', () => {
    it('echoes a sane x-request-id and generates one when absent', async () => {
      const echoed = await post('{ health }', { headers: { 'x-request-id': 'trace-42.a:b_c' } });
      expect(echoed.requestId).toBe('trace-42.a:b_c');
      const fresh = await post('{ health }');
      expect(fresh.requestId).toMatch(UUID_RE);
      expect((await fetch(`${server.url}/healthz`)).headers.get('x-request-id')).toMatch(UUID_RE);
    });

    it('replaces a hostile x-request-id with a fresh one and never logs it', async () => {
      for (const hostile of ['x'.repeat(129), 'has space', 'quote"<script>', '{"json":1}']) {
        const r = await post('{ health }', { headers: { 'x-request-id': hostile } });
        expect(r.requestId).toMatch(UUID_RE);
      }
      expect(JSON.stringify(lines)).not.toContain('<script>');
      expect(JSON.stringify(lines)).not.toContain('x'.repeat(129));
    });

    it('binds the request id to every line logged for the request, with one access-log line', async () => {
      const requestId = 'trace-keys-1';
      const r = await post('mutation { createApiKey(name: "ci", role: VIEWER) { keyId } }', {
        headers: { 'x-request-id': requestId },
      });
      expect(r.errors).toBeUndefined();
      await waitFor(() => lines.some((l) => l.requestId === requestId && l.msg === 'request'), 5000, 20);
      const mine = lines.filter((l) => l.requestId === requestId);
      // Logged by the resolver through the request's logger (the server's, bound to the request id).
      expect(mine.find((l) => l.msg === 'API key created')).toMatchObject({ component: 'api' });
      const access = mine.filter((l) => l.msg === 'request');
      expect(access).toHaveLength(1);
      expect(access[0]).toMatchObject({
        level: 30,
        method: 'POST',
        path: '/graphql',
        status: 200,
        keyId: adminKeyId,
      });
      expect(typeof access[0]!.durationMs).toBe('number');
      expect(JSON.stringify(lines)).not.toContain(adminToken);
      expect(JSON.stringify(lines)).not.toContain(ownerToken);
    });

    it('logs a refused request without a key id, and probes at debug', async () => {
      const requestId = 'trace-refused';
      const r = await post('{ health }', {
        token: 'aegis_ak_0000000000000000_nope',
        headers: { 'x-request-id': requestId },
      });
      expect(r.status).toBe(401);
      await fetch(`${server.url}/metrics`, { headers: { 'x-request-id': 'trace-scrape' } });
      await waitFor(() => lines.some((l) => l.requestId === 'trace-scrape' && l.msg === 'request'), 5000, 20);
      const refused = lines.find((l) => l.requestId === requestId && l.msg === 'request');
      expect(refused).toMatchObject({ level: 30, status: 401 });
      expect(refused).not.toHaveProperty('keyId');
      expect(lines.find((l) => l.requestId === 'trace-scrape' && l.msg === 'request')).toMatchObject({
        level: 20,
        path: '/metrics',
        status: 200,
      });
    });
  });
});
