import { InputError } from '../../core/errors.ts';
import { type BacktestResult, backtest, type Candidate, candidateLabel, chooseOrigins } from './backtest.ts';
import { type ForecastParamsInput, parseForecastParams } from './config.ts';
import { drift } from './drift/index.ts';
import { expSmoothing } from './exp-smoothing/index.ts';
import { holtWinters } from './holt-winters/index.ts';
import { empiricalInterval, MIN_EMPIRICAL_ORIGINS } from './intervals.ts';
import { detectPeriods } from './season.ts';
import { seasonalMean } from './seasonal-mean/index.ts';
import { seasonalNaive } from './seasonal-naive/index.ts';
import { checkSeries } from './stats.ts';
import type { FittedModel, ForecastResult } from './types.ts';

/** Fewest origins' worth of steps a backtest spans, so short horizons are still scored on several days' data. @default 48 */
const MIN_BACKTEST_SPAN = 48;

/** Backtest score of one candidate. */
export interface CandidateScore {
  /** Forecaster name, with `[m]` for the season length it was tried with. */
  label: string;
  period: number;
  /** Backtest MASE (Infinity when it could not forecast). */
  mase: number;
  /** Backtest MAE in the series' unit. */
  mae: number;
  /** Set when the candidate ranked first but could not be refitted on the whole series. */
  note?: string;
}

/** Output of `forecastSeries`: the chosen model, how every candidate scored, and the forecast. */
export interface ForecastSeriesResult {
  /** Label of the chosen model, e.g. `holt-winters-additive-damped[24]`. */
  model: string;
  /** Its season length (1 when not seasonal). */
  period: number;
  /** Its parameters fitted on the whole series. */
  params: Readonly<Record<string, number>>;
  /** Its backtest MASE. */
  mase: number;
  /** Season length of the seasonal-naive MASE scale: the shortest season found, or 1. */
  scalePeriod: number;
  /** Every candidate, best first. */
  candidates: CandidateScore[];
  /** Number of backtest origins. */
  origins: number;
  /** `empirical` from the backtest errors, or `analytic` from the model when there were too few origins. */
  intervals: 'empirical' | 'analytic';
  forecast: ForecastResult;
}

/**
 * The candidates tried for a series: for each season length, seasonal naive, the seasonal mean
 * and Holt-Winters (additive without trend and damped; multiplicative damped when every value is
 * positive); then the non-seasonal naive, exponential smoothing, drift and Holt's damped trend.
 */
export function defaultCandidates(values: readonly number[], periods: readonly number[]): Candidate[] {
  const positive = values.every((v) => v > 0);
  const seasonal = periods.flatMap((period) => [
    { forecaster: seasonalNaive, period },
    { forecaster: seasonalMean, period },
    { forecaster: holtWinters({ trend: 'none' }), period },
    { forecaster: holtWinters({ trend: 'damped' }), period },
    ...(positive ? [{ forecaster: holtWinters({ seasonal: 'multiplicative', trend: 'damped' }), period }] : []),
  ]);
  return [
    ...seasonal,
    { forecaster: seasonalNaive, period: 1 },
    { forecaster: expSmoothing, period: 1 },
    { forecaster: drift, period: 1 },
    { forecaster: holtWinters({ trend: 'damped' }), period: 1 },
  ];
}

const rank = (a: BacktestResult, b: BacktestResult) => a.mase - b.mase || a.mae - b.mae;

interface Scored {
  candidate: Candidate;
  result: BacktestResult;
}

/**
 * Refits the best-ranked candidate on the whole series. The full series can hold what the
 * backtest's training part did not (a drop to zero a multiplicative model cannot follow), so a
 * candidate whose refit fails or forecasts non-finite values gives way to the next one.
 */
function refitBest(scored: readonly Scored[], values: readonly number[], horizon: number, level: number) {
  const passed: Scored[] = [];
  for (const best of scored) {
    let fitted: FittedModel | undefined;
    try {
      fitted = best.candidate.forecaster.fit(values, { period: best.candidate.period });
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
    }
    const analytic = fitted?.forecast(horizon, level);
    if (fitted && analytic && [...analytic.yhat, ...analytic.lower, ...analytic.upper].every(Number.isFinite)) {
      return { best, fitted, analytic, passed };
    }
    passed.push(best);
  }
  throw new InputError('no forecaster could fit this series');
}

/**
 * Forecasts a regular series `horizon` steps ahead, choosing the model by rolling-origin backtest:
 * every candidate forecasts `horizon` steps from up to 48 origins over the end of the series and
 * the lowest MASE wins. The winner is refitted on the whole series; its interval comes from its
 * backtest errors per step when there were enough origins. `candidatesFor` replaces the default
 * candidate list (experiments, tests).
 * @example
 * const r = forecastSeries(hourlyCost, { horizon: 24, intervalMs: 3_600_000 });
 * console.error(r.model, r.mase); // e.g. holt-winters-additive-damped[24] 0.74
 */
export function forecastSeries(
  values: readonly number[],
  input: ForecastParamsInput,
  candidatesFor: (values: readonly number[], periods: readonly number[]) => Candidate[] = defaultCandidates,
): ForecastSeriesResult {
  const params = parseForecastParams(input);
  const { horizon, level } = params;
  checkSeries(values, 1, 'forecast');
  const detected =
    params.period !== undefined
      ? params.period > 1
        ? [params.period]
        : []
      : params.intervalMs !== undefined
        ? detectPeriods(values, params.intervalMs).periods
        : [];
  const scalePeriod = detected[0] ?? 1;

  // Long seasons need the most history; when the backtest cannot fit them, drop the longest and retry.
  let periods = [...detected];
  let candidates: Candidate[] = [];
  let origins: number[] = [];
  for (;;) {
    candidates = candidatesFor(values, periods);
    const minTrain = Math.max(scalePeriod + 2, ...candidates.map((c) => c.forecaster.minPoints(c.period)));
    const span = Math.max(3 * Math.max(1, ...periods), 4 * horizon, MIN_BACKTEST_SPAN);
    origins = chooseOrigins(values.length, horizon, minTrain, span);
    if (origins.length > 0) break;
    if (periods.length === 0) {
      throw new InputError(
        `too few points to forecast ${horizon} steps: a backtest needs at least ${minTrain + horizon} values (got ${values.length})`,
      );
    }
    periods = periods.slice(0, -1);
  }

  const scored = candidates.map((c) => {
    try {
      return { candidate: c, result: backtest(c, values, { horizon, origins, scalePeriod }) };
    } catch (err) {
      // A candidate that cannot fit this series (a multiplicative model meeting a zero) just loses.
      if (!(err instanceof InputError)) throw err;
      const result = {
        label: candidateLabel(c),
        mase: Number.POSITIVE_INFINITY,
        mae: Number.POSITIVE_INFINITY,
        errors: [],
      };
      return { candidate: c, result };
    }
  });
  scored.sort((a, b) => rank(a.result, b.result));
  const { best, fitted, analytic, passed } = refitBest(scored, values, horizon, level);
  // The chosen model leads the list; any that ranked above it but failed the refit follow it, marked.
  const ordered = [best, ...passed, ...scored.filter((s) => s !== best && !passed.includes(s))];
  const empirical = origins.length >= MIN_EMPIRICAL_ORIGINS && best.result.errors.length === horizon;
  return {
    model: best.result.label,
    period: fitted.period,
    params: fitted.params,
    mase: best.result.mase,
    scalePeriod,
    candidates: ordered.map((s) => ({
      label: s.result.label,
      period: s.candidate.period,
      mase: s.result.mase,
      mae: s.result.mae,
      ...(passed.includes(s) ? { note: 'ranked higher but could not be refitted on the whole series' } : {}),
    })),
    origins: origins.length,
    intervals: empirical ? 'empirical' : 'analytic',
    forecast: empirical ? empiricalInterval(analytic.yhat, best.result.errors, level) : analytic,
  };
}
