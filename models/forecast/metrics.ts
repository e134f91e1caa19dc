import { InputError } from '../../core/errors.ts';
import type { ForecastResult } from './types.ts';

/**
 * In-sample MAE of the seasonal-naive forecast `y[t] ≈ y[t - m]`: the scale MASE divides by
 * (Hyndman & Koehler 2006). `m` ≤ 1 gives the naive (random walk) scale. Zero for a series that
 * repeats exactly, which makes MASE infinite: callers decide what that means.
 */
export function naiveScale(insample: readonly number[], m: number): number {
  const lag = Math.max(1, Math.floor(m));
  if (insample.length <= lag) {
    throw new InputError(`MASE needs more than ${lag} in-sample points for m = ${lag} (got ${insample.length})`);
  }
  let s = 0;
  for (let t = lag; t < insample.length; t++) s += Math.abs(insample[t]! - insample[t - lag]!);
  return s / (insample.length - lag);
}

/** Mean absolute error of `forecast` against `actual` over their common length. */
export function mae(actual: readonly number[], forecast: readonly number[]): number {
  const n = Math.min(actual.length, forecast.length);
  if (n === 0) throw new InputError('MAE needs at least one actual/forecast pair');
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.abs(actual[i]! - forecast[i]!);
  return s / n;
}

/**
 * Mean absolute scaled error: out-of-sample MAE over the horizon divided by the in-sample MAE of
 * the one-season seasonal-naive forecast with season length `m`. Below 1 beats seasonal naive.
 * @example mase([3, 4], [3.5, 4], [1, 2, 3, 2, 3, 4], 3) // MAE 0.25 / scale 1 = 0.25
 */
export function mase(
  actual: readonly number[],
  forecast: readonly number[],
  insample: readonly number[],
  m: number,
): number {
  return mae(actual, forecast) / naiveScale(insample, m);
}

/** Share (0–1) of `actuals` inside the forecast's [lower, upper], step by step over their common length. */
export function forecastHitRate(forecast: Pick<ForecastResult, 'lower' | 'upper'>, actuals: readonly number[]): number {
  const n = Math.min(actuals.length, forecast.lower.length, forecast.upper.length);
  if (n === 0) throw new InputError('forecastHitRate needs at least one actual inside the forecast horizon');
  let hits = 0;
  for (let i = 0; i < n; i++) {
    const a = actuals[i]!;
    if (a >= forecast.lower[i]! && a <= forecast.upper[i]!) hits++;
  }
  return hits / n;
}
