import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SortedWindow, zToScore } from './rolling.ts';

describe('SortedWindow', () => {
  it('keeps the latest values sorted and answers quantiles like a full sort', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e9, max: 1e9, noNaN: true }), { minLength: 1, maxLength: 300 }), (xs) => {
        const w = new SortedWindow(50);
        for (const x of xs) w.push(x);
        const last = xs.slice(-50);
        const sorted = [...last].sort((a, b) => a - b);
        expect(w.size).toBe(last.length);
        expect(w.values()).toEqual(last);
        // `+ 0` because -0 and 0 tie in a sort, so either may come first.
        expect(w.quantile(0) + 0).toBe(sorted[0]! + 0);
        expect(w.quantile(1) + 0).toBe(sorted.at(-1)! + 0);
      }),
    );
  });

  it('reloads from values() to the same state', () => {
    const w = new SortedWindow(8);
    for (let i = 0; i < 20; i++) w.push((i * 7) % 5);
    const copy = new SortedWindow(8);
    copy.load(w.values());
    expect(copy.quantile(0.5)).toBe(w.quantile(0.5));
    expect(copy.values()).toEqual(w.values());
  });
});

describe('zToScore', () => {
  it('maps 0 to 0, grows with |z| and stays in [0,1]', () => {
    expect(zToScore(0)).toBeCloseTo(0, 6);
    expect(zToScore(3)).toBeGreaterThan(zToScore(2));
    expect(zToScore(-3)).toBe(zToScore(3));
    expect(zToScore(Number.POSITIVE_INFINITY)).toBe(1);
    expect(zToScore(Number.NaN)).toBe(0);
  });
});
