import { z } from 'zod';
import { finiteNumber, name, stringMap, timestampMs } from './common.ts';

/** How a metric point's value is to be read. Histograms and summaries arrive expanded
 *  Prometheus-style: `_bucket{le}`, `_sum`, `_count`, and `{quantile}` series. */
export const metricKinds = ['gauge', 'counter', 'histogram', 'summary', 'untyped'] as const;
export type MetricKind = (typeof metricKinds)[number];

/** One scalar observation of one series. */
export const metricPointSchema = z.object({
  /** Observation time, epoch milliseconds. */
  ts: timestampMs,
  /** Owning service (`service.name` in OTLP, `job` in Prometheus). */
  service: name(256),
  /** Metric name as the source spells it (`http_requests_total`, `http.server.duration_bucket`). */
  name: name(512),
  kind: z.enum(metricKinds),
  value: finiteNumber,
  labels: stringMap.default({}),
  /** Unit as declared by the source (`s`, `By`, `1`); '' when unknown. */
  unit: z.string().max(64).default(''),
});
export type MetricPoint = z.output<typeof metricPointSchema>;
export type MetricPointInput = z.input<typeof metricPointSchema>;
