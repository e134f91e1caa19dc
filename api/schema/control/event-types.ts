import { Field, GraphQLISODateTime, Int, ObjectType } from 'type-graphql';
import type { InsightRow, RecommendationRow } from '../../../scoring/insights/types.ts';
import { rowToInsight, rowToRecommendation } from '../queries/insight-reads.ts';
import { Insight, Recommendation } from '../queries/insight-types.ts';
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

/** An insight row (stored, or as published with its evidence parsed; times as epoch ms under `started_at`…)
 *  as the read side's Insight. */
export function toInsight(r: InsightRow | Row): Insight {
  const row = r as Row;
  return rowToInsight({
    ...row,
    started: row.started_at,
    opened: row.opened_at,
    updated: row.updated_at,
    resolved: row.resolved_at,
  });
}

/** A recommendation row (stored, or as published) as the read side's Recommendation. */
export function toRecommendation(r: RecommendationRow | Row): Recommendation {
  const row = r as Row;
  return rowToRecommendation({ ...row, created: row.created_at, updated: row.updated_at });
}
