// npm run bench:quality [-- --days N --services N --seed N] — detection and forecast quality on the
// simulator's ground truth, printed as one final JSON line.
//
// The simulated platform's telemetry for `days` (default 14) is stored as the ingest writer stores
// it; the anomaly watcher then steps through it hour by hour exactly as the scorer does (one online
// detector per series, episodes per subject), and the risky-access findings are computed hour by
// hour. An incident counts as detected when an episode on its service or resource, or a finding on
// its principal, starts inside its window (or within 30 minutes after it); every episode or finding
// that matches no incident is a false positive. Detection time is the first anomalous point plus the
// bucket that must close plus one scoring interval (60 s): when a scheduled pass would see it.
// Forecast MASE: every service's hourly cost and saturation, forecast 24 h ahead from the last day,
// against the in-sample seasonal-naive error (m = 24).

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { silentLogger } from '../core/logger.ts';
import { migrate, openEmbeddedWarehouse, type Warehouse } from '../core/warehouse/index.ts';
import { createPlatform, type Incident } from '../ingest/simulator/index.ts';
import { loadTf } from '../models/anomaly/index.ts';
import { forecastSeries, mase } from '../models/forecast/index.ts';
import type { Episode } from '../scoring/detection/episodes.ts';
import { createAnomalyWatcher } from '../scoring/detection/watcher.ts';
import { readAccessSummary, rolePrincipal } from '../scoring/inputs/access.ts';
import { accessFindings } from '../scoring/insights/access-findings.ts';
import { tempDir } from '../test/harness/index.ts';
import { storeSimulated } from './store-direct.ts';

const { values: args } = parseArgs({
  options: {
    days: { type: 'string', default: '14' },
    services: { type: 'string', default: '24' },
    seed: { type: 'string', default: '42' },
    'no-tf': { type: 'boolean', default: false },
    // Keep the seeded store here and reuse it on the next run with the same days/services/seed.
    store: { type: 'string' },
  },
});
const days = Number(args.days);
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const GRACE_MS = 30 * MIN;
const PASS_INTERVAL_MS = MIN;
const log = (text: string) => process.stderr.write(`[bench:quality] ${text}\n`);

const platform = createPlatform({ services: Number(args.services), seed: Number(args.seed) });
// A kept store is reused for the same days, services and seed, with the time range it was seeded for.
const previous =
  args.store && existsSync(`${args.store}/seeded.json`)
    ? JSON.parse(readFileSync(`${args.store}/seeded.json`, 'utf8'))
    : null;
const reuse = previous?.days === days && previous?.services === args.services && previous?.seed === args.seed;
const end: number = reuse ? previous.end : Math.floor(Date.now() / HOUR) * HOUR - HOUR;
const start = end - days * DAY;
const dir = args.store ? { path: args.store, remove: () => {} } : tempDir('aegis-bench-quality-');
const wh = await openEmbeddedWarehouse({ path: `${dir.path}/clickhouse`, database: 'aegis' });
await migrate(wh);
const marker = `${dir.path}/seeded.json`;
const seededAs = JSON.stringify({ days, services: args.services, seed: args.seed, start, end });
if (reuse) {
  log(`reusing the store in ${dir.path}`);
} else {
  log(`storing ${days} days of the simulated platform (${platform.services.length} services) …`);
  await wh.command('TRUNCATE TABLE IF EXISTS anomalies');
  const t0 = performance.now();
  const rows = await storeSimulated(wh, platform, start, end, ['metrics', 'cost', 'access', 'resources'], (done, n) =>
    log(`  ${(done / DAY).toFixed(0)} d, ${n.toLocaleString('en-US')} rows`),
  );
  log(`stored ${rows.toLocaleString('en-US')} rows in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  if (args.store) writeFileSync(marker, seededAs);
}
await wh.command('TRUNCATE TABLE IF EXISTS anomalies');

// Detectors learn on the first two days; incidents that start before then are not scored.
const scoredFrom = start + 2 * DAY;
const incidents = platform.groundTruth(scoredFrom, end).filter((i) => i.startMs >= scoredFrom && i.startMs < end);

// 1. Anomaly episodes, stepping hour by hour like a scorer that runs all along.
const tf = args['no-tf'] ? undefined : await loadTf();
const watcher = createAnomalyWatcher({ warehouse: wh, logger: silentLogger(), threshold: 0.9, tf, startMs: start });
const episodes: Episode[] = [];
let points = 0;
const t1 = performance.now();
for (let t = start + HOUR; t <= end; t += HOUR) {
  const r = await watcher.step(t);
  points += r.points;
  episodes.push(...r.closed);
  // Episodes still open at the end count too.
  if (t === end) episodes.push(...r.open);
  if ((t - start) % DAY === 0)
    log(`  detectors at day ${((t - start) / DAY).toFixed(0)}: ${points.toLocaleString('en-US')} points`);
}
const detectSeconds = (performance.now() - t1) / 1000;

// 2. Risky access, hour by hour: a principal flagged (root or privileged without MFA) in an hour.
interface Detection {
  kind: 'episode' | 'access';
  subject: string;
  service: string;
  startMs: number;
  detectedMs: number;
  /** What found it: the episode's signals, or `access`. */
  by: string;
  score: number;
  points: number;
}
const detections: Detection[] = episodes
  .filter((e) => e.startMs >= scoredFrom)
  .map((e) => ({
    kind: 'episode',
    subject: e.subject,
    service: e.service,
    startMs: e.startMs,
    detectedMs: (e.confirmedMs ?? e.startMs) + (e.family === 'cost' ? HOUR : MIN) + PASS_INTERVAL_MS,
    by: [...e.signals].sort().join('+'),
    score: e.maxScore,
    points: e.points,
  }));
const flagged = new Map<string, number>();
for (let h = scoredFrom; h < end; h += HOUR) {
  const summary = await readAccessSummary(wh, { baselineFromMs: h - 8 * DAY, recentFromMs: h, toMs: h + HOUR });
  for (const f of accessFindings(summary)) {
    if (f.severity === 'info') continue;
    const last = flagged.get(f.subject);
    // One detection per principal per burst: a finding that stays open is not detected again.
    if (last !== undefined && h - last <= HOUR) {
      flagged.set(f.subject, h);
      continue;
    }
    flagged.set(f.subject, h);
    const first = await firstEvent(wh, f.subject, h, h + HOUR);
    detections.push({
      kind: 'access',
      subject: f.subject,
      service: '',
      startMs: first,
      detectedMs: first + PASS_INTERVAL_MS,
      by: 'access',
      score: f.score,
      points: 1,
    });
  }
}

async function firstEvent(w: Warehouse, principal: string, fromMs: number, toMs: number): Promise<number> {
  const [r] = await w.query<{ t: number }>(
    `SELECT toUnixTimestamp64Milli(min(ts)) AS t FROM access WHERE startsWith(principal, {p:String})
       AND ts >= {from:DateTime64(3, 'UTC')} AND ts < {to:DateTime64(3, 'UTC')} AND (root OR (privileged AND mfa = false))`,
    { p: principal, from: fromMs, to: toMs },
  );
  return Number(r?.t ?? fromMs);
}

// 3. Matching.
const matches = (d: Detection, inc: Incident) => {
  if (d.startMs < inc.startMs - 5 * MIN || d.startMs > inc.endMs + GRACE_MS) return false;
  if (inc.principal) return d.kind === 'access' && d.subject === rolePrincipal(inc.principal);
  if (d.kind !== 'episode') return false;
  return inc.resource
    ? d.subject === inc.resource || (d.subject === inc.service && d.service === inc.service)
    : d.service === inc.service;
};
const detected = incidents.map(
  (inc) => detections.filter((d) => matches(d, inc)).sort((a, b) => a.detectedMs - b.detectedMs)[0],
);
const truePositives = detections.filter((d) => incidents.some((inc) => matches(d, inc))).length;
const recall = incidents.length > 0 ? detected.filter(Boolean).length / incidents.length : 0;
const precision = detections.length > 0 ? truePositives / detections.length : 0;
const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
const delays = incidents.flatMap((inc, i) => (detected[i] ? [Math.max(0, detected[i]!.detectedMs - inc.startMs)] : []));
const mttdS = delays.length > 0 ? delays.reduce((a, b) => a + b, 0) / delays.length / 1000 : null;
const byKind = new Map<string, { n: number; hit: number; delayMs: number }>();
incidents.forEach((inc, i) => {
  const k = byKind.get(inc.kind) ?? { n: 0, hit: 0, delayMs: 0 };
  k.n++;
  const d = detected[i];
  if (d) {
    k.hit++;
    k.delayMs += Math.max(0, d.detectedMs - inc.startMs);
  }
  byKind.set(inc.kind, k);
});
for (const [kind, k] of byKind)
  log(
    `  ${kind}: ${k.hit}/${k.n} detected, mean time to detect ${k.hit ? Math.round(k.delayMs / k.hit / 1000) : '-'} s`,
  );
// What the false positives are made of, to tune against.
const fpBy = new Map<string, number>();
for (const d of detections) {
  if (incidents.some((inc) => matches(d, inc))) continue;
  const key = `${d.by} score≥${Math.floor(d.score * 10) / 10} points${d.points >= 5 ? '≥5' : d.points}`;
  fpBy.set(key, (fpBy.get(key) ?? 0) + 1);
}
for (const [key, n] of [...fpBy].sort((a, b) => b[1] - a[1]).slice(0, 25)) log(`  false positives ${key}: ${n}`);
log(
  `${detections.length} detections (${truePositives} true), ${incidents.length} incidents; ${points.toLocaleString('en-US')} points scored in ${detectSeconds.toFixed(0)} s`,
);

// 4. Forecast MASE on hourly cost and saturation per service, 24 h ahead of the last day.
const series = await wh.query<{ service: string; kind: string; values: number[] }>(
  `SELECT service, 'cost' AS kind, arrayMap(x -> x.2, arraySort(groupArray((bucket, v)))) AS values
   FROM (SELECT service, bucket, sum(EffectiveCost) AS v FROM cost_1h WHERE service != '' GROUP BY service, bucket)
   GROUP BY service
   UNION ALL
   SELECT service, 'saturation' AS kind, arrayMap(x -> x.2, arraySort(groupArray((bucket, v)))) AS values
   FROM (SELECT service, bucket, sum(sum) / sum(count) AS v FROM metrics_1h WHERE name = 'saturation' GROUP BY service, bucket)
   GROUP BY service`,
);
const scores: number[] = [];
const naive: number[] = [];
for (const s of series) {
  const values = s.values.map(Number).slice(1, -1); // first and last hours may be partial
  if (values.length < 4 * 24) continue;
  const history = values.slice(0, -24);
  const actual = values.slice(-24);
  const f = forecastSeries(history, { horizon: 24, level: 80, intervalMs: HOUR });
  const m = mase(actual, f.forecast.yhat, history, 24);
  // A constant history (compute billed by the hour) has no seasonal-naive error to scale by.
  if (!Number.isFinite(m)) continue;
  scores.push(m);
  naive.push(mase(actual, history.slice(-24), history, 24));
}
const mean = (xs: number[]) => (xs.length > 0 ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
log(
  `forecast MASE over ${scores.length} series: ${mean(scores)?.toFixed(3)} (seasonal naive ${mean(naive)?.toFixed(3)})`,
);

await wh.close();
dir.remove();
const r3 = (x: number | null) => (x === null ? null : Number(x.toFixed(3)));
console.log(
  JSON.stringify({
    bench: 'quality',
    cores: cpus().length,
    precision: r3(precision),
    recall: r3(recall),
    f1: r3(f1),
    mttd_s: mttdS === null ? null : Math.round(mttdS),
    mase: r3(mean(scores)),
    mase_seasonal_naive: r3(mean(naive)),
    incidents: incidents.length,
    detections: detections.length,
    days,
    services: platform.services.length,
  }),
);
