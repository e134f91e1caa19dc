// npm run bench:ingest [-- --points N] — end-to-end ingest throughput: points published in realistic
// batches through NATS JetStream into embedded ClickHouse by the real ingest writer, against two
// ceilings measured in the same run on the same data: NATS publish+consume with no processing, and
// a direct store insert. Progress goes to stderr; the last stdout line is the JSON result.

import { fork } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { connectBus, startNatsServer } from '../core/bus/index.ts';
import { writerConfigSchema } from '../core/config/schema.ts';
import { silentLogger } from '../core/logger.ts';
import { migrate, openEmbeddedWarehouse } from '../core/warehouse/index.ts';
import { createIngestWriter, metricRow, TABLES } from '../ingest/writer/index.ts';
import { metricPointSchema, telemetrySubject } from '../schemas/index.ts';
import { TEST_STREAMS, tempDir } from '../test/harness/index.ts';
import { messageCount, messagePoints, type Workload } from './ingest-workload.ts';

// Flags: --points N, --points-per-message N, --series N, --max-in-flight N, --batch-rows N,
// --flush-ms MS, --rate POINTS_PER_S. BENCH_DEBUG_MEMORY=1 logs RSS, heap and external memory at each
// new peak.
const { values: args } = parseArgs({
  options: {
    points: { type: 'string', default: '2000000' },
    'points-per-message': { type: 'string', default: '500' },
    series: { type: 'string', default: '2000' },
    'max-in-flight': { type: 'string', default: '256' },
    // The writer's batch limits (its defaults): fewer rows per batch hold less memory, more go faster.
    'batch-rows': { type: 'string', default: String(writerConfigSchema.parse({}).maxBatchRows) },
    'flush-ms': { type: 'string', default: '1000' },
    // Points per second for the pipeline's publisher; 0 (default) publishes as fast as it can.
    rate: { type: 'string', default: '0' },
  },
});
const points = Number(args.points);
const workload: Workload = {
  points,
  pointsPerMessage: Number(args['points-per-message']),
  series: Number(args.series),
  // Ten-second steps ending about now: inside the raw TTL, never in the future.
  startMs: Math.floor(Date.now() / 1000) * 1000 - Math.ceil(points / Number(args.series)) * 10_000,
  stepMs: 10_000,
};
const maxInFlight = Number(args['max-in-flight']);
const messages = messageCount(workload);
const log = (text: string) => process.stderr.write(`[bench:ingest] ${text}\n`);

let peakRss = 0;
const rssTimer = setInterval(() => {
  const m = process.memoryUsage();
  if (m.rss > peakRss && process.env.BENCH_DEBUG_MEMORY)
    log(
      `  rss ${Math.round(m.rss / 1e6)} MB: heap ${Math.round(m.heapTotal / 1e6)} MB, external ${Math.round(m.external / 1e6)} MB`,
    );
  peakRss = Math.max(peakRss, m.rss);
}, 100);

const dir = tempDir('aegis-bench-');
const nats = await startNatsServer({ storeDir: `${dir.path}/nats` });
const bus = await connectBus({ servers: nats.url, streams: TEST_STREAMS });
await bus.ensureStreams();
const warehouse = await openEmbeddedWarehouse({ path: `${dir.path}/clickhouse`, database: 'aegis' });
await migrate(warehouse);
log(
  `${points.toLocaleString()} points in ${messages.toLocaleString()} messages of ${workload.pointsPerMessage}, ${workload.series} series, ${cpus().length} cores`,
);

/** Starts the publisher process and, once it is connected, lets it go; returns when it started
 *  publishing, its (seq → publish-ack ms) and a promise of its end. */
async function publish(source: string): Promise<{ started: number; acked: Map<number, number>; done: Promise<void> }> {
  const acked = new Map<number, number>();
  // Its own process, as a collector is: its memory and CPU are not the writer's.
  const child = fork(
    fileURLToPath(new URL('./ingest-publisher.ts', import.meta.url)),
    [
      JSON.stringify({
        url: nats.url,
        workload,
        maxInFlight,
        source,
        ratePerSec: source === 'bench' ? Number(args.rate) : 0,
      }),
    ],
    {
      execArgv: ['--import', 'tsx'],
    },
  );
  let ready: () => void = () => undefined;
  const isReady = new Promise<void>((resolve) => (ready = resolve));
  const done = new Promise<void>((resolve, reject) => {
    child.on('message', (m: { acks: number[]; done?: boolean; ready?: boolean }) => {
      if (m.ready) ready();
      for (let i = 0; i < m.acks.length; i += 2) acked.set(m.acks[i]!, m.acks[i + 1]!);
      if (m.done) resolve();
    });
    child.on('error', reject);
    child.on('exit', (code) => (code ? reject(new Error(`publisher exited with code ${code}`)) : undefined));
  });
  await isReady;
  const started = Date.now();
  child.send('go');
  return { started, acked, done };
}

// 1. The pipeline, first, so that this process's memory is measured fresh: publisher thread → NATS → ingest writer → ClickHouse.
log('1/3 pipeline: publisher → NATS JetStream → ingest writer → ClickHouse');
const insertedAt = new Map<number, number>();
let inserted = 0;
let finished: () => void = () => undefined;
const allInserted = new Promise<void>((resolve) => (finished = resolve));
const writer = createIngestWriter(
  {
    durable: 'ingest-writer',
    maxBatchRows: Number(args['batch-rows']),
    flushIntervalMs: Number(args['flush-ms']),
    maxAckPending: 1000,
    maxDeliver: 10,
    ackWaitMs: 60_000,
    retryInitialMs: 250,
    retryMaxMs: 15_000,
  },
  {
    bus,
    warehouse,
    logger: silentLogger(),
    afterInsert: ({ seqs, rows }) => {
      const now = Date.now();
      for (const s of seqs) insertedAt.set(s, now);
      inserted += rows;
      if (inserted >= points) finished();
    },
  },
);
await writer.start();
const run = await publish('bench');
const progress = setInterval(async () => {
  const c = await bus.consumerPending('TELEMETRY', 'ingest-writer').catch(() => undefined);
  log(
    `  ${inserted.toLocaleString()} / ${points.toLocaleString()} points stored; consumer ${JSON.stringify(c)}; writer ${JSON.stringify(writer.stats().flushes)}`,
  );
}, 2000);
await run.done;
await Promise.race([allInserted, new Promise((r) => setTimeout(r, 600_000))]);
const lastInsert = Math.max(...insertedAt.values());
clearInterval(progress);
await writer.stop();
const seconds = (lastInsert - run.started) / 1000;

const pipelineRss = peakRss;
const latencies = [...run.acked]
  .map(([seq, t]) => (insertedAt.get(seq) ?? Number.NaN) - t)
  .filter(Number.isFinite)
  .sort((a, b) => a - b);
const p99 = latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))] ?? Number.NaN;
const [check] = await warehouse.query<{ n: number; u: number }>(
  "SELECT count() AS n, uniqExact(service, name, labels, ts) AS u FROM metrics WHERE source = 'bench'",
);

// 2. NATS ceiling: the same messages published and consumed with explicit acks, no processing.
log('2/3 ceiling: NATS publish + consume, no processing');
const ceilingSource = 'ceiling';
const consumer = await bus.consume({
  stream: 'TELEMETRY',
  durable: 'ceiling',
  filterSubjects: [telemetrySubject('metrics', ceilingSource)],
  maxDeliver: 5,
  ackWaitMs: 60_000,
  maxAckPending: 4000,
});
const natsRun = await publish(ceilingSource);
let consumed = 0;
for await (const m of consumer) {
  m.ack();
  if (++consumed === messages) break;
}
const natsSeconds = (Date.now() - natsRun.started) / 1000;
await natsRun.done;
await consumer.stop();
await bus.purge('TELEMETRY');
const ceilingNatsMsgs = messages / natsSeconds;

// 3. Store ceiling: the same rows, serialised beforehand, inserted directly (rollup views included).
log('3/3 ceiling: direct store insert of the same rows');
let insertSeconds = 0;
const rowsPerInsert = 200_000;
const perInsert = Math.max(1, Math.floor(rowsPerInsert / workload.pointsPerMessage));
for (let k = 0; k < messages; k += perInsert) {
  let text = '';
  for (let j = k; j < Math.min(messages, k + perInsert); j++)
    for (const p of messagePoints(workload, j)) text += `${metricRow(metricPointSchema.parse(p), '"bench"', j)}\n`;
  const payload = Buffer.from(text);
  const t = performance.now();
  await warehouse.insert('metrics', payload, TABLES.metrics.insert);
  insertSeconds += (performance.now() - t) / 1000;
}
const ceilingStoreRows = points / insertSeconds;

clearInterval(rssTimer);
await bus.close();
await nats.stop();
await warehouse.close();
dir.remove();

const result = {
  bench: 'ingest',
  cores: cpus().length,
  points,
  points_per_s: Math.round(points / seconds),
  p99_latency_ms: Math.round(p99),
  lost: points - check!.u,
  duplicated: check!.n - check!.u,
  ceiling_nats_msgs_per_s: Math.round(ceilingNatsMsgs),
  ceiling_nats_points_per_s: Math.round(ceilingNatsMsgs * workload.pointsPerMessage),
  ceiling_store_rows_per_s: Math.round(ceilingStoreRows),
  points_per_message: workload.pointsPerMessage,
  publisher_rate_limit: Number(args.rate),
  writer_max_batch_rows: Number(args['batch-rows']),
  rss_mb: Math.round(pipelineRss / 1024 / 1024),
  rss_mb_all_phases: Math.round(peakRss / 1024 / 1024),
};
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
