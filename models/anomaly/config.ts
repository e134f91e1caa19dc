import { z } from 'zod';
import { ConfigError } from '../../core/errors.ts';

/** Options of the TensorFlow.js next-value forecaster inside the ensemble. */
export const forecasterOptionsSchema = z.object({
  /** Past values the model sees. @default 24 */
  lags: z.int().min(2).max(256).default(24),
  /** Units of the hidden dense layer. @default 16 */
  hiddenUnits: z.int().min(1).max(256).default(16),
  /** Points between two trainings; every prediction uses weights trained only on earlier points. @default 3000 */
  trainEveryPoints: z.int().min(10).default(3000),
  /** Points of history before the first training. @default 400 */
  minTrainPoints: z.int().min(20).default(400),
  /** Most recent windows a training uses. @default 1000 */
  trainWindowPoints: z.int().min(20).default(1000),
  /** Full-batch Adam steps per training. @default 10 */
  epochs: z.int().min(1).max(1000).default(10),
  /** Adam learning rate. @default 0.02 */
  learningRate: z.number().positive().default(0.02),
  /** Seed of the initial weights (training is deterministic on one backend). @default 42 */
  seed: z.int().default(42),
});

/** Options of the ensemble detector; every field has a default, `{}` is valid. */
export const anomalyDetectorOptionsSchema = z.object({
  /** First points that only train the detector and score 0 (NAB's probation). @default 750 */
  probationPoints: z.int().min(0).default(750),
  /** Trailing window of the robust baselines, in points. @default 256 */
  windowPoints: z.int().min(16).max(100_000).default(256),
  /** Past days of the seasonal (time-of-day) baseline. @default 3 */
  seasonDays: z.int().min(1).max(14).default(3),
  /** A surprise no bigger than a value seen on one of the past `seasonDays` days within this many ms of the
   *  same time of day is a recurring event (a nightly job, a rush hour) and is capped at z 3. 0 disables it,
   *  the default: the platform's watcher lost recall with it on its quality benchmark (0.96 to 0.89), while
   *  whole-file scoring (`scoreSeries`, 15 minutes) gains on NAB. @default 0 */
  recurrenceJitterMs: z.int().min(0).max(3_600_000).default(0),
  /** CUSUM allowance per point, z units. @default 1 */
  cusumDriftZ: z.number().min(0).default(1),
  /** CUSUM accumulation that confirms a level shift, z units. @default 12 */
  cusumThresholdZ: z.number().positive().default(12),
  /** Raw surprise a confirmed CUSUM shift counts as, z units; 0 ignores CUSUM in the score. @default 6 */
  cusumZ: z.number().min(0).default(6),
  /** Points of memory of the calibrating distribution of raw surprises. @default 5000 */
  calibrationHorizonPoints: z.int().min(100).default(5000),
  /** Quantile of past raw surprises that scores 0.5. @default 0.995 */
  tailQuantile: z.number().min(0.5).max(0.99999).default(0.995),
  /** Multiplier on that quantile: a moderate quantile times a factor resists a few past events better than
   *  an extreme quantile, so a series with several anomalies keeps flagging them. @default 1 */
  tailScale: z.number().positive().default(1),
  /** A raw surprise (robust z) below this never scores above 0.5, however quiet the series. @default 5 */
  minZ: z.number().min(0).default(5),
  /** Steepness of the score past the tail quantile. @default 4 */
  sharpness: z.number().positive().default(4),
  /** How echoes of one event are damped: 'peak' (threshold-free, against a decaying memory of recent
   *  surprises) or 'alarm' (a cooldown after a score above alarmScore). @default 'alarm' */
  suppression: z.enum(['peak', 'alarm']).default('alarm'),
  /** With 'alarm' suppression: a score at or above this is an alarm that starts a cooldown. @default 0.9 */
  alarmScore: z.number().min(0).max(1).default(0.9),
  /** Half-life of the peak memory ('peak'), or the cooldown after an alarm ('alarm'), in points. 0 disables. @default 150 */
  cooldownPoints: z.int().min(0).default(150),
  /** A raw surprise must be this many times the remembered peak (or the alarm's own) to pass undamped. @default 2 */
  cooldownEscapeRatio: z.number().min(1).default(2),
  /** Factor on scores during a cooldown. @default 0.5 */
  cooldownFactor: z.number().min(0).max(1).default(0.5),
  /** The forecaster may veto a surprise only where its residual scale is at most this fraction of the best
   *  statistical baseline's, i.e. where it is clearly the better predictor. @default 0.8 */
  forecasterScaleRatio: z.number().positive().default(0.8),
  /** The TensorFlow.js forecaster; `false` (or no tf runtime given) leaves it out. */
  forecaster: z.union([z.literal(false), forecasterOptionsSchema]).default(() => forecasterOptionsSchema.parse({})),
});

/** Input of `createAnomalyDetector` (fields optional). */
export type AnomalyDetectorOptions = z.input<typeof anomalyDetectorOptionsSchema>;
/** Parsed options with defaults filled in. */
export type AnomalyDetectorConfig = z.output<typeof anomalyDetectorOptionsSchema>;
/** Parsed forecaster options. */
export type ForecasterConfig = z.output<typeof forecasterOptionsSchema>;

/** Parses detector options, failing with a `ConfigError` that names the field. */
export function parseAnomalyDetectorOptions(input: unknown = {}): AnomalyDetectorConfig {
  const r = anomalyDetectorOptionsSchema.safeParse(input ?? {});
  if (!r.success) throw new ConfigError(`invalid anomaly detector options: ${z.prettifyError(r.error)}`);
  return r.data;
}
