import { describe, expect, it } from 'vitest';
import { COST_FIXTURE, DAY_MS, NOW_MS } from './fixtures.ts';
import { type CostInput, isIdle, isOversized, type Score, scoreCost } from './index.ts';

const component = (s: Score, name: string) => s.components.find((c) => c.name === name);

describe('scoreCost', () => {
  const s = scoreCost(COST_FIXTURE, { nowMs: NOW_MS });

  it('weighs utilisation by cost and compares it with the band', () => {
    // monthly: busy 730, idle 365, big 365 = 1,460 (the bucket has no compute and drops out)
    // utilisation = (0.6 × 730 + 0.03 × 365 + 0.2 × 365) / 1,460 = 521.95 / 1,460 = 0.3575
    // below the 40 % floor: 100 × 0.3575 / 0.4 = 89.375
    expect(component(s, 'utilisation')?.value).toBeCloseTo(89.375, 9);
    expect(component(s, 'utilisation')?.detail).toContain('below');
    expect(component(s, 'utilisation')?.evidence.map((e) => e.subject)).toEqual(['vm-busy', 'vm-big', 'vm-idle']);
  });

  it('counts an idle resource as its whole monthly cost wasted', () => {
    // vm-idle: 0.5 $/h × 730 = $365 of $1,460 → 25 % → 75
    expect(component(s, 'idle resources')?.value).toBeCloseTo(75, 9);
    expect(component(s, 'idle resources')?.evidence[0]).toMatchObject({
      kind: 'idle-resource',
      subject: 'vm-idle',
      value: 365,
    });
  });

  it('counts an oversized resource as half its monthly cost wasted', () => {
    // vm-big: half of $365 = $182.50 of $1,460 → 12.5 % → 87.5
    expect(component(s, 'oversized resources')?.value).toBeCloseTo(87.5, 9);
    expect(component(s, 'oversized resources')?.evidence[0]).toMatchObject({ subject: 'vm-big', value: 182.5 });
  });

  it('scores excess anomalous spend against the period', () => {
    // $80 against $50 expected → $30 excess of 30 × $50 = $1,500 → 2 %; 100 × (1 − 0.02 / 0.1) = 80
    expect(component(s, 'spend anomalies')?.value).toBeCloseTo(80, 9);
    expect(component(s, 'spend anomalies')?.evidence[0]?.source.table).toBe('anomalies');
  });

  it('scores the month-end forecast against budget', () => {
    // $1,650 against $1,500 → 10 % over; 100 × (1 − 0.1 / 0.5) = 80
    expect(component(s, 'forecast against budget')?.value).toBeCloseTo(80, 9);
  });

  it('combines the components by weight into 82.59375', () => {
    // 89.375 × 0.25 + 75 × 0.25 + 87.5 × 0.2 + 80 × 0.15 + 80 × 0.15 = 82.59375
    expect(s.value).toBeCloseTo(82.59375, 9);
  });

  it('projects month-to-date spend in a straight line when there is no forecast', () => {
    // 16 Nov 00:00 is half of November: $900 / 0.5 = $1,800 → 20 % over → 60
    const { forecastMonthEnd: _, ...rest } = COST_FIXTURE;
    const projected = scoreCost(rest, { nowMs: NOW_MS });
    expect(component(projected, 'forecast against budget')?.value).toBeCloseTo(60, 9);
    expect(component(projected, 'forecast against budget')?.evidence[0]?.kind).toBe('spend-projection');
  });

  it('scores 100 inside the band and falls to 50 at full utilisation above it', () => {
    const one = (u: number): CostInput => ({
      ...COST_FIXTURE,
      resources: [
        {
          id: 'x',
          type: 'vm',
          provisionedVcpu: 1,
          provisionedMemoryGib: 1,
          hourlyCost: 1,
          cpuAvg: u,
          memAvg: u,
          cpuP95: 1,
          memP95: 1,
        },
      ],
    });
    expect(component(scoreCost(one(0.6), { nowMs: NOW_MS }), 'utilisation')?.value).toBe(100);
    // 90 %: 100 − 50 × (0.9 − 0.8) / 0.2 = 75
    expect(component(scoreCost(one(0.9), { nowMs: NOW_MS }), 'utilisation')?.value).toBeCloseTo(75, 9);
  });

  it('rejects a utilisation band that is empty or outside 0–1', () => {
    expect(() => scoreCost(COST_FIXTURE, { nowMs: NOW_MS, utilisationBand: [0.8, 0.4] })).toThrow(
      'utilisationBand must satisfy 0 < low < high < 1 (got [0.8, 0.4])',
    );
  });

  it('gives null components, not zeros, when nothing is measured', () => {
    const empty: CostInput = {
      subject: 'none',
      fromMs: NOW_MS - 7 * DAY_MS,
      toMs: NOW_MS,
      resources: [],
      spendMonthToDate: 0,
      dailySpend: [],
      spendAnomalies: [],
    };
    const e = scoreCost(empty, { nowMs: NOW_MS });
    expect(e.value).toBeNull();
    expect(e.components.every((c) => c.value === null)).toBe(true);
  });
});

describe('idle and oversized', () => {
  const r = { id: 'r', type: 'vm', provisionedVcpu: 2, provisionedMemoryGib: 4, hourlyCost: 1 };
  it('calls a resource idle only when both CPU and memory are under 5 %', () => {
    expect(isIdle({ ...r, cpuAvg: 0.04, memAvg: 0.04, cpuP95: 0.1, memP95: 0.1 })).toBe(true);
    expect(isIdle({ ...r, cpuAvg: 0.04, memAvg: 0.06, cpuP95: 0.1, memP95: 0.1 })).toBe(false);
  });

  it('calls a resource oversized only when both p95s are under 40 %', () => {
    expect(isOversized({ ...r, cpuAvg: 0.2, memAvg: 0.2, cpuP95: 0.39, memP95: 0.3 })).toBe(true);
    expect(isOversized({ ...r, cpuAvg: 0.2, memAvg: 0.2, cpuP95: 0.39, memP95: 0.4 })).toBe(false);
  });
});
