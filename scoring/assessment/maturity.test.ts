import { describe, expect, it } from 'vitest';
import { DAY_MS, EVERYTHING, LEVEL_3, NOTHING } from './fixtures.ts';
import { assessMaturity, MATURITY_CRITERIA, type MaturityCriterionSpec } from './index.ts';

describe('assessMaturity', () => {
  it('places a platform with no evidence at level 1 (reactive) with every criterion unknown', () => {
    const a = assessMaturity(NOTHING);
    expect(a.level).toBe(1);
    expect(a.name).toBe('reactive');
    expect(a.criteria.every((c) => c.met === null && c.value === null)).toBe(true);
    expect(a.nextLevel).toEqual({ level: 2, name: 'managed', missing: ['slo-coverage-50', 'ownership-80', 'mttr-1w'] });
  });

  it('places evidence meeting levels 2 and 3 on their bounds at exactly level 3', () => {
    const a = assessMaturity(LEVEL_3);
    expect(a.level).toBe(3);
    expect(a.name).toBe('standardized');
    expect(a.nextLevel).toEqual({
      level: 4,
      name: 'predictive',
      missing: ['anomaly-detection', 'forecast-hit-80', 'automation-50', 'mttr-1d'],
    });
  });

  it('caps at level 1 when a level-2 criterion is missed, even with levels 3 to 5 met', () => {
    const a = assessMaturity({ ...EVERYTHING, ownershipCoverage: 0.5 });
    expect(a.level).toBe(1);
    expect(a.criteria.filter((c) => c.level >= 3).every((c) => c.met === true)).toBe(true);
    expect(a.nextLevel?.missing).toEqual(['ownership-80']);
  });

  it('caps at level 1 when a level-2 criterion has no evidence at all', () => {
    const { ownershipCoverage: _, ...rest } = EVERYTHING;
    const a = assessMaturity(rest);
    expect(a.level).toBe(1);
    expect(a.criteria.find((c) => c.id === 'ownership-80')?.met).toBeNull();
  });

  it('caps at level 3 when only level-4 evidence is missing, whatever level 5 says', () => {
    const a = assessMaturity({ ...EVERYTHING, forecastHitRate: null });
    expect(a.level).toBe(3);
    expect(a.nextLevel?.missing).toEqual(['forecast-hit-80']);
  });

  it('reaches level 5 (autonomous) with nothing next when everything is met', () => {
    const a = assessMaturity(EVERYTHING);
    expect(a.level).toBe(5);
    expect(a.name).toBe('autonomous');
    expect(a.nextLevel).toBeNull();
  });

  it('links every criterion to the rows its metric comes from', () => {
    const source = { table: 'slo_status', filter: { tier: 'tier-1' }, fromMs: 0, toMs: DAY_MS };
    const a = assessMaturity({ ...LEVEL_3, sources: { sloCoverage: source } });
    const coverage = a.criteria.find((c) => c.id === 'slo-coverage-90');
    expect(coverage?.evidence).toEqual([
      {
        kind: 'maturity-metric',
        subject: 'sloCoverage',
        description: 'SLOs on at least 90 % of tier-1/2 services: met',
        value: 0.9,
        threshold: 0.9,
        source,
      },
    ]);
    expect(a.criteria.every((c) => c.evidence.length === 1 && c.evidence[0]?.source.table)).toBe(true);
    const missed = a.criteria.find((c) => c.id === 'mttr-1d');
    expect(missed?.evidence[0]?.description).toContain('missed');
  });

  it('keeps ids unique and levels in order in the criteria table', () => {
    expect(new Set(MATURITY_CRITERIA.map((c) => c.id)).size).toBe(MATURITY_CRITERIA.length);
    const levels = MATURITY_CRITERIA.map((c) => c.level);
    expect([...levels].sort()).toEqual(levels);
  });

  it('never meets a criterion without evidence, even against a threshold of 0', () => {
    const table: MaturityCriterionSpec[] = [
      {
        level: 2,
        id: 'any-slo',
        description: 'x',
        metric: 'sloCoverage',
        comparison: '>=',
        threshold: 0,
        unit: 'share',
      },
    ];
    expect(assessMaturity(NOTHING, table).level).toBe(1);
    // with the evidence, and no criteria above level 2, every level is met
    expect(assessMaturity({ ...NOTHING, sloCoverage: 0 }, table).level).toBe(5);
  });
});
