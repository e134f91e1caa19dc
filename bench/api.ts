// npm run bench:api [-- --services N --days N --duration S --connections C]: the GraphQL API under
// load. Seeds a store as a platform of N services (default 1,000) looks after `days` (default 30) of
// AEGIS running: telemetry through the pipeline (published on NATS, stored by the ingest writer), a
// real scoring pass, and the score history a scorer keeps (one stored pass per hour). Starts the API server on it, then drives each of
// the five main queries, and `{ __typename }` as the ceiling, with autocannon from a second process.
// Prints one final JSON line; progress goes to stderr.

import { execFile } from 'node:child_process';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { buildApi } from '../api/components.ts';
import { buildController } from '../control/components.ts';
import { aegisConfigSchema } from '../core/config/index.ts';
import { silentLogger } from '../core/logger.ts';
import { createMetricsRegistry } from '../core/metrics.ts';
import { migrate, openEmbeddedWarehouse } from '../core/warehouse/index.ts';
import { buildIngestWriter } from '../ingest/components.ts';
import { createTelemetryPublisher } from '../ingest/publisher.ts';
import { buildScorer } from '../scoring/components.ts';
import { postGraphql } from '../test/harness/graphql.ts';
import { startTestNats, tempDir } from '../test/harness/index.ts';
import { seedPlatformStore, type TelemetrySink } from './seed-platform.ts';

const { values: args } = parseArgs({
  options: {
    services: { type: 'string', default: '1000' },
    days: { type: 'string', default: '30' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '16' },
  },
});
const services = Number(args.services);
const days = Number(args.days);
const log = (text: string) => process.stderr.write(`[bench:api] ${text}\n`);
const MIN = 60_000;
const HOUR = 60 * MIN;

/** The five main queries: what the overview page, an analyst and an agent ask most. */
const QUERIES: Record<string, string> = {
  platformHealth: '{ platform { health { value computedAt } maturity { level name } } }',
  services:
    '{ services(first: 20) { pageInfo { hasNextPage endCursor } nodes { name tier team latestScores { dimension value } slos { name attainment budgetRemaining alert } } } }',
  service:
    '{ service(name: "SERVICE") { name tier team scores(dimension: RELIABILITY) { points { at value } } slos { name attainment budgetRemaining burnRates { window rate } } } }',
  insights: '{ insights(first: 20, filter: { status: OPEN }) { nodes { id kind severity title service team } } }',
  recommendations: '{ recommendations(first: 20) { nodes { id type title impactUsdMonth confidence status } } }',
};

interface Result {
  p50_ms: number;
  p99_ms: number;
  rps: number;
  errors: number;
}

/** Runs autocannon in its own process against one query, for `durationSec` (default `--duration`). */
function drive(
  url: string,
  token: string,
  query: string,
  durationSec: number | string = args.duration!,
): Promise<Result> {
  const body = JSON.stringify({ query });
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [
        'node_modules/autocannon/autocannon.js',
        '--json',
        '-c',
        args.connections!,
        '-d',
        String(durationSec),
        '-m',
        'POST',
        '-H',
        'content-type=application/json',
        '-H',
        `authorization=Bearer ${token}`,
        '-b',
        body,
        url,
      ],
      { maxBuffer: 64 * 1024 * 1024 },
      (err, stdout) => {
        if (err) return reject(err);
        const r = JSON.parse(stdout) as {
          latency: { p50: number; p99: number };
          requests: { average: number };
          errors: number;
          non2xx: number;
        };
        resolve({
          p50_ms: r.latency.p50,
          p99_ms: r.latency.p99,
          rps: Math.round(r.requests.average),
          errors: r.errors + r.non2xx,
        });
      },
    );
  });
}

const dir = tempDir('aegis-bench-api-');
const nats = await startTestNats();
const wh = await openEmbeddedWarehouse({ path: `${dir.path}/clickhouse`, database: 'aegis' });
try {
  await migrate(wh);
  const now = Math.floor(Date.now() / MIN) * MIN - 5 * MIN;
  // Through the pipeline: the simulated platform's telemetry is published on NATS and stored by the ingest
  // writer, as `aegis start` does it.
  const writer = buildIngestWriter(aegisConfigSchema.parse({ dataDir: dir.path }), {
    bus: nats.bus,
    warehouse: wh,
    logger: silentLogger(),
    metrics: createMetricsRegistry(),
  });
  await writer.start();
  const publisher = createTelemetryPublisher({ bus: nats.bus, source: 'bench' });
  const viaPipeline: TelemetrySink = async (platform, fromMs, toMs, kinds, progress) => {
    let records = 0;
    for (let t = fromMs; t < toMs; t += HOUR * 2) {
      const g = platform.generate(t, Math.min(toMs, t + HOUR * 2), kinds);
      for (const kind of kinds) {
        // The writer shares this process: a publish may time out while it inserts. Message ids make a
        // republish of what did land a duplicate, so retrying is safe.
        for (let attempt = 1; ; attempt++) {
          try {
            records += (await publisher.publish(kind, g[kind] as never)).records;
            break;
          } catch (err) {
            if (attempt >= 5 || !(err as { retryable?: boolean }).retryable) throw err;
            await new Promise((r) => setTimeout(r, 1000 * attempt));
          }
        }
      }
      progress(Math.min(toMs, t + HOUR * 2) - fromMs, records);
    }
    for (;;) {
      const p = await nats.bus.consumerPending('TELEMETRY', 'ingest-writer');
      if (p.pending === 0 && p.ackPending === 0) return records;
      await new Promise((r) => setTimeout(r, 500));
    }
  };
  const seeded = await seedPlatformStore(wh, { services, days, nowMs: now, dir: dir.path, log, sink: viaPipeline });
  await writer.stop();
  const config = aegisConfigSchema.parse({
    dataDir: dir.path,
    simulator: seeded.platformConfig,
    api: { port: 0, rateLimitPointsPerMinute: 0 },
  });
  const logger = silentLogger();
  const scorer = await buildScorer(config, { warehouse: wh, logger, noTf: true });
  const t0 = performance.now();
  const pass = await scorer.runOnce(now);
  log(`scoring pass: ${((performance.now() - t0) / 1000).toFixed(1)} s, ${pass.scores.length} scores`);
  // The history a scorer running for `days` keeps: every score of the pass once an hour before it.
  await wh.command(
    `INSERT INTO scores SELECT computed_at - toIntervalHour(n.number + 1), pass_id, dimension, scope, subject,
       if(value IS NULL, NULL, greatest(0, least(100, value + (cityHash64(subject, n.number) % 11) - 5.0))), components
     FROM scores AS s CROSS JOIN numbers({hours:UInt32}) AS n`,
    { hours: days * 24 },
  );
  const [{ n: scoreRows } = { n: 0 }] = await wh.query<{ n: number }>('SELECT count() AS n FROM scores');
  log(`score history: ${Number(scoreRows).toLocaleString('en-US')} rows`);

  const catalog = seeded.catalog;
  const controller = await buildController(config, {
    warehouse: wh,
    bus: nats.bus,
    logger,
    catalog: () => catalog,
    schedule: false,
  });
  const api = await buildApi(config, {
    warehouse: wh,
    bus: nats.bus,
    controller,
    catalog: () => catalog,
    logger,
    metrics: createMetricsRegistry(),
    devAdminKey: true,
  });
  await controller.start();
  await api.server.start();
  const url = `${api.server.url}/graphql`;
  const token = api.devKey!.token;
  const service = catalog.services[Math.floor(catalog.services.length / 2)]!.name;

  // Every query must answer without errors before it is measured.
  for (const [name, query] of Object.entries(QUERIES)) {
    const { errors } = await postGraphql(api.server.url, query.replace('SERVICE', service), { token });
    if (errors) throw new Error(`${name} failed: ${JSON.stringify(errors)}`);
  }

  log(`driving ${url} with ${args.connections} connections, ${args.duration} s per query`);
  // The ceiling is the yardstick: measured on a warm process (JIT, sockets), not understated by its start.
  await drive(url, token, '{ __typename }', 2);
  const ceiling = await drive(url, token, '{ __typename }');
  log(`ceiling { __typename }: ${JSON.stringify(ceiling)}`);
  const queries: Record<string, Result> = {};
  for (const [name, query] of Object.entries(QUERIES)) {
    queries[name] = await drive(url, token, query.replace('SERVICE', service));
    log(
      `${name}: ${JSON.stringify(queries[name])} (${((100 * queries[name]!.rps) / ceiling.rps).toFixed(0)} % of the ceiling)`,
    );
  }
  await api.server.stop();
  await controller.stop();
  console.log(
    JSON.stringify({
      bench: 'api',
      cores: cpus().length,
      services: catalog.services.length,
      days,
      score_rows: Number(scoreRows),
      connections: Number(args.connections),
      duration_s: Number(args.duration),
      ceiling_rps: ceiling.rps,
      ceiling_p99_ms: ceiling.p99_ms,
      queries,
    }),
  );
} finally {
  await wh.close();
  await nats.stop();
  dir.remove();
}
