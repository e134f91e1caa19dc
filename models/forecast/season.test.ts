import { describe, expect, it } from 'vitest';
import { calendarPeriods, detectPeriods, seasonalAutocorrelation } from './season.ts';
import { seededNormal, syntheticHourly } from './synthetic.ts';

const HOUR_MS = 3_600_000;

describe('calendarPeriods', () => {
  it('suggests a day of steps, and a week once three weeks are there', () => {
    expect(calendarPeriods(HOUR_MS, 24 * 20)).toEqual([24]);
    expect(calendarPeriods(HOUR_MS, 24 * 21)).toEqual([24, 168]);
    expect(calendarPeriods(5 * 60_000, 288 * 3)).toEqual([288]);
    expect(calendarPeriods(24 * HOUR_MS, 30)).toEqual([7]);
  });

  it('suggests nothing for intervals that divide no day, or too short a history', () => {
    expect(calendarPeriods(7 * 60_000, 10_000)).toEqual([]);
    expect(calendarPeriods(HOUR_MS, 50)).toEqual([]);
    expect(calendarPeriods(7 * 24 * HOUR_MS, 500)).toEqual([]);
  });
});

describe('detectPeriods', () => {
  it('confirms the daily season of an hourly series', () => {
    expect(detectPeriods(syntheticHourly({ points: 24 * 20, seed: 1 }), HOUR_MS).periods).toEqual([24]);
  });

  it('finds no season in noise, in a line, or in a constant', () => {
    const n = seededNormal(9);
    expect(
      detectPeriods(
        Array.from({ length: 600 }, () => n()),
        HOUR_MS,
      ).periods,
    ).toEqual([]);
    expect(
      detectPeriods(
        Array.from({ length: 600 }, (_, t) => 0.5 + 0.001 * t),
        HOUR_MS,
      ).periods,
    ).toEqual([]);
    expect(detectPeriods(new Array<number>(600).fill(4), HOUR_MS).periods).toEqual([]);
  });
});

describe('seasonalAutocorrelation', () => {
  it('is near 1 for a clean season riding on a trend', () => {
    const y = Array.from({ length: 200 }, (_, t) => 3 * t + 10 * Math.sin((2 * Math.PI * t) / 10));
    expect(seasonalAutocorrelation(y, 10)).toBeGreaterThan(0.9);
  });
});
