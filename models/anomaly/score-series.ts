import type { AnomalyDetectorOptions } from './config.ts';
import { type AnomalyDetector, createAnomalyDetector } from './ensemble.ts';
import { loadTf, type TfBackendChoice, type TfRuntime } from './tf-runtime.ts';

/** One point of a series: epoch milliseconds and a value (NaN for a missing value). */
export interface SeriesPoint {
  tsMs: number;
  value: number;
}

/** Options of `scoreSeries`: detector options plus which tfjs to use. */
export interface ScoreSeriesOptions extends AnomalyDetectorOptions {
  /** A ready tfjs, a backend to load, or `false` for the statistical detectors only. @default 'auto' */
  tf?: TfRuntime | TfBackendChoice | false;
  /** Cooldown after an alarm as a fraction of the series length, when `cooldownPoints` is not given.
   *  Labelled anomaly windows scale with the file (NAB: 10 % of it, split between its anomalies). @default 0.02 */
  cooldownFraction?: number;
}

/** Scores of a whole series, one per point in input order, and the detector version that made them. */
export interface ScoreSeriesResult {
  version: string;
  scores: Float64Array;
  /** The detector after the last point: keep updating it, or persist it with the model store. */
  detector: AnomalyDetector;
}

const DEFAULT_COOLDOWN_FRACTION = 0.02;
const MIN_COOLDOWN_POINTS = 10;
/** A whole file usually spans weeks: a week of time-of-day history makes the seasonal median robust to
 *  one odd day and lets the recurrence check see a job that skips a day or two. */
const DEFAULT_SEASON_DAYS = 7;
/** Daily jobs drift by a few minutes; a surprise no bigger than one seen within 15 minutes of this time of
 *  day on a recent day is not news (on NAB it removes most repeated false alarms of batch-job series). */
const DEFAULT_RECURRENCE_JITTER_MS = 900_000;

/** NAB's probation: 15 % of the file, at most 750 points. The length of a file is known before its
 *  values are read, so using it is no look-ahead. */
export function probationPointsFor(length: number): number {
  return Math.min(Math.floor(0.15 * length), 750);
}

/** Scores a whole series online (each score from earlier points only); async only to load tfjs.
 *  @example const { version, scores } = await scoreSeries(points, { tf: false }); */
export async function scoreSeries(
  points: readonly SeriesPoint[],
  options: ScoreSeriesOptions = {},
): Promise<ScoreSeriesResult> {
  const { tf: tfOption = 'auto', cooldownFraction = DEFAULT_COOLDOWN_FRACTION, ...detectorOptions } = options;
  const tf = tfOption === false ? undefined : typeof tfOption === 'string' ? await loadTf(tfOption) : tfOption;
  const detector = createAnomalyDetector(
    {
      probationPoints: probationPointsFor(points.length),
      seasonDays: DEFAULT_SEASON_DAYS,
      recurrenceJitterMs: DEFAULT_RECURRENCE_JITTER_MS,
      cooldownPoints: Math.max(MIN_COOLDOWN_POINTS, Math.round(cooldownFraction * points.length)),
      ...detectorOptions,
    },
    { tf },
  );
  const scores = new Float64Array(points.length);
  for (let i = 0; i < points.length; i++) scores[i] = detector.update(points[i]!.tsMs, points[i]!.value);
  return { version: detector.version, scores, detector };
}
