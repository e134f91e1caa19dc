import type { Warehouse } from '../../core/warehouse/index.ts';
import { counterIncreases, labelMatch } from '../sli/sql.ts';

/** A series the anomaly detectors watch, derived from the rollups. */
export type SignalSpec =
  | {
      /** Names the signal in series keys and evidence. */
      id: string;
      kind: 'gauge';
      metric: string;
      labels: Record<string, string>;
      /** Per-minute value: the worst (max) or the mean of the minute's points. */
      agg: 'max' | 'avg';
      /** What an anomaly is about: the service, or the resource in the `resource_id` label. */
      subject: 'service' | 'resource';
    }
  | { id: string; kind: 'ratio'; bad: string; total: string; subject: 'service' }
  | { id: string; kind: 'cost'; subject: 'resource' };

/** What the platform's detectors watch by default: the golden signals of every service, the
 *  utilisation of every resource and the hourly cost of every resource. */
export const DEFAULT_SIGNALS: readonly SignalSpec[] = [
  {
    id: 'latency_p99',
    kind: 'gauge',
    metric: 'http_request_duration_seconds',
    labels: { quantile: '0.99' },
    agg: 'max',
    subject: 'service',
  },
  {
    id: 'error_ratio',
    kind: 'ratio',
    bad: 'http_request_errors_total',
    total: 'http_requests_total',
    subject: 'service',
  },
  { id: 'saturation', kind: 'gauge', metric: 'saturation', labels: {}, agg: 'max', subject: 'service' },
  { id: 'memory', kind: 'gauge', metric: 'memory_utilization', labels: {}, agg: 'avg', subject: 'resource' },
  { id: 'cpu', kind: 'gauge', metric: 'cpu_utilization', labels: {}, agg: 'avg', subject: 'resource' },
  { id: 'cost', kind: 'cost', subject: 'resource' },
];

/** One value of one watched series. */
export interface SignalPoint {
  /** `signal|service|subject`: stable across passes, the key of the series' detector. */
  key: string;
  signal: string;
  service: string;
  /** The service, or the resource id. */
  subject: string;
  tsMs: number;
  value: number;
}

/** Bucket length of a signal: minutes for metrics, hours for cost. */
export const signalStepMs = (s: SignalSpec) => (s.kind === 'cost' ? 3_600_000 : 60_000);

/** Values of a signal over closed buckets in [fromMs, toMs), in time order. */
export async function readSignal(wh: Warehouse, s: SignalSpec, fromMs: number, toMs: number): Promise<SignalPoint[]> {
  const params = { from: Math.floor(fromMs / 1000), to: Math.floor(toMs / 1000) };
  type Row = { service: string; subject: string; ts: number; v: number };
  let rows: Row[];
  if (s.kind === 'gauge') {
    rows = await wh.query<Row>(
      `SELECT service, ${s.subject === 'resource' ? "any(labels)['resource_id']" : 'service'} AS subject,
         toUnixTimestamp(bucket) * 1000 AS ts, ${s.agg === 'max' ? 'max(max)' : 'sum(sum) / sum(count)'} AS v
       FROM metrics_1m
       WHERE name = {name:String} AND ${labelMatch('lf')}
         AND bucket >= {from:DateTime('UTC')} AND bucket < {to:DateTime('UTC')}
       GROUP BY service, series_id, bucket
       ORDER BY bucket, service, subject`,
      { ...params, name: s.metric, lf: s.labels },
    );
  } else if (s.kind === 'ratio') {
    rows = await wh.query<Row>(
      `SELECT service, service AS subject, toUnixTimestamp(bucket) * 1000 AS ts,
         sumIf(d, is_bad) / sumIf(d, is_total) AS v
       FROM (${counterIncreases({ is_bad: 'name = {bad:String}', is_total: 'name = {total:String}' }, 'all')})
       GROUP BY service, bucket
       HAVING sumIf(d, is_total) > 0
       ORDER BY bucket, service`,
      {
        ...params,
        names: [s.bad, s.total],
        bad: s.bad,
        total: s.total,
      },
    );
  } else {
    rows = await wh.query<Row>(
      `SELECT if(c.service != '', c.service, r.service) AS service, c.ResourceId AS subject,
         toUnixTimestamp(c.bucket) * 1000 AS ts, sum(c.EffectiveCost) AS v
       FROM cost_1h AS c
       LEFT JOIN (SELECT resource_id, argMax(service, ts) AS service FROM resources_latest GROUP BY resource_id) AS r
         ON r.resource_id = c.ResourceId
       WHERE c.bucket >= {from:DateTime('UTC')} AND c.bucket < {to:DateTime('UTC')} AND c.ResourceId != ''
       GROUP BY service, subject, ts
       ORDER BY ts, service, subject`,
      params,
    );
  }
  return rows.map((r) => ({
    key: `${s.id}|${r.service}|${r.subject}`,
    signal: s.id,
    service: r.service,
    subject: r.subject,
    tsMs: Number(r.ts),
    value: Number(r.v),
  }));
}
