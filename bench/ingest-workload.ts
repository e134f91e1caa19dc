import type { MetricPointInput } from '../schemas/index.ts';

/** The benchmark's workload: `series` series, each sampled every `stepMs`; message k carries the
 *  next `pointsPerMessage` points in (time, series) order, as an OTLP exporter batches a scrape. */
export interface Workload {
  points: number;
  pointsPerMessage: number;
  series: number;
  startMs: number;
  stepMs: number;
}

/** Points of message `k`. Pure: the publisher, the ceiling runs and the checks see the same data. */
export function messagePoints(w: Workload, k: number): MetricPointInput[] {
  const out: MetricPointInput[] = [];
  const first = k * w.pointsPerMessage;
  const last = Math.min(w.points, first + w.pointsPerMessage);
  for (let i = first; i < last; i++) {
    const s = i % w.series;
    const step = Math.floor(i / w.series);
    out.push({
      ts: w.startMs + step * w.stepMs,
      service: `svc-${s % 50}`,
      name: s % 3 === 0 ? 'http_requests_total' : s % 3 === 1 ? 'http_request_duration_seconds' : 'cpu_utilization',
      kind: s % 3 === 0 ? 'counter' : 'gauge',
      value: s % 3 === 0 ? step * 10 + (s % 7) : Math.abs(Math.sin(i)) * 100,
      labels: { instance: `pod-${s}`, region: s % 2 ? 'eu-west-1' : 'us-east-1' },
      unit: s % 3 === 1 ? 's' : '',
    });
  }
  return out;
}

/** Number of messages of a workload. */
export const messageCount = (w: Workload): number => Math.ceil(w.points / w.pointsPerMessage);
