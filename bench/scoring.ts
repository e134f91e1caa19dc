// npm run bench:scoring [-- --services N --days N --points N] — two measurements of the scoring
// service, printed as one final JSON line:
//  1. anomaly scoring throughput on one core: the platform's minute-series detector (statistical
//     ensemble plus the TensorFlow.js forecaster) over a synthetic series, and without tfjs;
//  2. a full scoring pass over N services (default 1,000) with `days` (default 30) of cost history,
//     7 days of inventory, 8 days of access logs, 6 hours of minute metrics and the SLO windows' hourly
//     SLI counts a running scorer keeps. The first pass is cold (detectors learn, hours recomputed);
//     the scheduled pass one minute later is the steady cost, the one `full_pass_s` reports.
// Progress goes to stderr.

import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { scoringConfigSchema } from '../core/config/index.ts';
import { silentLogger } from '../core/logger.ts';
import { migrate, openEmbeddedWarehouse } from '../core/warehouse/index.ts';
import { createAnomalyDetector, loadTf } from '../models/anomaly/index.ts';
import { DEFAULT_SIGNALS } from '../scoring/detection/signals.ts';
import { createAnomalyWatcher, detectorOptions } from '../scoring/detection/watcher.ts';
import { createCapacityForecaster } from '../scoring/service/forecast-pass.ts';
import { runScoringPass } from '../scoring/service/pass.ts';
import { passSettings } from '../scoring/service/scorer.ts';
import { tempDir } from '../test/harness/index.ts';
import { seedPlatformStore } from './seed-platform.ts';
import { storeSimulated } from './store-direct.ts';

const { values: args } = parseArgs({
  options: {
    services: { type: 'string', default: '1000' },
    days: { type: 'string', default: '30' },
    points: { type: 'string', default: '200000' },
    // Keep the seeded store in DIR (for profiling a pass with other tools); it is not reused.
    store: { type: 'string' },
  },
});
const services = Number(args.services);
const days = Number(args.days);
const log = (text: string) => process.stderr.write(`[bench:scoring] ${text}\n`);
const MIN = 60_000;
const HOUR = 60 * MIN;

// 1. Throughput of the detector the watcher runs on minute series.
const tf = await loadTf();
const minuteSignal = DEFAULT_SIGNALS.find((s) => s.id === 'latency_p99')!;
function throughput(withTf: boolean): number {
  const d = createAnomalyDetector(detectorOptions(minuteSignal, withTf), withTf ? { tf } : {});
  const n = Number(args.points);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const daily = Math.sin((2 * Math.PI * i) / 1440);
    const noise = Math.sin(i * 12.9898) * 0.05 + Math.sin(i * 78.233) * 0.05;
    const spike = i % 20_011 === 20_000 ? 3 : 0;
    d.update(i * MIN, 1 + 0.3 * daily + noise + spike);
  }
  return Math.round(n / ((performance.now() - t0) / 1000));
}
const perCore = throughput(true);
const perCoreStatistical = throughput(false);
log(`anomaly scoring: ${perCore} points/s with the tfjs forecaster, ${perCoreStatistical} without (one core)`);

// 2. A full pass.
const dir = args.store ? { path: args.store, remove: () => {} } : tempDir('aegis-bench-scoring-');
const wh = await openEmbeddedWarehouse({ path: `${dir.path}/clickhouse`, database: 'aegis' });
await migrate(wh);
const now = Math.floor(Date.now() / MIN) * MIN - 5 * MIN;
const seeded = await seedPlatformStore(wh, { services, days, nowMs: now, dir: dir.path, log });
const { platform, platformConfig, catalog, slos } = seeded;

const watcher = createAnomalyWatcher({ warehouse: wh, logger: silentLogger(), threshold: 0.9, tf, warmupMs: 6 * HOUR });
const capacity = createCapacityForecaster(wh);
const deps = {
  warehouse: wh,
  logger: silentLogger(),
  catalog,
  slos,
  capacity: (t: number) => capacity.step(t),
  anomalies: async (t: number) => {
    const r = await watcher.step(t);
    return { findings: r.findings, spendDays: r.spendDays };
  },
};
const settings = passSettings(scoringConfigSchema.parse({}));
let t0 = performance.now();
const first = await runScoringPass(deps, settings, now);
const firstPassS = (performance.now() - t0) / 1000;
log(
  `first (cold) pass: ${firstPassS.toFixed(2)} s, ${first.scores.length} scores, ${first.findings} findings; steps ${JSON.stringify(first.stepsMs)}`,
);
await storeSimulated(wh, platform, now, now + MIN, ['metrics']);
t0 = performance.now();
const steady = await runScoringPass(deps, settings, now + MIN);
const fullPassS = (performance.now() - t0) / 1000;
log(
  `scheduled pass one minute later: ${fullPassS.toFixed(2)} s, ${steady.scores.length} scores, health ${steady.health.value?.toFixed(1)}, maturity ${steady.maturity.level}; steps ${JSON.stringify(steady.stepsMs)}`,
);

await wh.close();
dir.remove();
if (args.store) writeFileSync(`${args.store}/bench.json`, JSON.stringify({ now, services, days, platformConfig }));
console.log(
  JSON.stringify({
    bench: 'scoring',
    cores: cpus().length,
    points_per_s_per_core: perCore,
    points_per_s_per_core_statistical: perCoreStatistical,
    full_pass_s: Number(fullPassS.toFixed(2)),
    first_pass_s: Number(firstPassS.toFixed(2)),
    services: catalog.services.length,
    days,
    slo_objectives: seeded.objectives,
    scores: steady.scores.length,
    seeded_rows: seeded.seededRows,
  }),
);
