import { InputError } from '../../../core/errors.ts';
import type { Warehouse } from '../../../core/warehouse/index.ts';
import type { Evidence as ScoringEvidence } from '../../../scoring/types.ts';
import { decodeCursor, toConnection } from '../connection.ts';
import { dateOf, parseJson } from './common.ts';
import type { Insight, Recommendation } from './insight-types.ts';
import { toEvidence } from './score-types.ts';

const INSIGHT_COLUMNS = `id, kind, severity, status, subject, service, team, title, summary, score, evidence,
  toUnixTimestamp64Milli(started_at) AS started, toUnixTimestamp64Milli(opened_at) AS opened,
  toUnixTimestamp64Milli(updated_at) AS updated, toUnixTimestamp64Milli(resolved_at) AS resolved`;
const RECOMMENDATION_COLUMNS = `id, insight_id, type, status, subject, service, team, title, rationale,
  impact_usd_month, impact_risk, confidence, held_reason, evidence,
  toUnixTimestamp64Milli(created_at) AS created, toUnixTimestamp64Milli(updated_at) AS updated`;

/** Conditions (bound through `params`) that select rows; always ANDed. */
export interface RowFilter {
  where: string[];
  params: Record<string, unknown>;
}

type Row = Record<string, unknown>;
/** Evidence as stored (JSON text) or as published (parsed). */
const evidenceOf = (v: unknown) =>
  (Array.isArray(v)
    ? (v as Partial<ScoringEvidence>[])
    : parseJson<Partial<ScoringEvidence>[]>(String(v ?? '[]'), [])
  ).map(toEvidence);

/** A row of INSIGHT_COLUMNS (times as epoch ms under `started`…) as the read side's Insight. */
export function rowToInsight(r: Row): Insight {
  return {
    id: String(r.id),
    kind: r.kind as Insight['kind'],
    severity: r.severity as Insight['severity'],
    status: r.status as Insight['status'],
    subject: String(r.subject),
    service: String(r.service),
    team: String(r.team),
    title: String(r.title),
    summary: String(r.summary),
    score: Number(r.score),
    evidence: evidenceOf(r.evidence),
    startedAt: new Date(Number(r.started)),
    openedAt: new Date(Number(r.opened)),
    updatedAt: new Date(Number(r.updated)),
    resolvedAt: dateOf(r.resolved as number | null),
  };
}

/** A row of RECOMMENDATION_COLUMNS (times as epoch ms under `created`, `updated`) as the read side's
 *  Recommendation. */
export function rowToRecommendation(r: Row): Recommendation {
  return {
    id: String(r.id),
    insightId: String(r.insight_id),
    type: r.type as Recommendation['type'],
    status: r.status as Recommendation['status'],
    subject: String(r.subject),
    service: String(r.service),
    team: String(r.team),
    title: String(r.title),
    rationale: String(r.rationale),
    impactUsdMonth: Number(r.impact_usd_month),
    impactRisk: String(r.impact_risk),
    confidence: Number(r.confidence),
    heldReason: String(r.held_reason ?? ''),
    evidence: evidenceOf(r.evidence),
    createdAt: new Date(Number(r.created)),
    updatedAt: new Date(Number(r.updated)),
  };
}

/** A keyset cursor over (time desc, id desc). */
function cursorOf(after: string | null | undefined): { atMs: number; id: string } | undefined {
  const key = decodeCursor(after, 2);
  if (!key) return undefined;
  const [atMs, id] = key;
  if (typeof atMs !== 'number' || typeof id !== 'string') {
    throw new InputError('after is not a cursor of this list', { location: 'after' });
  }
  return { atMs, id };
}

const and = (where: readonly string[]) => (where.length > 0 ? `WHERE ${where.join(' AND ')}` : '');

/** One page of insights (latest versions), newest opened first. */
export async function readInsightPage(wh: Warehouse, f: RowFilter, first: number, after?: string | null) {
  const where = [...f.where];
  const params: Record<string, unknown> = { ...f.params, limit: first + 1 };
  const cursor = cursorOf(after);
  if (cursor) {
    where.push(`(opened_at, id) < ({afterAt:DateTime64(3, 'UTC')}, {afterId:String})`);
    Object.assign(params, { afterAt: cursor.atMs, afterId: cursor.id });
  }
  const rows = await wh.query<Row>(
    `SELECT ${INSIGHT_COLUMNS} FROM insights FINAL ${and(where)} ORDER BY opened_at DESC, id DESC LIMIT {limit:UInt32}`,
    params,
  );
  return toConnection(
    rows.map(rowToInsight),
    first,
    (i) => [i.openedAt.getTime(), i.id],
    (i) => i,
  );
}

/** Insights by id (latest versions), within `f`. */
export async function readInsightsByIds(wh: Warehouse, ids: readonly string[], f: RowFilter): Promise<Insight[]> {
  const rows = await wh.query<Row>(
    `SELECT ${INSIGHT_COLUMNS} FROM insights FINAL ${and(['id IN {ids:Array(String)}', ...f.where])}`,
    { ...f.params, ids },
  );
  return rows.map(rowToInsight);
}

/** One page of recommendations (latest versions), newest first. */
export async function readRecommendationPage(wh: Warehouse, f: RowFilter, first: number, after?: string | null) {
  const where = [...f.where];
  const params: Record<string, unknown> = { ...f.params, limit: first + 1 };
  const cursor = cursorOf(after);
  if (cursor) {
    where.push(`(created_at, id) < ({afterAt:DateTime64(3, 'UTC')}, {afterId:String})`);
    Object.assign(params, { afterAt: cursor.atMs, afterId: cursor.id });
  }
  const rows = await wh.query<Row>(
    `SELECT ${RECOMMENDATION_COLUMNS} FROM recommendations FINAL ${and(where)}
     ORDER BY created_at DESC, id DESC LIMIT {limit:UInt32}`,
    params,
  );
  return toConnection(
    rows.map(rowToRecommendation),
    first,
    (r) => [r.createdAt.getTime(), r.id],
    (r) => r,
  );
}

/** Recommendations (latest versions) whose `column` (`id` or `insight_id`) is one of `keys`, within `f`. */
export async function readRecommendationsBy(
  wh: Warehouse,
  column: 'id' | 'insight_id',
  keys: readonly string[],
  f: RowFilter,
): Promise<Recommendation[]> {
  const rows = await wh.query<Row>(
    `SELECT ${RECOMMENDATION_COLUMNS} FROM recommendations FINAL
     ${and([`${column} IN {keys:Array(String)}`, ...f.where])} ORDER BY created_at, id`,
    { ...f.params, keys },
  );
  return rows.map(rowToRecommendation);
}
