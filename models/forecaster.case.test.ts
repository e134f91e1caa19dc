import { describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.ts';
import { drift, expSmoothing, type Forecaster, holtWinters, seasonalMean, seasonalNaive } from './forecast/index.ts';
import { seededNormal } from './forecast/synthetic.ts';

// The shared suite every forecaster in models/forecast runs: shapes, interval sanity, what it
// claims to represent (a season, a trend) and the rolling-forecast contract backtests rely on.

const FORECASTERS: Forecaster[] = [
  seasonalNaive,
  seasonalMean,
  expSmoothing,
  drift,
  holtWinters(),
  holtWinters({ trend: 'none' }),
  holtWinters({ trend: 'linear' }),
  holtWinters({ seasonal: 'multiplicative', trend: 'damped' }),
];

const PERIOD = 12;
const rnd = seededNormal(7);
/** 10 seasons of a positive seasonal series with a slight trend and noise. */
const noisy = Array.from(
  { length: 10 * PERIOD },
  (_, t) => 50 + 0.05 * t + 8 * Math.sin((2 * Math.PI * t) / PERIOD) + rnd(),
);
const pureSeasonal = Array.from(
  { length: 6 * PERIOD },
  (_, t) => 20 + 5 * Math.sin((2 * Math.PI * t) / PERIOD) + (t % 3),
);
const line = Array.from({ length: 60 }, (_, t) => 5 + 0.5 * t);

describe.each(FORECASTERS.map((f) => [f.name, f] as const))('forecaster %s', (_name, forecaster) => {
  const period = forecaster.capabilities.seasonal ? PERIOD : 1;

  it('returns horizon-long, finite yhat, lower and upper at the requested level', () => {
    const r = forecaster.fit(noisy, { period }).forecast(17, 90);
    expect(r.level).toBe(90);
    for (const xs of [r.yhat, r.lower, r.upper]) {
      expect(xs).toHaveLength(17);
      for (const x of xs) expect(Number.isFinite(x)).toBe(true);
    }
  });

  it('orders its intervals around the point forecast', () => {
    const model = forecaster.fit(noisy, { period });
    for (const level of [50, 80, 95, 99]) {
      const r = model.forecast(30, level);
      r.yhat.forEach((y, i) => {
        expect(r.lower[i]).toBeLessThanOrEqual(y);
        expect(r.upper[i]).toBeGreaterThanOrEqual(y);
      });
    }
  });

  it('widens its intervals at a higher level', () => {
    const model = forecaster.fit(noisy, { period });
    const at80 = model.forecast(24, 80);
    const at95 = model.forecast(24, 95);
    at80.yhat.forEach((_y, i) => {
      expect(at95.upper[i]! - at95.lower[i]!).toBeGreaterThan(at80.upper[i]! - at80.lower[i]!);
    });
  });

  it('refuses a series shorter than minPoints with an InputError', () => {
    const short = noisy.slice(0, forecaster.minPoints(period) - 1);
    expect(() => forecaster.fit(short, { period })).toThrow(InputError);
  });

  it('refuses non-finite values', () => {
    const bad = [...noisy];
    bad[40] = Number.NaN;
    expect(() => forecaster.fit(bad, { period })).toThrow(/value 40 is not a finite number/);
  });

  it('gives the same forecast from a rolling origin at the end as from forecast()', () => {
    const model = forecaster.fit(noisy, { period });
    const [rolled] = model.rollingForecasts(noisy, [noisy.length], 15);
    const direct = model.forecast(15).yhat;
    rolled!.forEach((y, i) => {
      expect(y).toBeCloseTo(direct[i]!, 9);
    });
  });

  it('never lets a rolling forecast see values at or after its origin', () => {
    const origin = 90;
    const model = forecaster.fit(noisy.slice(0, 80), { period });
    const changed = noisy.map((v, t) => (t >= origin ? v + 1000 : v));
    const a = model.rollingForecasts(noisy, [origin], 10)[0]!;
    const b = model.rollingForecasts(changed, [origin], 10)[0]!;
    expect(b).toEqual(a);
  });

  it.runIf(forecaster.capabilities.seasonal)('forecasts a pure seasonal series near-exactly', () => {
    const r = forecaster.fit(pureSeasonal, { period: PERIOD }).forecast(2 * PERIOD);
    r.yhat.forEach((y, i) => {
      expect(y).toBeCloseTo(pureSeasonal[(pureSeasonal.length + i) % PERIOD]!, 6);
    });
  });

  it.runIf(forecaster.capabilities.trend)('extrapolates a linear trend', () => {
    const h = 6;
    const r = forecaster.fit(line, { period: 1 }).forecast(h);
    r.yhat.forEach((y, i) => {
      const truth = 5 + 0.5 * (line.length + i);
      // Damped trends fall short by Σ(1 − φ^j) slopes; φ ≤ 0.98 keeps that under 10% over 6 steps.
      expect(Math.abs(y - truth)).toBeLessThanOrEqual(0.1 * 0.5 * (i + 1) + 1e-6);
    });
  });

  it.runIf(!forecaster.capabilities.trend)('holds a flat forecast flat', () => {
    const flat = new Array<number>(60).fill(3);
    const r = forecaster.fit(flat, { period }).forecast(10);
    for (const y of r.yhat) expect(y).toBeCloseTo(3, 9);
  });
});
