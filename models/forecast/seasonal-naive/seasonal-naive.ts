import { checkHorizon, checkSeries, DEFAULT_LEVEL, normalInterval, rms } from '../stats.ts';
import type { FitOptions, FittedModel, Forecaster } from '../types.ts';

const seasonOf = (period: number) => Math.max(1, Math.floor(period));

/** Value one season before each step ahead: step i (0-based) after `origin` repeats `origin - m + i mod m`. */
function repeatLastSeason(values: readonly number[], origin: number, m: number, horizon: number): number[] {
  return Array.from({ length: horizon }, (_, i) => values[origin - m + (i % m)]!);
}

/**
 * Seasonal naive: every step repeats the value one season earlier (with `period` 1, the last value:
 * the random walk). The benchmark every other model must beat; MASE is scaled by its in-sample error.
 */
export const seasonalNaive: Forecaster = {
  name: 'seasonal-naive',
  capabilities: { seasonal: true, trend: false },
  minPoints: (period) => seasonOf(period) + 2,
  fit(values: readonly number[], options: FitOptions): FittedModel {
    const m = seasonOf(options.period);
    checkSeries(values, m + 2, 'seasonal-naive');
    const series = [...values];
    const residuals = series.slice(m).map((y, t) => y - series[t]!);
    const sigma = rms(residuals);
    return {
      name: 'seasonal-naive',
      period: m,
      params: {},
      sigma,
      forecast(horizon, level = DEFAULT_LEVEL) {
        checkHorizon(horizon);
        const yhat = repeatLastSeason(series, series.length, m, horizon);
        // Each further season adds one more independent seasonal step to the error.
        const sds = yhat.map((_, i) => sigma * Math.sqrt(Math.floor(i / m) + 1));
        return normalInterval(yhat, sds, level);
      },
      rollingForecasts(all, origins, horizon) {
        return origins.map((o) => repeatLastSeason(all, o, m, horizon));
      },
    };
  },
};
