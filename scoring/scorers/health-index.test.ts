import { describe, expect, it } from 'vitest';
import { NOW_MS } from './fixtures.ts';
import { compositeOf, healthIndex, type Score } from './index.ts';

const score = (
  dimension: Score['dimension'],
  subject: string,
  value: number | null,
  scope: Score['scope'] = 'service',
): Score => ({
  dimension,
  scope,
  subject,
  value,
  components: [],
  computedAtMs: NOW_MS,
});

describe('healthIndex', () => {
  const services = {
    a: { reliability: score('reliability', 'a', 80), security: score('security', 'a', 60) },
    b: { cost: score('cost', 'b', 40) },
  };

  it('builds a service composite from its dimensions by weight', () => {
    // (80 × 0.3 + 60 × 0.2) / 0.5 = 72
    expect(compositeOf(services.a)).toBeCloseTo(72, 9);
  });

  it('weighs services by tier and adds platform-level dimensions', () => {
    // services: (72 × 3 + 40 × 1) / 4 = 64; with platform security 90:
    // (64 × 0.5 + 90 × 0.1) / 0.6 = 41 / 0.6 = 68.33
    const h = healthIndex({
      services,
      tiers: { a: 'tier-1', b: 'tier-3' },
      platform: { security: score('security', 'aws', 90, 'platform') },
      computedAtMs: NOW_MS,
    });
    expect(h.dimension).toBe('health');
    expect(h.scope).toBe('platform');
    expect(h.components[0]?.value).toBeCloseTo(64, 9);
    expect(h.value).toBeCloseTo(41 / 0.6, 9);
    expect(h.components[0]?.evidence.map((e) => e.description)).toEqual([
      'tier-1 (×3) composite 72.0',
      'tier-3 (×1) composite 40.0',
    ]);
  });

  it('counts a service missing from the tier list as tier-3', () => {
    const h = healthIndex({ services, tiers: {}, computedAtMs: NOW_MS });
    // (72 + 40) / 2 = 56
    expect(h.value).toBeCloseTo(56, 9);
  });

  it('is null with no scored service and no platform score', () => {
    expect(healthIndex({ services: { c: {} }, tiers: {}, computedAtMs: NOW_MS }).value).toBeNull();
  });
});
