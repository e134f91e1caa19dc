/** Seeded, dependency-free randomness. Two flavours:
 *  - `hashUnit(...)`: a uniform number that is a pure function of its integer inputs. Per-bucket
 *    values use it so that a point never depends on what was generated before it (slicing a range
 *    anywhere gives the same points).
 *  - `createRandom(seed)`: a mulberry32 stream, for building things in one go (the catalog, the
 *    incidents of one day, the access events of one hour). */

/** 32-bit FNV-1a hash of a string. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Murmur3's finaliser: spreads every input bit over the whole word. */
function fmix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Combines integers into one well-mixed 32-bit hash (order matters). Inputs are taken modulo 2^32. */
export function hashInts(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const p of parts) {
    // Values past 2^32 (hour or minute indexes are well below it) keep their high bits this way.
    const lo = p >>> 0;
    const hi = Math.floor(p / 0x100000000) >>> 0;
    h = fmix32(h ^ lo) + Math.imul(hi, 0x27d4eb2f);
    h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  }
  return fmix32(h);
}

/** `hashInts(key, index)` for the per-point hot path: same mixing, no rest-array allocation.
 *  Both inputs must be below 2^32 (keys are hashes; bucket indexes are far below that). */
function hash2(key: number, index: number): number {
  let h = fmix32(0x9e3779b9 ^ (key >>> 0));
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  h = fmix32(h ^ (index >>> 0));
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  return fmix32(h);
}

/** A uniform number in [0, 1) that depends only on (key, index). */
export function hashUnit(key: number, index: number): number {
  return hash2(key, index) / 0x100000000;
}

/** Roughly normal noise (mean 0, sd ≈ 1, bounded to ±3) that depends only on (key, index): the
 *  sum of three uniforms drawn from one hash. Cheaper than Box-Muller, which matters per point. */
export function hashNormal(key: number, index: number): number {
  const h = hash2(key, index);
  const u1 = h / 0x100000000;
  const u2 = fmix32(h + 0x632be5ab) / 0x100000000;
  const u3 = fmix32(h + 0x85157af5) / 0x100000000;
  return (u1 + u2 + u3 - 1.5) * 2;
}

/** A random version-4 UUID that depends only on its inputs (for stable event ids). */
export function hashUuid(...parts: number[]): string {
  const words = [1, 2, 3, 4]
    .map((w) =>
      hashInts(...parts, w)
        .toString(16)
        .padStart(8, '0'),
    )
    .join('');
  return `${words.slice(0, 8)}-${words.slice(8, 12)}-4${words.slice(13, 16)}-a${words.slice(17, 20)}-${words.slice(20, 32)}`;
}

/** A seeded pseudo-random stream. */
export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [min, max], both ends included. */
  int(min: number, max: number): number;
  /** Uniform in [min, max). */
  between(min: number, max: number): number;
  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T;
  /** True with probability `p`. */
  chance(p: number): boolean;
  /** A Poisson-distributed count with mean `lambda` (Knuth's method: fine for small means). */
  poisson(lambda: number): number;
  /** `chars` random hex characters, for ids. */
  hex(chars: number): string;
}

/** A mulberry32 stream seeded with a 32-bit integer. */
export function createRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 0x100000000;
  };
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    between: (min, max) => min + next() * (max - min),
    pick: (items) => {
      if (items.length === 0) throw new RangeError('pick needs a non-empty array');
      return items[Math.floor(next() * items.length)] as (typeof items)[number];
    },
    chance: (p) => next() < p,
    poisson: (lambda) => {
      const limit = Math.exp(-lambda);
      let k = 0;
      let p = next();
      while (p > limit) {
        k++;
        p *= next();
      }
      return k;
    },
    hex: (chars) => {
      let out = '';
      while (out.length < chars)
        out += Math.floor(next() * 0x100000000)
          .toString(16)
          .padStart(8, '0');
      return out.slice(0, chars);
    },
  };
}
