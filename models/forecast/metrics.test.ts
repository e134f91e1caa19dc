import { describe, expect, it } from 'vitest';
import { InputError } from '../../core/errors.ts';
import { forecastHitRate, mae, mase, naiveScale } from './metrics.ts';

describe('mase', () => {
  it('divides the out-of-sample MAE by the in-sample seasonal-naive MAE', () => {
    // Seasonal differences |2−1|, |3−2|, |4−3| average 1; forecast errors 0.5 and 0 average 0.25.
    expect(mase([3, 4], [3.5, 4], [1, 2, 3, 2, 3, 4], 3)).toBeCloseTo(0.25, 12);
  });

  it('uses the naive (m = 1) scale when there is no season', () => {
    expect(naiveScale([1, 3, 2, 6], 1)).toBeCloseTo((2 + 1 + 4) / 3, 12);
    expect(mase([7], [5], [1, 3, 2, 6], 1)).toBeCloseTo(2 / (7 / 3), 12);
  });

  it('is infinite against an exactly repeating history', () => {
    expect(mase([1], [2], [1, 2, 1, 2], 2)).toBe(Number.POSITIVE_INFINITY);
  });

  it('refuses an in-sample series no longer than one season', () => {
    expect(() => naiveScale([1, 2, 3], 3)).toThrow(InputError);
    expect(() => mae([], [])).toThrow(InputError);
  });
});

describe('forecastHitRate', () => {
  it('counts the share of actuals inside [lower, upper], bounds included', () => {
    const f = { lower: [0, 0, 0, 0], upper: [1, 1, 1, 1] };
    expect(forecastHitRate(f, [0, 1, 0.5, 2])).toBe(0.75);
  });

  it('scores only the steps both sides have', () => {
    expect(forecastHitRate({ lower: [0, 0, 0], upper: [1, 1, 1] }, [5])).toBe(0);
  });
});
