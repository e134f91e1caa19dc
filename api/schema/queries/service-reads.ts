import type { Warehouse } from '../../../core/warehouse/index.ts';
import { numOrNull, type TimeRange } from './common.ts';
import { groupBy } from './loaders.ts';
import type { Anomaly, ForecastPoint, SloStatus } from './service-types.ts';

/** The latest status of every SLO of each service, one query for all of them. Every pass writes a
 *  row per SLO, so the latest pass of these services is found first from the sort key alone (rows
 *  since `sinceMs`), and only rows within `passWindowMs` of it are aggregated: an SLO with no row
 *  that recent was dropped from the definitions. The burn-rate map is most of a row's bytes: it
 *  (and the firing rules) are read only `withBurn`, else left empty. */
export async function readSlos(
  wh: Warehouse,
  services: readonly string[],
  p: { sinceMs: number; passWindowMs: number; withBurn: boolean },
): Promise<Map<string, SloStatus[]>> {
  // One pass over the window's rows: the latest row per SLO by argMax (a tuple keeps NULLs).
  const rows = await wh.query<{
    slo: string;
    service: string;
    latest: [string, number, number, number | null, number | null, string, Record<string, number>?, string[]?];
    at: number;
  }>(
    `SELECT slo, service,
       argMax(tuple(indicator, target, window_ms, attainment, budget_remaining, alert${p.withBurn ? ', burn_rates, firing' : ''}),
         computed_at) AS latest,
       toUnixTimestamp64Milli(max(computed_at)) AS at
     FROM slo_status
     WHERE service IN {services:Array(String)}
       AND computed_at >= greatest(
         (SELECT max(computed_at) FROM slo_status
          WHERE service IN {services:Array(String)} AND computed_at >= {since:DateTime64(3, 'UTC')}),
         {since:DateTime64(3, 'UTC')}) - toIntervalMillisecond({window:UInt64})
     GROUP BY service, slo
     ORDER BY service, slo`,
    { services, since: p.sinceMs, window: p.passWindowMs },
  );
  const out = new Map<string, SloStatus[]>();
  for (const [service, list] of groupBy(rows, (r) => r.service)) {
    out.set(
      service,
      list.map((r) => {
        const [indicator, target, windowMs, attainment, budgetRemaining, alert, burnRates, firing] = r.latest;
        return {
          name: r.slo,
          indicator,
          target: Number(target),
          windowMs: Number(windowMs),
          attainment: numOrNull(attainment),
          budgetRemaining: numOrNull(budgetRemaining),
          burnRates: Object.entries(burnRates ?? {}).map(([window, rate]) => ({ window, rate: Number(rate) })),
          alert,
          firing: firing ?? [],
          computedAt: new Date(Number(r.at)),
        };
      }),
    );
  }
  return out;
}

/** The newest `first` anomalies of each service in the range, one query for all of them. */
export async function readAnomalies(
  wh: Warehouse,
  services: readonly string[],
  range: TimeRange,
  first: number,
): Promise<Map<string, Anomaly[]>> {
  const rows = await wh.query<{
    service: string;
    at: number;
    name: string;
    subject: string;
    value: number;
    expected: number | null;
    score: number;
    detector_version: string;
    detected: number;
  }>(
    `SELECT service, toUnixTimestamp64Milli(ts) AS at, name, labels['subject'] AS subject, value, expected, score,
       detector_version, toUnixTimestamp64Milli(detected_at) AS detected
     FROM anomalies FINAL
     WHERE service IN {services:Array(String)}
       AND ts >= {from:DateTime64(3, 'UTC')} AND ts < {to:DateTime64(3, 'UTC')}
     ORDER BY service, ts DESC, name
     LIMIT {first:UInt32} BY service`,
    { services, from: range.fromMs, to: range.toMs, first },
  );
  const out = new Map<string, Anomaly[]>();
  for (const [service, list] of groupBy(rows, (r) => r.service)) {
    out.set(
      service,
      list.map((r) => ({
        at: new Date(Number(r.at)),
        signal: r.name,
        subject: r.subject || r.service,
        value: Number(r.value),
        expected: numOrNull(r.expected),
        score: Number(r.score),
        detector: r.detector_version,
        detectedAt: new Date(Number(r.detected)),
      })),
    );
  }
  return out;
}

/** The first `first` steps of the latest capacity forecast of each service: its saturation and the
 *  memory of its resources (by the inventory's service), optionally one metric only. */
export async function readForecasts(
  wh: Warehouse,
  services: readonly string[],
  metric: string | null,
  first: number,
): Promise<Map<string, ForecastPoint[]>> {
  const rows = await wh.query<{
    service: string;
    metric: string;
    subject: string;
    at: number;
    yhat: number;
    lower: number;
    upper: number;
    level: number;
    model: string;
    computed: number;
  }>(
    `WITH owned AS (
       SELECT resource_id, argMax(service, ts) AS svc FROM resources_latest
       GROUP BY resource_id HAVING svc IN {services:Array(String)})
     SELECT if(f.metric = 'saturation', f.subject, o.svc) AS service, f.metric AS metric, f.subject AS subject,
       toUnixTimestamp64Milli(f.ts) AS at, f.yhat AS yhat, f.lower AS lower, f.upper AS upper, f.level AS level,
       f.model AS model, toUnixTimestamp64Milli(f.computed_at) AS computed
     FROM forecasts AS f
     LEFT JOIN owned AS o ON o.resource_id = f.subject
     WHERE f.kind = 'capacity'
       AND (f.subject IN {services:Array(String)} OR f.subject IN (SELECT resource_id FROM owned))
       AND ({metric:String} = '' OR f.metric = {metric:String})
       AND (f.subject, f.metric, f.computed_at) IN (
         SELECT subject, metric, max(computed_at) FROM forecasts
         WHERE kind = 'capacity'
           AND (subject IN {services:Array(String)} OR subject IN (SELECT resource_id FROM owned))
         GROUP BY subject, metric)
     ORDER BY service, ts, metric, subject
     LIMIT {first:UInt32} BY service`,
    { services, metric: metric ?? '', first },
  );
  const out = new Map<string, ForecastPoint[]>();
  for (const [service, list] of groupBy(rows, (r) => r.service)) {
    out.set(
      service,
      list.map((r) => ({
        metric: r.metric,
        subject: r.subject,
        at: new Date(Number(r.at)),
        yhat: Number(r.yhat),
        lower: Number(r.lower),
        upper: Number(r.upper),
        level: Number(r.level),
        model: r.model,
        computedAt: new Date(Number(r.computed)),
      })),
    );
  }
  return out;
}
