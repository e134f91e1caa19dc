import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Bus, connectBus, type EmbeddedNatsServer, startNatsServer } from '../../core/bus/index.ts';
import { migrate, openEmbeddedWarehouse, openServerWarehouse, type Warehouse } from '../../core/warehouse/index.ts';

/** A fresh temporary directory, removed by the returned cleanup. */
export function tempDir(prefix = 'aegis-test-'): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** A TCP port on 127.0.0.1 nobody listens on right now (the OS picks it; a child may bind it moments later). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Writer settings for tests: quick flushes and retries, a short ack-wait so redelivery shows fast. */
export const TEST_WRITER_CONFIG = {
  durable: 'ingest-writer',
  maxBatchRows: 50_000,
  flushIntervalMs: 200,
  maxAckPending: 4000,
  maxDeliver: 10,
  ackWaitMs: 5000,
  retryInitialMs: 50,
  retryMaxMs: 500,
};

/** The crash test's writer: small batches, so the crash lands after the first of several, and a
 *  short ack-wait, so the unacked batch comes back soon. */
export const CRASH_WRITER_CONFIG = { ...TEST_WRITER_CONFIG, durable: 'crashy', maxBatchRows: 3000, ackWaitMs: 2000 };

/** Stream settings for tests: short retention is irrelevant, replicas 1. */
export const TEST_STREAMS = { replicas: 1, telemetryMaxAgeHours: 1, retainDays: 1, duplicateWindowSec: 120 };

/** A real `nats-server -js` on a free port with its store in a temp dir, plus a connected bus. */
export async function startTestNats(): Promise<{
  server: EmbeddedNatsServer;
  bus: Bus;
  connect: () => Promise<Bus>;
  stop: () => Promise<void>;
}> {
  const dir = tempDir('aegis-nats-');
  const server = await startNatsServer({ storeDir: dir.path });
  // Even when a test fails before its afterAll stops the server, it must not outlive the test process.
  process.once('exit', () => {
    try {
      process.kill(server.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  });
  const connect = async () => connectBus({ servers: server.url, streams: TEST_STREAMS, name: 'aegis-test' });
  const bus = await connect();
  await bus.ensureStreams();
  return {
    server,
    bus,
    connect,
    stop: async () => {
      await bus.close();
      await server.stop();
      dir.remove();
    },
  };
}

/** A ClickHouse server for the server-driver tests, from `AEGIS_TEST_CLICKHOUSE_URL` (unset: skipped). */
export const TEST_CLICKHOUSE_URL = process.env.AEGIS_TEST_CLICKHOUSE_URL;

/** A migrated database of its own on the test ClickHouse server, dropped by `stop`. */
export async function startServerTestWarehouse(): Promise<{ warehouse: Warehouse; stop: () => Promise<void> }> {
  const url = new URL(TEST_CLICKHOUSE_URL!);
  const database = `aegis_test_${process.pid}_${Date.now()}`;
  const warehouse = await openServerWarehouse({
    url: `${url.protocol}//${url.host}`,
    username: decodeURIComponent(url.username) || 'default',
    password: decodeURIComponent(url.password),
    database,
  });
  await migrate(warehouse);
  return {
    warehouse,
    stop: async () => {
      await warehouse.command(`DROP DATABASE IF EXISTS ${database}`);
      await warehouse.close();
    },
  };
}

/** The real embedded ClickHouse engine in a temp dir, migrated. One per test file (one engine per process). */
export async function startTestWarehouse(): Promise<{ warehouse: Warehouse; path: string; stop: () => Promise<void> }> {
  const dir = tempDir('aegis-ch-');
  const warehouse = await openEmbeddedWarehouse({ path: dir.path, database: 'aegis' });
  await migrate(warehouse);
  return {
    warehouse,
    path: dir.path,
    stop: async () => {
      await warehouse.close();
      dir.remove();
    },
  };
}
