import { describe, expect, it } from 'vitest';
import { SeasonalMadDetector } from './seasonal-mad.ts';
import { DAY_MS } from './types.ts';

const STEP_MS = 300_000;
const PER_DAY = DAY_MS / STEP_MS;

// Five days of quiet noise with a spike to 40 at about 03:00 every day, drifting by up to two steps (a
// nightly job), and the same spike at 15:00 on the last day.
function nightlyJob(): { ts: number[]; values: number[] } {
  const ts: number[] = [];
  const values: number[] = [];
  for (let i = 0; i < 5 * PER_DAY; i++) {
    const day = Math.floor(i / PER_DAY);
    const slot = i % PER_DAY;
    const job = slot === 36 + ((day * 7) % 5) - 2;
    const once = day === 4 && slot === 180;
    ts.push(i * STEP_MS);
    values.push(job || once ? 40 : 10 + ((i * 7919) % 13) / 13);
  }
  return { ts, values };
}

function surprises(d: SeasonalMadDetector, values = nightlyJob().values): number[] {
  const { ts } = nightlyJob();
  return values.map((v, i) => d.step(ts[i]!, v));
}

describe('SeasonalMadDetector', () => {
  it('caps a surprise that already happened at about this time of day on a past day', () => {
    const z = surprises(new SeasonalMadDetector({ seasonDays: 3, recurrenceJitterMs: 900_000 }));
    const jobs = [1, 2, 3, 4].map((day) => Math.max(...z.slice(day * PER_DAY + 30, day * PER_DAY + 42)));
    expect(jobs.every((s) => s <= 3)).toBe(true);
  });

  it('still flags the same spike at a new time of day', () => {
    const z = surprises(new SeasonalMadDetector({ seasonDays: 3, recurrenceJitterMs: 900_000 }));
    expect(z[4 * PER_DAY + 180]!).toBeGreaterThan(10);
  });

  it('flags every recurrence by default (recurrenceJitterMs 0)', () => {
    const z = surprises(new SeasonalMadDetector({ seasonDays: 3 }));
    expect(Math.max(...z.slice(3 * PER_DAY + 30, 3 * PER_DAY + 42))).toBeGreaterThan(10);
  });

  it('never looks ahead with the recurrence check: later points leave earlier surprises unchanged', () => {
    const { values } = nightlyJob();
    const full = surprises(new SeasonalMadDetector({ seasonDays: 3, recurrenceJitterMs: 900_000 }));
    for (const cut of [PER_DAY + 35, 3 * PER_DAY + 36, 4 * PER_DAY + 100]) {
      const changed = values.map((v, i) => (i < cut ? v : 40 - ((i * 31) % 17)));
      const z = surprises(new SeasonalMadDetector({ seasonDays: 3, recurrenceJitterMs: 900_000 }), changed);
      expect(z.slice(0, cut)).toEqual(full.slice(0, cut));
    }
  });
});
