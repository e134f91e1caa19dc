export type { TailCalibratorState } from './calibrator.ts';
export {
  type AnomalyDetectorConfig,
  type AnomalyDetectorOptions,
  anomalyDetectorOptionsSchema,
  type ForecasterConfig,
  forecasterOptionsSchema,
  parseAnomalyDetectorOptions,
} from './config.ts';
export { CusumDetector, type CusumOptions, type CusumState } from './cusum.ts';
export {
  type AnomalyDetector,
  type AnomalyDetectorDeps,
  type AnomalyDetectorState,
  createAnomalyDetector,
  ENSEMBLE_VERSION,
  restoreAnomalyDetector,
} from './ensemble.ts';
export {
  type AnomalyModelStore,
  type AnomalyModelStoreParams,
  createAnomalyModelStore,
  fileIOHandler,
} from './model-store.ts';
export {
  NAB_STANDARD,
  type NabFile,
  type NabProfile,
  type NabResult,
  nabProbation,
  parseNabTimestamp,
  scaledSigmoid,
  scoreNab,
} from './nab-scorer.ts';
export {
  probationPointsFor,
  type ScoreSeriesOptions,
  type ScoreSeriesResult,
  type SeriesPoint,
  scoreSeries,
} from './score-series.ts';
export { SeasonalMadDetector, type SeasonalMadOptions, type SeasonalMadState } from './seasonal-mad.ts';
export { TfForecaster, type TfForecasterState } from './tf-forecaster.ts';
export { loadTf, type TfBackendChoice, type TfRuntime } from './tf-runtime.ts';
export type { DetectorKind, PointDetector } from './types.ts';
