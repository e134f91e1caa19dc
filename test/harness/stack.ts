import { join } from 'node:path';
import { buildApi } from '../../api/components.ts';
import type { ApiServer } from '../../api/server.ts';
import { buildController } from '../../control/components.ts';
import type { Controller } from '../../control/controller.ts';
import { createSimulatorExecutor } from '../../control/executors/simulator.ts';
import type { AegisConfig } from '../../core/config/index.ts';
import type { Logger } from '../../core/logger.ts';
import { createMetricsRegistry } from '../../core/metrics.ts';
import type { Warehouse } from '../../core/warehouse/index.ts';
import { createSimulatorFeed, type SimulatorFeed } from '../../ingest/collectors/simulator-feed.ts';
import { buildIngestWriter } from '../../ingest/components.ts';
import { createTelemetryPublisher } from '../../ingest/publisher.ts';
import type { Platform } from '../../ingest/simulator/index.ts';
import type { IngestWriter } from '../../ingest/writer/index.ts';
import { buildScorer } from '../../scoring/components.ts';
import type { Scorer } from '../../scoring/service/scorer.ts';
import { startTestNats, startTestWarehouse } from './index.ts';

/** The roles `aegis start` wires, on a real nats-server and the embedded engine, around a simulated
 *  platform whose clock the test drives. */
export interface SimulatedStack {
  nats: Awaited<ReturnType<typeof startTestNats>>;
  warehouse: Warehouse;
  feed: SimulatorFeed;
  writer: IngestWriter;
  /** Not scheduled: the test runs passes with `runOnce(at)`. */
  scorer: Scorer;
  /** Not scheduled: sweeps happen when the test asks. */
  controller: Controller;
  server: ApiServer;
  /** The development admin key's token. */
  adminToken: string;
  /** Stops every part, newest first; safe after a failed start. */
  stop(): Promise<void>;
}

/** Starts the simulator feed → NATS → ingest writer → embedded ClickHouse → scorer → controller → API
 *  (on `config.api`), the feed generating up to `clock()` and the controller acting on `platform`. */
export async function startSimulatedStack(params: {
  config: AegisConfig;
  platform: Platform;
  clock: () => number;
  logger: Logger;
}): Promise<SimulatedStack> {
  const { config, platform, clock, logger } = params;
  const stops: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    for (const s of stops.splice(0).reverse()) await s();
  };
  try {
    const nats = await startTestNats();
    stops.push(() => nats.stop());
    const store = await startTestWarehouse();
    stops.push(() => store.stop());
    const warehouse = store.warehouse;
    const metrics = createMetricsRegistry();
    const simulatorDir = join(config.dataDir, 'simulator');
    const feed = createSimulatorFeed({
      platform,
      publisher: createTelemetryPublisher({ bus: nats.bus, source: 'simulator' }),
      checkpointPath: join(simulatorDir, 'checkpoint.json'),
      groundTruthPath: join(simulatorDir, 'ground-truth.jsonl'),
      backfillDays: 0,
      tickMs: 50,
      logger,
      now: clock,
    });
    const writer = buildIngestWriter(config, { bus: nats.bus, warehouse, logger, metrics });
    const scorer = await buildScorer(config, { warehouse, bus: nats.bus, logger, noTf: true });
    const catalog = scorer.definitions.catalog;
    const controller = await buildController(config, {
      warehouse,
      bus: nats.bus,
      logger,
      catalog: () => catalog,
      simulator: createSimulatorExecutor({ platform, journalPath: join(simulatorDir, 'changes.jsonl'), clock }),
      clock,
      schedule: false,
    });
    const api = await buildApi(config, {
      warehouse,
      bus: nats.bus,
      controller,
      catalog: () => catalog,
      logger,
      metrics,
      devAdminKey: true,
    });
    for (const component of [writer, feed, controller, api.server]) {
      stops.push(() => component.stop());
      await component.start();
    }
    return {
      nats,
      warehouse,
      feed,
      writer,
      scorer,
      controller,
      server: api.server,
      adminToken: api.devKey!.token,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
