import { Field, GraphQLISODateTime, Int, ObjectType } from 'type-graphql';
import type { InsightRow, RecommendationRow } from '../../../scoring/insights/types.ts';
import type { Evidence as ScoringEvidence } from '../../../scoring/types.ts';
import { Insight, Recommendation } from '../queries/insight-types.ts';
import { toEvidence } from '../queries/score-types.ts';
import { Action, AuditLogRecord } from './types.ts';

@ObjectType({ description: 'A recommendation event from the EVENTS stream.' })
export class RecommendationEvent {
  @Field(() => String, { description: 'Opaque; pass it as `after` to resume right after this event.' })
  cursor!: string;
  @Field(() => String, { description: 'CloudEvents type: `aegis.recommendation.created`.' })
  eventType!: string;
  @Field(() => GraphQLISODateTime)
  time!: Date;
  @Field(() => Recommendation, { description: 'The recommendation as of this event.' })
  recommendation!: Recommendation;
}

@ObjectType({ description: 'An insight event from the EVENTS stream.' })
export class InsightEvent {
  @Field(() => String, { description: 'Opaque; pass it as `after` to resume right after this event.' })
  cursor!: string;
  @Field(() => String, { description: 'CloudEvents type: `aegis.insight.opened`.' })
  eventType!: string;
  @Field(() => GraphQLISODateTime)
  time!: Date;
  @Field(() => Insight, { description: 'The insight as of this event.' })
  insight!: Insight;
}

@ObjectType({ description: 'One event of an action (`aegis.actions.<state>`).' })
export class ActionUpdate {
  @Field(() => String, { description: 'Opaque; pass it as `after` to resume right after this event.' })
  cursor!: string;
  @Field(() => String)
  actionId!: string;
  @Field(() => Int, { description: "The event's seq within the action." })
  seq!: number;
  @Field(() => String)
  event!: string;
  @Field(() => String, { description: 'State after the event.' })
  state!: string;
  @Field(() => String)
  type!: string;
  @Field(() => String)
  service!: string;
  @Field(() => String)
  team!: string;
  @Field(() => Int)
  auditSeq!: number;
  @Field(() => GraphQLISODateTime)
  at!: Date;
  /** Resolved on demand (a read of the action's events). */
  @Field(() => Action, { description: 'The action now (read when asked: it may be newer than this event).' })
  action!: Action;
}

@ObjectType({ description: 'A record appended to the audit log.' })
export class AuditAppended {
  @Field(() => String, { description: 'Opaque; pass it as `after` to resume right after this event.' })
  cursor!: string;
  @Field(() => AuditLogRecord)
  record!: AuditLogRecord;
}

type Row = Record<string, unknown>;
const evidence = (v: unknown) =>
  (Array.isArray(v) ? v : typeof v === 'string' ? (JSON.parse(v) as unknown[]) : []).map((e) =>
    toEvidence(e as Partial<ScoringEvidence>),
  );
const date = (v: unknown) => new Date(Number(v));

/** An insight row (stored, or as published with its evidence parsed) as the read side's Insight. */
export function toInsight(r: InsightRow | Row): Insight {
  const row = r as Row;
  return {
    id: String(row.id),
    kind: row.kind as Insight['kind'],
    severity: row.severity as Insight['severity'],
    status: row.status as Insight['status'],
    subject: String(row.subject),
    service: String(row.service),
    team: String(row.team),
    title: String(row.title),
    summary: String(row.summary),
    score: Number(row.score),
    evidence: evidence(row.evidence),
    startedAt: date(row.started_at),
    openedAt: date(row.opened_at),
    updatedAt: date(row.updated_at),
    resolvedAt: row.resolved_at === null || row.resolved_at === undefined ? null : date(row.resolved_at),
  };
}

/** A recommendation row (stored, or as published) as the read side's Recommendation. */
export function toRecommendation(r: RecommendationRow | Row): Recommendation {
  const row = r as Row;
  return {
    id: String(row.id),
    insightId: String(row.insight_id),
    type: row.type as Recommendation['type'],
    status: row.status as Recommendation['status'],
    subject: String(row.subject),
    service: String(row.service),
    team: String(row.team),
    title: String(row.title),
    rationale: String(row.rationale),
    impactUsdMonth: Number(row.impact_usd_month),
    impactRisk: String(row.impact_risk),
    confidence: Number(row.confidence),
    heldReason: String(row.held_reason ?? ''),
    evidence: evidence(row.evidence),
    createdAt: date(row.created_at),
    updatedAt: date(row.updated_at),
  };
}
