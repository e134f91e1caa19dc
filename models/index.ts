/** Models: forecasts (`forecast/`) and anomaly detectors (`anomaly/`), each behind its own index. */
export * from './anomaly/index.ts';
export * from './forecast/index.ts';
