/** One online detector over one series: every `update` sees only the current and past points. */
export interface PointDetector<State = unknown> {
  /** Short kind name, e.g. `seasonal-mad`. */
  readonly name: string;
  /** Kind and revision, recorded with every score, e.g. `seasonal-mad-1`. */
  readonly version: string;
  /** Feeds one point and returns its anomaly score in [0,1]; a non-finite value scores 0 and is skipped. */
  update(tsMs: number, value: number): number;
  /** The whole state as plain JSON; restoring it continues with identical scores. */
  toJSON(): State;
}

/** A factory pair the shared detector suite (`models/detector.case.test.ts`) runs against. */
export interface DetectorKind<State = unknown> {
  /** A fresh detector. */
  create(): PointDetector<State>;
  /** A detector continuing from a snapshot. */
  restore(state: State): PointDetector<State>;
}

/** Milliseconds in a day: the season the seasonal baseline learns. */
export const DAY_MS = 86_400_000;
