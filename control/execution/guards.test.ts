import { describe, expect, it } from 'vitest';
import { aegisConfigSchema } from '../../core/config/index.ts';
import { checkGuards, type GuardInput, inChangeWindow, nextWindowStart } from './guards.ts';

const config = (execution: Record<string, unknown> = {}) =>
  aegisConfigSchema.parse({ control: { execution } }).control.execution;
// Wednesday 2026-11-25 12:00 UTC.
const WED_NOON = Date.UTC(2026, 10, 25, 12, 0, 0);
const input = (over: Partial<GuardInput> = {}): GuardInput => ({
  action: {
    id: 'act-1',
    type: 'stop_idle',
    service: 'checkout-api',
    team: 'checkout',
    impact: { costUsdMonth: -50, errorBudgetCost: 0.02, blastRadius: 1 },
  },
  addsRisk: true,
  nowMs: WED_NOON,
  burnSeverity: 'none',
  startedLastHour: { type: 0, team: 0 },
  ...over,
});

describe('checkGuards', () => {
  it('lets an action run when nothing holds it', () => {
    expect(checkGuards(input(), config())).toBeUndefined();
  });

  it('cancels for good an action touching more than maxBlastRadius resources', () => {
    const hold = checkGuards(
      input({ action: { ...input().action, impact: { costUsdMonth: 0, errorBudgetCost: 0, blastRadius: 51 } } }),
      config(),
    );
    expect(hold).toMatchObject({ guard: 'blast_radius', final: true });
    expect(hold?.reason).toMatch(/touches 51 resources, more than maxBlastRadius 50/);
  });

  it('holds risk-adding actions during a freeze, but not remediations', () => {
    const c = config({
      freezes: [{ from: '2026-11-25T00:00:00Z', to: '2026-11-26T00:00:00Z', reason: 'Black Friday' }],
    });
    expect(checkGuards(input(), c)).toMatchObject({
      guard: 'freeze',
      reason: 'change freeze until 2026-11-26T00:00:00.000Z (Black Friday)',
    });
    expect(checkGuards(input({ addsRisk: false }), c)).toBeUndefined();
    expect(checkGuards(input({ nowMs: Date.UTC(2026, 10, 26, 1) }), c)).toBeUndefined();
  });

  it('holds risk-adding actions outside the change windows and says when the next opens', () => {
    const c = config({ changeWindows: [{ days: [1, 2, 3, 4, 5], startHourUtc: 8, endHourUtc: 11 }] });
    const hold = checkGuards(input(), c);
    expect(hold).toMatchObject({ guard: 'change_window' });
    expect(hold?.reason).toMatch(/next opens at 2026-11-26T08:00:00.000Z/);
    expect(checkGuards(input({ nowMs: Date.UTC(2026, 10, 25, 9) }), c)).toBeUndefined();
  });

  it('holds a risk-adding action while the fast burn-rate alert fires (the SLO guard)', () => {
    expect(checkGuards(input({ burnSeverity: 'page' }), config())).toMatchObject({ guard: 'slo_guard' });
    expect(checkGuards(input({ burnSeverity: 'ticket' }), config())).toBeUndefined();
    expect(checkGuards(input({ burnSeverity: 'page', addsRisk: false }), config())).toBeUndefined();
  });

  it('holds every action past the hourly rate limits of its type and its team', () => {
    const c = config({ maxPerTypePerHour: 2, maxPerTeamPerHour: 3 });
    expect(checkGuards(input({ addsRisk: false, startedLastHour: { type: 2, team: 0 } }), c)).toMatchObject({
      guard: 'rate_limit',
    });
    expect(checkGuards(input({ startedLastHour: { type: 1, team: 3 } }), c)?.reason).toMatch(
      /actions of team checkout ran in the last hour/,
    );
    expect(checkGuards(input({ startedLastHour: { type: 1, team: 2 } }), c)).toBeUndefined();
  });
});

describe('change windows', () => {
  const windows = [{ days: [0, 6], startHourUtc: 22, endHourUtc: 24 }];
  it('are UTC days and hours, end exclusive', () => {
    expect(inChangeWindow(windows, Date.UTC(2026, 10, 28, 22, 30))).toBe(true); // Saturday
    expect(inChangeWindow(windows, Date.UTC(2026, 10, 28, 21, 59))).toBe(false);
    expect(inChangeWindow(windows, Date.UTC(2026, 10, 25, 23))).toBe(false); // Wednesday
  });
  it('find the next start within a week', () => {
    expect(nextWindowStart(windows, WED_NOON)).toBe(Date.UTC(2026, 10, 28, 22));
    expect(nextWindowStart([], WED_NOON)).toBeUndefined();
  });
});
