import { robustScale, SortedWindow, zToScore } from './rolling.ts';
import { DAY_MS, type PointDetector } from './types.ts';

/** Options of the seasonal baseline + median/MAD detector. */
export interface SeasonalMadOptions {
  /** Points in the trailing window of the level baseline and of each residual scale. @default 256 */
  windowPoints?: number;
  /** Past days the seasonal baseline takes the same time of day from. @default 3 */
  seasonDays?: number;
  /** A predictor takes part in the consensus when its residual scale is within this factor of the best. @default 1.3 */
  eligibleScaleRatio?: number;
  /** A surprise is explained as recurring when one of the past `seasonDays` days had a value at least as
   *  extreme within this many ms of the same time of day (daily batch jobs, backups, rush hours); 0 disables,
   *  at most an hour. @default 0 */
  recurrenceJitterMs?: number;
}

/** Serialised state of a `SeasonalMadDetector`. */
export interface SeasonalMadState {
  kind: 'seasonal-mad';
  options: Required<SeasonalMadOptions>;
  deltas: number[];
  stepMs: number;
  lastTs: number;
  lastValue: number;
  count: number;
  diffAbsMean: number;
  level: number[];
  levelResid: number[];
  diffResid: number[];
  seasonResid: number[];
  slots: number;
  slotValues: number[];
  slotDays: number[];
  recent: number[];
}

const VERSION = 'seasonal-mad-1';
const STEP_SAMPLES = 16;
const RECENT = 32;
/** Below this z a point is unremarkable anyway, so only surprises pay for the recurrence check; a
 *  recurring surprise is capped here. */
const RECURRENCE_MIN_Z = 3;

/** Three cheap predictors of the next value (the recent median, the same time on past days, the last
 *  value), each with a robust residual scale. The surprise of a point is the smallest robust z among the
 *  predictors that are about as good as the best: a point is anomalous only when every credible
 *  explanation fails, which keeps daily peaks and noisy random walks quiet. With `recurrenceJitterMs`, a
 *  surprise that already happened at about this time of day on a recent day is capped too: it is a
 *  recurring event, not news.
 *  O(window) per point. */
export class SeasonalMadDetector implements PointDetector<SeasonalMadState> {
  readonly name = 'seasonal-mad';
  readonly version = VERSION;
  /** Signed robust z of the last point against the best baseline (level or seasonal), capped like the
   *  surprise when the point recurred. */
  lastSignedZ = 0;
  /** Consensus surprise of the last point (>= 0). */
  lastZ = 0;
  /** Residual scale of the best predictor at the last point, in value units. */
  lastScale = Number.POSITIVE_INFINITY;

  private readonly o: Required<SeasonalMadOptions>;
  private deltas: number[] = [];
  private stepMs = 0;
  private lastTs = Number.NaN;
  private lastValue = Number.NaN;
  private count = 0;
  private diffAbsMean = 0;
  private readonly level: SortedWindow;
  private readonly levelResid: SortedWindow;
  private readonly diffResid: SortedWindow;
  private readonly seasonResid: SortedWindow;
  private slots = 0;
  private slotValues: Float64Array = new Float64Array(0);
  private slotDays: Float64Array = new Float64Array(0);
  private recent: number[] = [];

  /** A fresh detector; see `SeasonalMadOptions` for the defaults. */
  constructor(options: SeasonalMadOptions = {}) {
    this.o = {
      windowPoints: options.windowPoints ?? 256,
      seasonDays: options.seasonDays ?? 3,
      eligibleScaleRatio: options.eligibleScaleRatio ?? 1.3,
      recurrenceJitterMs: Math.min(options.recurrenceJitterMs ?? 0, 3_600_000),
    };
    const w = this.o.windowPoints;
    this.level = new SortedWindow(w);
    this.levelResid = new SortedWindow(w);
    this.diffResid = new SortedWindow(w);
    this.seasonResid = new SortedWindow(w);
  }

  /** Continues from a snapshot taken by `toJSON()`. */
  static restore(s: SeasonalMadState): SeasonalMadDetector {
    const d = new SeasonalMadDetector(s.options);
    d.deltas = [...s.deltas];
    d.stepMs = s.stepMs;
    d.lastTs = s.lastTs ?? Number.NaN;
    d.lastValue = s.lastValue ?? Number.NaN;
    d.count = s.count;
    d.diffAbsMean = s.diffAbsMean;
    d.level.load(s.level);
    d.levelResid.load(s.levelResid);
    d.diffResid.load(s.diffResid);
    d.seasonResid.load(s.seasonResid);
    d.slots = s.slots;
    d.slotValues = Float64Array.from(s.slotValues.map((v) => v ?? Number.NaN));
    d.slotDays = Float64Array.from(s.slotDays.map((v) => v ?? Number.NaN));
    d.recent = [...s.recent];
    return d;
  }

  update(tsMs: number, value: number): number {
    return zToScore(this.step(tsMs, value));
  }

  /** Feeds one point and returns its consensus surprise in robust-z units (>= 0). */
  step(tsMs: number, value: number): number {
    if (!Number.isFinite(value)) {
      this.lastZ = 0;
      return 0;
    }
    this.learnStep(tsMs);
    const floor = this.scaleFloor(value);
    let bestScale = Number.POSITIVE_INFINITY;
    let bestSigned = 0;
    // Up to three (z, scale) candidates; fixed slots avoid allocating per point.
    let z0 = Number.NaN;
    let s0 = Number.POSITIVE_INFINITY;
    let z1 = Number.NaN;
    let s1 = Number.POSITIVE_INFINITY;
    let z2 = Number.NaN;
    let s2 = Number.POSITIVE_INFINITY;

    let levelRes = Number.NaN;
    if (this.level.size >= 8) {
      levelRes = value - this.level.quantile(0.5);
      const r = robustScale(this.levelResid.size >= 8 ? this.levelResid : this.level, floor);
      const center = this.levelResid.size >= 8 ? r.center : 0;
      z0 = (levelRes - center) / r.scale;
      s0 = r.scale;
      bestScale = s0;
      bestSigned = z0;
    }
    let diffRes = Number.NaN;
    if (Number.isFinite(this.lastValue)) {
      diffRes = value - this.lastValue;
      if (this.diffResid.size >= 8) {
        const r = robustScale(this.diffResid, floor);
        z1 = (diffRes - r.center) / r.scale;
        s1 = r.scale;
      }
    }
    const expected = this.seasonalExpectation(tsMs);
    let seasonRes = Number.NaN;
    if (Number.isFinite(expected)) {
      seasonRes = value - expected;
      if (this.seasonResid.size >= 16) {
        const r = robustScale(this.seasonResid, floor);
        z2 = (seasonRes - r.center) / r.scale;
        s2 = r.scale;
        if (s2 < bestScale) {
          bestScale = s2;
          bestSigned = z2;
        }
      }
    }
    const best = Math.min(s0, s1, s2);
    const limit = best * this.o.eligibleScaleRatio;
    let z = Number.POSITIVE_INFINITY;
    if (s0 <= limit) z = Math.min(z, Math.abs(z0));
    if (s1 <= limit) z = Math.min(z, Math.abs(z1));
    if (s2 <= limit) z = Math.min(z, Math.abs(z2));
    if (!Number.isFinite(z)) z = 0;
    // Capping the signed z too keeps a recurring event out of the CUSUM downstream.
    if (
      this.o.recurrenceJitterMs > 0 &&
      Math.max(z, Math.abs(bestSigned)) > RECURRENCE_MIN_Z &&
      this.level.size >= 8 &&
      this.recurred(tsMs, value, value >= this.level.quantile(0.5))
    ) {
      z = Math.min(z, RECURRENCE_MIN_Z);
      bestSigned = Math.max(-RECURRENCE_MIN_Z, Math.min(RECURRENCE_MIN_Z, bestSigned));
    }

    // Learn after scoring: the current point never explains itself.
    this.level.push(value);
    if (Number.isFinite(levelRes)) this.levelResid.push(levelRes);
    if (Number.isFinite(diffRes)) {
      this.diffResid.push(diffRes);
      this.diffAbsMean += (Math.abs(diffRes) - this.diffAbsMean) * (this.count < 100 ? 1 / (this.count + 1) : 0.01);
    }
    if (Number.isFinite(seasonRes)) this.seasonResid.push(seasonRes);
    this.remember(tsMs, value);
    this.recent.push(value);
    if (this.recent.length > RECENT) this.recent.shift();
    this.lastValue = value;
    this.count++;
    this.lastSignedZ = bestSigned;
    this.lastScale = bestScale;
    this.lastZ = z;
    return z;
  }

  /** Forgets the old level after a confirmed level shift: the baseline restarts from the latest `points`. */
  rebaseline(points: number): void {
    const keep = this.recent.slice(-points);
    this.level.load(keep);
    // Residual scales survive: noise around the new level is usually like noise around the old one.
  }

  toJSON(): SeasonalMadState {
    return {
      kind: 'seasonal-mad',
      options: { ...this.o },
      deltas: [...this.deltas],
      stepMs: this.stepMs,
      lastTs: this.lastTs,
      lastValue: this.lastValue,
      count: this.count,
      diffAbsMean: this.diffAbsMean,
      level: this.level.values(),
      levelResid: this.levelResid.values(),
      diffResid: this.diffResid.values(),
      seasonResid: this.seasonResid.values(),
      slots: this.slots,
      slotValues: Array.from(this.slotValues),
      slotDays: Array.from(this.slotDays),
      recent: [...this.recent],
    };
  }

  // The sampling step is the median of the first gaps; with it the day is cut into slots no finer than
  // the step and no finer than 5 minutes, so irregular series still get a seasonal baseline.
  private learnStep(tsMs: number): void {
    if (Number.isFinite(this.lastTs) && this.stepMs === 0) {
      const d = tsMs - this.lastTs;
      if (d > 0) this.deltas.push(d);
      if (this.deltas.length >= STEP_SAMPLES) {
        const sorted = [...this.deltas].sort((a, b) => a - b);
        this.stepMs = sorted[sorted.length >> 1]!;
        if (this.stepMs <= DAY_MS / 8) {
          this.slots = Math.max(1, Math.round(DAY_MS / Math.max(this.stepMs, DAY_MS / 288)));
          const n = this.slots * this.o.seasonDays;
          this.slotValues = new Float64Array(n).fill(Number.NaN);
          this.slotDays = new Float64Array(n).fill(Number.NaN);
        }
      }
    }
    this.lastTs = tsMs;
  }

  private slotOf(tsMs: number): { slot: number; day: number } {
    const day = Math.floor(tsMs / DAY_MS);
    const slot = Math.min(this.slots - 1, Math.floor(((tsMs - day * DAY_MS) / DAY_MS) * this.slots));
    return { slot, day };
  }

  private readonly gathered = new Float64Array(32);

  // Median of the same and neighbouring slots on the previous `seasonDays` days; NaN until 3 exist.
  private seasonalExpectation(tsMs: number): number {
    if (this.slots === 0) return Number.NaN;
    const { slot, day } = this.slotOf(tsMs);
    const D = this.o.seasonDays;
    let n = 0;
    for (let ds = -1; ds <= 1; ds++) {
      const s = (slot + ds + this.slots) % this.slots;
      for (let k = 0; k < D; k++) {
        const i = s * D + k;
        const d = this.slotDays[i]!;
        if (d < day && d >= day - D && n < this.gathered.length) this.gathered[n++] = this.slotValues[i]!;
      }
    }
    if (n < 3) return Number.NaN;
    const g = this.gathered.subarray(0, n).sort();
    return n % 2 ? g[n >> 1]! : (g[(n >> 1) - 1]! + g[n >> 1]!) / 2;
  }

  // True when a past day within seasonDays holds a value at least as extreme (in the direction `up`) within
  // recurrenceJitterMs of this time of day. Jobs drift by a few minutes from day to day, hence the jitter;
  // slots keep the last value each, so at a step finer than 5 minutes a short spike may be forgotten.
  private recurred(tsMs: number, value: number, up: boolean): boolean {
    if (this.slots === 0) return false;
    const { slot, day } = this.slotOf(tsMs);
    const D = this.o.seasonDays;
    const w = Math.round((this.o.recurrenceJitterMs * this.slots) / DAY_MS);
    for (let ds = -w; ds <= w; ds++) {
      // A neighbour slot past midnight belongs to the day before (or after): its past days shift with it.
      const shift = slot + ds < 0 ? -1 : slot + ds >= this.slots ? 1 : 0;
      const s = (slot + ds + this.slots) % this.slots;
      for (let k = 0; k < D; k++) {
        const d = this.slotDays[s * D + k]!;
        const v = this.slotValues[s * D + k]!;
        if (d < day + shift && d >= day + shift - D && (up ? v >= value : v <= value)) return true;
      }
    }
    return false;
  }

  private remember(tsMs: number, value: number): void {
    if (this.slots === 0) return;
    const { slot, day } = this.slotOf(tsMs);
    const i = slot * this.o.seasonDays + (day % this.o.seasonDays);
    this.slotValues[i] = value;
    this.slotDays[i] = day;
  }

  private scaleFloor(value: number): number {
    return Math.max(0.25 * this.diffAbsMean, 1e-6 * Math.abs(value), 1e-12);
  }
}
