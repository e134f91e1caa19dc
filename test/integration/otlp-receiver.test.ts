import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/logger.ts';
import type { Warehouse } from '../../core/warehouse/index.ts';
import { createOtlpReceiver, type OtlpReceiver } from '../../ingest/collectors/otlp-receiver.ts';
import { parseOtlpMetricsJson } from '../../ingest/parsers/index.ts';
import { createTelemetryPublisher, type TelemetryPublisher } from '../../ingest/publisher.ts';
import { createIngestWriter, type IngestWriter } from '../../ingest/writer/index.ts';
import { startTestNats, startTestWarehouse, TEST_WRITER_CONFIG } from '../harness/index.ts';
import { waitFor } from '../harness/telemetry.ts';

const OTLP_DIR = fileURLToPath(new URL('../../../shared/formats/otlp/opentelemetry-proto', import.meta.url));
const hasSamples = existsSync(OTLP_DIR);
const MAX_BODY_BYTES = 64 * 1024;

const writerConfig = { ...TEST_WRITER_CONFIG, durable: 'otlp-writer' };

/** An OTLP/JSON gauge request of `service` with one data point per entry of `points`. */
function gaugeRequest(service: string, points: Record<string, unknown>[]): string {
  return JSON.stringify({
    resourceMetrics: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeMetrics: [{ metrics: [{ name: 'queue_depth', unit: '1', gauge: { dataPoints: points } }] }],
      },
    ],
  });
}

describe('OTLP/HTTP receiver', () => {
  let nats: Awaited<ReturnType<typeof startTestNats>>;
  let store: Awaited<ReturnType<typeof startTestWarehouse>>;
  let wh: Warehouse;
  let publisher: TelemetryPublisher;
  let writer: IngestWriter;
  let receiver: OtlpReceiver;
  let url: string;

  beforeAll(async () => {
    [nats, store] = await Promise.all([startTestNats(), startTestWarehouse()]);
    wh = store.warehouse;
    // The official example is dated 2018: keep the raw TTL from dropping its rows while we look.
    await wh.command('SYSTEM STOP TTL MERGES metrics');
    publisher = createTelemetryPublisher({ bus: nats.bus, source: 'otlp' });
    writer = createIngestWriter(writerConfig, { bus: nats.bus, warehouse: wh, logger: silentLogger() });
    await writer.start();
    receiver = createOtlpReceiver({
      host: '127.0.0.1',
      port: 0,
      maxBodyBytes: MAX_BODY_BYTES,
      publisher,
      logger: silentLogger(),
    });
    await receiver.start();
    url = `${receiver.address()}/v1/metrics`;
  });
  afterAll(async () => {
    await receiver?.stop();
    await writer?.stop();
    await nats?.stop();
    await store?.stop();
  });

  const count = async (service: string) =>
    (await wh.query<{ n: number }>('SELECT count() AS n FROM metrics WHERE service = {s:String}', { s: service }))[0]!
      .n;
  const post = (body: string | Buffer, contentType = 'application/json', target = url) =>
    fetch(target, { method: 'POST', headers: { 'content-type': contentType }, body });

  it.skipIf(!hasSamples)('stores every point of the official metrics example under its service.name', async () => {
    const body = readFileSync(join(OTLP_DIR, 'metrics.json'));
    const expected = parseOtlpMetricsJson(body, { inputName: 'metrics.json' });
    expect(expected.rejected).toEqual([]);
    expect(expected.records.length).toBeGreaterThan(4);
    const res = await post(body);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual({ partialSuccess: {} });
    await waitFor(async () => (await count('my.service')) >= expected.records.length);
    await new Promise((r) => setTimeout(r, 300));
    expect(await count('my.service')).toBe(expected.records.length);
    const names = await wh.query<{ name: string }>(
      "SELECT DISTINCT name FROM metrics WHERE service = 'my.service' ORDER BY name",
    );
    expect(names.map((r) => r.name)).toEqual(expect.arrayContaining(['my.counter', 'my.gauge', 'my.histogram_count']));
  });

  it('reports rejected points in partialSuccess with their location and stores the good ones', async () => {
    const nowNs = `${Date.now()}000000`;
    const body = gaugeRequest('partial.service', [
      { asDouble: 1, timeUnixNano: nowNs },
      { asDouble: 'not-a-number', timeUnixNano: nowNs },
      { asDouble: 2, timeUnixNano: 'yesterday' },
      { asInt: '3', timeUnixNano: nowNs, attributes: [{ key: 'pod', value: { stringValue: 'b' } }] },
    ]);
    const res = await post(body);
    expect(res.status).toBe(200);
    const answer = (await res.json()) as { partialSuccess: { rejectedDataPoints?: string; errorMessage?: string } };
    expect(answer.partialSuccess.rejectedDataPoints).toBe('2');
    expect(answer.partialSuccess.errorMessage).toContain('metrics[0].dataPoints[1]');
    expect(answer.partialSuccess.errorMessage).toContain('asDouble');
    expect(answer.partialSuccess.errorMessage).toContain('metrics[0].dataPoints[2]');
    expect(answer.partialSuccess.errorMessage).toContain('timeUnixNano');
    await waitFor(async () => (await count('partial.service')) >= 2);
    await new Promise((r) => setTimeout(r, 300));
    const rows = await wh.query<{ value: number }>(
      "SELECT value FROM metrics WHERE service = 'partial.service' ORDER BY value",
    );
    expect(rows.map((r) => r.value)).toEqual([1, 3]);
  });

  it.skipIf(!hasSamples)('refuses an OTLP logs request with 400 naming the logs signal', async () => {
    const res = await post(readFileSync(join(OTLP_DIR, 'logs.json')));
    expect(res.status).toBe(400);
    const answer = (await res.json()) as { code: number; message: string };
    expect(answer.message).toMatch(/logs/);
    expect(answer.message).toMatch(/only metrics/);
  });

  it('answers 400 to a body that is not JSON', async () => {
    const res = await post('{"resourceMetrics": [');
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toMatch(/not valid JSON/);
  });

  it('answers 415 to the protobuf encoding', async () => {
    const res = await post(Buffer.from([0x0a, 0x00]), 'application/x-protobuf');
    expect(res.status).toBe(415);
    expect(((await res.json()) as { message: string }).message).toMatch(/application\/x-protobuf/);
  });

  it('answers 405 to GET and 404 to other signals', async () => {
    expect((await fetch(url)).status).toBe(405);
    const traces = await post('{}', 'application/json', `${receiver.address()}/v1/traces`);
    expect(traces.status).toBe(404);
  });

  it('answers 413 to a body over maxBodyBytes and keeps serving', async () => {
    const nowNs = `${Date.now()}000000`;
    const points = Array.from({ length: 2000 }, (_, i) => ({ asDouble: i, timeUnixNano: nowNs }));
    const body = gaugeRequest('too.big', points);
    expect(body.length).toBeGreaterThan(MAX_BODY_BYTES);
    const res = await post(body);
    expect(res.status).toBe(413);
    expect(((await res.json()) as { message: string }).message).toMatch(String(MAX_BODY_BYTES));
    // Chunked, so the size is only found out while reading.
    const chunked = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: new Blob([body]).stream(),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
    // Nothing of the refused request was published, and the next request is served.
    const ok = await post(gaugeRequest('after.big', [{ asDouble: 7, timeUnixNano: nowNs }]));
    expect(ok.status).toBe(200);
    await waitFor(async () => (await count('after.big')) === 1);
    expect(await count('too.big')).toBe(0);
  });

  it('stops twice, and stops before start', async () => {
    const rx = createOtlpReceiver({
      host: '127.0.0.1',
      port: 0,
      maxBodyBytes: 1024,
      publisher,
      logger: silentLogger(),
    });
    await rx.stop();
    expect(rx.state).toBe('stopped');
    const rx2 = createOtlpReceiver({
      host: '127.0.0.1',
      port: 0,
      maxBodyBytes: 1024,
      publisher,
      logger: silentLogger(),
    });
    await rx2.start();
    expect(rx2.state).toBe('running');
    expect(rx2.address()).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await rx2.stop();
    await rx2.stop();
    expect(rx2.state).toBe('stopped');
  });

  it('fails to start with a message naming AEGIS_OTLP_PORT when the port is in use', async () => {
    const port = Number(new URL(receiver.address()).port);
    const rx = createOtlpReceiver({ host: '127.0.0.1', port, maxBodyBytes: 1024, publisher, logger: silentLogger() });
    await expect(rx.start()).rejects.toThrow(/in use.*AEGIS_OTLP_PORT/);
    await rx.stop();
    expect(rx.state).toBe('stopped');
  });
});
