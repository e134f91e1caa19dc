import 'reflect-metadata';
import { Arg, Authorized, Ctx, Field, Int, Mutation, ObjectType, Resolver } from 'type-graphql';
import { actorRef } from '../../../control/actions/service.ts';
import { InputError, messageOf, NotFoundError } from '../../../core/errors.ts';
import { toJsonEachRow } from '../../../core/warehouse/index.ts';
import { createEnvelope } from '../../../schemas/index.ts';
import { insightData, recommendationData } from '../../../scoring/insights/reconcile.ts';
import type { InsightRow, RecommendationRow } from '../../../scoring/insights/types.ts';
import type { ApiContext } from '../../context.ts';
import { Insight, Recommendation } from '../queries/insight-types.ts';
import { toInsight, toRecommendation } from './event-types.ts';
import { actorOf, principalOf, requireActScope } from './scope.ts';

/** CloudEvents `source` of the events the API publishes. */
const SOURCE = 'aegis/api';

const INSIGHT_COLUMNS =
  'id, version, kind, severity, status, subject, service, team, title, summary, score, evidence, ' +
  'toUnixTimestamp64Milli(started_at) AS started_at, toUnixTimestamp64Milli(opened_at) AS opened_at, ' +
  'toUnixTimestamp64Milli(updated_at) AS updated_at, toUnixTimestamp64Milli(resolved_at) AS resolved_at';
const RECOMMENDATION_COLUMNS =
  'id, version, insight_id, type, status, subject, service, team, title, rationale, impact_usd_month, ' +
  'impact_risk, confidence, held_reason, evidence, toUnixTimestamp64Milli(created_at) AS created_at, ' +
  'toUnixTimestamp64Milli(updated_at) AS updated_at';

@ObjectType({ description: 'What acknowledgeInsight returns.' })
export class AcknowledgeInsightPayload {
  @Field(() => Insight)
  insight!: Insight;
  @Field(() => Int, { description: 'Seq of the audit record of the acknowledgement (of the first one, if repeated).' })
  auditRecordId!: number;
}

@ObjectType({ description: 'What dismissRecommendation returns.' })
export class DismissRecommendationPayload {
  @Field(() => Recommendation)
  recommendation!: Recommendation;
  @Field(() => Int, { description: 'Seq of the audit record of the dismissal.' })
  auditRecordId!: number;
}

/** 64-bit and Float columns may come back as strings (a server) or numbers (chdb): numbers here. */
const numbers = <T extends object>(row: T, keys: (keyof T)[]): T => {
  const out = { ...row } as Record<keyof T, unknown>;
  for (const k of keys) if (out[k] !== null) out[k] = Number(out[k]);
  return out as T;
};

/** The latest version of one row of a ReplacingMergeTree table, or NOT_FOUND. (Another team's is found, and
 *  the act on it then refused: FORBIDDEN for acts.) */
async function latestRow<T extends { team: string }>(
  ctx: ApiContext,
  table: 'insights' | 'recommendations',
  id: string,
): Promise<T> {
  const columns = table === 'insights' ? INSIGHT_COLUMNS : RECOMMENDATION_COLUMNS;
  const [row] = await ctx.services.warehouse.query<T>(
    `SELECT ${columns} FROM ${table} FINAL WHERE id = {id:String} LIMIT 1`,
    { id },
  );
  const what = table === 'insights' ? 'insight' : 'recommendation';
  if (!row) throw new NotFoundError(`no ${what} with id ${id}`);
  return row;
}

/** The audit seq of an earlier triage record, so a repeated acknowledgement answers like the first. */
async function earlierAuditSeq(ctx: ApiContext, subject: string, event: string): Promise<number | undefined> {
  const [row] = await ctx.services.warehouse.query<{ seq: number }>(
    `SELECT seq FROM audit_log WHERE subject = {subject:String} AND JSONExtractString(payload, 'event') = {event:String}
     ORDER BY seq LIMIT 1`,
    { subject, event },
  );
  return row ? Number(row.seq) : undefined;
}

/** Attests a triage decision, writes the row's new version, then tells the EVENTS stream (best effort,
 *  like the scorer: the table is the record). Returns the audit seq. */
async function applyTriage(
  ctx: ApiContext,
  params: {
    table: 'insights' | 'recommendations';
    row: InsightRow | RecommendationRow;
    /** Also the audit record's kind. */
    event: 'insight.acknowledged' | 'recommendation.dismissed';
    subject: string;
    eventType: string;
    data: Record<string, unknown>;
    payload: Record<string, unknown>;
  },
): Promise<number> {
  const { services } = ctx;
  const { row } = params;
  const [record] = await services.controller.audit.append([
    {
      kind: params.event,
      actor: actorRef(actorOf(principalOf(ctx))),
      subject: row.id,
      payload: { event: params.event, version: row.version, team: row.team, service: row.service, ...params.payload },
    },
  ]);
  await services.warehouse.insert(params.table, toJsonEachRow([row]));
  const id = `${row.id}.${row.version}`;
  const envelope = createEnvelope({
    id,
    source: SOURCE,
    type: params.eventType,
    subject: row.subject,
    data: params.data,
  });
  await services.bus
    .publish(params.subject, JSON.stringify(envelope), { msgId: id })
    .catch((err: unknown) => services.logger.warn({ err: messageOf(err), id }, 'triage event not published'));
  return record!.seq;
}

/** Triage: acknowledging insights and dismissing recommendations, each a new row version, attested in the
 *  audit log and published as the scorer publishes its own changes. */
@Resolver()
export class TriageResolver {
  @Authorized('triage')
  @Mutation(() => AcknowledgeInsightPayload, {
    description: 'Acknowledges an open insight (someone is on it); repeating it changes nothing.',
  })
  async acknowledgeInsight(
    @Ctx() ctx: ApiContext,
    @Arg('id', () => String) id: string,
  ): Promise<AcknowledgeInsightPayload> {
    const prev = numbers(await latestRow<InsightRow>(ctx, 'insights', id), [
      'version',
      'score',
      'started_at',
      'opened_at',
      'updated_at',
      'resolved_at',
    ]);
    requireActScope(ctx, prev.team, `insight ${id}`);
    if (prev.status === 'acknowledged') {
      const seq = await earlierAuditSeq(ctx, id, 'insight.acknowledged');
      if (seq !== undefined) return { insight: toInsight(insightData(prev)), auditRecordId: seq };
    }
    if (prev.status === 'resolved') throw new InputError(`insight ${id} is resolved: there is nothing to acknowledge`);
    const row: InsightRow = {
      ...prev,
      version: prev.version + 1,
      status: 'acknowledged',
      updated_at: ctx.services.clock(),
    };
    const auditRecordId = await applyTriage(ctx, {
      table: 'insights',
      row,
      event: 'insight.acknowledged',
      subject: `aegis.insights.${row.severity}`,
      eventType: 'aegis.insight.acknowledged',
      data: insightData(row),
      payload: { severity: row.severity, kind: row.kind },
    });
    return { insight: toInsight(insightData(row)), auditRecordId };
  }

  @Authorized('triage')
  @Mutation(() => DismissRecommendationPayload, {
    description: 'Dismisses an open or held recommendation; the scorer does not reopen it while its insight is open.',
  })
  async dismissRecommendation(
    @Ctx() ctx: ApiContext,
    @Arg('id', () => String) id: string,
    @Arg('reason', () => String) reason: string,
  ): Promise<DismissRecommendationPayload> {
    const prev = numbers(await latestRow<RecommendationRow>(ctx, 'recommendations', id), [
      'version',
      'impact_usd_month',
      'confidence',
      'created_at',
      'updated_at',
    ]);
    requireActScope(ctx, prev.team, `recommendation ${id}`);
    if (prev.status !== 'open' && prev.status !== 'held') {
      throw new InputError(`recommendation ${id} is ${prev.status}: only open or held recommendations are dismissed`);
    }
    const row: RecommendationRow = {
      ...prev,
      version: prev.version + 1,
      status: 'dismissed',
      updated_at: ctx.services.clock(),
    };
    const auditRecordId = await applyTriage(ctx, {
      table: 'recommendations',
      row,
      event: 'recommendation.dismissed',
      subject: `aegis.recommendations.${row.type}`,
      eventType: 'aegis.recommendation.dismissed',
      data: recommendationData(row),
      payload: { type: row.type, reason },
    });
    return { recommendation: toRecommendation(recommendationData(row)), auditRecordId };
  }
}
