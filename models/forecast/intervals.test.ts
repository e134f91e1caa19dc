import { describe, expect, it } from 'vitest';
import { empiricalInterval, isotonicIncreasing } from './intervals.ts';

describe('isotonicIncreasing', () => {
  it('pools adjacent violators into their mean', () => {
    expect(isotonicIncreasing([1, 3, 2, 4])).toEqual([1, 2.5, 2.5, 4]);
    expect(isotonicIncreasing([5, 1, 0])).toEqual([2, 2, 2]);
    expect(isotonicIncreasing([1, 2, 3])).toEqual([1, 2, 3]);
  });
});

describe('empiricalInterval', () => {
  // errors[k][j]: error k + 1 steps ahead from origin j; 0..10 at every step, wider at step 3.
  const spread = Array.from({ length: 11 }, (_, j) => j - 5);
  const errors = [spread, spread, spread.map((e) => 2 * e)];

  it('adds the error quantiles of each step to the point forecast', () => {
    const r = empiricalInterval([100, 100, 100], errors, 80);
    // Type-7 quantiles of −5…5 at 0.1 and 0.9 are −4 and 4; doubled at step 3.
    expect(r.lower).toEqual([96, 96, 92]);
    expect(r.upper).toEqual([104, 104, 108]);
  });

  it('keeps yhat inside even when every error has the same sign', () => {
    const biased = [[1, 2, 3, 4, 5]];
    const r = empiricalInterval([10], biased, 80);
    expect(r.lower[0]).toBe(10);
    expect(r.upper[0]).toBeGreaterThan(10);
  });

  it('never narrows further ahead', () => {
    const r = empiricalInterval([0, 0, 0], [spread.map((e) => 3 * e), spread, spread], 80);
    expect(r.upper[1]).toBeGreaterThanOrEqual(r.upper[0]!);
    expect(r.upper[2]).toBeGreaterThanOrEqual(r.upper[1]!);
    expect(r.lower[2]).toBeLessThanOrEqual(r.lower[1]!);
  });
});
