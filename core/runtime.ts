import { join } from 'node:path';
import { type Bus, connectBus, type EmbeddedNatsServer, startNatsServer } from './bus/index.ts';
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
      await runtime.bus?.close();
      await runtime.natsServer?.stop();
      await runtime.warehouse?.close();
    },
  };
  try {
    if (needs.bus) {
      let servers = config.nats.url;
      if (!servers) {
        runtime.natsServer = await startNatsServer({
          bin: config.nats.serverBin,
          storeDir: join(config.dataDir, 'nats'),
          port: config.nats.port,
          logger,
        });
        servers = runtime.natsServer.url;
      }
      runtime.bus = await connectBus({
        servers,
        name: `aegis-${needs.name ?? 'cli'}`,
        logger,
        streams: {
          replicas: config.nats.streamReplicas,
          telemetryMaxAgeHours: config.nats.telemetryMaxAgeHours,
          retainDays: config.nats.retainDays,
          duplicateWindowSec: config.nats.duplicateWindowSec,
        },
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
