/** A fixed-capacity window of the latest values kept both in arrival order and sorted, so the
 *  median and quartiles cost O(1) and an update costs one binary search plus a memmove. */
export class SortedWindow {
  private readonly ring: Float64Array;
  private readonly sorted: Float64Array;
  private head = 0;
  private n = 0;

  /** `capacity` values are kept; the oldest one leaves when a new one arrives. */
  constructor(readonly capacity: number) {
    this.ring = new Float64Array(capacity);
    this.sorted = new Float64Array(capacity);
  }

  /** How many values the window holds. */
  get size(): number {
    return this.n;
  }

  /** Adds a value, dropping the oldest when full. */
  push(value: number): void {
    if (this.n === this.capacity) {
      const old = this.ring[this.head]!;
      const at = this.lowerBound(old);
      this.sorted.copyWithin(at, at + 1, this.n);
      this.n--;
    }
    this.ring[this.head] = value;
    this.head = (this.head + 1) % this.capacity;
    const at = this.lowerBound(value);
    this.sorted.copyWithin(at + 1, at, this.n);
    this.sorted[at] = value;
    this.n++;
  }

  /** The q-quantile (0..1) by linear interpolation; NaN when empty. */
  quantile(q: number): number {
    if (this.n === 0) return Number.NaN;
    const pos = q * (this.n - 1);
    const lo = Math.floor(pos);
    const hi = Math.min(lo + 1, this.n - 1);
    return this.sorted[lo]! + (this.sorted[hi]! - this.sorted[lo]!) * (pos - lo);
  }

  /** Empties the window. */
  clear(): void {
    this.head = 0;
    this.n = 0;
  }

  /** Values oldest first (for state snapshots). */
  values(): number[] {
    const out: number[] = [];
    const start = (this.head - this.n + this.capacity) % this.capacity;
    for (let i = 0; i < this.n; i++) out.push(this.ring[(start + i) % this.capacity]!);
    return out;
  }

  /** Refills from values oldest first (the inverse of `values()`). */
  load(values: readonly number[]): void {
    this.clear();
    for (const v of values.slice(-this.capacity)) this.push(v);
  }

  private lowerBound(value: number): number {
    let lo = 0;
    let hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.sorted[mid]! < value) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** Robust centre and scale of a window: median, and the larger of IQR/1.349 and a floor, because
 *  quantised metrics (a CPU that sits at 0.1 %) have an IQR of zero and would make every blip infinite. */
export function robustScale(w: SortedWindow, floor: number): { center: number; scale: number } {
  const center = w.quantile(0.5);
  const iqr = w.quantile(0.75) - w.quantile(0.25);
  return { center, scale: Math.max(iqr / 1.349, floor) };
}

/** Two-sided tail mass of a standard normal beyond |z| folded into [0,1): 0 at z=0, → 1 as |z| grows. */
export function zToScore(z: number): number {
  if (!Number.isFinite(z)) return Number.isNaN(z) ? 0 : 1;
  return erf(Math.abs(z) / Math.SQRT2);
}

// Abramowitz–Stegun 7.1.26: |error| < 1.5e-7, plenty for a score.
function erf(x: number): number {
  const t = 1 / (1 + 0.3275911 * x);
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return Math.min(1, Math.max(0, y));
}
