/** Shapes shared by every scorer: scores, their components and the evidence behind each number. */

/** What a scorer measures. */
export type Dimension = 'reliability' | 'cost' | 'governance' | 'security' | 'operations';

/** Every kind of score: the five dimensions plus the platform health index built on top of them.
 *  'health' is kept out of `Dimension` so a health index can never be an input to itself. */
export type ScoreDimension = Dimension | 'health';

/** What a score is about: one service, one owning team, or the whole platform. */
export type Scope = 'service' | 'team' | 'platform';

/** Service tier as the Backstage catalog spells it. */
export type Tier = 'tier-1' | 'tier-2' | 'tier-3';

/** The table and filter of the rows behind an input; the scorer adds the time range. */
export interface SourceRef {
  /** ClickHouse table (or rollup) the rows came from, e.g. `metrics_1m`, `cost_1d`. */
  table: string;
  /** Column = value pairs that select the rows, e.g. `{ service: 'checkout' }`. */
  filter: Record<string, string>;
}

/** Which rows made a piece of evidence, precise enough to re-run the query. */
export interface EvidenceSource extends SourceRef {
  /** Start of the time range, inclusive, epoch ms; unset = not time-bounded (inventory, catalog). */
  fromMs?: number;
  /** End of the time range, exclusive, epoch ms. */
  toMs?: number;
}

/** One fact a component's value rests on. */
export interface Evidence {
  /** What sort of fact: `slo-window`, `burn-rate-rule`, `idle-resource`, `root-use`, `score`… */
  kind: string;
  /** What the fact is about: an SLO, a resource id, a principal, a service. */
  subject: string;
  /** The fact in one sentence a person can read. */
  description: string;
  /** The measured number, in the unit the description names. */
  value?: number;
  /** The number it was compared with, same unit. */
  threshold?: number;
  source: EvidenceSource;
}

/** One part of a score with its own value, weight and evidence. */
export interface ScoreComponent {
  name: string;
  /** 0–100; null = no data, and the component is left out of the score. */
  value: number | null;
  /** Relative weight among the score's components; positive. */
  weight: number;
  /** Why the value is what it is, in a sentence. */
  detail: string;
  evidence: Evidence[];
}

/** A 0–100 score with everything needed to explain it. */
export interface Score {
  dimension: ScoreDimension;
  scope: Scope;
  /** The service, team or platform name. */
  subject: string;
  /** Weighted mean of the components that have a value; null when none has. */
  value: number | null;
  components: ScoreComponent[];
  /** When it was computed, epoch ms (the caller's clock, so scores are reproducible). */
  computedAtMs: number;
}

/** What every scorer is given besides its data. */
export interface ScoreOptions {
  /** Evaluation time, epoch ms: the end of every window and the score's `computedAtMs`. */
  nowMs: number;
}

/** A scorer: a pure function from pre-aggregated data to a score. */
export type Scorer<I, O extends ScoreOptions = ScoreOptions> = (input: I, options: O) => Score;
