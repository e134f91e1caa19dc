// Measures forecast accuracy and speed: `node bin/run-ts.js models/forecast/benchmark.ts [--days 90] [--cuts 4]`.
// Series: the simulator's hourly cost per service, cpu/memory utilisation per compute resource and
// service saturation, plus seeded synthetic hourly series (daily cycle, noise, slow drift). For each
// series and each of `cuts` cut points, the model is chosen and fitted on the history before the cut
// and scored on the 24 hours after it: MASE (m = 24, Hyndman's definition) and 80% interval hit rate.
import { parseArgs } from 'node:util';
import { createPlatform, HOUR_MS } from '../../ingest/simulator/index.ts';
import { forecastHitRate, forecastSeries, mase, naiveScale } from './index.ts';
import { syntheticHourly } from './synthetic.ts';

const { values: args } = parseArgs({
  options: { days: { type: 'string', default: '90' }, cuts: { type: 'string', default: '4' } },
});
const HORIZON = 24;
const days = Number(args.days);
const cuts = Number(args.cuts);

/** Every hourly series of interest from a small simulated platform, by name. */
function simulatedSeries(): Map<string, number[]> {
  const platform = createPlatform({ seed: 7, services: 6, teams: 3, metricIntervalMs: HOUR_MS });
  const from = Date.UTC(2025, 0, 6);
  const out = new Map<string, number[]>();
  const add = (key: string, hour: number, v: number) => {
    const s = out.get(key) ?? new Array<number>(days * 24).fill(0);
    out.set(key, s);
    if (hour >= 0 && hour < s.length) s[hour]! += v;
  };
  // A day at a time keeps memory flat.
  for (let d = 0; d < days; d++) {
    const t = from + d * 24 * HOUR_MS;
    const batch = platform.generate(t, t + 24 * HOUR_MS);
    for (const c of batch.cost) {
      const hour = Math.round((Number(c.ChargePeriodStart) - from) / HOUR_MS);
      add(`cost:${c.Tags?.service ?? c.SubAccountId}`, hour, Number(c.BilledCost));
    }
    for (const m of batch.metrics) {
      if (m.name !== 'cpu_utilization' && m.name !== 'memory_utilization' && m.name !== 'saturation') continue;
      const hour = Math.round((Number(m.ts) - from) / HOUR_MS);
      add(`${m.name}:${m.labels?.resource_id ?? m.service}`, hour, m.value);
    }
  }
  return out;
}

interface Row {
  name: string;
  model: string;
  mase: number;
  naive: number;
  hit: number;
  ms: number;
}

function evaluate(name: string, series: number[]): Row[] {
  const rows: Row[] = [];
  for (let c = 0; c < cuts; c++) {
    const end = series.length - c * HORIZON;
    const train = series.slice(0, end - HORIZON);
    const test = series.slice(end - HORIZON, end);
    // A series that repeats its days exactly has no seasonal-naive error to scale by.
    if (naiveScale(train, 24) === 0) continue;
    const started = performance.now();
    const r = forecastSeries(train, { horizon: HORIZON, level: 80, intervalMs: HOUR_MS });
    const ms = performance.now() - started;
    rows.push({
      name,
      model: r.model,
      mase: mase(test, r.forecast.yhat, train, 24),
      naive: mase(test, train.slice(-24), train, 24),
      hit: forecastHitRate(r.forecast, test),
      ms,
    });
  }
  return rows;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;

function report(title: string, rows: Row[]): void {
  const models = new Map<string, number>();
  for (const r of rows) models.set(r.model, (models.get(r.model) ?? 0) + 1);
  console.log(
    `${title}: ${rows.length} forecasts; MASE mean ${mean(rows.map((r) => r.mase)).toFixed(3)} median ${median(rows.map((r) => r.mase)).toFixed(3)}` +
      ` | seasonal naive mean ${mean(rows.map((r) => r.naive)).toFixed(3)} median ${median(rows.map((r) => r.naive)).toFixed(3)}` +
      ` | 80% hit rate ${mean(rows.map((r) => r.hit)).toFixed(3)} | fit+select ms median ${median(rows.map((r) => r.ms)).toFixed(0)} max ${Math.max(...rows.map((r) => r.ms)).toFixed(0)}`,
  );
  console.log(`  chosen: ${[...models].map(([m, n]) => `${m} ×${n}`).join(', ')}`);
}

const synthetic: Row[] = [];
for (let seed = 1; seed <= 10; seed++) {
  synthetic.push(...evaluate(`synthetic-${seed}`, syntheticHourly({ points: days * 24, seed, weekendFactor: 0.7 })));
}
report(`synthetic hourly (daily + weekend dip + noise + drift, ${days} days)`, synthetic);

const sim = simulatedSeries();
const byKind = new Map<string, Row[]>();
for (const [name, series] of sim) {
  const kind = name.split(':')[0]!;
  byKind.set(kind, [...(byKind.get(kind) ?? []), ...evaluate(name, series)]);
}
for (const [kind, rows] of byKind) if (rows.length > 0) report(`simulator ${kind}`, rows);
if (process.env.FORECAST_BENCH_VERBOSE)
  for (const r of [...byKind.values()].flat())
    if (r.mase > 1) console.log(`  ${r.name.slice(-40)} ${r.model} ${r.mase.toFixed(2)} naive ${r.naive.toFixed(2)}`);
report('simulator, all', [...byKind.values()].flat());

// Speed on exactly 2,000 hourly points, horizon 24: the issue's budget.
const y = syntheticHourly({ points: 2000, seed: 99, weekendFactor: 0.7 });
const times: number[] = [];
for (let i = 0; i < 5; i++) {
  const started = performance.now();
  forecastSeries(y, { horizon: HORIZON, intervalMs: HOUR_MS });
  times.push(performance.now() - started);
}
console.log(
  `2,000 hourly points, horizon 24: fit+select ${times.map((t) => t.toFixed(0)).join(', ')} ms (first includes JIT warm-up)`,
);
