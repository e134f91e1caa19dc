import { InputError } from '../../core/errors.ts';
import type { FittedModel, Forecaster } from './types.ts';

/** Most forecast origins a backtest uses; more only cost time once the error quantiles are stable. @default 48 */
export const MAX_ORIGINS = 48;

/** A forecaster with the season length it is tried with. */
export interface Candidate {
  forecaster: Forecaster;
  period: number;
}

/** Label of a candidate in reports: the forecaster's name, with its season length when it has one. */
export function candidateLabel(c: Candidate): string {
  return c.forecaster.capabilities.seasonal && c.period > 1 ? `${c.forecaster.name}[${c.period}]` : c.forecaster.name;
}

/** Input of `backtest`. */
export interface BacktestParams {
  /** Steps ahead scored from each origin. */
  horizon: number;
  /** Origins in ascending order: the forecast at origin o sees `values[0..o)` and is scored on the next `horizon` values. */
  origins: readonly number[];
  /** Season length of the seasonal-naive MASE scale (1 = naive). */
  scalePeriod: number;
}

/** How a candidate did over every origin. */
export interface BacktestResult {
  label: string;
  /** Mean over origins of each origin's MASE (its MAE over the horizon over the in-sample seasonal-naive MAE up to it). */
  mase: number;
  /** Mean absolute error over every origin and step, in the series' unit: breaks ties when MASE cannot (a flat or exactly repeating history). */
  mae: number;
  /** `errors[k][j]`: actual minus forecast k + 1 steps after origin j. */
  errors: number[][];
}

/**
 * Rolling-origin backtest without re-estimation: parameters are fitted once on the values before
 * the first origin, then the model is run forward and forecasts from every origin. Honest (no
 * origin sees its own future, nor do the parameters) and one fit per candidate instead of one per
 * origin, which keeps many origins cheap.
 */
export function backtest(candidate: Candidate, values: readonly number[], params: BacktestParams): BacktestResult {
  const { horizon, origins, scalePeriod } = params;
  const first = origins[0];
  if (first === undefined || origins.at(-1)! + horizon > values.length) {
    throw new InputError(`backtest origins must leave ${horizon} values after the last origin`);
  }
  const fitted: FittedModel = candidate.forecaster.fit(values.slice(0, first), { period: candidate.period });
  const paths = fitted.rollingForecasts(values, origins, horizon);
  const lag = Math.max(1, Math.floor(scalePeriod));
  // cum[t]: Σ |y_u − y_{u−lag}| for lag ≤ u < t, so each origin's scale costs O(1).
  const cum = new Float64Array(values.length + 1);
  for (let t = 1; t <= values.length; t++) {
    const u = t - 1;
    cum[t] = cum[t - 1]! + (u >= lag ? Math.abs(values[u]! - values[u - lag]!) : 0);
  }
  const errors = Array.from({ length: horizon }, () => new Array<number>(origins.length));
  let total = 0;
  let absTotal = 0;
  origins.forEach((o, j) => {
    let abs = 0;
    for (let k = 0; k < horizon; k++) {
      const e = values[o + k]! - paths[j]![k]!;
      errors[k]![j] = e;
      abs += Math.abs(e);
    }
    absTotal += abs;
    const scale = o > lag ? cum[o]! / (o - lag) : Number.NaN;
    total += abs / horizon / scale;
  });
  const mase = total / origins.length;
  // A forecast that failed (NaN) or a flat history (zero scale) ranks last instead of poisoning the choice.
  const mae = absTotal / (horizon * origins.length);
  return {
    label: candidateLabel(candidate),
    mase: Number.isFinite(mase) ? mase : Number.POSITIVE_INFINITY,
    mae: Number.isFinite(mae) ? mae : Number.POSITIVE_INFINITY,
    errors,
  };
}

/**
 * Origins for a backtest of `horizon` steps over `points` values: up to `MAX_ORIGINS`, evenly spread
 * over the last `span` possible origins, none before `minTrain`. Empty when even one does not fit.
 */
export function chooseOrigins(points: number, horizon: number, minTrain: number, span: number): number[] {
  const last = points - horizon;
  const first = Math.max(minTrain, last - span);
  if (first > last) return [];
  const count = Math.min(MAX_ORIGINS, last - first + 1);
  if (count === 1) return [last];
  const step = (last - first) / (count - 1);
  return [...new Set(Array.from({ length: count }, (_, i) => Math.round(first + i * step)))];
}
