import { UsageError } from '../../core/errors.ts';
import type { Component } from '../../core/lifecycle.ts';
import { createMetricsRegistry } from '../../core/metrics.ts';
import { openRuntime } from '../../core/runtime.ts';
import { buildCollectors, buildIngestWriter, buildSimulatorFeed } from '../../ingest/components.ts';
import { buildScorer } from '../../scoring/components.ts';
import { type GlobalOptions, setup, stopAll, untilSignal } from '../shared.ts';

/** Roles `aegis run` starts, one per process in cluster mode. */
export const ROLES = ['ingest-writer', 'collector', 'simulator', 'scorer'] as const;

/** `aegis run <role>`: one role in this process; replicas of a role share its durable consumer. */
export async function runCommand(role: string, options: GlobalOptions & { live?: boolean }): Promise<number> {
  if (!(ROLES as readonly string[]).includes(role))
    throw new UsageError(`role must be one of ${ROLES.join(', ')} (got ${role})`);
  const { config, logger } = setup(options);
  const needsStore = role === 'ingest-writer' || role === 'scorer';
  const runtime = await openRuntime(config, { bus: true, warehouse: needsStore, name: role }, logger);
  const deps = { bus: runtime.bus!, logger, metrics: createMetricsRegistry() };
  let components: Component[];
  try {
    components =
      role === 'ingest-writer'
        ? [buildIngestWriter(config, { ...deps, warehouse: runtime.warehouse! })]
        : role === 'collector'
          ? buildCollectors(config, deps)
          : role === 'scorer'
            ? [await buildScorer(config, { ...deps, warehouse: runtime.warehouse! })]
            : [buildSimulatorFeed(config, deps)];
  } catch (err) {
    await runtime.close();
    throw err;
  }
  if (components.length === 0)
    logger.warn('nothing to run: the OTLP receiver is disabled and no scrape targets are configured');
  try {
    for (const c of components) await c.start();
    logger.info({ role, nats: runtime.bus!.servers, store: runtime.warehouse?.location }, `${role} running`);
    await untilSignal();
  } finally {
    await stopAll(components, logger);
    await runtime.close();
  }
  return 0;
}
