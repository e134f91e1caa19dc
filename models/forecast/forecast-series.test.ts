import { describe, expect, it } from 'vitest';
import { InputError } from '../../core/errors.ts';
import { chooseOrigins, MAX_ORIGINS } from './backtest.ts';
import { forecastSeries } from './forecast-series.ts';
import { forecastHitRate, mase } from './metrics.ts';
import { seededNormal, syntheticHourly } from './synthetic.ts';

const HOUR_MS = 3_600_000;

describe('forecastSeries', () => {
  it('picks a seasonal model on seasonal data', () => {
    const y = syntheticHourly({ points: 24 * 20, seed: 1 });
    const r = forecastSeries(y, { horizon: 24, intervalMs: HOUR_MS });
    expect(r.period).toBe(24);
    expect(r.model).toMatch(/\[24\]$/);
    expect(r.scalePeriod).toBe(24);
  });

  it('picks a non-seasonal trend model on a noisy linear trend', () => {
    const n = seededNormal(2);
    const y = Array.from({ length: 400 }, (_, t) => 10 + 0.3 * t + n());
    const r = forecastSeries(y, { horizon: 12, intervalMs: HOUR_MS });
    expect(r.period).toBe(1);
    expect(['drift', 'holt-winters-additive-damped']).toContain(r.model);
    expect(r.forecast.yhat[11]).toBeGreaterThan(y.at(-1)! + 0.3 * 6);
  });

  it('reports every candidate, best first, the chosen one on top', () => {
    const y = syntheticHourly({ points: 24 * 20, seed: 3 });
    const r = forecastSeries(y, { horizon: 24, intervalMs: HOUR_MS });
    expect(r.candidates[0]!.label).toBe(r.model);
    expect(r.candidates[0]!.mase).toBe(r.mase);
    const scores = r.candidates.map((c) => c.mase);
    expect(scores).toEqual([...scores].sort((a, b) => a - b));
    expect(r.candidates.map((c) => c.label)).toEqual(
      expect.arrayContaining(['seasonal-naive[24]', 'seasonal-mean[24]', 'holt-winters-additive-damped[24]', 'drift']),
    );
  });

  it('uses the period it is given instead of detecting one', () => {
    const y = syntheticHourly({ points: 24 * 20, seed: 4 });
    expect(forecastSeries(y, { horizon: 6, period: 1, intervalMs: HOUR_MS }).period).toBe(1);
    const r = forecastSeries(y, { horizon: 6, period: 12 });
    expect(r.scalePeriod).toBe(12);
    expect(r.candidates.some((c) => c.period === 24)).toBe(false);
  });

  it('builds empirical intervals that hold yhat and widen with the horizon', () => {
    const y = syntheticHourly({ points: 24 * 20, seed: 5 });
    const r = forecastSeries(y, { horizon: 24, level: 80, intervalMs: HOUR_MS });
    expect(r.intervals).toBe('empirical');
    const { yhat, lower, upper } = r.forecast;
    for (let i = 0; i < 24; i++) {
      expect(lower[i]).toBeLessThanOrEqual(yhat[i]!);
      expect(upper[i]).toBeGreaterThanOrEqual(yhat[i]!);
      if (i > 0) {
        // Offsets are monotone; the subtraction back from yhat may differ in the last bit.
        expect(upper[i]! - yhat[i]!).toBeGreaterThanOrEqual(upper[i - 1]! - yhat[i - 1]! - 1e-9);
        expect(yhat[i]! - lower[i]!).toBeGreaterThanOrEqual(yhat[i - 1]! - lower[i - 1]! - 1e-9);
      }
    }
    const wider = forecastSeries(y, { horizon: 24, level: 95, intervalMs: HOUR_MS }).forecast;
    const width = (f: typeof wider) => f.upper.reduce((s, u, i) => s + u - f.lower[i]!, 0);
    expect(width(wider)).toBeGreaterThan(width(r.forecast));
  });

  it('covers about the requested share of held-out actuals', () => {
    const rates: number[] = [];
    for (let seed = 10; seed < 20; seed++) {
      const y = syntheticHourly({ points: 24 * 15 + 24, seed });
      const r = forecastSeries(y.slice(0, -24), { horizon: 24, level: 80, intervalMs: HOUR_MS });
      rates.push(forecastHitRate(r.forecast, y.slice(-24)));
    }
    const rate = rates.reduce((a, b) => a + b, 0) / rates.length;
    expect(rate).toBeGreaterThan(0.6);
    expect(rate).toBeLessThan(0.97);
  });

  it('beats seasonal naive out of sample on noisy hourly series (MASE ≤ 0.85)', () => {
    const scores: number[] = [];
    for (let seed = 30; seed < 36; seed++) {
      const y = syntheticHourly({ points: 24 * 21 + 24, seed, weekendFactor: 0.8 });
      const train = y.slice(0, -24);
      const r = forecastSeries(train, { horizon: 24, intervalMs: HOUR_MS });
      scores.push(mase(y.slice(-24), r.forecast.yhat, train, 24));
    }
    expect(scores.reduce((a, b) => a + b, 0) / scores.length).toBeLessThanOrEqual(0.85);
  });

  it('drops a season the history is too short to backtest, keeping its MASE scale', () => {
    // Seasonal candidates need 2·24 + 2 points before the first origin, and 24 after the last.
    const y = syntheticHourly({ points: 60, seed: 6 });
    const r = forecastSeries(y, { horizon: 24, period: 24 });
    expect(r.candidates.every((c) => c.period === 1)).toBe(true);
    expect(r.period).toBe(1);
    expect(r.scalePeriod).toBe(24);
  });

  it('throws an InputError naming the need when there are too few points', () => {
    expect(() => forecastSeries([1, 2, 3, 4, 5], { horizon: 3 })).toThrow(InputError);
    expect(() => forecastSeries([1, 2, 3, 4, 5], { horizon: 3 })).toThrow(/too few points to forecast 3 steps/);
  });

  it('throws an InputError for a horizon that is not a positive integer', () => {
    expect(() => forecastSeries([1, 2, 3], { horizon: 0 })).toThrow(/horizon/);
    expect(() => forecastSeries([1, 2, 3], { horizon: 1.5 })).toThrow(InputError);
  });
});

describe('chooseOrigins', () => {
  it('spreads at most MAX_ORIGINS origins over the last span, leaving a horizon after the last', () => {
    const origins = chooseOrigins(1000, 24, 100, 500);
    expect(origins).toHaveLength(MAX_ORIGINS);
    expect(origins[0]).toBe(1000 - 24 - 500);
    expect(origins.at(-1)).toBe(1000 - 24);
  });

  it('starts no earlier than the training minimum and is empty when nothing fits', () => {
    expect(chooseOrigins(60, 10, 45, 100)).toEqual([45, 46, 47, 48, 49, 50]);
    expect(chooseOrigins(50, 10, 45, 100)).toEqual([]);
  });
});
