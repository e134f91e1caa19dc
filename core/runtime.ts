import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Bus, connectBus, type EmbeddedNatsServer, type StreamSettings, startNatsServer } from './bus/index.ts';
import type { AegisConfig } from './config/index.ts';
import type { Logger } from './logger.ts';
import { migrate, openWarehouse, type Warehouse } from './warehouse/index.ts';

/** The connections a role runs on, and how to close them in order. */
export interface Runtime {
  bus?: Bus;
  warehouse?: Warehouse;
  /** The `nats-server` child in embedded mode. */
  natsServer?: EmbeddedNatsServer;
  close(): Promise<void>;
}

/** Opens what a command needs: NATS (embedded `nats-server` child unless `nats.url` is set) and/or
 *  ClickHouse (embedded engine unless `clickhouse.url` is set, migrated). Closes what it opened if a
 *  later step fails. */
export async function openRuntime(
  config: AegisConfig,
  needs: { bus?: boolean; warehouse?: boolean; name?: string },
  logger: Logger,
): Promise<Runtime> {
  const runtime: Runtime = {
    async close() {
      // Ctrl-C in a terminal reaches the embedded nats-server too (same process group): when it is gone
      // there is nothing to drain to (what was published is in its store; unacked messages come back).
      await runtime.bus?.close({ drain: !runtime.natsServer?.exited });
      if (runtime.natsServer) {
        await runtime.natsServer.stop();
        rmSync(runFile(config.dataDir), { force: true });
      }
      await runtime.warehouse?.close();
    },
  };
  try {
    if (needs.bus) {
      let servers = config.nats.url;
      if (!servers) {
        const shared = await sharedEmbeddedNats(config.dataDir);
        if (shared) {
          servers = shared.url;
          logger.debug({ url: shared.url }, 'using the embedded nats-server another AEGIS process started');
        } else {
          runtime.natsServer = await startNatsServer({
            bin: config.nats.serverBin,
            storeDir: join(config.dataDir, 'nats'),
            port: config.nats.port,
            logger,
          });
          servers = runtime.natsServer.url;
          advertise(config.dataDir, runtime.natsServer);
        }
      }
      runtime.bus = await connectBus({
        servers,
        name: `aegis-${needs.name ?? 'cli'}`,
        logger,
        streams: streamSettingsOf(config.nats),
      });
      await runtime.bus.ensureStreams();
    }
    if (needs.warehouse) {
      runtime.warehouse = await openWarehouse(config.clickhouse, config.dataDir);
      await migrate(runtime.warehouse, { rawRetentionDays: config.clickhouse.rawRetentionDays, logger });
    }
    return runtime;
  } catch (err) {
    await runtime.close().catch(() => undefined);
    throw err;
  }
}

/** The stream settings a configuration asks for (what `ensureStreams` sets, and `aegis doctor` expects). */
export function streamSettingsOf(nats: AegisConfig['nats']): StreamSettings {
  return {
    replicas: nats.streamReplicas,
    telemetryMaxAgeHours: nats.telemetryMaxAgeHours,
    retainDays: nats.retainDays,
    duplicateWindowSec: nats.duplicateWindowSec,
  };
}

/** Where the embedded nats-server's URL is advertised under the data directory, so that other commands
 *  on the same data (`aegis ingest` while `aegis start` runs) join it instead of starting a second
 *  server on the same JetStream store (`aegis doctor` reads it too). */
export const runFile = (dataDir: string) => join(dataDir, 'run', 'nats.json');

function advertise(dataDir: string, server: EmbeddedNatsServer): void {
  mkdirSync(join(dataDir, 'run'), { recursive: true });
  writeFileSync(runFile(dataDir), JSON.stringify({ url: server.url, pid: server.pid, ownerPid: process.pid }));
}

async function sharedEmbeddedNats(dataDir: string): Promise<{ url: string } | undefined> {
  if (!existsSync(runFile(dataDir))) return undefined;
  try {
    const entry = JSON.parse(readFileSync(runFile(dataDir), 'utf8')) as { url: string; pid: number; ownerPid: number };
    if (isAlive(entry.pid) && isAlive(entry.ownerPid)) return { url: entry.url };
    // The owner died and left its server behind: stop it so that ours can open the store.
    if (isAlive(entry.pid)) process.kill(entry.pid, 'SIGTERM');
    await waitForExit(entry.pid, 10_000);
  } catch {
    // unreadable: treat as absent
  }
  rmSync(runFile(dataDir), { force: true });
  return undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
}
