import { describe, expect, it } from 'vitest';
import { NOW_MS, SECURITY_FIXTURE } from './fixtures.ts';
import { type Score, type SecurityInput, scoreSecurity } from './index.ts';

const component = (s: Score, name: string) => s.components.find((c) => c.name === name);

describe('scoreSecurity', () => {
  const s = scoreSecurity(SECURITY_FIXTURE, { nowMs: NOW_MS });

  it('takes 50 points off per root event', () => {
    expect(component(s, 'root use')?.value).toBe(50);
    expect(scoreSecurity({ ...SECURITY_FIXTURE, rootEvents: 3 }, { nowMs: NOW_MS }).components[0]?.value).toBe(0);
  });

  it('scores the share of privileged actions made with MFA', () => {
    // 10 of 40 without MFA → 75
    expect(component(s, 'privileged without MFA')?.value).toBe(75);
  });

  it('scores a denial spike by how far it overshoots three times the baseline', () => {
    // 60 / 1,000 = 6 % against 3 × 1 % = 3 %: spike; 100 × 3 / 6 = 50
    expect(component(s, 'denial spike')?.value).toBeCloseTo(50, 9);
    expect(component(s, 'denial spike')?.detail).toContain('spike');
  });

  it('does not call a high ratio on a handful of denials a spike', () => {
    // 10 of 100 = 10 %, ten times the baseline, but 10 < 20 denials
    const few: SecurityInput = { ...SECURITY_FIXTURE, totalNow: 100, deniedNow: 10 };
    expect(component(scoreSecurity(few, { nowMs: NOW_MS }), 'denial spike')?.value).toBe(100);
  });

  it('takes 10 points off per new principal', () => {
    expect(component(s, 'new principals')?.value).toBe(80);
    expect(component(s, 'new principals')?.evidence.map((e) => e.subject)).toHaveLength(2);
  });

  it('scores the share of granted actions exercised', () => {
    // 4 + 1 unused of 20 granted → 75
    expect(component(s, 'unused privileges')?.value).toBe(75);
    expect(component(s, 'unused privileges')?.detail).toContain('in 90 days');
  });

  it('combines the components by weight into 64.25', () => {
    // 50 × 0.3 + 75 × 0.25 + 50 × 0.15 + 80 × 0.1 + 75 × 0.2 = 64.25
    expect(s.value).toBeCloseTo(64.25, 9);
  });

  it('gives null, not 100, when there is no access telemetry at all', () => {
    const none: SecurityInput = {
      subject: 'x',
      fromMs: NOW_MS - 1,
      toMs: NOW_MS,
      totalNow: 0,
      rootEvents: 0,
      privilegedEvents: 0,
      privilegedWithoutMfa: 0,
      deniedNow: 0,
      deniedBaseline: null,
      newPrincipals: [],
    };
    const e = scoreSecurity(none, { nowMs: NOW_MS });
    expect(e.value).toBeNull();
    expect(e.components.map((c) => c.value)).toEqual([null, null, null, null, null]);
  });
});
