import { describe, expect, it } from 'vitest';
import { AVAILABILITY_SLO, LATENCY_SLO, NOW_MS, RELIABILITY_FIXTURE, steadyWindows } from './fixtures.ts';
import { type ReliabilityInput, rollUp, type Score, scoreReliability } from './index.ts';

const component = (s: Score, name: string) => s.components.find((c) => c.name === name);

describe('scoreReliability', () => {
  it('scores the worked fixture at 40', () => {
    // attainment 100 × 0.3 + budget 0 × 0.25 + burn (page) 0 × 0.25 + latency 50 × 0.2 = 40
    const s = scoreReliability(RELIABILITY_FIXTURE, { nowMs: NOW_MS });
    expect(s.value).toBeCloseTo(40, 9);
    expect(component(s, 'attainment')?.value).toBeCloseTo(100, 9);
    expect(component(s, 'latency against target')?.value).toBeCloseTo(50, 9);
    expect(component(s, 'burn rate')?.value).toBe(0);
    expect(component(s, 'burn rate')?.detail).toContain('1h/5m');
    expect(component(s, 'error budget remaining')?.value).toBe(0);
    expect(component(s, 'error budget remaining')?.detail).toContain('checkout-latency');
  });

  it('gives half marks for half the budget left and 50 for a ticket-level burn', () => {
    // steady 2× burn: only 3d/6h fires (ticket → 50); SLO window overridden to 25 % consumed
    const windows = { ...steadyWindows(100, 0.002), slo: { total: 4_320_000, good: 4_320_000 - 1_080 } };
    const s = scoreReliability({ service: 'checkout', slos: [{ slo: AVAILABILITY_SLO, windows }] }, { nowMs: NOW_MS });
    expect(component(s, 'burn rate')?.value).toBe(50);
    expect(component(s, 'error budget remaining')?.value).toBeCloseTo(75, 9);
    expect(component(s, 'attainment')?.value).toBe(100);
    expect(component(s, 'latency against target')?.value).toBeNull();
    // (100 × 0.3 + 75 × 0.25 + 50 × 0.25) / 0.8 = 61.25 / 0.8 = 76.5625
    expect(s.value).toBeCloseTo(76.5625, 9);
  });

  it('scores a missed target linearly to 0 at twice the budget spent', () => {
    // 99.85 % against 99.9 %: overspent by half → 50
    const windows = { slo: { total: 1_000_000, good: 998_500 } };
    const s = scoreReliability({ service: 'checkout', slos: [{ slo: AVAILABILITY_SLO, windows }] }, { nowMs: NOW_MS });
    expect(component(s, 'attainment')?.value).toBeCloseTo(50, 9);
    expect(component(s, 'attainment')?.detail).toContain('misses');
  });

  it('holds a low-traffic service at null with "insufficient traffic" instead of scoring noise', () => {
    // 40 events a month, 2 bad: 95 % would read as a disaster, but 40 < 100 events
    const windows = { slo: { total: 40, good: 38 }, '1h': { total: 2, good: 1 }, '5m': { total: 1, good: 0 } };
    const s = scoreReliability(
      { service: 'quiet', slos: [{ slo: { ...AVAILABILITY_SLO, service: 'quiet' }, windows }] },
      { nowMs: NOW_MS },
    );
    expect(s.value).toBeNull();
    for (const name of ['attainment', 'error budget remaining', 'burn rate']) {
      expect(component(s, name)?.value).toBeNull();
      expect(component(s, name)?.detail).toContain('insufficient traffic');
    }
  });

  it('lets minEvents lower the guard', () => {
    const windows = { slo: { total: 40, good: 38 } };
    const s = scoreReliability(
      { service: 'quiet', slos: [{ slo: AVAILABILITY_SLO, windows }] },
      { nowMs: NOW_MS, minEvents: 10 },
    );
    // 95 % against 99.9 %: overspent 49× → 0
    expect(component(s, 'attainment')?.value).toBe(0);
  });

  it('does not apply the events guard to Timeslices SLOs', () => {
    const windows = { slo: { total: 50, good: 50 } };
    const s = scoreReliability({ service: 'checkout', slos: [{ slo: LATENCY_SLO, windows }] }, { nowMs: NOW_MS });
    expect(component(s, 'latency against target')?.value).toBe(100);
  });

  it('takes the worst SLO so a healthy one cannot hide a breached one', () => {
    const healthy = {
      slo: { ...AVAILABILITY_SLO, name: 'a' },
      windows: { slo: { total: 1_000_000, good: 1_000_000 } },
    };
    const breached = { slo: { ...AVAILABILITY_SLO, name: 'b' }, windows: { slo: { total: 1_000_000, good: 998_500 } } };
    const s = scoreReliability({ service: 'checkout', slos: [healthy, breached] }, { nowMs: NOW_MS });
    expect(component(s, 'attainment')?.value).toBeCloseTo(50, 9);
    expect(component(s, 'attainment')?.detail).toContain('worst of 2 SLOs is b');
  });

  it('rejects a weight that is not a positive number', () => {
    expect(() => scoreReliability(RELIABILITY_FIXTURE, { nowMs: NOW_MS, weights: { 'burn rate': 0 } })).toThrow(
      'weights.burn rate must be a number > 0 (got 0)',
    );
  });

  it('rejects an SLO target given as a percentage', () => {
    const slo = { ...AVAILABILITY_SLO, target: 99.9 };
    expect(() => scoreReliability({ service: 'checkout', slos: [{ slo, windows: {} }] }, { nowMs: NOW_MS })).toThrow(
      'SLO checkout-availability target must be > 0 and < 1 (got 99.9)',
    );
  });

  it('gives a service without SLOs a null score', () => {
    expect(scoreReliability({ service: 'none', slos: [] }, { nowMs: NOW_MS }).value).toBeNull();
  });

  it('points every window at the rows and time range that produced it', () => {
    const s = scoreReliability(RELIABILITY_FIXTURE, { nowMs: NOW_MS });
    const page = component(s, 'burn rate')?.evidence.find((e) => e.description.startsWith('1h/5m'));
    expect(page?.source).toEqual({
      table: 'metrics_1m',
      filter: { service: 'checkout' },
      fromMs: NOW_MS - 3_600_000,
      toMs: NOW_MS,
    });
    expect(page?.value).toBeCloseTo(15, 9);
    expect(page?.threshold).toBe(14.4);
  });

  it('uses the source the caller gives', () => {
    const input: ReliabilityInput = {
      service: 'checkout',
      slos: [
        {
          ...(RELIABILITY_FIXTURE.slos[0] as ReliabilityInput['slos'][number]),
          source: { table: 'slo_counts_5m', filter: { slo_id: '7' } },
        },
      ],
    };
    const s = scoreReliability(input, { nowMs: NOW_MS });
    expect(component(s, 'attainment')?.evidence[0]?.source.table).toBe('slo_counts_5m');
    expect(component(s, 'attainment')?.evidence[0]?.source.filter).toEqual({ slo_id: '7' });
  });
});

describe('rollUp', () => {
  const score = (subject: string, value: number | null): Score => ({
    dimension: 'reliability',
    scope: 'service',
    subject,
    value,
    components: [],
    computedAtMs: NOW_MS,
  });

  it('weighs child scores and leaves out those without data', () => {
    // (80 × 3 + 40 × 1) / 4 = 70; 'c' has no data and drops out
    const team = rollUp([score('a', 80), score('b', 40), score('c', null)], {
      dimension: 'reliability',
      scope: 'team',
      subject: 'payments',
      weights: { a: 3 },
      computedAtMs: NOW_MS,
    });
    expect(team.value).toBeCloseTo(70, 9);
    expect(team.scope).toBe('team');
    expect(team.components.map((c) => c.name)).toEqual(['service:a', 'service:b', 'service:c']);
    expect(team.components[0]?.evidence[0]?.source).toEqual({
      table: 'scores',
      filter: { dimension: 'reliability', scope: 'service', subject: 'a' },
      toMs: NOW_MS,
    });
  });

  it('rejects scores of another dimension and non-positive weights', () => {
    const params = { dimension: 'cost', scope: 'platform', subject: 'p', computedAtMs: NOW_MS } as const;
    expect(() => rollUp([score('a', 1)], params)).toThrow('rollUp scores must all be cost (got reliability for a)');
    expect(() => rollUp([score('a', 1)], { ...params, dimension: 'reliability', weights: { a: 0 } })).toThrow(
      'must be > 0 (got 0)',
    );
  });

  it('gives an empty roll-up a null value', () => {
    expect(rollUp([], { dimension: 'cost', scope: 'platform', subject: 'p', computedAtMs: NOW_MS }).value).toBeNull();
  });
});
