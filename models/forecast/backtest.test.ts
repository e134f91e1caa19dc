import { describe, expect, it } from 'vitest';
import { backtest, candidateLabel } from './backtest.ts';
import { drift } from './drift/index.ts';
import { holtWinters } from './holt-winters/index.ts';
import { seasonalNaive } from './seasonal-naive/index.ts';

const line = Array.from({ length: 20 }, (_, t) => t);

describe('backtest', () => {
  it('scores the naive forecast of a line by hand: errors k + 1, MASE 1.5 over 2 steps', () => {
    const r = backtest({ forecaster: seasonalNaive, period: 1 }, line, {
      horizon: 2,
      origins: [10, 14, 18],
      scalePeriod: 1,
    });
    expect(r.errors).toEqual([
      [1, 1, 1],
      [2, 2, 2],
    ]);
    expect(r.mase).toBeCloseTo(1.5, 12);
    expect(r.mae).toBeCloseTo(1.5, 12);
  });

  it('gives drift a perfect score on a line', () => {
    const r = backtest({ forecaster: drift, period: 1 }, line, { horizon: 3, origins: [5, 10, 17], scalePeriod: 1 });
    expect(r.mase).toBeCloseTo(0, 12);
  });

  it('ranks a flat history it cannot scale as infinite instead of NaN', () => {
    const flat = new Array<number>(20).fill(2);
    const r = backtest({ forecaster: seasonalNaive, period: 1 }, flat, { horizon: 2, origins: [10], scalePeriod: 1 });
    expect(r.mase).toBe(Number.POSITIVE_INFINITY);
    expect(r.mae).toBe(0);
  });

  it('refuses origins that leave less than a horizon of actuals', () => {
    expect(() =>
      backtest({ forecaster: drift, period: 1 }, line, { horizon: 5, origins: [16], scalePeriod: 1 }),
    ).toThrow(/leave 5 values/);
  });

  it('labels seasonal candidates with their season length', () => {
    expect(candidateLabel({ forecaster: holtWinters(), period: 24 })).toBe('holt-winters-additive-damped[24]');
    expect(candidateLabel({ forecaster: holtWinters(), period: 1 })).toBe('holt-winters-additive-damped');
    expect(candidateLabel({ forecaster: drift, period: 1 })).toBe('drift');
  });
});
