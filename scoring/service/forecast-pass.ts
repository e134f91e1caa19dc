import { toJsonEachRow, type Warehouse } from '../../core/warehouse/index.ts';
import { forecastSeries, timeToSaturation } from '../../models/forecast/index.ts';
import type { Finding } from '../insights/types.ts';

const HOUR_MS = 3_600_000;
/** Version of the forecasting step, recorded with every forecast row. */
export const FORECAST_VERSION = 'forecast-1';

/** A capacity series the forecaster watches: a gauge in 0–1, per service or per resource. */
interface CapacitySeries {
  metric: 'saturation' | 'memory_utilization';
  subject: string;
  service: string;
  values: number[];
  firstHourMs: number;
}

/** Options of {@link createCapacityForecaster}. */
export interface CapacityForecastOptions {
  /** Utilisation that counts as saturated. @default 0.9 */
  threshold?: number;
  /** Hours forecast ahead. @default 24 */
  horizonHours?: number;
  /** Hours of history a forecast learns from. @default 336 (14 days) */
  historyHours?: number;
  /** A series is forecast only when its last day peaked at or above this: the rest are not at risk. @default 0.7 */
  atRisk?: number;
}

/** What a forecasting step found. */
export interface CapacityResult {
  findings: Finding[];
  /** Share of past forecast steps whose actual fell inside the interval; null before any is due. */
  hitRate: number | null;
  /** Series forecast in this step (0 when the hour's forecasts were already made). */
  forecast: number;
}

/** Forecasts capacity once an hour: every service's saturation and every resource's memory that
 *  came near the threshold in the last day, 24 h ahead with an 80 % interval; a predicted crossing
 *  becomes a `saturation_forecast` insight with a scale-up recommendation. Forecasts are stored and
 *  later scored against what happened (the hit rate). */
export function createCapacityForecaster(wh: Warehouse, options: CapacityForecastOptions = {}) {
  const threshold = options.threshold ?? 0.9;
  const horizon = options.horizonHours ?? 24;
  const history = options.historyHours ?? 336;
  const atRisk = options.atRisk ?? 0.7;
  let lastHour = -1;
  let findings: Finding[] = [];

  return {
    async step(nowMs: number): Promise<CapacityResult> {
      const hour = Math.floor(nowMs / HOUR_MS) * HOUR_MS;
      const hitRate = await readHitRate(wh, nowMs);
      if (hour === lastHour) return { findings, hitRate, forecast: 0 };
      lastHour = hour;
      const series = await readCapacity(wh, hour - history * HOUR_MS, hour, atRisk);
      const rows: object[] = [];
      findings = [];
      for (const s of series) {
        const values = s.values;
        if (values.length < 3 * 24) continue;
        let f: ReturnType<typeof forecastSeries>;
        try {
          f = forecastSeries(values, { horizon, level: 80, intervalMs: HOUR_MS });
        } catch {
          continue;
        }
        const startMs = s.firstHourMs + values.length * HOUR_MS;
        f.forecast.yhat.forEach((yhat, i) => {
          rows.push({
            computed_at: nowMs,
            kind: 'capacity',
            subject: s.subject,
            metric: s.metric,
            ts: startMs + i * HOUR_MS,
            yhat,
            lower: f.forecast.lower[i],
            upper: f.forecast.upper[i],
            level: 80,
            model: f.model,
            model_version: FORECAST_VERSION,
            backtest_mase: Number.isFinite(f.mase) ? f.mase : null,
          });
        });
        const points = values.map((value, i) => ({ timestamp: s.firstHourMs + i * HOUR_MS, value }));
        const sat = safe(() => timeToSaturation(points, { threshold, level: 80, horizon }));
        if (sat) findings.push(saturationFinding(s, sat, threshold, nowMs));
      }
      if (rows.length > 0) await wh.insert('forecasts', toJsonEachRow(rows));
      return { findings, hitRate, forecast: series.length };
    },
  };
}

function safe<T>(fn: () => T): T | null {
  try {
    return fn();
  } catch {
    return null;
  }
}

/** Hourly means of the capacity gauges over [fromMs, toMs), for series that peaked at `atRisk`
 *  or above in the last day. */
async function readCapacity(wh: Warehouse, fromMs: number, toMs: number, atRisk: number): Promise<CapacitySeries[]> {
  const rows = await wh.query<{
    metric: string;
    subject: string;
    svc: string;
    first: number;
    hours: number[];
    values: number[];
  }>(
    `SELECT name AS metric, if(name = 'saturation', service, labels['resource_id']) AS subject, any(service) AS svc,
       toUnixTimestamp(min(bucket)) * 1000 AS first,
       arrayMap(x -> toUnixTimestamp(x.1) * 1000, arraySort(groupArray((bucket, v)))) AS hours,
       arrayMap(x -> x.2, arraySort(groupArray((bucket, v)))) AS values
     FROM (
       SELECT name, service, series_id, any(labels) AS labels, bucket, sum(sum) / sum(count) AS v, max(max) AS peak
       FROM metrics_1h
       WHERE name IN ('saturation', 'memory_utilization')
         AND bucket >= {from:DateTime('UTC')} AND bucket < {to:DateTime('UTC')}
       GROUP BY name, service, series_id, bucket
     )
     GROUP BY metric, subject
     HAVING maxIf(peak, bucket >= {to:DateTime('UTC')} - INTERVAL 1 DAY) >= {atRisk:Float64}`,
    { from: Math.floor(fromMs / 1000), to: Math.floor(toMs / 1000), atRisk },
  );
  return rows.map((r) => {
    // Fill missing hours with the previous value, so steps stay one hour apart.
    const first = Number(r.first);
    const n = Math.round((Number(r.hours.at(-1)) - first) / HOUR_MS) + 1;
    const values = new Array<number>(n);
    let j = 0;
    let last = Number(r.values[0]);
    for (let i = 0; i < n; i++) {
      if (j < r.hours.length && Number(r.hours[j]) === first + i * HOUR_MS) last = Number(r.values[j++]);
      values[i] = last;
    }
    return {
      metric: r.metric as CapacitySeries['metric'],
      subject: r.subject,
      service: r.svc,
      values,
      firstHourMs: first,
    };
  });
}

/** Share of the forecast steps of the last week, now past, whose actual hourly mean fell inside
 *  the interval. */
async function readHitRate(wh: Warehouse, nowMs: number): Promise<number | null> {
  const [r] = await wh.query<{ rate: number | null; n: number }>(
    `SELECT avgOrNull(toFloat64(a.v BETWEEN f.lower AND f.upper)) AS rate, count() AS n
     FROM (SELECT subject, metric, ts, argMax(lower, computed_at) AS lower, argMax(upper, computed_at) AS upper
           FROM forecasts
           WHERE kind = 'capacity' AND ts >= {from:DateTime64(3, 'UTC')} AND ts < {to:DateTime64(3, 'UTC')}
           GROUP BY subject, metric, ts) AS f
     INNER JOIN (
       SELECT name AS metric, if(name = 'saturation', service, any(labels)['resource_id']) AS subject,
         toDateTime64(bucket, 3, 'UTC') AS ts, sum(sum) / sum(count) AS v
       FROM metrics_1h
       WHERE name IN ('saturation', 'memory_utilization') AND bucket >= {fromS:DateTime('UTC')} AND bucket < {toS:DateTime('UTC')}
       GROUP BY name, service, series_id, bucket) AS a
     ON a.subject = f.subject AND a.metric = f.metric AND a.ts = f.ts`,
    {
      from: nowMs - 7 * 24 * HOUR_MS,
      to: nowMs - HOUR_MS,
      fromS: Math.floor((nowMs - 7 * 24 * HOUR_MS) / 1000),
      toS: Math.floor((nowMs - HOUR_MS) / 1000),
    },
  );
  return r && Number(r.n) > 0 && r.rate !== null ? Number(r.rate) : null;
}

function saturationFinding(
  s: CapacitySeries,
  sat: NonNullable<ReturnType<typeof timeToSaturation>>,
  threshold: number,
  nowMs: number,
): Finding {
  const hours = Math.max(0, (sat.at - nowMs) / HOUR_MS);
  const what = s.metric === 'saturation' ? `${s.service} saturation` : `memory of ${s.subject.split(/[/:]/).pop()}`;
  const band = `${new Date(sat.earliest).toISOString()} – ${sat.latest === null ? 'beyond the horizon' : new Date(sat.latest).toISOString()}`;
  const evidence = [
    {
      kind: 'capacity-forecast',
      subject: s.subject,
      description: `${s.metric} forecast (${sat.model}, backtest MASE ${sat.mase.toFixed(2)}) reaches ${threshold} at ${new Date(sat.at).toISOString()}; 80 % band ${band}`,
      value: hours,
      threshold,
      source: { table: 'forecasts', filter: { kind: 'capacity', subject: s.subject, metric: s.metric }, fromMs: nowMs },
    },
  ];
  return {
    kind: 'saturation_forecast',
    subject: s.subject,
    service: s.service,
    team: '',
    severity: hours <= 6 ? 'critical' : 'warning',
    title: `${what} is forecast to reach ${Math.round(threshold * 100)} % in ${hours.toFixed(1)} h`,
    summary: `at ${new Date(sat.at).toISOString()} (80 % band ${band})`,
    score: Math.max(0.3, Math.min(1, 1 - hours / 48)),
    evidence,
    recommendations: [
      {
        type: 'scale_up',
        subject: s.subject,
        title: `Scale ${s.metric === 'saturation' ? s.service : s.subject.split(/[/:]/).pop()} up before it saturates`,
        rationale: `the forecast crosses ${Math.round(threshold * 100)} % in ${hours.toFixed(1)} h; adding capacity now avoids the saturation instead of reacting to it`,
        impactUsdMonth: 0,
        impactRisk: `avoids a saturation forecast in ${hours.toFixed(1)} h`,
        confidence: Math.max(0.3, Math.min(0.9, 1 - sat.mase / 2)),
        finops: false,
        evidence,
      },
    ],
  };
}
