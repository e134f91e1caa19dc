import { buildApi } from '../../api/components.ts';
import { buildController, buildSimulatorExecutor, serveSimulatorExecutor } from '../../control/components.ts';
import type { Served } from '../../core/bus/index.ts';
import { UsageError } from '../../core/errors.ts';
import type { Component } from '../../core/lifecycle.ts';
import { createMetricsRegistry } from '../../core/metrics.ts';
import { createOpsServer, type OpsServer, type ReadinessProbe } from '../../core/ops-server.ts';
import { openRuntime, type Runtime } from '../../core/runtime.ts';
import { buildCollectors, buildIngestWriter, buildSimulatorFeed } from '../../ingest/components.ts';
import { buildScorer } from '../../scoring/components.ts';
import { loadDefinitions } from '../../scoring/service/definitions.ts';
import { type GlobalOptions, setup, stopAll, untilSignal } from '../shared.ts';

/** Roles `aegis run` starts, one per process in cluster mode. */
export const ROLES = ['ingest-writer', 'collector', 'simulator', 'scorer', 'controller', 'api'] as const;

/** `aegis run <role>`: one role in this process; replicas of a role share its durable consumer. */
export async function runCommand(role: string, options: GlobalOptions & { live?: boolean }): Promise<number> {
  if (!(ROLES as readonly string[]).includes(role))
    throw new UsageError(`role must be one of ${ROLES.join(', ')} (got ${role})`);
  const { config, logger } = setup(options);
  const needsStore = role !== 'collector' && role !== 'simulator';
  const runtime = await openRuntime(config, { bus: true, warehouse: needsStore, name: role }, logger);
  const deps = { bus: runtime.bus!, logger, metrics: createMetricsRegistry() };
  let components: Component[];
  let agent: Served | undefined;
  try {
    if (role === 'ingest-writer') components = [buildIngestWriter(config, { ...deps, warehouse: runtime.warehouse! })];
    else if (role === 'collector') components = buildCollectors(config, deps);
    else if (role === 'scorer') components = [await buildScorer(config, { ...deps, warehouse: runtime.warehouse! })];
    else if (role === 'controller' || role === 'api') {
      const { catalog } = loadDefinitions(config);
      // An API replica decides and records actions through a control layer of its own (no sweeps: the
      // controller role runs those); the KV lease keeps one audit writer at a time across them.
      const controller = await buildController(config, {
        ...deps,
        warehouse: runtime.warehouse!,
        catalog: () => catalog,
        ...(role === 'api' ? { schedule: false } : {}),
      });
      components =
        role === 'api'
          ? [
              (await buildApi(config, { ...deps, warehouse: runtime.warehouse!, controller, catalog: () => catalog }))
                .server,
              controller,
            ]
          : [controller];
    } else {
      // The simulator also carries out actions on its platform for the controllers, over NATS.
      const feed = buildSimulatorFeed(config, deps);
      agent = serveSimulatorExecutor(deps.bus, buildSimulatorExecutor(config, feed.platform, logger), logger);
      await agent.ready;
      components = [feed];
    }
  } catch (err) {
    await agent?.stop();
    await runtime.close();
    throw err;
  }
  if (components.length === 0)
    logger.warn('nothing to run: the OTLP receiver is disabled and no scrape targets are configured');
  // The API serves /healthz, /readyz and /metrics itself; the other roles get a small server for them.
  const ops: OpsServer | undefined =
    role !== 'api' && config.metrics.port > 0
      ? createOpsServer({
          host: config.metrics.host,
          port: config.metrics.port,
          metrics: deps.metrics,
          checks: readinessChecks(runtime, components),
          logger: logger.child({ component: 'ops-server' }),
        })
      : undefined;
  try {
    await ops?.start();
    for (const c of components) await c.start();
    logger.info({ role, nats: runtime.bus!.servers, store: runtime.warehouse?.location }, `${role} running`);
    await untilSignal();
  } finally {
    await agent?.stop();
    await stopAll(components, logger);
    await ops?.stop();
    await runtime.close();
  }
  return 0;
}

/** What `/readyz` of a role checks: its connections answer and its components run. */
function readinessChecks(runtime: Runtime, components: readonly Component[]): Record<string, ReadinessProbe> {
  const checks: Record<string, ReadinessProbe> = {
    nats: async () => {
      await runtime.bus!.streamMessages('TELEMETRY');
    },
    components: async () => {
      const idle = components.filter((c) => c.state !== 'running');
      if (idle.length > 0) throw new Error(idle.map((c) => `${c.name} is ${c.state}`).join(', '));
    },
  };
  const warehouse = runtime.warehouse;
  if (warehouse)
    checks.clickhouse = async () => {
      await warehouse.query('SELECT 1 AS one');
    };
  return checks;
}
