import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/logger.ts';
import type { Warehouse } from '../../core/warehouse/index.ts';
import { createTelemetryPublisher } from '../../ingest/publisher.ts';
import { createIngestWriter, type IngestWriter, WRITER_DEADLETTER_SUBJECT } from '../../ingest/writer/index.ts';
import { createEnvelope, telemetryEventType } from '../../schemas/index.ts';
import { startTestNats, startTestWarehouse, TEST_WRITER_CONFIG } from '../harness/index.ts';
import { fingerprint, METRIC_ROWS_SQL, makePoints, waitFor } from '../harness/telemetry.ts';

const writerConfig = { ...TEST_WRITER_CONFIG, durable: 'ingest-writer' };

describe('ingest writer', () => {
  let nats: Awaited<ReturnType<typeof startTestNats>>;
  let store: Awaited<ReturnType<typeof startTestWarehouse>>;
  let wh: Warehouse;
  let writer: IngestWriter | undefined;
  let durable = 0;

  beforeAll(async () => {
    [nats, store] = await Promise.all([startTestNats(), startTestWarehouse()]);
    wh = store.warehouse;
  });
  afterAll(async () => {
    await nats?.stop();
    await store?.stop();
  });
  afterEach(async () => {
    await writer?.stop();
    writer = undefined;
    await wh.command('TRUNCATE TABLE metrics');
    await nats.bus.purge('TELEMETRY');
  });

  // Each test gets its own durable and service so earlier messages on the stream do not interfere.
  function startWriter(overrides: Partial<typeof writerConfig> = {}) {
    writer = createIngestWriter(
      { ...writerConfig, durable: `w${++durable}`, ...overrides },
      { bus: nats.bus, warehouse: wh, logger: silentLogger() },
    );
    return writer.start().then(() => writer!);
  }
  const count = async (service: string) =>
    (await wh.query<{ n: number }>('SELECT count() AS n FROM metrics WHERE service = {s:String}', { s: service }))[0]!
      .n;

  it('creates and stops, and stops twice, and stops before start', async () => {
    const w = createIngestWriter(writerConfig, { bus: nats.bus, warehouse: wh, logger: silentLogger() });
    await w.stop();
    expect(w.state).toBe('stopped');
    const w2 = await startWriter();
    await w2.stop();
    await w2.stop();
    expect(w2.state).toBe('stopped');
  });

  it('stores every published point exactly once and acks after the insert', async () => {
    await nats.bus.publish('aegis.telemetry.metrics.noise', 'x'); // older junk on the stream, dead-lettered
    const points = makePoints(12_345, 'exact');
    const published = await createTelemetryPublisher({ bus: nats.bus, source: 'test' }).publish('metrics', points);
    expect(published.messages).toBe(25);
    const w = await startWriter();
    await waitFor(async () => (await count('exact')) >= points.length);
    const rows = await wh.query<Parameters<typeof fingerprint>[0][number]>(
      `${METRIC_ROWS_SQL} WHERE service = 'exact'`,
    );
    expect(fingerprint(rows)).toBe(fingerprint(points.map((p) => ({ ...p, labels: p.labels ?? {} }))));
    await waitFor(() => w.stats().flushes.timer + w.stats().flushes.rows > 0);
    expect(w.stats().rowsInserted.metrics).toBeGreaterThanOrEqual(points.length);
  });

  it('flushes when maxBatchRows is reached and on the timer when under it', async () => {
    const w = await startWriter({ maxBatchRows: 1000, flushIntervalMs: 60_000 });
    await createTelemetryPublisher({ bus: nats.bus, source: 'test', batchRecords: 500 }).publish(
      'metrics',
      makePoints(3000, 'bigbatch'),
    );
    await waitFor(async () => (await count('bigbatch')) === 3000);
    await waitFor(() => w.stats().flushes.rows === 3);
    expect(w.stats().flushes.timer).toBe(0);
    await w.stop();
    const t = await startWriter({ maxBatchRows: 1_000_000, flushIntervalMs: 300 });
    await createTelemetryPublisher({ bus: nats.bus, source: 'test' }).publish('metrics', makePoints(10, 'timer'));
    await waitFor(async () => (await count('timer')) === 10);
    await waitFor(() => t.stats().flushes.timer === 1);
    expect(t.stats().flushes.rows).toBe(0);
  });

  it('dead-letters unreadable messages and invalid records with their reasons, and keeps the valid rows', async () => {
    const before = await nats.bus.streamMessages('DEADLETTER');
    await nats.bus.publish('aegis.telemetry.metrics.bad', '{"truncated": ');
    await nats.bus.publish('aegis.telemetry.metrics.bad', Buffer.from([0xff, 0xfe, 0x41]));
    await nats.bus.publish('aegis.telemetry.unknownkind.bad', '{}');
    const good = makePoints(3, 'partial');
    const envelope = createEnvelope({
      id: 'partial-1',
      source: 'test',
      type: telemetryEventType('metrics'),
      data: { records: [...good, { ...good[0], value: 'NaN' }, { ...good[0], ts: -5 }] },
    });
    await nats.bus.publish('aegis.telemetry.metrics.bad', JSON.stringify(envelope));
    const w = await startWriter();
    await waitFor(async () => (await count('partial')) === 3);
    await waitFor(async () => (await nats.bus.streamMessages('DEADLETTER')) >= before + 4);
    const dlq = await nats.bus.read('DEADLETTER', 100, WRITER_DEADLETTER_SUBJECT);
    const reasons = dlq.map((m) => m.headers['Aegis-Reason'] ?? '');
    expect(reasons.some((r) => /not UTF-8 JSON/.test(r) && /JSON/.test(r))).toBe(true);
    expect(reasons.some((r) => /unknownkind/.test(r))).toBe(true);
    expect(reasons.some((r) => /2 record\(s\) rejected; first: value/.test(r))).toBe(true);
    const truncated = dlq.find((m) => Buffer.from(m.data).toString() === '{"truncated": ');
    expect(truncated?.headers['Aegis-Original-Subject']).toBe('aegis.telemetry.metrics.bad');
    const records = dlq.find((m) => m.headers['Aegis-Reason']?.startsWith('2 record'));
    const body = JSON.parse(Buffer.from(records!.data).toString());
    expect(body.data.rejected.map((r: { field: string }) => r.field)).toEqual(['value', 'ts']);
    expect(w.stats().recordsRejected).toBe(2);
  });

  it('holds messages unacked while the store fails, pulls no more than maxAckPending, and resumes without loss', async () => {
    await wh.command('DETACH TABLE metrics');
    try {
      const w = await startWriter({ maxAckPending: 5, maxBatchRows: 500 });
      await createTelemetryPublisher({ bus: nats.bus, source: 'test', batchRecords: 100 }).publish(
        'metrics',
        makePoints(4000, 'outage'),
      );
      await waitFor(() => w.stats().storeErrors >= 3);
      expect(w.stats().rowsInserted.metrics ?? 0).toBe(0);
      // Backpressure: the rest waits in the stream, not in the writer's memory.
      const backlog = await nats.bus.consumerPending('TELEMETRY', `w${durable}`);
      expect(backlog.ackPending).toBeLessThanOrEqual(5);
      expect(backlog.pending).toBeGreaterThanOrEqual(35);
    } finally {
      await wh.command('ATTACH TABLE metrics');
    }
    await waitFor(async () => (await count('outage')) === 4000, 30_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(await count('outage')).toBe(4000);
  });

  it('shares the work between replicas on one durable consumer, each row stored once', async () => {
    const config = { ...writerConfig, durable: 'shared', maxBatchRows: 1000 };
    const a = createIngestWriter(config, { bus: nats.bus, warehouse: wh, logger: silentLogger() });
    const secondConnection = await nats.connect();
    const b = createIngestWriter(config, { bus: secondConnection, warehouse: wh, logger: silentLogger() });
    await Promise.all([a.start(), b.start()]);
    try {
      await createTelemetryPublisher({ bus: nats.bus, source: 'test', batchRecords: 100 }).publish(
        'metrics',
        makePoints(6000, 'replicas'),
      );
      await waitFor(async () => (await count('replicas')) >= 6000);
      await new Promise((r) => setTimeout(r, 500));
      expect(await count('replicas')).toBe(6000);
      expect(a.stats().messages).toBeGreaterThan(0);
      expect(b.stats().messages).toBeGreaterThan(0);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
      await secondConnection.close();
    }
  });
});
