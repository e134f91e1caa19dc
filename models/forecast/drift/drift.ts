import { checkHorizon, checkSeries, DEFAULT_LEVEL, normalInterval, rms } from '../stats.ts';
import type { FittedModel, Forecaster } from '../types.ts';

/** Average step between the first value and the one before `origin`. */
const slopeOf = (values: readonly number[], origin: number) => (values[origin - 1]! - values[0]!) / (origin - 1);

/**
 * Drift: the last value plus the average step of the whole history, i.e. the line through the
 * first and last points extended. Extrapolates a linear trend exactly; no season.
 */
export const drift: Forecaster = {
  name: 'drift',
  capabilities: { seasonal: false, trend: true },
  minPoints: () => 3,
  fit(values): FittedModel {
    checkSeries(values, 3, 'drift');
    const series = [...values];
    const n = series.length;
    const slope = slopeOf(series, n);
    const sigma = rms(series.slice(1).map((y, t) => y - series[t]! - slope));
    return {
      name: 'drift',
      period: 1,
      params: { slope },
      sigma,
      forecast(horizon, level = DEFAULT_LEVEL) {
        checkHorizon(horizon);
        const yhat = Array.from({ length: horizon }, (_, i) => series[n - 1]! + (i + 1) * slope);
        // Hyndman & Athanasopoulos, FPP3 §5.5: random walk error plus the slope's estimation error.
        const sds = yhat.map((_, i) => sigma * Math.sqrt((i + 1) * (1 + (i + 1) / (n - 1))));
        return normalInterval(yhat, sds, level);
      },
      rollingForecasts(all, origins, horizon) {
        return origins.map((o) => {
          const s = slopeOf(all, o);
          return Array.from({ length: horizon }, (_, i) => all[o - 1]! + (i + 1) * s);
        });
      },
    };
  },
};
