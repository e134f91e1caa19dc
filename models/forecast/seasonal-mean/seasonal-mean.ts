import { checkHorizon, checkSeries, DEFAULT_LEVEL, normalInterval, rms } from '../stats.ts';
import type { FitOptions, FittedModel, Forecaster } from '../types.ts';

/** Numbers of past seasons the seasonal mean may average; `fit` keeps the one with the lowest one-step SSE. */
export const SEASONAL_MEAN_WINDOWS = [2, 3, 4, 6, 8] as const;

const seasonOf = (period: number) => Math.max(1, Math.floor(period));

/** Mean of the same phase over the `k` seasons before `origin`, for each step ahead. */
function seasonalMeans(values: readonly number[], origin: number, m: number, k: number, horizon: number): number[] {
  const profile = new Array<number>(Math.min(m, horizon));
  for (let i = 0; i < profile.length; i++) {
    let s = 0;
    for (let j = 1; j <= k; j++) s += values[origin + i - j * m]!;
    profile[i] = s / k;
  }
  return Array.from({ length: horizon }, (_, i) => profile[i % m]!);
}

/** One-step residuals of the k-season mean for t in [from, n). */
function residualsOf(values: readonly number[], m: number, k: number, from: number): number[] {
  const out: number[] = [];
  for (let t = from; t < values.length; t++) out.push(values[t]! - seasonalMeans(values, t, m, k, 1)[0]!);
  return out;
}

/**
 * Seasonal mean: each step is the mean of the same phase over the last k seasons. Averaging cancels
 * much of the noise seasonal naive copies forward, so on noisy seasonal series it often beats it
 * by a wide margin; it follows level shifts only k seasons late.
 */
export const seasonalMean: Forecaster = {
  name: 'seasonal-mean',
  capabilities: { seasonal: true, trend: false },
  minPoints: (period) => 2 * seasonOf(period) + 2,
  fit(values: readonly number[], options: FitOptions): FittedModel {
    const m = seasonOf(options.period);
    checkSeries(values, 2 * m + 2, 'seasonal-mean');
    const series = [...values];
    const seasons = Math.floor((series.length - 1) / m);
    const windows = SEASONAL_MEAN_WINDOWS.filter((k) => k <= seasons);
    // Every window is scored on the same stretch (the points the widest can forecast), so the
    // comparison is fair; a window that can see fewer than m points is not worth scoring.
    const widest = windows.filter((k) => series.length - k * m >= Math.min(m, 2)).at(-1) ?? 2;
    const from = widest * m;
    let best = { k: 2, residuals: residualsOf(series, m, 2, from) };
    for (const k of windows) {
      if (k > widest || k === 2) continue;
      const residuals = residualsOf(series, m, k, from);
      if (rms(residuals) < rms(best.residuals)) best = { k, residuals };
    }
    const { k } = best;
    const sigma = rms(best.residuals);
    return {
      name: 'seasonal-mean',
      period: m,
      params: { seasons: k },
      sigma,
      forecast(horizon, level = DEFAULT_LEVEL) {
        checkHorizon(horizon);
        const yhat = seasonalMeans(series, series.length, m, k, horizon);
        // Approximation: each season further ahead adds a seasonal step of drift, as for seasonal naive.
        const sds = yhat.map((_, i) => sigma * Math.sqrt(1 + Math.floor(i / m)));
        return normalInterval(yhat, sds, level);
      },
      rollingForecasts(all, origins, horizon) {
        return origins.map((o) => seasonalMeans(all, o, m, k, horizon));
      },
    };
  },
};
