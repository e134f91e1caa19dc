/** Point forecasts with a prediction interval, one entry per step ahead (index 0 is one step). */
export interface ForecastResult {
  yhat: number[];
  lower: number[];
  upper: number[];
  /** Coverage the interval aims at, in percent (80 means the 10th to the 90th percentile). */
  level: number;
}

/** What a forecaster needs to know about the series besides its values. */
export interface FitOptions {
  /** Season length in steps; 1 (or less) means no seasonality. */
  period: number;
}

/** What a forecaster can represent; the shared test suite checks only what is claimed. */
export interface ForecasterCapabilities {
  /** Repeats a seasonal pattern of `period` steps. */
  seasonal: boolean;
  /** Extrapolates a trend (damped or not). */
  trend: boolean;
}

/** A model fitted to one series: its parameters and forecasts from the end of that series. */
export interface FittedModel {
  /** Name of the forecaster that fitted it, e.g. `holt-winters-additive-damped`. */
  readonly name: string;
  /** Season length the model uses, in steps (1 when not seasonal). */
  readonly period: number;
  /** Fitted parameters by name (smoothing weights, damping, window), for reports. */
  readonly params: Readonly<Record<string, number>>;
  /** Standard deviation of the in-sample one-step errors, in the series' unit. */
  readonly sigma: number;
  /** Forecasts `horizon` steps after the fitted series, with analytic intervals at `level` percent. */
  forecast(horizon: number, level?: number): ForecastResult;
  /**
   * Point forecasts `horizon` steps ahead from each origin, keeping the fitted parameters: the
   * forecast at origin `o` sees only `values[0..o)`. `values` starts with the series the model was
   * fitted on; rolling-origin backtests use this to move the origin without re-estimating.
   */
  rollingForecasts(values: readonly number[], origins: readonly number[], horizon: number): number[][];
}

/** A forecasting method: fits a model to a series. Every forecaster runs `models/forecaster.case.test.ts`. */
export interface Forecaster {
  /** Stable name, shown in reports and on the CLI. */
  readonly name: string;
  /** What it can represent. */
  readonly capabilities: ForecasterCapabilities;
  /** Fewest points `fit` accepts for a season of `period` steps. */
  minPoints(period: number): number;
  /** Fits a model; throws `InputError` when `values` has fewer than `minPoints(period)` points. */
  fit(values: readonly number[], options: FitOptions): FittedModel;
}
