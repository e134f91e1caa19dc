import { describe, expect, it } from 'vitest';
import { NOW_MS, OPERATIONS_FIXTURE } from './fixtures.ts';
import { bandOf, DORA_BANDS, type Score, scoreOperations } from './index.ts';

const component = (s: Score, name: string) => s.components.find((c) => c.name === name);

describe('scoreOperations', () => {
  const s = scoreOperations(OPERATIONS_FIXTURE, { nowMs: NOW_MS });

  it('counts automated corrections that were kept', () => {
    // 8 automated − 2 rolled back = 6 of 10 → 60
    expect(component(s, 'automation share')?.value).toBe(60);
  });

  it('bands mean time to detect and names the band', () => {
    // (2 + 10 + 3) / 3 = 5 min: elite (≤ 5 min) → 100
    expect(component(s, 'time to detect')?.value).toBe(100);
    expect(component(s, 'time to detect')?.detail).toContain('elite');
  });

  it('bands mean time to restore over resolved incidents only', () => {
    // (30 + 150) / 2 = 90 min: high (≤ 1 d) → 75; the open incident is left out
    expect(component(s, 'time to restore')?.value).toBe(75);
    expect(component(s, 'time to restore')?.detail).toContain('high (DORA 2023)');
  });

  it('bands the change failure rate', () => {
    // 5 / 40 = 12.5 %: medium (≤ 15 %) → 50
    expect(component(s, 'change failure rate')?.value).toBe(50);
  });

  it('combines the components by weight into 70', () => {
    // 60 × 0.25 + 100 × 0.2 + 75 × 0.3 + 50 × 0.25 = 70
    expect(s.value).toBeCloseTo(70, 9);
  });

  it('gives null components when there are no corrections, incidents or deploys', () => {
    const e = scoreOperations(
      { ...OPERATIONS_FIXTURE, corrections: null, incidents: [], changes: { deploys: 0, failed: 0 } },
      { nowMs: NOW_MS },
    );
    expect(e.value).toBeNull();
    expect(e.components.map((c) => c.detail)).toEqual([
      'no corrective actions',
      'no incidents',
      'no incidents',
      'no deployments',
    ]);
  });
});

describe('bandOf', () => {
  it('puts values on a bound in the better band', () => {
    expect(bandOf(0.05, DORA_BANDS.changeFailureRate)).toBe('elite');
    expect(bandOf(0.16, DORA_BANDS.changeFailureRate)).toBe('low');
    expect(bandOf(2 * 86_400_000, DORA_BANDS.timeToRestoreMs)).toBe('medium');
  });
});
