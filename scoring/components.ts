import { join } from 'node:path';
import type { Bus } from '../core/bus/index.ts';
import type { AegisConfig } from '../core/config/index.ts';
import type { Logger } from '../core/logger.ts';
import type { Registry } from '../core/metrics.ts';
import type { Warehouse } from '../core/warehouse/index.ts';
import { createAnomalyModelStore, loadTf } from '../models/anomaly/index.ts';
import { createAnomalyWatcher } from './detection/watcher.ts';
import { loadDefinitions } from './service/definitions.ts';
import { createCapacityForecaster } from './service/forecast-pass.ts';
import { createScorer, type Scorer } from './service/scorer.ts';

/** What the scoring service's components are built from. */
export interface ScoringDeps {
  warehouse: Warehouse;
  bus?: Bus | undefined;
  logger: Logger;
  /** Resolves when the first scheduled pass may run. */
  ready?: Promise<unknown>;
  /** The process registry for the scorer's self-metrics. */
  metrics?: Registry | undefined;
  /** Leave TensorFlow.js out (statistical detectors only), e.g. for one-off commands. @default false */
  noTf?: boolean;
}

/** Detector states are saved this often while running, and on stop. */
const SAVE_EVERY_MS = 30 * 60_000;

/** The scorer role: loads the catalog and SLOs (failing on a bad file), the anomaly watcher with
 *  its saved state, and schedules passes. */
export async function buildScorer(config: AegisConfig, deps: ScoringDeps): Promise<Scorer> {
  const logger = deps.logger.child({ component: 'scorer' });
  const definitions = loadDefinitions(config);
  const tf = deps.noTf
    ? undefined
    : await loadTf().catch((err: unknown) => {
        logger.warn({ err }, 'TensorFlow.js unavailable; anomaly detection runs on the statistical detectors only');
        return undefined;
      });
  const watcher = createAnomalyWatcher({
    warehouse: deps.warehouse,
    logger,
    threshold: config.scoring.anomalyThreshold,
    tf,
    store: createAnomalyModelStore({ dataDir: config.dataDir, tf }),
    statePath: join(config.dataDir, 'models', 'anomaly', 'watcher.json'),
  });
  const capacity = createCapacityForecaster(deps.warehouse);
  let savedAt = Date.now();
  return createScorer(config.scoring, {
    warehouse: deps.warehouse,
    bus: deps.bus,
    logger,
    definitions,
    ...(deps.ready ? { ready: deps.ready } : {}),
    ...(deps.metrics ? { metrics: deps.metrics } : {}),
    anomalies: async (nowMs) => {
      const r = await watcher.step(nowMs);
      if (Date.now() - savedAt > SAVE_EVERY_MS) {
        savedAt = Date.now();
        await watcher.save();
      }
      return r;
    },
    capacity: (nowMs) => capacity.step(nowMs),
    onStop: () => watcher.save(),
  });
}
