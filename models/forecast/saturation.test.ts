import { describe, expect, it } from 'vitest';
import { InputError } from '../../core/errors.ts';
import { scoreSaturation, type TimedPoint, timeToSaturation } from './saturation.ts';
import { seededNormal } from './synthetic.ts';

const HOUR_MS = 3_600_000;
const T0 = Date.UTC(2025, 0, 6);

/** Hourly points of `f(t)` for t = 0 … n − 1. */
const hourly = (n: number, f: (t: number) => number): TimedPoint[] =>
  Array.from({ length: n }, (_, t) => ({ timestamp: T0 + t * HOUR_MS, value: f(t) }));

describe('timeToSaturation', () => {
  it('finds the hand-computed crossing of a linear ramp', () => {
    // 0.5 + 0.001·t reaches 0.9 at t = 400; the last point is t = 299, so 101 hours after it.
    const ramp = hourly(300, (t) => 0.5 + 0.001 * t);
    const s = timeToSaturation(ramp, { threshold: 0.9, horizon: 150 });
    expect(s).not.toBeNull();
    expect(s!.model).toBe('drift');
    expect(s!.stepsAhead).toBeCloseTo(101, 6);
    expect(s!.at).toBeCloseTo(T0 + 400 * HOUR_MS, -1);
    // A noiseless ramp backtests with zero error: the band collapses onto the point forecast.
    expect(s!.earliest).toBeCloseTo(s!.at, -1);
    expect(s!.latest).toBeCloseTo(s!.at, -1);
  });

  it('brackets the crossing with earliest ≤ at ≤ latest on a noisy ramp', () => {
    const n = seededNormal(5);
    const ramp = hourly(400, (t) => 0.4 + 0.001 * t + 0.01 * n());
    const s = timeToSaturation(ramp, { threshold: 0.9, horizon: 200, level: 80 });
    expect(s).not.toBeNull();
    // The true crossing is at t = 500, 101 hours after the last point.
    expect(s!.stepsAhead).toBeGreaterThan(80);
    expect(s!.stepsAhead).toBeLessThan(125);
    expect(s!.earliest).toBeLessThanOrEqual(s!.at);
    if (s!.latest !== null) expect(s!.latest).toBeGreaterThanOrEqual(s!.at);
  });

  it('returns null when the forecast stays below the threshold within the horizon', () => {
    const flat = hourly(200, (t) => 0.5 + 0.05 * Math.sin(t));
    expect(timeToSaturation(flat, { threshold: 0.9, horizon: 48 })).toBeNull();
    const slow = hourly(300, (t) => 0.5 + 0.001 * t);
    expect(timeToSaturation(slow, { threshold: 0.9, horizon: 50 })).toBeNull();
  });

  it('reports a series already at the threshold as saturated now', () => {
    const s = timeToSaturation(
      hourly(100, (t) => 0.5 + 0.005 * t),
      { threshold: 0.9, horizon: 10 },
    );
    expect(s?.stepsAhead).toBe(0);
    expect(s?.at).toBe(T0 + 99 * HOUR_MS);
  });

  it('rejects bad parameters with an InputError', () => {
    const ramp = hourly(100, (t) => t);
    expect(() => timeToSaturation(ramp, { threshold: Number.NaN })).toThrow(InputError);
    expect(() => timeToSaturation(ramp, { threshold: 1, level: 120 })).toThrow(/level/);
    expect(() => timeToSaturation(ramp.slice(0, 2), { threshold: 1 })).toThrow(InputError);
  });
});

describe('scoreSaturation', () => {
  it('hits when the actual crossing falls inside the band, and misses otherwise', () => {
    const ramp = hourly(300, (t) => 0.5 + 0.001 * t);
    const s = timeToSaturation(ramp, { threshold: 0.9, horizon: 150 })!;
    const after = hourly(450, (t) => 0.5 + 0.001 * t).slice(300);
    expect(scoreSaturation(s, after)).toEqual({ actualAt: T0 + 400 * HOUR_MS, hit: true });
    const later = hourly(450, (t) => 0.5 + 0.0008 * t).slice(300);
    expect(scoreSaturation(s, later).hit).toBe(false);
    expect(
      scoreSaturation(
        s,
        hourly(10, () => 0.1),
      ),
    ).toEqual({ actualAt: null, hit: false });
  });
});
