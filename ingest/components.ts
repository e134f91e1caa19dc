import { join } from 'node:path';
import type { Bus } from '../core/bus/index.ts';
import type { AegisConfig } from '../core/config/index.ts';
import type { Component } from '../core/lifecycle.ts';
import type { Logger } from '../core/logger.ts';
import type { Registry } from '../core/metrics.ts';
import type { Warehouse } from '../core/warehouse/index.ts';
import { createOtlpReceiver } from './collectors/otlp-receiver.ts';
import { createPrometheusScraper } from './collectors/prometheus-scraper.ts';
import { createSimulatorFeed, type SimulatorFeed } from './collectors/simulator-feed.ts';
import { createTelemetryPublisher } from './publisher.ts';
import { createPlatform, type SimulatorConfigInput } from './simulator/index.ts';
import { createIngestWriter, type IngestWriter } from './writer/index.ts';

/** What the ingest service's components are built from. */
export interface IngestDeps {
  bus: Bus;
  logger: Logger;
  metrics?: Registry;
}

/** The ingest writer role. */
export function buildIngestWriter(config: AegisConfig, deps: IngestDeps & { warehouse: Warehouse }): IngestWriter {
  return createIngestWriter(config.writer, { ...deps, logger: deps.logger.child({ component: 'ingest-writer' }) });
}

/** The collector role: the OTLP/HTTP receiver (unless its port is 0) and the Prometheus scraper
 *  (when targets are configured). */
export function buildCollectors(config: AegisConfig, deps: IngestDeps): Component[] {
  const c = config.collectors;
  const components: Component[] = [];
  if (c.otlpPort > 0) {
    components.push(
      createOtlpReceiver({
        host: c.otlpHost,
        port: c.otlpPort,
        maxBodyBytes: c.otlpMaxBodyBytes,
        publisher: createTelemetryPublisher({ bus: deps.bus, source: 'otlp', batchRecords: c.batchRecords }),
        logger: deps.logger.child({ component: 'otlp-receiver' }),
      }),
    );
  }
  if (c.scrapeTargets.length > 0) {
    components.push(
      createPrometheusScraper({
        targets: c.scrapeTargets,
        publisher: createTelemetryPublisher({ bus: deps.bus, source: 'prometheus', batchRecords: c.batchRecords }),
        logger: deps.logger.child({ component: 'prometheus-scraper' }),
      }),
    );
  }
  return components;
}

/** The simulated platform's shape from the configuration (teams default to 6, or fewer services). */
export function simulatedPlatformConfig(config: AegisConfig): SimulatorConfigInput {
  const s = config.simulator;
  return { seed: s.seed, services: s.services, teams: s.teams ?? Math.min(6, s.services) };
}

/** The simulated platform's feed: backfill, then live. */
export function buildSimulatorFeed(config: AegisConfig, deps: IngestDeps): SimulatorFeed {
  const s = config.simulator;
  return createSimulatorFeed({
    platform: createPlatform(simulatedPlatformConfig(config)),
    publisher: createTelemetryPublisher({
      bus: deps.bus,
      source: 'simulator',
      batchRecords: config.collectors.batchRecords,
    }),
    checkpointPath: join(config.dataDir, 'simulator', 'checkpoint.json'),
    groundTruthPath: join(config.dataDir, 'simulator', 'ground-truth.jsonl'),
    backfillDays: s.backfillDays,
    tickMs: s.tickMs,
    logger: deps.logger.child({ component: 'simulator' }),
  });
}
