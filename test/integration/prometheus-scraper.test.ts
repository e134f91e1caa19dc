import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScrapeTarget } from '../../core/config/index.ts';
import { silentLogger } from '../../core/logger.ts';
import type { Warehouse } from '../../core/warehouse/index.ts';
import { createPrometheusScraper } from '../../ingest/collectors/prometheus-scraper.ts';
import { createTelemetryPublisher, type TelemetryPublisher } from '../../ingest/publisher.ts';
import { createIngestWriter, type IngestWriter } from '../../ingest/writer/index.ts';
import { startTestNats, startTestWarehouse, TEST_WRITER_CONFIG } from '../harness/index.ts';
import { waitFor } from '../harness/telemetry.ts';

const NODE_EXPORTER = fileURLToPath(
  new URL('../../../shared/formats/prometheus/node_exporter/e2e-output.txt', import.meta.url),
);
const hasSample = existsSync(NODE_EXPORTER);

const writerConfig = { ...TEST_WRITER_CONFIG, durable: 'scrape-writer' };

/** A local exporter: `/metrics` serves node_exporter output, `/fail` answers 500, `/hang` never answers. */
function startExporter(): Promise<{ server: Server; base: string; host: string }> {
  const exposition = hasSample ? readFileSync(NODE_EXPORTER) : Buffer.from('up_test 1\n');
  const server = createServer((req, res) => {
    if (req.url === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
      res.end(exposition);
    } else if (req.url === '/fail') {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('exporter broke');
    }
    // `/hang`: never answered; the connection is closed when the test ends.
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
      resolve({ server, base: `http://${host}`, host });
    });
  });
}

const target = (url: string, job: string, overrides: Partial<ScrapeTarget> = {}): ScrapeTarget => ({
  url,
  job,
  intervalSec: 15,
  timeoutSec: 10,
  ...overrides,
});

describe('Prometheus scraper', () => {
  let nats: Awaited<ReturnType<typeof startTestNats>>;
  let store: Awaited<ReturnType<typeof startTestWarehouse>>;
  let exporter: Awaited<ReturnType<typeof startExporter>>;
  let wh: Warehouse;
  let publisher: TelemetryPublisher;
  let writer: IngestWriter;

  beforeAll(async () => {
    [nats, store, exporter] = await Promise.all([startTestNats(), startTestWarehouse(), startExporter()]);
    wh = store.warehouse;
    publisher = createTelemetryPublisher({ bus: nats.bus, source: 'prometheus' });
    writer = createIngestWriter(writerConfig, { bus: nats.bus, warehouse: wh, logger: silentLogger() });
    await writer.start();
  });
  afterAll(async () => {
    exporter?.server.closeAllConnections();
    await new Promise((r) => exporter?.server.close(r));
    await writer?.stop();
    await nats?.stop();
    await store?.stop();
  });

  const scraper = (targets: ScrapeTarget[] = []) =>
    createPrometheusScraper({ targets, publisher, logger: silentLogger() });
  const count = async (service: string, name?: string) =>
    (
      await wh.query<{ n: number }>(
        `SELECT count() AS n FROM metrics WHERE service = {s:String}${name ? ' AND name = {name:String}' : ''}`,
        { s: service, name: name ?? '' },
      )
    )[0]!.n;
  const upValues = async (job: string) =>
    (
      await wh.query<{ value: number; job: string; instance: string }>(
        "SELECT value, labels['job'] AS job, labels['instance'] AS instance FROM metrics WHERE service = {s:String} AND name = 'up' ORDER BY ts",
        { s: job },
      )
    ).map((r) => ({ ...r, value: Number(r.value) }));

  it.skipIf(!hasSample)('scrapes node_exporter output into metrics with job and instance labels', async () => {
    const status = await scraper().scrape(target(`${exporter.base}/metrics`, 'node'));
    expect(status.error).toBeUndefined();
    expect(status.up).toBe(true);
    expect(status.points).toBeGreaterThan(3000);
    expect(status.rejected).toBe(0);
    // Every sample plus the synthetic `up`.
    await waitFor(async () => (await count('node')) >= status.points + 1);
    await new Promise((r) => setTimeout(r, 300));
    expect(await count('node')).toBe(status.points + 1);
    const unlabelled = await wh.query<{ n: number }>(
      "SELECT count() AS n FROM metrics WHERE service = 'node' AND (labels['job'] != 'node' OR labels['instance'] != {i:String})",
      { i: exporter.host },
    );
    expect(unlabelled[0]!.n).toBe(0);
    expect(await count('node', 'node_arp_entries')).toBeGreaterThan(0);
    expect(await upValues('node')).toEqual([{ value: 1, job: 'node', instance: exporter.host }]);
  });

  it('marks a target answering 500 down and stores up = 0', async () => {
    const status = await scraper().scrape(target(`${exporter.base}/fail`, 'broken'));
    expect(status.up).toBe(false);
    expect(status.points).toBe(0);
    expect(status.error).toMatch(/HTTP 500/);
    await waitFor(async () => (await upValues('broken')).length === 1);
    expect(await upValues('broken')).toEqual([{ value: 0, job: 'broken', instance: exporter.host }]);
    expect(await count('broken')).toBe(1);
  });

  it('gives up on a target that never answers after timeoutSec', async () => {
    const started = Date.now();
    const status = await scraper().scrape(target(`${exporter.base}/hang`, 'silent', { timeoutSec: 1 }));
    const tookMs = Date.now() - started;
    expect(tookMs).toBeGreaterThanOrEqual(900);
    expect(tookMs).toBeLessThan(5000);
    expect(status.up).toBe(false);
    expect(status.error).toMatch(/time|abort/i);
    await waitFor(async () => (await upValues('silent')).length === 1);
    expect((await upValues('silent'))[0]!.value).toBe(0);
  });

  it('scrapes on its interval once started and stops cleanly', async () => {
    const s = scraper([target(`${exporter.base}/fail`, 'scheduled', { intervalSec: 1, timeoutSec: 1 })]);
    await s.start();
    expect(s.state).toBe('running');
    // One scrape at start, then one per interval.
    await waitFor(async () => (await upValues('scheduled')).length >= 2, 10_000);
    expect(s.status()).toEqual([expect.objectContaining({ url: `${exporter.base}/fail`, up: false })]);
    await s.stop();
    expect(s.state).toBe('stopped');
    await new Promise((r) => setTimeout(r, 500));
    const after = (await upValues('scheduled')).length;
    await new Promise((r) => setTimeout(r, 1500));
    expect((await upValues('scheduled')).length).toBe(after);
    await s.stop();
    expect(s.state).toBe('stopped');
  });

  it('stops before start and then never scrapes', async () => {
    const s = scraper([target(`${exporter.base}/fail`, 'never', { intervalSec: 1 })]);
    await s.stop();
    expect(s.state).toBe('stopped');
    await s.start();
    expect(s.state).toBe('stopped');
    await new Promise((r) => setTimeout(r, 1200));
    expect(s.status()).toEqual([]);
    expect(await count('never')).toBe(0);
  });
});
