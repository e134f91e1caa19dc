/** Resolved SLO definitions: plain data the scoring code computes on, with no OpenSLO left in it. */
import type { DurationUnit } from './duration.ts';

/** How the error budget counts: events (Occurrences), good time slices (Timeslices), or the
 *  ratio of good to total slices (RatioTimeslices). */
export type BudgetingMethod = 'Occurrences' | 'Timeslices' | 'RatioTimeslices';
/** How a threshold objective compares the metric with its `value`: good when `metric op value`. */
export type ThresholdOp = 'lt' | 'lte' | 'gt' | 'gte';

/** Where an SLI's numbers come from. */
export type SloMetric =
  | {
      source: 'aegis';
      /** Metric name as ingested: `http_requests_total`. */
      metric: string;
      /** Service the points belong to; the SLO's service unless the metric source names another. */
      service: string;
      /** Exact label matches: `{ quantile: '0.99' }`. */
      labels: Record<string, string>;
    }
  | {
      /** Another system's metric (`Prometheus`, `Datadog`, a `metricSourceRef`): kept, not computable. */
      source: 'external';
      type: string;
      ref: string | null;
      spec: Record<string, unknown>;
    };

/** The SLI of an SLO. */
export type SloIndicator = {
  /** SLI name (inline `metadata.name` or the referenced SLI's). */
  name: string;
  displayName: string;
} & (
  | {
      kind: 'ratio';
      /** True when the metrics are cumulative counters (use increases); false for gauges. */
      counter: boolean;
      /** Whether `numerator` counts good or bad events. */
      counts: 'good' | 'bad';
      numerator: SloMetric;
      total: SloMetric;
    }
  | { kind: 'threshold'; metric: SloMetric }
);

/** One objective of an SLO. */
export interface SloObjective {
  displayName: string;
  /** Share of good events (or slices) to reach, 0–1 exclusive (`targetPercent` is converted). */
  target: number;
  /** Threshold SLIs only: the comparison and value that make a point good; null for ratio SLIs. */
  op: ThresholdOp | null;
  value: number | null;
  /** Timeslices only: share of good events for a slice to count as good, (0, 1]. */
  timeSliceTarget: number | null;
  /** Timeslices and RatioTimeslices only: slice length, ms. */
  timeSliceWindowMs: number | null;
}

/** The window the SLO is measured over. */
export type SloWindow =
  | { kind: 'rolling'; duration: string; durationMs: number }
  | {
      kind: 'calendar';
      duration: string;
      /** Nominal length (M = 30 d, Q = 90 d, Y = 365 d); step windows by `count` × `unit` instead. */
      durationMs: number;
      count: number;
      unit: DurationUnit;
      /** As written: `2020-01-01 00:00:00`, local to `timeZone`. */
      startTime: string;
      /** IANA zone: `Europe/Berlin`. */
      timeZone: string;
      /** `startTime` in `timeZone`, as epoch ms: the start of the first window. */
      startMs: number;
    };

/** A resolved SLO. */
export interface SloDefinition {
  name: string;
  displayName: string;
  description: string;
  /** Service name, as in the catalog. */
  service: string;
  indicator: SloIndicator;
  budgeting: BudgetingMethod;
  objectives: SloObjective[];
  window: SloWindow;
  /** Alerting intent: names of the alert policies the SLO asks for (refs or inline), in order;
   *  empty means nobody asked to be alerted on this SLO. */
  alertPolicies: string[];
  /** `file:line:col` of its `metadata.name`, for messages. */
  source: string;
}
