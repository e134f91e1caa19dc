import { describe, expect, it } from 'vitest';
import { GOVERNANCE_FIXTURE, NOW_MS } from './fixtures.ts';
import { type Score, scoreGovernance } from './index.ts';

const component = (s: Score, name: string) => s.components.find((c) => c.name === name);

describe('scoreGovernance', () => {
  const s = scoreGovernance(GOVERNANCE_FIXTURE, { nowMs: NOW_MS });

  it('counts resources with an owner', () => {
    // r3 has no owner: 3 / 4 = 75
    expect(component(s, 'ownership')?.value).toBe(75);
    expect(component(s, 'ownership')?.evidence.map((e) => e.subject)).toEqual(['r3']);
  });

  it('counts required tag slots filled', () => {
    // 4 resources × 3 tags = 12 slots; r2 misses env, r3 misses all three → 8 / 12
    expect(component(s, 'tag coverage')?.value).toBeCloseTo((100 * 8) / 12, 9);
    expect(component(s, 'tag coverage')?.evidence.find((e) => e.subject === 'r2')?.description).toBe(
      'missing tags env',
    );
  });

  it('weighs shadow resources by cost', () => {
    // r3 costs $2 of $4 an hour → 50 % shadow → 50
    expect(component(s, 'shadow resources')?.value).toBe(50);
  });

  it('counts distinct violating subjects against the resources', () => {
    // two violations, both on r2: 1 / 4 → 75
    expect(component(s, 'policy violations')?.value).toBe(75);
    expect(component(s, 'policy violations')?.evidence).toHaveLength(2);
  });

  it('combines the components by weight', () => {
    // 75 × 0.3 + 66.67 × 0.2 + 50 × 0.25 + 75 × 0.25 = 22.5 + 13.33 + 12.5 + 18.75 = 67.083
    expect(s.value).toBeCloseTo(22.5 + 40 / 3 + 12.5 + 18.75, 9);
  });

  it('takes the required tags from options', () => {
    const only = scoreGovernance(GOVERNANCE_FIXTURE, { nowMs: NOW_MS, requiredTags: ['team'] });
    // only r3 lacks team: 3 / 4
    expect(component(only, 'tag coverage')?.value).toBe(75);
  });

  it('gives an empty inventory a null score', () => {
    const e = scoreGovernance({ subject: 'p', resources: [], policyViolations: [] }, { nowMs: NOW_MS });
    expect(e.value).toBeNull();
  });
});
