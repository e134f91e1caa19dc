import { z } from 'zod';
import { InputError } from '../../core/errors.ts';
import { forecastSeries } from './forecast-series.ts';
import { medianIntervalMs } from './stats.ts';

/** A value at a time (epoch ms). */
export interface TimedPoint {
  timestamp: number;
  value: number;
}

/** Input of `timeToSaturation`. */
export const saturationParamsSchema = z.object({
  /** Utilisation at which the resource counts as saturated, e.g. 0.9. */
  threshold: z.number().finite(),
  /** Coverage of the earliest–latest band, in percent. @default 80 */
  level: z.number().gt(0).lt(100).default(80),
  /** Steps to look ahead. Unset: a third of the history (the backtest needs the rest). */
  horizon: z.number().int().min(1).optional(),
  /** Season length in steps; unset: detected from the timestamps. */
  period: z.number().int().min(1).optional(),
});
/** Input of `timeToSaturation` before defaults. */
export type SaturationParams = z.input<typeof saturationParamsSchema>;

/** When a capacity series is forecast to reach its threshold. */
export interface SaturationResult {
  /** When the point forecast reaches the threshold (epoch ms); the last timestamp when already there. */
  at: number;
  /** When the interval's upper bound reaches it: the earliest plausible time. */
  earliest: number;
  /** When the interval's lower bound reaches it; null when it stays below within the horizon. */
  latest: number | null;
  /** Steps after the last point until `at`, fractional (linear between forecast steps). */
  stepsAhead: number;
  /** Model that produced the forecast, and its backtest MASE. */
  model: string;
  mase: number;
  threshold: number;
  level: number;
  /** Last forecast time looked at (epoch ms). */
  horizonEnd: number;
}

/** Fractional step at which `path` (preceded by `start` at step 0) first reaches `threshold`; null if never. */
function firstCrossing(start: number, path: readonly number[], threshold: number): number | null {
  let prev = start;
  for (let k = 0; k < path.length; k++) {
    const y = path[k]!;
    if (y >= threshold) return k + (y === prev ? 1 : (threshold - prev) / (y - prev));
    prev = y;
  }
  return null;
}

/**
 * Time to saturation of a capacity series (e.g. 0–1 utilisation): forecasts it with
 * `forecastSeries` and returns when the point forecast first reaches `threshold`, with an
 * earliest–latest band from where the interval's upper and lower bounds reach it. Null when the
 * point forecast stays below the threshold over the horizon. Crossings are interpolated linearly
 * between forecast steps.
 * @example
 * const s = timeToSaturation(cpu, { threshold: 0.9, horizon: 24 * 14 });
 * if (s) console.log(new Date(s.at), new Date(s.earliest), s.latest && new Date(s.latest));
 */
export function timeToSaturation(points: readonly TimedPoint[], params: SaturationParams): SaturationResult | null {
  const parsed = saturationParamsSchema.safeParse(params);
  if (!parsed.success) throw new InputError(`invalid saturation parameters: ${z.prettifyError(parsed.error)}`);
  const { threshold, level } = parsed.data;
  if (points.length < 3) throw new InputError(`timeToSaturation needs at least 3 points (got ${points.length})`);
  const timestamps = points.map((p) => p.timestamp);
  const intervalMs = medianIntervalMs(timestamps);
  if (!(intervalMs > 0)) throw new InputError('timeToSaturation needs increasing timestamps');
  const horizon = parsed.data.horizon ?? Math.max(1, Math.floor(points.length / 3));
  const values = points.map((p) => p.value);
  const last = values.at(-1)!;
  const lastTs = timestamps.at(-1)!;
  const r = forecastSeries(values, {
    horizon,
    level,
    intervalMs,
    ...(parsed.data.period ? { period: parsed.data.period } : {}),
  });
  const base = { model: r.model, mase: r.mase, threshold, level, horizonEnd: lastTs + horizon * intervalMs };
  if (last >= threshold) return { ...base, at: lastTs, earliest: lastTs, latest: lastTs, stepsAhead: 0 };
  const at = firstCrossing(last, r.forecast.yhat, threshold);
  if (at === null) return null;
  // upper ≥ yhat ≥ lower step by step, so the bands cross no later / no earlier than the point forecast.
  const earliest = firstCrossing(last, r.forecast.upper, threshold) ?? at;
  const latest = firstCrossing(last, r.forecast.lower, threshold);
  // Whole epoch ms, like every other timestamp: scoring compares them with sample times exactly.
  const time = (steps: number) => Math.round(lastTs + steps * intervalMs);
  return {
    ...base,
    at: time(at),
    earliest: time(earliest),
    latest: latest === null ? null : time(latest),
    stepsAhead: at,
  };
}

/** How a saturation forecast fared: when the actuals first reached the threshold, and whether that fell in the band. */
export interface SaturationScore {
  /** First time (epoch ms) an actual reached the threshold; null when none did. */
  actualAt: number | null;
  /** True when the actual crossing lies in [earliest, latest] (latest unset: up to the horizon's end).
   *  Actuals are samples, so the crossing is anywhere after the sample before `actualAt`. */
  hit: boolean;
}

/** Scores a `timeToSaturation` result against what happened, given the points that followed it. */
export function scoreSaturation(prediction: SaturationResult, actuals: readonly TimedPoint[]): SaturationScore {
  const i = actuals.findIndex((p) => p.value >= prediction.threshold);
  if (i < 0) return { actualAt: null, hit: false };
  const actualAt = actuals[i]!.timestamp;
  const after = i > 0 ? actuals[i - 1]!.timestamp : actualAt;
  const until = prediction.latest ?? prediction.horizonEnd;
  return { actualAt, hit: actualAt >= prediction.earliest && after <= until };
}
