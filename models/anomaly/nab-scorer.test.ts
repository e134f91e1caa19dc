import { describe, expect, it } from 'vitest';
import { type NabFile, nabProbation, parseNabTimestamp, scaledSigmoid, scoreNab } from './nab-scorer.ts';

const STEP = 60_000;
function file(n: number, windows: [number, number][], detections: number[]): NabFile {
  const ts = Array.from({ length: n }, (_, i) => i * STEP);
  const scores = new Float64Array(n);
  for (const d of detections) scores[d] = 1;
  return {
    name: 'f',
    timestampsMs: ts,
    scores,
    windows: windows.map(([s, e]) => ({ startMs: s * STEP, endMs: e * STEP })),
  };
}

describe('scoreNab', () => {
  it('gives 100 to a detection at the first point of every window', () => {
    expect(scoreNab([file(1000, [[400, 499]], [400])]).score).toBeCloseTo(100, 6);
  });

  it('gives 0 to a detector that never detects', () => {
    const r = scoreNab([file(1000, [[400, 499]], [])]);
    expect(r.score).toBe(0);
    expect(r.fn).toBe(1);
  });

  it('rewards an early detection more than a late one, and counts only the first in a window', () => {
    const early = scoreNab([file(1000, [[400, 499]], [410])]).score;
    const late = scoreNab([file(1000, [[400, 499]], [480])]).score;
    const twice = scoreNab([file(1000, [[400, 499]], [410, 420, 430])]).score;
    expect(early).toBeGreaterThan(late);
    expect(twice).toBeCloseTo(early, 9);
  });

  it('charges false positives, less just after a window than far from it', () => {
    const clean = scoreNab([file(2000, [[400, 499]], [400])]).score;
    const nearFp = scoreNab([file(2000, [[400, 499]], [400, 510])]).score;
    const farFp = scoreNab([file(2000, [[400, 499]], [400, 1500])]).score;
    expect(nearFp).toBeLessThan(clean);
    expect(farFp).toBeLessThan(nearFp);
  });

  it('ignores detections in the probation period', () => {
    expect(nabProbation(1000)).toBe(150);
    expect(nabProbation(100_000)).toBe(750);
    expect(scoreNab([file(1000, [[400, 499]], [10, 400])]).score).toBeCloseTo(100, 6);
  });

  it('picks one threshold for the whole corpus', () => {
    const a = file(1000, [[400, 499]], []);
    const b = file(1000, [[600, 699]], []);
    (a.scores as Float64Array)[400] = 0.9;
    (b.scores as Float64Array)[600] = 0.7;
    (b.scores as Float64Array)[300] = 0.8; // a false positive above b's true detection
    const r = scoreNab([a, b]);
    expect(r.threshold).toBe(0.7);
    expect(r.tp).toBe(2);
    expect(r.fp).toBe(1);
  });
});

describe('scaledSigmoid', () => {
  it('is about 1 at a window start, 0 at its end and -1 long after', () => {
    expect(scaledSigmoid(-1)).toBeCloseTo(0.9866, 3);
    expect(scaledSigmoid(0)).toBe(0);
    expect(scaledSigmoid(10)).toBe(-1);
  });
});

describe('parseNabTimestamp', () => {
  it('reads NAB, ISO 8601 and zoned timestamps as UTC', () => {
    const ms = Date.UTC(2014, 3, 1, 0, 5);
    expect(parseNabTimestamp('2014-04-01 00:05:00')).toBe(ms);
    expect(parseNabTimestamp('2014-04-01 00:05:00.000000')).toBe(ms);
    expect(parseNabTimestamp('2014-04-01T00:05:00Z')).toBe(ms);
    expect(parseNabTimestamp('2014-04-01T02:05:00+02:00')).toBe(ms);
    expect(parseNabTimestamp('2014-04-01T00:05:00')).toBe(ms);
    expect(parseNabTimestamp(String(ms / 1000))).toBe(ms);
    expect(parseNabTimestamp(String(ms))).toBe(ms);
    expect(parseNabTimestamp('nonsense')).toBeNaN();
  });
});
