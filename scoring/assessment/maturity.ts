import type { Evidence, EvidenceSource } from '../types.ts';

/** A PRE maturity level. */
export type MaturityLevel = 1 | 2 | 3 | 4 | 5;

/** The names of the maturity levels, in order. */
export const MATURITY_NAMES = {
  1: 'reactive',
  2: 'managed',
  3: 'standardized',
  4: 'predictive',
  5: 'autonomous',
} as const satisfies Record<MaturityLevel, string>;

/** A maturity level's name. */
export type MaturityName = (typeof MATURITY_NAMES)[MaturityLevel];

/** DORA's four keys as measured over the assessment window; any may be null = not measured. */
export interface DoraKeys {
  deployFrequencyPerDay: number | null;
  leadTimeMs: number | null;
  changeFailureRate: number | null;
  mttrMs: number | null;
}

/** Live evidence the assessment is decided from; null (or unset) = no evidence, which never meets a criterion. */
export interface MaturityEvidence {
  /** Share of tier-1 and tier-2 services with at least one SLO, 0–1. */
  sloCoverage: number | null;
  /** Burn-rate rules are evaluated for those SLOs. */
  burnRateAlerting: boolean | null;
  /** Share of resources with an owning team, 0–1. */
  ownershipCoverage?: number | null;
  /** Share of corrective actions carried out automatically, 0–1. */
  automationShare: number | null;
  /** Share of corrective actions automated and not rolled back, 0–1. */
  automatedWithoutRollbackShare: number | null;
  /** Share of forecasts whose actual fell inside the prediction interval, 0–1. */
  forecastHitRate: number | null;
  /** Median time from an approval request to its decision, ms. */
  approvalLatencyP50Ms: number | null;
  /** Anomaly detection runs on the platform's series. */
  anomalyDetection: boolean | null;
  dora: DoraKeys | null;
  /** Rows behind each metric, so a criterion links to its query. @default DEFAULT_MATURITY_SOURCES */
  sources?: Partial<Record<MaturityMetric, EvidenceSource>>;
}

/** A number or flag the criteria read from the evidence. */
export type MaturityMetric =
  | 'sloCoverage'
  | 'burnRateAlerting'
  | 'ownershipCoverage'
  | 'automationShare'
  | 'automatedWithoutRollbackShare'
  | 'forecastHitRate'
  | 'approvalLatencyP50Ms'
  | 'anomalyDetection'
  | keyof DoraKeys;

/** How a metric's value is shown. */
export type MetricUnit = 'share' | 'ms' | 'per-day' | 'flag';

/** One criterion of the table: a metric compared with a threshold. */
export interface MaturityCriterionSpec {
  level: Exclude<MaturityLevel, 1>;
  id: string;
  description: string;
  metric: MaturityMetric;
  /** `>=`: at least; `<=`: at most; `is`: the flag must be true. */
  comparison: '>=' | '<=' | 'is';
  /** For `is`, 1 (true). */
  threshold: number;
  unit: MetricUnit;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** The maturity table. Levels are cumulative: a level needs its own criteria and every lower level's.
 *  Level 1 (reactive) needs nothing. The bounds of DORA keys follow the DORA 2023 clusters
 *  (medium at level 2–3, high at level 4, elite at level 5); the others are AEGIS's judgement:
 *  - managed: you know what matters (SLOs on half the critical services), who owns it, and recover in a week;
 *  - standardized: SLOs on nearly all critical services with burn-rate alerting, and changes that rarely fail;
 *  - predictive: anomalies and forecasts run and hit, half the corrections are automated, recovery in a day;
 *  - autonomous: automation that sticks, approvals in minutes, elite delivery. */
export const MATURITY_CRITERIA: readonly MaturityCriterionSpec[] = [
  {
    level: 2,
    id: 'slo-coverage-50',
    description: 'SLOs on at least half of tier-1/2 services',
    metric: 'sloCoverage',
    comparison: '>=',
    threshold: 0.5,
    unit: 'share',
  },
  {
    level: 2,
    id: 'ownership-80',
    description: 'An owning team on at least 80 % of resources',
    metric: 'ownershipCoverage',
    comparison: '>=',
    threshold: 0.8,
    unit: 'share',
  },
  {
    level: 2,
    id: 'mttr-1w',
    description: 'Mean time to restore within a week (DORA medium)',
    metric: 'mttrMs',
    comparison: '<=',
    threshold: 7 * DAY_MS,
    unit: 'ms',
  },
  {
    level: 3,
    id: 'slo-coverage-90',
    description: 'SLOs on at least 90 % of tier-1/2 services',
    metric: 'sloCoverage',
    comparison: '>=',
    threshold: 0.9,
    unit: 'share',
  },
  {
    level: 3,
    id: 'burn-rate-alerting',
    description: 'Multiwindow burn-rate alerting evaluated on those SLOs',
    metric: 'burnRateAlerting',
    comparison: 'is',
    threshold: 1,
    unit: 'flag',
  },
  {
    level: 3,
    id: 'change-failure-15',
    description: 'Change failure rate at most 15 % (DORA medium)',
    metric: 'changeFailureRate',
    comparison: '<=',
    threshold: 0.15,
    unit: 'share',
  },
  {
    level: 3,
    id: 'deploy-weekly',
    description: 'Deploys at least weekly',
    metric: 'deployFrequencyPerDay',
    comparison: '>=',
    threshold: 1 / 7,
    unit: 'per-day',
  },
  {
    level: 4,
    id: 'anomaly-detection',
    description: 'Anomaly detection running on platform series',
    metric: 'anomalyDetection',
    comparison: 'is',
    threshold: 1,
    unit: 'flag',
  },
  {
    level: 4,
    id: 'forecast-hit-80',
    description: 'At least 80 % of forecasts inside their interval',
    metric: 'forecastHitRate',
    comparison: '>=',
    threshold: 0.8,
    unit: 'share',
  },
  {
    level: 4,
    id: 'automation-50',
    description: 'At least half of corrections automated',
    metric: 'automationShare',
    comparison: '>=',
    threshold: 0.5,
    unit: 'share',
  },
  {
    level: 4,
    id: 'mttr-1d',
    description: 'Mean time to restore within a day (DORA high)',
    metric: 'mttrMs',
    comparison: '<=',
    threshold: DAY_MS,
    unit: 'ms',
  },
  {
    level: 5,
    id: 'automated-kept-80',
    description: 'At least 80 % of corrections automated without rollback',
    metric: 'automatedWithoutRollbackShare',
    comparison: '>=',
    threshold: 0.8,
    unit: 'share',
  },
  {
    level: 5,
    id: 'approval-p50-15m',
    description: 'Median approval latency at most 15 minutes',
    metric: 'approvalLatencyP50Ms',
    comparison: '<=',
    threshold: 15 * 60_000,
    unit: 'ms',
  },
  {
    level: 5,
    id: 'change-failure-5',
    description: 'Change failure rate at most 5 % (DORA elite)',
    metric: 'changeFailureRate',
    comparison: '<=',
    threshold: 0.05,
    unit: 'share',
  },
  {
    level: 5,
    id: 'lead-time-1d',
    description: 'Lead time for changes within a day (DORA elite)',
    metric: 'leadTimeMs',
    comparison: '<=',
    threshold: DAY_MS,
    unit: 'ms',
  },
  {
    level: 5,
    id: 'mttr-1h',
    description: 'Mean time to restore within an hour (DORA elite)',
    metric: 'mttrMs',
    comparison: '<=',
    threshold: HOUR_MS,
    unit: 'ms',
  },
];

/** Where each metric is read from when the evidence does not say. */
export const DEFAULT_MATURITY_SOURCES: Record<MaturityMetric, EvidenceSource> = {
  sloCoverage: { table: 'slo_status', filter: { tier: 'tier-1,tier-2' } },
  burnRateAlerting: { table: 'slo_status', filter: { tier: 'tier-1,tier-2' } },
  ownershipCoverage: { table: 'resources_latest', filter: {} },
  automationShare: { table: 'action_events', filter: { event: 'started' } },
  automatedWithoutRollbackShare: { table: 'action_events', filter: { event: 'started,rolled_back' } },
  forecastHitRate: { table: 'forecasts', filter: {} },
  approvalLatencyP50Ms: { table: 'action_events', filter: { event: 'decided,vote' } },
  anomalyDetection: { table: 'anomalies', filter: {} },
  deployFrequencyPerDay: { table: 'deployments', filter: {} },
  leadTimeMs: { table: 'deployments', filter: {} },
  changeFailureRate: { table: 'deployments', filter: {} },
  mttrMs: { table: 'incidents', filter: {} },
};

/** One criterion judged on the evidence. */
export interface MaturityCriterion {
  level: Exclude<MaturityLevel, 1>;
  id: string;
  description: string;
  /** null = no evidence, which does not meet the criterion. */
  met: boolean | null;
  /** The measured value (flags as 1/0); null without evidence. */
  value: number | null;
  threshold: number;
  comparison: MaturityCriterionSpec['comparison'];
  unit: MetricUnit;
  evidence: Evidence[];
}

/** Where the platform stands and what the next level needs. */
export interface MaturityAssessment {
  level: MaturityLevel;
  name: MaturityName;
  criteria: MaturityCriterion[];
  /** null at level 5. */
  nextLevel: { level: MaturityLevel; name: MaturityName; missing: string[] } | null;
}

/** The value of a metric in the evidence, flags as 1/0; null without evidence. */
export function metricValue(evidence: MaturityEvidence, metric: MaturityMetric): number | null {
  let v: number | boolean | null | undefined;
  switch (metric) {
    case 'deployFrequencyPerDay':
    case 'leadTimeMs':
    case 'changeFailureRate':
    case 'mttrMs':
      v = evidence.dora?.[metric];
      break;
    default:
      v = evidence[metric];
  }
  if (v === null || v === undefined) return null;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return Number.isFinite(v) ? v : null;
}

/** Places the platform on the PRE maturity ladder: the highest level whose criteria, and all lower
 *  levels' criteria, are met. A missing criterion caps the level however much higher levels meet. */
export function assessMaturity(
  evidence: MaturityEvidence,
  criteria: readonly MaturityCriterionSpec[] = MATURITY_CRITERIA,
): MaturityAssessment {
  const judged = criteria.map((spec) => judge(spec, evidence));
  let level: MaturityLevel = 1;
  for (const next of [2, 3, 4, 5] as const) {
    if (!judged.filter((c) => c.level === next).every((c) => c.met === true)) break;
    level = next;
  }
  const nextLevel =
    level === 5
      ? null
      : {
          level: (level + 1) as MaturityLevel,
          name: MATURITY_NAMES[(level + 1) as MaturityLevel],
          missing: judged.filter((c) => c.level <= level + 1 && c.met !== true).map((c) => c.id),
        };
  return { level, name: MATURITY_NAMES[level], criteria: judged, nextLevel };
}

function judge(spec: MaturityCriterionSpec, evidence: MaturityEvidence): MaturityCriterion {
  const value = metricValue(evidence, spec.metric);
  let met: boolean | null = null;
  if (value !== null) {
    met =
      spec.comparison === '>='
        ? value >= spec.threshold
        : spec.comparison === '<='
          ? value <= spec.threshold
          : value === 1;
  }
  const source = evidence.sources?.[spec.metric] ?? DEFAULT_MATURITY_SOURCES[spec.metric];
  const verdict = met === null ? 'no evidence' : met ? 'met' : 'missed';
  const item: Evidence = {
    kind: 'maturity-metric',
    subject: spec.metric,
    description: `${spec.description}: ${verdict}`,
    threshold: spec.threshold,
    source,
  };
  if (value !== null) item.value = value;
  return {
    level: spec.level,
    id: spec.id,
    description: spec.description,
    met,
    value,
    threshold: spec.threshold,
    comparison: spec.comparison,
    unit: spec.unit,
    evidence: [item],
  };
}
