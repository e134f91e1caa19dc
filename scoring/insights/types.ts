import type { Evidence } from '../types.ts';

/** Kinds of insight a scoring pass can raise. */
export const insightKinds = [
  'slo_burn',
  'anomaly_cluster',
  'cost_anomaly',
  'budget_overrun',
  'idle_resource',
  'oversized_resource',
  'shadow_resource',
  'untagged_resource',
  'risky_access',
  'unused_access',
  'saturation_forecast',
] as const;
/** One of {@link insightKinds}. */
export type InsightKind = (typeof insightKinds)[number];

/** Severity, also the last token of the insight's NATS subject. */
export type Severity = 'info' | 'warning' | 'critical';

/** Lifecycle of an insight: acknowledged by an analyst, resolved when its condition clears. */
export type InsightStatus = 'open' | 'acknowledged' | 'resolved';

/** Types of recommended action, also the last token of the recommendation's NATS subject. */
export const recommendationTypes = [
  'rightsize',
  'stop_idle',
  'scale_up',
  'rollback_change',
  'revoke_access',
  'enforce_mfa',
] as const;
/** One of {@link recommendationTypes}. */
export type RecommendationType = (typeof recommendationTypes)[number];

/** Lifecycle of a recommendation: `held` while acting would add risk, `dismissed` by an analyst,
 *  `superseded` once its insight resolved. */
export type RecommendationStatus = 'open' | 'held' | 'dismissed' | 'accepted' | 'superseded';

/** A recommendation a finding proposes. */
export interface RecommendationDraft {
  type: RecommendationType;
  /** What to act on: a resource id, a principal, a service. */
  subject: string;
  title: string;
  rationale: string;
  /** Expected saving (positive) or cost (negative), USD per month. */
  impactUsdMonth: number;
  /** Expected effect on risk or error budget, in words. */
  impactRisk: string;
  /** 0–1. */
  confidence: number;
  /** A cost change: held back while the service's fast burn-rate alert fires. */
  finops: boolean;
  evidence: Evidence[];
}

/** A condition one scoring pass found; reconciled against open insights into rows and events. */
export interface Finding {
  kind: InsightKind;
  /** What the insight is about; with `kind`, the key that keeps one open insight per condition. */
  subject: string;
  service: string;
  team: string;
  severity: Severity;
  title: string;
  summary: string;
  /** Strength of the finding, 0–1 (anomaly score, burn over threshold, confidence). */
  score: number;
  /** When the condition began, epoch ms, when known (first anomalous point); else the pass time. */
  startedMs?: number;
  evidence: Evidence[];
  recommendations: RecommendationDraft[];
}

/** An insight as stored (latest version). */
export interface InsightRow {
  id: string;
  version: number;
  kind: InsightKind;
  severity: Severity;
  status: InsightStatus;
  subject: string;
  service: string;
  team: string;
  title: string;
  summary: string;
  score: number;
  evidence: string;
  started_at: number;
  opened_at: number;
  updated_at: number;
  resolved_at: number | null;
}

/** A recommendation as stored (latest version). */
export interface RecommendationRow {
  id: string;
  version: number;
  insight_id: string;
  type: RecommendationType;
  status: RecommendationStatus;
  subject: string;
  service: string;
  team: string;
  title: string;
  rationale: string;
  impact_usd_month: number;
  impact_risk: string;
  confidence: number;
  held_reason: string;
  evidence: string;
  created_at: number;
  updated_at: number;
}
