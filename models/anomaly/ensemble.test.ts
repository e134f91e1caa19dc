import { describe, expect, it } from 'vitest';
import { createAnomalyDetector, restoreAnomalyDetector } from './ensemble.ts';

const N = 1500;
const ts = Float64Array.from({ length: N }, (_, i) => i * 60_000);
const values = Float64Array.from(
  { length: N },
  (_, i) => 10 + Math.sin(i / 7) + ((i * 7919) % 13) / 13 + (i === 1200 ? 9 : 0),
);

describe('AnomalyDetector', () => {
  it('updateMany gives exactly the scores of update, point by point', () => {
    const one = createAnomalyDetector({ forecaster: false, probationPoints: 100 });
    const many = createAnomalyDetector({ forecaster: false, probationPoints: 100 });
    const expected = Array.from(values, (v, i) => one.update(ts[i]!, v));
    expect(Array.from(many.updateMany(ts, values))).toEqual(expected);
  });

  it('updateMany refuses mismatched lengths', () => {
    expect(() => createAnomalyDetector().updateMany([1, 2], [1])).toThrow(RangeError);
  });

  it('scores 0 through the probation period and records its version', () => {
    const d = createAnomalyDetector({ forecaster: false, probationPoints: 300 });
    const scores = d.updateMany(ts, values);
    expect(scores.subarray(0, 300).every((s) => s === 0)).toBe(true);
    expect(d.version).toBe('ensemble-1');
    expect(d.toJSON().version).toBe('ensemble-1');
  });

  it('damps the echoes of one event under both suppression modes', () => {
    for (const suppression of ['alarm', 'peak'] as const) {
      const d = createAnomalyDetector({ forecaster: false, probationPoints: 100, suppression, cooldownPoints: 50 });
      const shifted = Float64Array.from(values, (v, i) => v + (i >= 1000 ? 8 : 0));
      const scores = d.updateMany(ts, shifted);
      const high = Array.from(scores.subarray(1000, 1050)).filter((s) => s > 0.9).length;
      expect(high).toBeGreaterThanOrEqual(1);
      expect(high).toBeLessThanOrEqual(2);
    }
  });

  it('restores a state JSON written before the peak memory existed', () => {
    const d = createAnomalyDetector({ forecaster: false, probationPoints: 100 });
    d.updateMany(ts.subarray(0, 500), values.subarray(0, 500));
    const { peakRaw: _dropped, ...older } = d.toJSON();
    expect(() => restoreAnomalyDetector(older as never).update(ts[500]!, values[500]!)).not.toThrow();
  });
});
