import { describe, expect, it } from 'vitest';
import { COST_FIXTURE, NOW_MS, RELIABILITY_FIXTURE } from '../scorers/fixtures.ts';
import { scoreCost, scoreReliability } from '../scorers/index.ts';
import { LEVEL_3 } from './fixtures.ts';
import { assessMaturity, formatMetric, renderAssessment, stableStringify } from './index.ts';

const assessment = assessMaturity(LEVEL_3);
const scores = [scoreReliability(RELIABILITY_FIXTURE, { nowMs: NOW_MS }), scoreCost(COST_FIXTURE, { nowMs: NOW_MS })];

describe('renderAssessment', () => {
  it('renders text with the level, marks and aligned columns', () => {
    const text = renderAssessment(assessment, scores, 'text');
    const lines = text.split('\n');
    expect(lines[0]).toBe('PRE maturity: level 3 (standardized)');
    expect(lines[1]).toBe(
      'Next: level 4 (predictive) needs anomaly-detection, forecast-hit-80, automation-50, mttr-1d',
    );
    const header = lines.find((l) => l.includes('criterion')) as string;
    const rows = lines.filter((l) => /^ {2}[2-5] /.test(l));
    expect(rows).toHaveLength(16);
    // every row's criterion starts in the header's column
    const col = header.indexOf('criterion');
    for (const r of rows) expect(r[col - 1]).toBe(' ');
    expect(rows.every((r) => /[✔✘?]/.test(r))).toBe(true);
    expect(text).toContain('slo-coverage-90');
    expect(text).toContain('≥ 90.0 %');
    expect(text).toMatch(/cost\s+service\s+checkout\s+82\.6/);
    expect(text).not.toContain('\u001b[');
  });

  it('renders markdown tables with the evidence table of each criterion', () => {
    const md = renderAssessment(assessment, scores, 'markdown');
    expect(md.startsWith('# PRE maturity: level 3 (standardized)\n')).toBe(true);
    expect(md).toContain('| Level | Met | Criterion | Value | Threshold | Description | Evidence |');
    expect(md).toContain('| 3 | ✔ | `burn-rate-alerting` | yes | yes |');
    expect(md).toContain('`slo_status` tier=tier-1,tier-2');
    expect(md).toContain('| reliability | service | checkout | 40.0 |');
  });

  it('renders json that parses back and is byte-identical for the same input in any order', () => {
    const a = renderAssessment(assessment, scores, 'json');
    const b = renderAssessment(assessment, [...scores].reverse(), 'json');
    expect(a).toBe(b);
    const parsed = JSON.parse(a);
    expect(parsed.maturity.level).toBe(3);
    expect(parsed.scores.map((s: { dimension: string }) => s.dimension)).toEqual(['cost', 'reliability']);
  });

  it('renders without scores', () => {
    expect(renderAssessment(assessMaturity(LEVEL_3), [], 'text')).not.toContain('Scores');
  });
});

describe('stableStringify', () => {
  it('sorts keys at every depth', () => {
    expect(stableStringify({ b: 1, a: { d: [{ z: 1, y: 2 }], c: 2 } })).toBe(
      JSON.stringify({ a: { c: 2, d: [{ y: 2, z: 1 }] }, b: 1 }, null, 2),
    );
  });
});

describe('formatMetric', () => {
  it('formats each unit for people', () => {
    expect(formatMetric(0.925, 'share')).toBe('92.5 %');
    expect(formatMetric(5_400_000, 'ms')).toBe('1.5 h');
    expect(formatMetric(1 / 7, 'per-day')).toBe('0.14/day');
    expect(formatMetric(1, 'flag')).toBe('yes');
    expect(formatMetric(null, 'share')).toBe('—');
  });
});
