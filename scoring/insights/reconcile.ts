import { createHash } from 'node:crypto';
import type { Finding, InsightRow, RecommendationDraft, RecommendationRow, RecommendationStatus } from './types.ts';

/** An event to publish on the EVENTS stream: CloudEvents `type`, NATS subject, stable id. */
export interface InsightEvent {
  subject: string;
  id: string;
  type: string;
  data: Record<string, unknown>;
}

/** What a pass knows when it reconciles its findings. */
export interface ReconcileInput {
  nowMs: number;
  findings: readonly Finding[];
  /** Latest rows of insights not yet resolved. */
  openInsights: readonly InsightRow[];
  /** Latest rows of the recommendations of those insights, whatever their status. */
  recommendations: readonly RecommendationRow[];
  /** Services on which a cost change must wait, with the reason (a fast burn-rate alert firing). */
  holds: ReadonlyMap<string, string>;
}

/** Rows to append and events to publish. */
export interface ReconcileResult {
  insights: InsightRow[];
  recommendations: RecommendationRow[];
  events: InsightEvent[];
}

const shortHash = (...parts: (string | number)[]) =>
  createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 16);
const keyOf = (kind: string, subject: string) => `${kind}\u0000${subject}`;
/** Scores move a little every pass; only a move this large is news. */
const SCORE_STEP = 0.1;

/** Turns a pass's findings into insight and recommendation rows: one open insight per (kind,
 *  subject), updated when it changes materially and resolved when its condition is gone, so a
 *  condition that persists never produces a storm of duplicates. Pure. */
export function reconcile(input: ReconcileInput): ReconcileResult {
  const now = input.nowMs;
  const out: ReconcileResult = { insights: [], recommendations: [], events: [] };
  const open = new Map(input.openInsights.map((i) => [keyOf(i.kind, i.subject), i]));
  const recsByInsight = new Map<string, RecommendationRow[]>();
  for (const r of input.recommendations)
    recsByInsight.set(r.insight_id, [...(recsByInsight.get(r.insight_id) ?? []), r]);
  const seen = new Set<string>();

  for (const f of input.findings) {
    const key = keyOf(f.kind, f.subject);
    if (seen.has(key)) continue;
    seen.add(key);
    const prev = open.get(key);
    const evidence = JSON.stringify(f.evidence);
    let row: InsightRow;
    if (!prev) {
      row = {
        id: `ins-${shortHash(f.kind, f.subject, now)}`,
        version: 1,
        kind: f.kind,
        severity: f.severity,
        status: 'open',
        subject: f.subject,
        service: f.service,
        team: f.team,
        title: f.title,
        summary: f.summary,
        score: f.score,
        evidence,
        started_at: Math.min(f.startedMs ?? now, now),
        opened_at: now,
        updated_at: now,
        resolved_at: null,
      };
      out.insights.push(row);
      out.events.push(insightEvent(row, 'opened'));
    } else if (changed(prev, f)) {
      row = {
        ...prev,
        version: prev.version + 1,
        severity: f.severity,
        title: f.title,
        summary: f.summary,
        score: f.score,
        evidence,
        updated_at: now,
      };
      out.insights.push(row);
      out.events.push(insightEvent(row, 'updated'));
    } else {
      row = prev;
    }
    reconcileRecommendations(row, f, recsByInsight.get(row.id) ?? [], input.holds, now, out);
  }

  for (const [key, prev] of open) {
    if (seen.has(key)) continue;
    const row: InsightRow = {
      ...prev,
      version: prev.version + 1,
      status: 'resolved',
      updated_at: now,
      resolved_at: now,
    };
    out.insights.push(row);
    out.events.push(insightEvent(row, 'resolved'));
    for (const r of recsByInsight.get(prev.id) ?? []) {
      if (r.status !== 'open' && r.status !== 'held') continue;
      const rec: RecommendationRow = { ...r, version: r.version + 1, status: 'superseded', updated_at: now };
      out.recommendations.push(rec);
      out.events.push(recommendationEvent(rec, 'superseded'));
    }
  }
  return out;
}

function changed(prev: InsightRow, f: Finding): boolean {
  return (
    prev.severity !== f.severity ||
    prev.title !== f.title ||
    prev.summary !== f.summary ||
    Math.abs(prev.score - f.score) >= SCORE_STEP
  );
}

function reconcileRecommendations(
  insight: InsightRow,
  f: Finding,
  existing: RecommendationRow[],
  holds: ReadonlyMap<string, string>,
  now: number,
  out: ReconcileResult,
): void {
  for (const d of f.recommendations) {
    const prev = existing.find((r) => r.type === d.type && r.subject === d.subject);
    // An analyst's dismissal or acceptance stands for as long as the insight is open.
    if (prev && prev.status !== 'open' && prev.status !== 'held') continue;
    const heldReason = d.finops ? (holds.get(f.service) ?? '') : '';
    const status: RecommendationStatus = heldReason ? 'held' : 'open';
    if (prev && prev.status === status && prev.held_reason === heldReason && !draftChanged(prev, d)) continue;
    const rec: RecommendationRow = {
      id: prev?.id ?? `rec-${shortHash(insight.id, d.type, d.subject)}`,
      version: (prev?.version ?? 0) + 1,
      insight_id: insight.id,
      type: d.type,
      status,
      subject: d.subject,
      service: f.service,
      team: f.team,
      title: d.title,
      rationale: d.rationale,
      impact_usd_month: round2(d.impactUsdMonth),
      impact_risk: d.impactRisk,
      confidence: d.confidence,
      held_reason: heldReason,
      evidence: JSON.stringify(d.evidence),
      created_at: prev?.created_at ?? now,
      updated_at: now,
    };
    out.recommendations.push(rec);
    out.events.push(recommendationEvent(rec, prev ? 'updated' : 'created'));
  }
}

const round2 = (x: number) => Math.round(x * 100) / 100;

function draftChanged(prev: RecommendationRow, d: RecommendationDraft): boolean {
  // Savings drift with every hour of data; a 10 % move is worth telling an agent about.
  const a = Math.abs(prev.impact_usd_month);
  return prev.title !== d.title || Math.abs(round2(d.impactUsdMonth) - prev.impact_usd_month) > Math.max(1, a * 0.1);
}

/** The public shape of an insight: the stored row with its evidence as JSON, not text. */
export function insightData(row: InsightRow): Record<string, unknown> {
  return { ...row, evidence: JSON.parse(row.evidence) };
}

/** The public shape of a recommendation. */
export function recommendationData(row: RecommendationRow): Record<string, unknown> {
  return { ...row, evidence: JSON.parse(row.evidence) };
}

function insightEvent(row: InsightRow, change: 'opened' | 'updated' | 'resolved'): InsightEvent {
  return {
    subject: `aegis.insights.${row.severity}`,
    id: `${row.id}.${row.version}`,
    type: `aegis.insight.${change}`,
    data: insightData(row),
  };
}

function recommendationEvent(row: RecommendationRow, change: 'created' | 'updated' | 'superseded'): InsightEvent {
  return {
    subject: `aegis.recommendations.${row.type}`,
    id: `${row.id}.${row.version}`,
    type: `aegis.recommendation.${change}`,
    data: recommendationData(row),
  };
}
