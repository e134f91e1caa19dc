import { join } from 'node:path';
import { createMetricsRegistry } from '../../core/metrics.ts';
import { openRuntime } from '../../core/runtime.ts';
import { buildSimulatorFeed } from '../../ingest/components.ts';
import { fmt, type GlobalOptions, setup, untilSignal } from '../shared.ts';

/** Options of `aegis simulate`. */
export interface SimulateOptions extends GlobalOptions {
  days?: string;
  seed?: string;
  services?: string;
  live?: boolean;
}

/** `aegis simulate`: publishes the simulated platform's history (and, unless `--no-live`, keeps
 *  streaming) to NATS, for an ingest writer to store. */
export async function simulateCommand(options: SimulateOptions): Promise<number> {
  const overrides: Record<string, unknown> = {};
  if (options.days !== undefined) overrides['simulator.backfillDays'] = Number(options.days);
  if (options.seed !== undefined) overrides['simulator.seed'] = Number(options.seed);
  if (options.services !== undefined) overrides['simulator.services'] = Number(options.services);
  const { config, logger } = setup(options, overrides);
  const runtime = await openRuntime(config, { bus: true, name: 'simulator' }, logger);
  const feed = buildSimulatorFeed(config, { bus: runtime.bus!, logger, metrics: createMetricsRegistry() });
  try {
    await feed.start();
    const signal = untilSignal();
    await Promise.race([feed.backfilled(), signal]);
    const p = feed.progress();
    process.stdout.write(
      `published ${fmt(p.records)} records up to ${new Date(p.generatedUntilMs).toISOString()}; ground truth in ${join(config.dataDir, 'simulator', 'ground-truth.jsonl')}\n`,
    );
    if (options.live !== false) await signal;
  } finally {
    await feed.stop();
    await runtime.close();
  }
  return 0;
}
