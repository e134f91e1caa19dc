/** A metric an SLI reads: a name and the labels a series must carry (others may vary). */
export interface MetricRef {
  name: string;
  labels: Record<string, string>;
}

/** How an SLO's indicator is measured, reduced to what the store can compute. */
export type SliSpec =
  | {
      kind: 'ratio';
      /** Exactly one of `good` and `bad` is set; counters, summed over matching series. */
      good?: MetricRef;
      bad?: MetricRef;
      total: MetricRef;
      budgeting: 'Occurrences' | 'Timeslices';
      /** Timeslices: slice length, whole minutes; a slice is good when good/total ≥ sliceTarget. */
      sliceMinutes: number;
      sliceTarget: number;
    }
  | {
      kind: 'threshold';
      metric: MetricRef;
      op: 'lt' | 'lte' | 'gt' | 'gte';
      value: number;
      budgeting: 'Occurrences' | 'Timeslices';
      sliceMinutes: number;
      sliceTarget: number;
    };

/** One SLO as the SLI reader needs it. */
export interface SliSubject {
  slo: string;
  service: string;
  sli: SliSpec;
}

/** Good and total events (Occurrences) or time slices (Timeslices) over some span. */
export interface SliCounts {
  good: number;
  total: number;
}
