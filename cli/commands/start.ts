import { join, relative } from 'node:path';
import cliProgress from 'cli-progress';
import { buildApi } from '../../api/components.ts';
import { buildController, buildSimulatorExecutor } from '../../control/components.ts';
import type { Controller } from '../../control/controller.ts';
import type { Bus } from '../../core/bus/index.ts';
import type { Component } from '../../core/lifecycle.ts';
import { createMetricsRegistry } from '../../core/metrics.ts';
import { openRuntime } from '../../core/runtime.ts';
import type { SimulatorFeed } from '../../ingest/collectors/simulator-feed.ts';
import { buildCollectors, buildIngestWriter, buildSimulatorFeed } from '../../ingest/components.ts';
import { HOUR_MS } from '../../ingest/simulator/index.ts';
import { buildScorer } from '../../scoring/components.ts';
import { loadDefinitions } from '../../scoring/service/definitions.ts';
import type { Scorer } from '../../scoring/service/scorer.ts';
import { fmt, type GlobalOptions, setup, stopAll, untilSignal, VERSION } from '../shared.ts';
import { formatCounts, readCounts, storedRows } from '../status.ts';

/** Options of `aegis start`. */
export interface StartOptions extends GlobalOptions {
  simulator?: boolean;
  backfillDays?: string;
  statusIntervalSec?: string;
}

/** `aegis start`: every role in one process on the embedded default (or the configured servers):
 *  NATS, ClickHouse with migrations, the ingest writer, the collectors and the simulator. */
export async function startCommand(options: StartOptions): Promise<number> {
  const overrides: Record<string, unknown> = {};
  if (options.simulator === false) overrides['simulator.enabled'] = false;
  if (options.backfillDays !== undefined) overrides['simulator.backfillDays'] = Number(options.backfillDays);
  const { config, logger } = setup(options, overrides);
  const out = (line = '') => process.stdout.write(`${line}\n`);
  // Paths under the working directory read better relative; others stay absolute.
  const rel = (p: string) => {
    const r = relative(process.cwd(), p);
    return r === '' ? '.' : r.startsWith('..') ? p : r;
  };

  out(`AEGIS ${VERSION} · ${config.nats.url || config.clickhouse.url ? 'cluster connections' : 'embedded mode'}`);
  out(`  data directory  ${config.dataDir}`);
  const runtime = await openRuntime(config, { bus: true, warehouse: true, name: 'start' }, logger);
  const bus = runtime.bus!;
  const warehouse = runtime.warehouse!;
  const metrics = createMetricsRegistry();

  let writer: Component;
  let collectors: Component[];
  let feed: SimulatorFeed | undefined;
  let scorer: Scorer | undefined;
  let controller: Controller;
  let api: Awaited<ReturnType<typeof buildApi>>;
  try {
    writer = buildIngestWriter(config, { bus, warehouse, logger, metrics });
    collectors = buildCollectors(config, { bus, logger, metrics });
    feed = config.simulator.enabled ? buildSimulatorFeed(config, { bus, logger, metrics }) : undefined;
    // Scoring starts once the backfill is published: its first pass then sees the history.
    scorer = config.scoring.enabled
      ? await buildScorer(config, {
          bus,
          warehouse,
          logger,
          metrics,
          ...(feed ? { ready: feed.backfilled().then(() => drained(bus, config.writer.durable)) } : {}),
        })
      : undefined;
    const catalog = (scorer?.definitions ?? loadDefinitions(config)).catalog;
    controller = await buildController(config, {
      warehouse,
      bus,
      logger,
      metrics,
      catalog: () => catalog,
      ...(feed ? { simulator: buildSimulatorExecutor(config, feed.platform, logger) } : {}),
    });
    api = await buildApi(config, {
      warehouse,
      bus,
      controller,
      catalog: () => catalog,
      logger,
      metrics,
      devAdminKey: !config.nats.url && !config.clickhouse.url,
    });
  } catch (err) {
    await runtime.close();
    throw err;
  }
  // Stop order: no new requests and actions first, then intake (collectors, simulator), then the scorer, then the
  // writer flushes what it holds.
  const components: Component[] = [
    api.server,
    controller,
    ...collectors,
    ...(feed ? [feed] : []),
    ...(scorer ? [scorer] : []),
    writer,
  ];

  let stopping = false;
  const stop = async () => {
    stopping = true;
    out('\nstopping: collectors and simulator first, then the writer flushes what it holds …');
    await stopAll(components, logger);
    await runtime.close();
    out('stopped cleanly; everything published is stored or waiting in JetStream.');
  };
  const signal = untilSignal();

  try {
    await writer.start();
    for (const c of collectors) await c.start();
    const nats = runtime.natsServer
      ? `${runtime.natsServer.url} (nats-server child pid ${runtime.natsServer.pid}, store ${rel(join(config.dataDir, 'nats'))})`
      : bus.servers;
    out(`  NATS JetStream  ${nats}`);
    out(
      `  ClickHouse      ${warehouse.driver === 'embedded' ? `embedded engine at ${rel(warehouse.location)}` : warehouse.location}, database ${warehouse.database}`,
    );
    out(
      `  ingest writer   durable "${config.writer.durable}", batches of ≤${fmt(config.writer.maxBatchRows)} rows or ${config.writer.flushIntervalMs} ms`,
    );
    for (const c of collectors) {
      if (c.name === 'otlp-receiver')
        out(`  OTLP/HTTP       http://${config.collectors.otlpHost}:${config.collectors.otlpPort}/v1/metrics`);
      if (c.name === 'prometheus-scraper')
        out(`  Prometheus      scraping ${config.collectors.scrapeTargets.length} target(s)`);
    }
    if (feed) {
      out(
        `  simulator       ${config.simulator.services} services, seed ${config.simulator.seed}; ground truth in ${rel(join(config.dataDir, 'simulator', 'ground-truth.jsonl'))}`,
      );
      await feed.start();
    }
    if (scorer) {
      await scorer.start();
      out(
        `  scorer          every ${config.scoring.intervalSec} s: ${scorer.definitions.catalog.services.length} services, ${scorer.definitions.slos.length} SLOs from ${rel(scorer.definitions.catalogDir)} and ${rel(scorer.definitions.sloDir)}`,
      );
    }
    await controller.start();
    const policy = controller.policy.current();
    out(
      `  controller      ${policy.rules.length} policy rules from ${rel(config.control.policyDir)} (set ${policy.hash.slice(0, 12)}), audit key ${controller.keyId}, executors: ${controller.executors.join(', ') || 'none'}`,
    );
    await api.server.start();
    out(`  GraphQL API     ${api.server.url}/graphql (HTTP and WebSocket); /healthz, /readyz, /metrics`);
    out(`  overview page   ${api.server.url}/ (sign in with an API key)`);
    if (api.devKey) out(`  admin API key   ${api.devKey.token}  (development only; kept in ${rel(api.devKey.file)})`);
    out('Ctrl-C stops AEGIS cleanly.\n');

    if (feed) await showBackfill(feed, () => readCounts(warehouse).catch(() => undefined), signal);
    const printCounts = async () => {
      const counts = await readCounts(warehouse, bus).catch(() => undefined);
      if (counts && !stopping) out(formatCounts(counts));
    };
    await printCounts();
    const status = setInterval(printCounts, Number(options.statusIntervalSec ?? 10) * 1000);
    await signal;
    clearInterval(status);
  } finally {
    await stop();
  }
  return 0;
}

/** Resolves once the writer's consumer has nothing pending: the backfill is stored, not only published. */
async function drained(bus: Bus, durable: string): Promise<void> {
  for (;;) {
    // A failing call means the bus closed (AEGIS is stopping): nothing left to wait for.
    const p = await bus.consumerPending('TELEMETRY', durable).catch(() => undefined);
    if (!p || (p.pending === 0 && p.ackPending === 0)) return;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** A progress bar over the simulated hours of the backfill, with rows stored so far. */
async function showBackfill(
  feed: SimulatorFeed,
  counts: () => Promise<Record<string, number> | undefined>,
  interrupted: Promise<unknown>,
): Promise<void> {
  const first = feed.progress();
  const bar = new cliProgress.SingleBar(
    {
      format:
        'backfill  {bar} {percentage}% | {hours}/{totalHours} h simulated | {records} records published | {stored} rows stored',
      hideCursor: true,
      noTTYOutput: true,
      notTTYSchedule: 5000,
    },
    cliProgress.Presets.shades_classic,
  );
  let total = Math.max(1, Math.round((first.backfill.toMs - first.backfill.fromMs) / HOUR_MS));
  bar.start(total, 0, { hours: 0, totalHours: total, records: '0', stored: '0' });
  let done = false;
  const finished = Promise.race([feed.backfilled(), interrupted]).then(() => {
    done = true;
  });
  while (!done) {
    const p = feed.progress();
    total = Math.max(1, Math.round((p.backfill.toMs - p.backfill.fromMs) / HOUR_MS));
    const hours = Math.round(p.backfill.doneMs / HOUR_MS);
    const c = await counts();
    const stored = c ? storedRows(c) : 0;
    bar.setTotal(total);
    bar.update(hours, { hours, totalHours: total, records: fmt(p.records), stored: fmt(stored) });
    await Promise.race([finished, new Promise((r) => setTimeout(r, 500))]);
  }
  const p = feed.progress();
  const hours = Math.round(p.backfill.doneMs / HOUR_MS);
  bar.update(hours, { hours, records: fmt(p.records) });
  bar.stop();
}
