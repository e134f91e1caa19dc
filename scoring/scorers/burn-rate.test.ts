import { describe, expect, it } from 'vitest';
import { DAY_MS, HOUR_MS, steadyWindows } from './fixtures.ts';
import {
  attainment,
  BURN_RATE_RULES,
  budgetConsumedAt,
  burnRate,
  burnRateAlerts,
  errorBudget,
  WINDOW_MS,
} from './index.ts';

const SLO_30D_MS = 30 * DAY_MS;

describe('burn-rate arithmetic', () => {
  it('matches the SRE Workbook: 14.4× over 1 h burns 2 % of a 30-day budget', () => {
    // 14.4 × 1 h / 720 h = 0.02
    expect(budgetConsumedAt(14.4, HOUR_MS, SLO_30D_MS)).toBeCloseTo(0.02, 12);
  });

  it('matches the SRE Workbook for the other three rules: 5 %, 10 % and 10 %', () => {
    // 6 × 6 h / 720 h = 0.05; 3 × 24 h / 720 h = 0.1; 1 × 72 h / 720 h = 0.1
    const shares = BURN_RATE_RULES.map((r) => budgetConsumedAt(r.factor, WINDOW_MS[r.long], SLO_30D_MS));
    expect(shares.map((s) => Number(s.toFixed(6)))).toEqual([0.02, 0.05, 0.1, 0.1]);
  });

  it('uses short windows one twelfth of the long ones', () => {
    for (const r of BURN_RATE_RULES) expect(WINDOW_MS[r.short] * 12).toBe(WINDOW_MS[r.long]);
  });

  it('pages on the 14.4 and 6 rules and tickets on the 3 and 1 rules', () => {
    expect(BURN_RATE_RULES.map((r) => `${r.factor}:${r.severity}`)).toEqual([
      '14.4:page',
      '6:page',
      '3:ticket',
      '1:ticket',
    ]);
  });

  it('computes burn as error rate over allowed error rate', () => {
    // 15 bad of 1,000 = 1.5 %; 1.5 % / 0.1 % = 15
    expect(burnRate({ good: 985, total: 1000 }, 0.999)).toBeCloseTo(15, 9);
    expect(burnRate({ good: 1000, total: 1000 }, 0.999)).toBe(0);
  });

  it('gives a 99.9 % SLO at 1.44 % errors a burn of exactly 14.4', () => {
    // 144 bad of 10,000 = 1.44 % = 14.4 × 0.1 %
    expect(burnRate({ good: 9856, total: 10_000 }, 0.999)).toBeCloseTo(14.4, 9);
  });

  it('returns null burn and attainment for a window without events', () => {
    expect(burnRate({ good: 0, total: 0 }, 0.999)).toBeNull();
    expect(attainment({ good: 0, total: 0 })).toBeNull();
    expect(errorBudget({ good: 0, total: 0 }, 0.999)).toBeNull();
  });

  it('rejects targets outside (0, 1) with a message naming the value', () => {
    expect(() => burnRate({ good: 1, total: 1 }, 1)).toThrow('target must be > 0 and < 1 (got 1)');
    expect(() => burnRate({ good: 1, total: 1 }, 0)).toThrow('(got 0)');
    expect(() => burnRate({ good: 1, total: 1 }, 99.9)).toThrow('(got 99.9)');
  });
});

describe('errorBudget', () => {
  it('allows (1 − target) × total bad events and reports the rest', () => {
    // 1,000,000 events at 99.9 %: 1,000 allowed; 250 bad → 25 % consumed, 75 % left
    const b = errorBudget({ good: 999_750, total: 1_000_000 }, 0.999);
    expect(b?.allowedBad).toBeCloseTo(1000, 6);
    expect(b?.bad).toBe(250);
    expect(b?.consumedFraction).toBeCloseTo(0.25, 9);
    expect(b?.remainingFraction).toBeCloseTo(0.75, 9);
  });

  it('goes negative when the budget is overspent', () => {
    // 1,500 bad of 1,000 allowed → 150 % consumed, −50 % left
    expect(errorBudget({ good: 998_500, total: 1_000_000 }, 0.999)?.remainingFraction).toBeCloseTo(-0.5, 9);
  });

  it('counts time slices the same way for Timeslices SLOs', () => {
    // 43,200 one-minute slices at 99 %: 432 bad allowed; 216 bad → half left
    expect(errorBudget({ good: 43_200 - 216, total: 43_200 }, 0.99)?.remainingFraction).toBeCloseTo(0.5, 9);
  });
});

describe('burnRateAlerts', () => {
  const firing = (alerts: ReturnType<typeof burnRateAlerts>) => alerts.filter((a) => a.firing).map((a) => a.rule);

  it('fires only the 3d/6h rule on a steady 2× burn', () => {
    // 0.2 % errors against 0.1 % allowed: burn 2 everywhere; only factor 1 is exceeded
    const alerts = burnRateAlerts(steadyWindows(100, 0.002), 0.999);
    expect(alerts.map((a) => a.longBurn)).toEqual([2, 2, 2, 2].map((x) => expect.closeTo(x, 9)));
    expect(firing(alerts)).toEqual(['3d/6h']);
    expect(alerts.find((a) => a.firing)?.severity).toBe('ticket');
  });

  it('fires all four rules on a steady 20× burn, the first two as pages', () => {
    const alerts = burnRateAlerts(steadyWindows(100, 0.02), 0.999);
    expect(firing(alerts)).toEqual(['1h/5m', '6h/30m', '1d/2h', '3d/6h']);
    expect(alerts.filter((a) => a.severity === 'page').every((a) => a.firing)).toBe(true);
  });

  it('does not fire at exactly the factor: the burn must exceed it', () => {
    // 1.44 % errors = 14.4× in both windows
    const windows = { '1h': { good: 9856, total: 10_000 }, '5m': { good: 9856, total: 10_000 } };
    const [rule] = burnRateAlerts(windows, 0.999);
    expect(rule?.longBurn).toBeCloseTo(14.4, 9);
    expect(rule?.firing).toBe(false);
    expect(rule?.state).toBe('ok');
  });

  it('needs both windows over the factor: a long burn that has stopped does not fire', () => {
    // 1h: 2 % → 20×; 5m: 0 % → 0×: the incident is over, so the page resets
    const stopped = { '1h': { good: 5880, total: 6000 }, '5m': { good: 500, total: 500 } };
    expect(burnRateAlerts(stopped, 0.999)[0]?.firing).toBe(false);
    // 1h: 0.1 % → 1×; 5m: 2 % → 20×: a blip, not yet 2 % of the budget
    const blip = { '1h': { good: 5994, total: 6000 }, '5m': { good: 490, total: 500 } };
    expect(burnRateAlerts(blip, 0.999)[0]?.firing).toBe(false);
    const both = { '1h': { good: 5880, total: 6000 }, '5m': { good: 490, total: 500 } };
    expect(burnRateAlerts(both, 0.999)[0]?.firing).toBe(true);
  });

  it('holds a rule when a window has fewer events than minEvents, however high the burn', () => {
    // 10 bad of 50 = 20 % → burn 200, but 50 < 100 events
    const low = { '1h': { good: 40, total: 50 }, '5m': { good: 8, total: 10 } };
    const [guarded] = burnRateAlerts(low, 0.999);
    expect(guarded?.longBurn).toBeCloseTo(200, 9);
    expect(guarded?.state).toBe('insufficient-traffic');
    expect(guarded?.firing).toBe(false);
    expect(burnRateAlerts(low, 0.999, { minEvents: 0 })[0]?.firing).toBe(true);
  });

  it('reports no-data for rules whose windows are missing', () => {
    const alerts = burnRateAlerts({}, 0.999);
    expect(alerts.map((a) => a.state)).toEqual(['no-data', 'no-data', 'no-data', 'no-data']);
  });
});
