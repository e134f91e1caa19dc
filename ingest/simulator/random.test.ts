import { describe, expect, it } from 'vitest';
import { createRandom, hashNormal, hashString, hashUnit, hashUuid } from './random.ts';

describe('random', () => {
  it('hashes to the same uniform for the same inputs, in [0, 1)', () => {
    expect(hashUnit(1, 2)).toBe(hashUnit(1, 2));
    expect(hashUnit(1, 2)).not.toBe(hashUnit(2, 1));
    for (let i = 0; i < 1000; i++) {
      const u = hashUnit(7, i);
      expect(u).toBeGreaterThanOrEqual(0);
      expect(u).toBeLessThan(1);
    }
  });

  it('gives noise with mean near 0 and sd near 1, bounded to ±3', () => {
    const xs = Array.from({ length: 20_000 }, (_, i) => hashNormal(hashString('series'), i));
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
    expect(Math.abs(mean)).toBeLessThan(0.05);
    expect(sd).toBeGreaterThan(0.9);
    expect(sd).toBeLessThan(1.1);
    expect(Math.max(...xs.map(Math.abs))).toBeLessThanOrEqual(3);
  });

  it('replays the same stream for the same seed and a different one for another seed', () => {
    const a = createRandom(5);
    const b = createRandom(5);
    const c = createRandom(6);
    const xs = [a.next(), a.next(), a.next()];
    expect([b.next(), b.next(), b.next()]).toEqual(xs);
    expect([c.next(), c.next(), c.next()]).not.toEqual(xs);
  });

  it('draws Poisson counts with the requested mean', () => {
    const rnd = createRandom(11);
    const n = 20_000;
    let sum = 0;
    for (let i = 0; i < n; i++) sum += rnd.poisson(0.5);
    expect(sum / n).toBeGreaterThan(0.47);
    expect(sum / n).toBeLessThan(0.53);
  });

  it('makes stable version-4 UUIDs', () => {
    expect(hashUuid(1, 2, 3)).toBe(hashUuid(1, 2, 3));
    expect(hashUuid(1, 2, 3)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
