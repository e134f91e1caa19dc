/** Forecasts with prediction intervals, model chosen per series by rolling-origin backtest, and time to saturation. */
export {
  type BacktestParams,
  type BacktestResult,
  backtest,
  type Candidate,
  candidateLabel,
  chooseOrigins,
} from './backtest.ts';
export { type ForecastParams, type ForecastParamsInput, forecastParamsSchema, parseForecastParams } from './config.ts';
export { drift } from './drift/index.ts';
export { expSmoothing } from './exp-smoothing/index.ts';
export {
  type CandidateScore,
  defaultCandidates,
  type ForecastSeriesResult,
  forecastSeries,
} from './forecast-series.ts';
export {
  type HoltWintersOptions,
  type HoltWintersOptionsInput,
  type HoltWintersParams,
  holtWinters,
  holtWintersOptionsSchema,
} from './holt-winters/index.ts';
export { empiricalInterval } from './intervals.ts';
export { forecastHitRate, mae, mase, naiveScale } from './metrics.ts';
export {
  type SaturationParams,
  type SaturationResult,
  type SaturationScore,
  saturationParamsSchema,
  scoreSaturation,
  type TimedPoint,
  timeToSaturation,
} from './saturation.ts';
export { calendarPeriods, detectPeriods, type PeriodDetection, seasonalAutocorrelation } from './season.ts';
export { seasonalMean } from './seasonal-mean/index.ts';
export { seasonalNaive } from './seasonal-naive/index.ts';
export { formatTimestamp, parseTimestamp, readSeriesCsv, type SeriesCsv, type TimestampStyle } from './series-csv.ts';
export { DEFAULT_LEVEL, medianIntervalMs } from './stats.ts';
export type { FitOptions, FittedModel, Forecaster, ForecasterCapabilities, ForecastResult } from './types.ts';
