import type { Bus } from '../../core/bus/index.ts';
import { toJsonEachRow, type Warehouse } from '../../core/warehouse/index.ts';
import { createEnvelope } from '../../schemas/index.ts';
import type { InsightEvent, ReconcileResult } from './reconcile.ts';
import type { InsightRow, RecommendationRow } from './types.ts';

const INSIGHT_COLUMNS =
  'id, version, kind, severity, status, subject, service, team, title, summary, score, evidence, ' +
  'toUnixTimestamp64Milli(started_at) AS started_at, toUnixTimestamp64Milli(opened_at) AS opened_at, toUnixTimestamp64Milli(updated_at) AS updated_at, ' +
  'toUnixTimestamp64Milli(resolved_at) AS resolved_at';
const RECOMMENDATION_COLUMNS =
  'id, version, insight_id, type, status, subject, service, team, title, rationale, impact_usd_month, ' +
  'impact_risk, confidence, held_reason, evidence, toUnixTimestamp64Milli(created_at) AS created_at, ' +
  'toUnixTimestamp64Milli(updated_at) AS updated_at';

/** Latest version of every insight not resolved, and of every recommendation of those. */
export async function readOpenInsights(
  wh: Warehouse,
): Promise<{ insights: InsightRow[]; recommendations: RecommendationRow[] }> {
  const insights = (
    await wh.query<InsightRow>(`SELECT ${INSIGHT_COLUMNS} FROM insights FINAL WHERE status != 'resolved'`)
  ).map(fixInsight);
  const ids = insights.map((i) => i.id);
  const recommendations =
    ids.length === 0
      ? []
      : (
          await wh.query<RecommendationRow>(
            `SELECT ${RECOMMENDATION_COLUMNS} FROM recommendations FINAL WHERE insight_id IN {ids:Array(String)}`,
            { ids },
          )
        ).map(fixRecommendation);
  return { insights, recommendations };
}

const fixInsight = (r: InsightRow): InsightRow => ({
  ...r,
  version: Number(r.version),
  score: Number(r.score),
  started_at: Number(r.started_at),
  opened_at: Number(r.opened_at),
  updated_at: Number(r.updated_at),
  resolved_at: r.resolved_at === null ? null : Number(r.resolved_at),
});
const fixRecommendation = (r: RecommendationRow): RecommendationRow => ({
  ...r,
  version: Number(r.version),
  impact_usd_month: Number(r.impact_usd_month),
  confidence: Number(r.confidence),
  created_at: Number(r.created_at),
  updated_at: Number(r.updated_at),
});

/** Appends the reconciled rows, then publishes their events. Rows first: an agent told of an
 *  insight can always read it. Event ids are stable, so a retried pass publishes nothing twice. */
export async function saveAndPublish(
  wh: Warehouse,
  bus: Bus | undefined,
  result: ReconcileResult,
  source: string,
): Promise<{ published: number }> {
  if (result.insights.length > 0) await wh.insert('insights', toJsonEachRow(result.insights));
  if (result.recommendations.length > 0) await wh.insert('recommendations', toJsonEachRow(result.recommendations));
  if (!bus) return { published: 0 };
  let published = 0;
  for (const e of result.events) {
    await bus.publish(e.subject, envelopeOf(e, source), { msgId: e.id });
    published++;
  }
  return { published };
}

function envelopeOf(e: InsightEvent, source: string): string {
  return JSON.stringify(
    createEnvelope({ id: e.id, source, type: e.type, subject: String(e.data.subject ?? ''), data: e.data }),
  );
}
