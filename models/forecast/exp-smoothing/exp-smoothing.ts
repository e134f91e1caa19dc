import { minimize } from '../optimize.ts';
import { checkHorizon, checkSeries, DEFAULT_LEVEL, normalInterval, rms } from '../stats.ts';
import type { FittedModel, Forecaster } from '../types.ts';

/** Runs SES over `values` with weight `alpha`; calls `at(t, level)` before each value t is seen. */
function filter(values: readonly number[], alpha: number, at?: (t: number, level: number) => void): number[] {
  let level = values[0]!;
  const residuals: number[] = [];
  for (let t = 1; t < values.length; t++) {
    at?.(t, level);
    const e = values[t]! - level;
    residuals.push(e);
    level += alpha * e;
  }
  at?.(values.length, level);
  return residuals;
}

/**
 * Simple exponential smoothing: a flat forecast at an exponentially weighted level, weight fitted
 * by one-step SSE. The non-seasonal fallback for series without trend or season.
 */
export const expSmoothing: Forecaster = {
  name: 'exp-smoothing',
  capabilities: { seasonal: false, trend: false },
  minPoints: () => 3,
  fit(values): FittedModel {
    checkSeries(values, 3, 'exp-smoothing');
    const series = [...values];
    const sse = ([alpha]: number[]) => {
      let s = 0;
      for (const e of filter(series, alpha!)) s += e * e;
      return s;
    };
    const alpha = minimize(sse, [0.5], [{ lo: 1e-4, hi: 0.9999 }], { maxEvaluations: 120 }).x[0]!;
    let last = series[0]!;
    const sigma = rms(
      filter(series, alpha, (_t, level) => {
        last = level;
      }),
    );
    return {
      name: 'exp-smoothing',
      period: 1,
      params: { alpha },
      sigma,
      forecast(horizon, level = DEFAULT_LEVEL) {
        checkHorizon(horizon);
        const yhat = new Array<number>(horizon).fill(last);
        const sds = yhat.map((_, i) => sigma * Math.sqrt(1 + i * alpha * alpha));
        return normalInterval(yhat, sds, level);
      },
      rollingForecasts(all, origins, horizon) {
        const levels = new Map<number, number>();
        const wanted = new Set(origins);
        filter(all, alpha, (t, l) => {
          if (wanted.has(t)) levels.set(t, l);
        });
        return origins.map((o) => new Array<number>(horizon).fill(levels.get(o) ?? all[0]!));
      },
    };
  },
};
