import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/logger.ts';
import { migrate, openEmbeddedWarehouse, type Warehouse } from '../../core/warehouse/index.ts';
import { createTelemetryPublisher } from '../../ingest/publisher.ts';
import { createIngestWriter } from '../../ingest/writer/index.ts';
import { CRASH_WRITER_CONFIG, startTestNats, tempDir } from '../harness/index.ts';
import { fingerprint, METRIC_ROWS_SQL, makePoints, waitFor } from '../harness/telemetry.ts';

const ROOT = resolve(import.meta.dirname, '../..');

describe('ingest writer crash between insert and ack', () => {
  let nats: Awaited<ReturnType<typeof startTestNats>>;
  const dir = tempDir('aegis-crash-');
  let wh: Warehouse | undefined;

  beforeAll(async () => {
    nats = await startTestNats();
  });
  afterAll(async () => {
    await wh?.close();
    await nats?.stop();
    dir.remove();
  });

  it('stores every row exactly once after a SIGKILL between insert and ack and a restart', async () => {
    // Migrate in a child-free moment: the engine is opened here, closed, then used by the child.
    const setup = await openEmbeddedWarehouse({ path: dir.path, database: 'aegis' });
    await migrate(setup);
    await setup.close();

    const points = makePoints(10_000, 'crash');
    await createTelemetryPublisher({ bus: nats.bus, source: 'test' }).publish('metrics', points);

    const child = spawn(process.execPath, ['bin/run-ts.js', 'test/fixtures/crashing-writer.ts'], {
      cwd: ROOT,
      env: { ...process.env, NATS_URL: nats.server.url, CH_PATH: dir.path },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const signal = await new Promise<NodeJS.Signals | null>((r) => child.on('exit', (_code, sig) => r(sig)));
    expect(signal).toBe('SIGKILL');
    const insertedBeforeCrash = Number(/inserted (\d+)/.exec(out)?.[1]);
    expect(insertedBeforeCrash).toBeGreaterThan(0);

    wh = await openEmbeddedWarehouse({ path: dir.path, database: 'aegis' });
    const [before] = await wh.query<{ n: number }>('SELECT count() AS n FROM metrics');
    expect(before!.n).toBe(insertedBeforeCrash); // stored, but never acked

    const writer = createIngestWriter(CRASH_WRITER_CONFIG, { bus: nats.bus, warehouse: wh, logger: silentLogger() });
    await writer.start();
    await waitFor(
      async () => (await wh!.query<{ n: number }>('SELECT count() AS n FROM metrics'))[0]!.n >= points.length,
      30_000,
    );
    // The crashed batch is redelivered after ack-wait; give it time to (not) be inserted twice.
    await waitFor(() => writer.stats().rowsSkippedAsAlreadyStored >= insertedBeforeCrash, 15_000);
    await writer.stop();

    const rows = await wh.query<Parameters<typeof fingerprint>[0][number]>(METRIC_ROWS_SQL);
    expect(rows.length).toBe(points.length);
    expect(fingerprint(rows)).toBe(fingerprint(points.map((p) => ({ ...p, labels: p.labels ?? {} }))));
    const [minute] = await wh.query<{ n: number }>("SELECT sum(count) AS n FROM metrics_1m WHERE service = 'crash'");
    expect(minute!.n).toBe(points.length);
  });
});
