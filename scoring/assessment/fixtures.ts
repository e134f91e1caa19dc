/** Crafted maturity evidence shared by the assessment tests. Test data only; not exported from `index.ts`. */
import type { MaturityEvidence } from './maturity.ts';

/** One hour, ms. */
export const HOUR_MS = 3_600_000;
/** One day, ms. */
export const DAY_MS = 24 * HOUR_MS;

/** No evidence of anything. */
export const NOTHING: MaturityEvidence = {
  sloCoverage: null,
  burnRateAlerting: null,
  ownershipCoverage: null,
  automationShare: null,
  automatedWithoutRollbackShare: null,
  forecastHitRate: null,
  approvalLatencyP50Ms: null,
  anomalyDetection: null,
  dora: null,
};

/** Meets every level-2 and level-3 criterion exactly on its bound, and no level-4 one:
 *  no anomaly detection, forecasts hit 60 % (< 80 %), 30 % automated (< 50 %), MTTR 2 d (> 1 d). */
export const LEVEL_3: MaturityEvidence = {
  sloCoverage: 0.9,
  burnRateAlerting: true,
  ownershipCoverage: 0.8,
  automationShare: 0.3,
  automatedWithoutRollbackShare: 0.25,
  forecastHitRate: 0.6,
  approvalLatencyP50Ms: 4 * HOUR_MS,
  anomalyDetection: false,
  dora: { deployFrequencyPerDay: 1 / 7, leadTimeMs: 3 * DAY_MS, changeFailureRate: 0.15, mttrMs: 2 * DAY_MS },
};

/** Everything at elite. */
export const EVERYTHING: MaturityEvidence = {
  sloCoverage: 1,
  burnRateAlerting: true,
  ownershipCoverage: 1,
  automationShare: 0.95,
  automatedWithoutRollbackShare: 0.9,
  forecastHitRate: 0.9,
  approvalLatencyP50Ms: 5 * 60_000,
  anomalyDetection: true,
  dora: { deployFrequencyPerDay: 10, leadTimeMs: HOUR_MS, changeFailureRate: 0.02, mttrMs: 30 * 60_000 },
};
