/** The PRE maturity assessment: placement on the five-level ladder from live evidence, and the
 *  `aegis assess` rendering of it with the scores. */
export {
  assessMaturity,
  DEFAULT_MATURITY_SOURCES,
  type DoraKeys,
  MATURITY_CRITERIA,
  MATURITY_NAMES,
  type MaturityAssessment,
  type MaturityCriterion,
  type MaturityCriterionSpec,
  type MaturityEvidence,
  type MaturityLevel,
  type MaturityMetric,
  type MaturityName,
  type MetricUnit,
  metricValue,
} from './maturity.ts';
export { type AssessmentFormat, formatMetric, renderAssessment, stableStringify } from './render.ts';
