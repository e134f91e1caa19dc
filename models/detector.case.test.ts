import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CusumDetector,
  type CusumState,
  createAnomalyDetector,
  type DetectorKind,
  loadTf,
  type PointDetector,
  restoreAnomalyDetector,
  SeasonalMadDetector,
  type SeasonalMadState,
} from './anomaly/index.ts';

// The shared suite every anomaly detector in models/anomaly runs: scores in [0,1], determinism, no
// look-ahead (a property test), exact state round trips, and a golden series where a spike and a
// level shift stand out of steady noise.

const tf = await loadTf('wasm');
const STEP_MS = 300_000;
const T0 = Date.UTC(2024, 0, 1);

// Small forecaster settings so trainings happen inside the short series of a property test.
const smallTf = {
  lags: 8,
  hiddenUnits: 4,
  trainEveryPoints: 40,
  minTrainPoints: 40,
  trainWindowPoints: 120,
  epochs: 3,
};

interface Case {
  name: string;
  kind: DetectorKind;
  /** Runs of the look-ahead property (tfjs training makes each run slower). */
  runs: number;
  /** Does a single spike stand out for this detector? (CUSUM alone looks for sustained shifts.) */
  flagsSpike: boolean;
}

const CASES: Case[] = [
  {
    name: 'seasonal-mad',
    kind: {
      create: () => new SeasonalMadDetector({ windowPoints: 64 }),
      restore: (s) => SeasonalMadDetector.restore(s as SeasonalMadState),
    },
    runs: 60,
    flagsSpike: true,
  },
  {
    name: 'cusum',
    kind: { create: () => new CusumDetector(), restore: (s) => CusumDetector.restore(s as CusumState) },
    runs: 60,
    flagsSpike: false,
  },
  {
    name: 'ensemble (statistical)',
    kind: {
      create: () => createAnomalyDetector({ probationPoints: 30, windowPoints: 64, forecaster: false }),
      restore: (s) => restoreAnomalyDetector(s as never),
    },
    runs: 60,
    flagsSpike: true,
  },
  {
    name: 'ensemble + tfjs forecaster',
    kind: {
      create: () => createAnomalyDetector({ probationPoints: 30, windowPoints: 64, forecaster: smallTf }, { tf }),
      restore: (s) => restoreAnomalyDetector(s as never, { tf }),
    },
    runs: 8,
    flagsSpike: true,
  },
];

function run(d: PointDetector, values: readonly number[], from = 0): number[] {
  return values.map((v, i) => d.update(T0 + (from + i) * STEP_MS, v));
}

function noise(n: number, seed: number): number[] {
  let s = seed >>> 0;
  const u = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 4294967296;
  };
  return Array.from({ length: n }, () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u()));
}

describe.each(CASES.map((c) => [c.name, c] as const))('detector %s', (_name, c) => {
  it('scores every point in [0,1], finite, including missing values and irregular gaps', () => {
    const d = c.kind.create();
    const values = noise(400, 1).map((x, i) => (i % 37 === 0 ? Number.NaN : 10 + x));
    let ts = T0;
    for (const [i, v] of values.entries()) {
      ts += STEP_MS * (i % 11 === 0 ? 3 : 1);
      const s = d.update(ts, v);
      expect(Number.isFinite(s)).toBe(true);
      expect(s).toBeGreaterThanOrEqual(0);
      expect(s).toBeLessThanOrEqual(1);
    }
  });

  it('is deterministic: the same series gives the same scores', () => {
    const values = noise(300, 2).map((x) => 5 + x);
    expect(run(c.kind.create(), values)).toEqual(run(c.kind.create(), values));
  });

  it('never looks ahead: changing future points never changes past scores', () => {
    const value = fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true });
    fc.assert(
      fc.property(
        fc.array(value, { minLength: 60, maxLength: 160 }),
        fc.array(value, { minLength: 1, maxLength: 60 }),
        fc.nat(),
        (prefix, suffix, cutSeed) => {
          const cut = 1 + (cutSeed % (prefix.length - 1));
          const a = run(c.kind.create(), prefix);
          const b = run(c.kind.create(), [...prefix.slice(0, cut), ...suffix]);
          expect(b.slice(0, cut)).toEqual(a.slice(0, cut));
        },
      ),
      { numRuns: c.runs, seed: 1234 },
    );
  });

  it('continues with identical scores after a JSON round trip of its state', () => {
    const values = noise(320, 3).map((x, i) => 20 + x + (i > 200 ? 6 : 0));
    const whole = run(c.kind.create(), values);
    const first = c.kind.create();
    const head = run(first, values.slice(0, 150));
    const restored = c.kind.restore(JSON.parse(JSON.stringify(first.toJSON())));
    const tail = run(restored, values.slice(150), 150);
    expect([...head, ...tail]).toEqual(whole);
  });

  it('flags a spike and a level shift, not the steady noise around them (golden series)', () => {
    const n = 600;
    const values = noise(n, 4).map((x) => 50 + x);
    const SPIKE = 300;
    const SHIFT = 480; // after the spike's cooldown (150 points by default)
    values[SPIKE] = 62;
    for (let i = SHIFT; i < n; i++) values[i]! += 8;
    const scores = run(c.kind.create(), values);
    const steady = Math.max(...scores.slice(100, SPIKE), ...scores.slice(SPIKE + 20, SHIFT));
    const shift = Math.max(...scores.slice(SHIFT, SHIFT + 30));
    expect(shift).toBeGreaterThan(steady);
    if (c.flagsSpike) {
      expect(scores[SPIKE]).toBeGreaterThan(steady);
      expect(scores[SPIKE]).toBeGreaterThan(0.9);
      // The shift is flagged at its first point, when the change is news.
      expect(scores[SHIFT]).toBeGreaterThan(0.9);
    }
  });
});
