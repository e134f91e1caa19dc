import { zToScore } from './rolling.ts';
import type { PointDetector } from './types.ts';

/** Options of the EWMA/CUSUM level-shift detector. */
export interface CusumOptions {
  /** Span in points of the EWMA baseline when run on raw values. @default 100 */
  spanPoints?: number;
  /** Allowance per point in z units: drifts smaller than this never accumulate. @default 0.75 */
  driftZ?: number;
  /** Accumulated z at which a shift is confirmed (and the baseline restarts). @default 12 */
  thresholdZ?: number;
  /** Each point adds at most this many z, so one spike cannot confirm a shift alone. @default 4 */
  clipZ?: number;
}

/** Serialised state of a `CusumDetector`. */
export interface CusumState {
  kind: 'cusum';
  options: Required<CusumOptions>;
  mean: number;
  absDev: number;
  count: number;
  up: number;
  down: number;
}

const VERSION = 'cusum-1';

/** Two-sided CUSUM over standardised residuals: small sustained shifts that no single point
 *  reveals add up here. Standalone it standardises against its own EWMA baseline; inside the
 *  ensemble it is fed the seasonal baseline's residual z instead (`stepZ`). */
export class CusumDetector implements PointDetector<CusumState> {
  readonly name = 'cusum';
  readonly version = VERSION;
  /** True when the last point confirmed a shift (the statistic then restarts from zero). */
  shiftConfirmed = false;
  /** Direction of the last confirmed shift: 1 up, -1 down. */
  shiftSign = 0;

  private readonly o: Required<CusumOptions>;
  private mean = 0;
  private absDev = 0;
  private count = 0;
  private up = 0;
  private down = 0;

  /** A fresh detector; see `CusumOptions` for the defaults. */
  constructor(options: CusumOptions = {}) {
    this.o = {
      spanPoints: options.spanPoints ?? 100,
      driftZ: options.driftZ ?? 0.75,
      thresholdZ: options.thresholdZ ?? 12,
      clipZ: options.clipZ ?? 4,
    };
  }

  /** Continues from a snapshot taken by `toJSON()`. */
  static restore(s: CusumState): CusumDetector {
    const d = new CusumDetector(s.options);
    d.mean = s.mean;
    d.absDev = s.absDev;
    d.count = s.count;
    d.up = s.up;
    d.down = s.down;
    return d;
  }

  update(_tsMs: number, value: number): number {
    if (!Number.isFinite(value)) return 0;
    let z = 0;
    if (this.count >= 8) z = (value - this.mean) / Math.max(this.absDev * 1.2533, 1e-9 * (1 + Math.abs(this.mean)));
    const ratio = this.stepZ(z);
    const a = this.count < this.o.spanPoints ? 1 / (this.count + 1) : 2 / (this.o.spanPoints + 1);
    if (this.shiftConfirmed) {
      // Restart at the new level rather than dragging the EWMA across the step for a whole span.
      this.mean = value;
    } else {
      const dev = Math.abs(value - this.mean);
      this.mean += (value - this.mean) * a;
      this.absDev += (dev - this.absDev) * (this.count < 8 ? 1 / (this.count + 1) : a / 2);
    }
    this.count++;
    return zToScore(ratio * 3);
  }

  /** Feeds one standardised residual; returns the CUSUM statistic as a fraction of the threshold (>= 0). */
  stepZ(z: number): number {
    const c = Math.max(-this.o.clipZ, Math.min(this.o.clipZ, Number.isFinite(z) ? z : 0));
    this.up = Math.max(0, this.up + c - this.o.driftZ);
    this.down = Math.max(0, this.down - c - this.o.driftZ);
    const s = Math.max(this.up, this.down);
    this.shiftConfirmed = s >= this.o.thresholdZ;
    if (this.shiftConfirmed) {
      this.shiftSign = this.up >= this.down ? 1 : -1;
      this.up = 0;
      this.down = 0;
    }
    return s / this.o.thresholdZ;
  }

  toJSON(): CusumState {
    return {
      kind: 'cusum',
      options: { ...this.o },
      mean: this.mean,
      absDev: this.absDev,
      count: this.count,
      up: this.up,
      down: this.down,
    };
  }
}
