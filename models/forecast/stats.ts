import { InputError } from '../../core/errors.ts';
import type { ForecastResult } from './types.ts';

/** Interval coverage when none is given, in percent. @default 80 */
export const DEFAULT_LEVEL = 80;

/** Arithmetic mean; NaN for an empty array. */
export function mean(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/** Root mean square of `xs` (a standard deviation when the xs are errors centred on zero). */
export function rms(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x * x;
  return xs.length === 0 ? 0 : Math.sqrt(s / xs.length);
}

/** Quantile `p` (0–1) of `xs` with linear interpolation between order statistics (R type 7). */
export function quantile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * Math.min(Math.max(p, 0), 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** Inverse of the standard normal CDF (Acklam's rational approximation, relative error < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (p <= 0) return Number.NEGATIVE_INFINITY;
  if (p >= 1) return Number.POSITIVE_INFINITY;
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239,
  ];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const tail = (q: number) =>
    (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
    ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  if (p < 0.02425) return tail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - 0.02425) return -tail(Math.sqrt(-2 * Math.log(1 - p)));
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
    (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1)
  );
}

/** Checks a coverage level in percent: strictly between 0 and 100. */
export function checkLevel(level: number): number {
  if (!(level > 0 && level < 100)) throw new InputError(`level must be between 0 and 100 exclusive (got ${level})`);
  return level;
}

/** Checks a horizon: a positive whole number of steps. */
export function checkHorizon(horizon: number): number {
  if (!Number.isInteger(horizon) || horizon < 1) {
    throw new InputError(`horizon must be a positive integer (got ${horizon})`);
  }
  return horizon;
}

/** Checks that a series has at least `min` points, all finite. */
export function checkSeries(values: readonly number[], min: number, who: string): void {
  if (values.length < min) throw new InputError(`${who} needs at least ${min} points (got ${values.length})`);
  const bad = values.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new InputError(`${who}: value ${bad} is not a finite number (got ${values[bad]})`);
}

/** A symmetric normal interval around `yhat` with standard deviation `sds[i]` at step i + 1. */
export function normalInterval(yhat: number[], sds: readonly number[], level: number): ForecastResult {
  const z = normalQuantile(0.5 + checkLevel(level) / 200);
  return {
    yhat,
    lower: yhat.map((y, i) => y - z * sds[i]!),
    upper: yhat.map((y, i) => y + z * sds[i]!),
    level,
  };
}

/** Median step between consecutive timestamps, in ms. */
export function medianIntervalMs(timestamps: readonly number[]): number {
  const steps = timestamps.slice(1).map((t, i) => t - timestamps[i]!);
  steps.sort((a, b) => a - b);
  return steps.length === 0 ? Number.NaN : steps[Math.floor((steps.length - 1) / 2)]!;
}
