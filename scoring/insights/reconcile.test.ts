import { describe, expect, it } from 'vitest';
import { reconcile } from './reconcile.ts';
import type { Finding, InsightRow, RecommendationRow } from './types.ts';

const idle = (overrides: Partial<Finding> = {}): Finding => ({
  kind: 'idle_resource',
  subject: 'arn:aws:ec2:eu-west-1:1:instance/i-1',
  service: 'payments-api',
  team: 'payments',
  severity: 'warning',
  title: 'i-1 is idle',
  summary: 'CPU 1 %, memory 2 % over 7 days',
  score: 0.9,
  evidence: [],
  recommendations: [
    {
      type: 'stop_idle',
      subject: 'arn:aws:ec2:eu-west-1:1:instance/i-1',
      title: 'Stop i-1',
      rationale: 'idle for 7 days',
      impactUsdMonth: 70.08,
      impactRisk: 'none: no traffic',
      confidence: 0.9,
      finops: true,
      evidence: [],
    },
  ],
  ...overrides,
});

/** Runs passes in sequence, feeding each the latest rows the previous ones wrote. */
function passes(findingsPerPass: Finding[][], holds: Map<string, string>[] = []) {
  const insights = new Map<string, InsightRow>();
  const recs = new Map<string, RecommendationRow>();
  return findingsPerPass.map((findings, i) => {
    const result = reconcile({
      nowMs: 1_000_000 + i * 60_000,
      findings,
      openInsights: [...insights.values()].filter((r) => r.status !== 'resolved'),
      recommendations: [...recs.values()],
      holds: holds[i] ?? new Map(),
    });
    for (const r of result.insights) insights.set(r.id, r);
    for (const r of result.recommendations) recs.set(r.id, r);
    return { ...result, latest: { insights: [...insights.values()], recs: [...recs.values()] } };
  });
}

describe('reconcile', () => {
  it('opens one insight and its recommendation, and publishes both', () => {
    const [p] = passes([[idle()]]);
    expect(p!.insights).toHaveLength(1);
    expect(p!.insights[0]).toMatchObject({ status: 'open', version: 1, kind: 'idle_resource' });
    expect(p!.recommendations[0]).toMatchObject({ status: 'open', type: 'stop_idle', impact_usd_month: 70.08 });
    expect(p!.events.map((e) => [e.subject, e.type])).toEqual([
      ['aegis.insights.warning', 'aegis.insight.opened'],
      ['aegis.recommendations.stop_idle', 'aegis.recommendation.created'],
    ]);
  });

  it('writes nothing when the same condition persists: no storm of duplicates', () => {
    const [, second, third] = passes([[idle()], [idle()], [idle({ score: 0.95 })]]);
    expect(second!.insights).toEqual([]);
    expect(second!.recommendations).toEqual([]);
    expect(second!.events).toEqual([]);
    expect(third!.events).toEqual([]);
  });

  it('updates the same insight, with a new version, when it changes materially', () => {
    const [first, second] = passes([[idle()], [idle({ severity: 'critical' })]]);
    expect(second!.insights[0]!.id).toBe(first!.insights[0]!.id);
    expect(second!.insights[0]).toMatchObject({ version: 2, severity: 'critical', opened_at: 1_000_000 });
    expect(second!.events[0]).toMatchObject({ subject: 'aegis.insights.critical', type: 'aegis.insight.updated' });
  });

  it('keeps one insight per kind and subject even when a pass repeats a finding', () => {
    const [p] = passes([[idle(), idle({ summary: 'again' })]]);
    expect(p!.insights).toHaveLength(1);
  });

  it('resolves an insight whose condition is gone and supersedes its open recommendations', () => {
    const [first, second] = passes([[idle()], []]);
    expect(second!.insights[0]).toMatchObject({
      id: first!.insights[0]!.id,
      status: 'resolved',
      resolved_at: 1_060_000,
    });
    expect(second!.recommendations[0]).toMatchObject({ status: 'superseded', version: 2 });
    expect(second!.events.map((e) => e.type)).toEqual(['aegis.insight.resolved', 'aegis.recommendation.superseded']);
  });

  it('opens a new insight when a resolved condition comes back', () => {
    const [first, , third] = passes([[idle()], [], [idle()]]);
    expect(third!.insights[0]!.id).not.toBe(first!.insights[0]!.id);
    expect(third!.insights[0]!.version).toBe(1);
  });

  it('holds a FinOps recommendation while the service burns its budget fast, and says why', () => {
    const reason = 'payments-api: the 1h/5m burn-rate alert (14.4x) is firing';
    const [first, second] = passes([[idle()], [idle()]], [new Map([['payments-api', reason]]), new Map()]);
    expect(first!.recommendations[0]).toMatchObject({ status: 'held', held_reason: reason });
    expect(second!.recommendations[0]).toMatchObject({ status: 'open', held_reason: '', version: 2 });
  });

  it('does not hold a recommendation that is no cost change', () => {
    const access = idle({
      kind: 'risky_access',
      recommendations: [{ ...idle().recommendations[0]!, type: 'enforce_mfa', finops: false }],
    });
    const [p] = passes([[access]], [new Map([['payments-api', 'burning']])]);
    expect(p!.recommendations[0]!.status).toBe('open');
  });

  it('leaves a dismissed recommendation dismissed while its insight stays open', () => {
    const [first] = passes([[idle()]]);
    const dismissed = { ...first!.recommendations[0]!, status: 'dismissed' as const, version: 2 };
    const result = reconcile({
      nowMs: 2_000_000,
      findings: [idle()],
      openInsights: first!.insights,
      recommendations: [dismissed],
      holds: new Map(),
    });
    expect(result.recommendations).toEqual([]);
  });

  it('gives events stable ids, so a retried pass publishes nothing twice', () => {
    const a = reconcile({ nowMs: 5, findings: [idle()], openInsights: [], recommendations: [], holds: new Map() });
    const b = reconcile({ nowMs: 5, findings: [idle()], openInsights: [], recommendations: [], holds: new Map() });
    expect(a.events.map((e) => e.id)).toEqual(b.events.map((e) => e.id));
  });
});
