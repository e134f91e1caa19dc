/** Serialised state of a `TailCalibrator`. */
export interface TailCalibratorState {
  counts: number[];
  increment: number;
  total: number;
  quantile: number;
  sinceQuantile: number;
}

const BINS = 256;
const MAX_RAW = 1000;
const LOG_MAX = Math.log1p(MAX_RAW);
const REFRESH_POINTS = 16;

/** A running, exponentially forgetting distribution of raw surprises (log-spaced histogram) that
 *  turns a raw surprise into a calibrated [0,1] score: how far the point is beyond this series' own
 *  high quantile. Heavy-tailed series then need a bigger surprise than quiet ones, so one threshold
 *  works across files (the same idea as HTM's anomaly likelihood, without its Gaussian assumption). */
export class TailCalibrator {
  private counts = new Float64Array(BINS);
  private increment = 1;
  private total = 0;
  private quantile = 0;
  private sinceQuantile = 0;

  /** `horizonPoints`: memory of the distribution; `tailQuantile`: the quantile a score of 0.5 sits at. */
  constructor(
    private readonly horizonPoints: number,
    private readonly tailQuantile: number,
  ) {}

  /** Continues from a snapshot taken by `toJSON()`. */
  static restore(s: TailCalibratorState, horizonPoints: number, tailQuantile: number): TailCalibrator {
    const c = new TailCalibrator(horizonPoints, tailQuantile);
    c.counts = Float64Array.from(s.counts);
    c.increment = s.increment;
    c.total = s.total;
    c.quantile = s.quantile;
    c.sinceQuantile = s.sinceQuantile;
    return c;
  }

  /** The current high quantile of past raw surprises (0 before any). */
  get tail(): number {
    return this.quantile;
  }

  /** Adds a raw surprise to the distribution (after it was scored). */
  observe(raw: number): void {
    const r = Math.min(MAX_RAW, Math.max(0, raw));
    const bin = Math.min(BINS - 1, Math.floor((Math.log1p(r) / LOG_MAX) * BINS));
    this.counts[bin]! += this.increment;
    this.total += this.increment;
    // Forgetting by growing the weight of new points instead of shrinking every bin each time.
    this.increment /= 1 - 1 / this.horizonPoints;
    if (this.increment > 1e100) this.rescale();
    if (++this.sinceQuantile >= REFRESH_POINTS) this.refresh();
  }

  toJSON(): TailCalibratorState {
    return {
      counts: Array.from(this.counts),
      increment: this.increment,
      total: this.total,
      quantile: this.quantile,
      sinceQuantile: this.sinceQuantile,
    };
  }

  private refresh(): void {
    this.sinceQuantile = 0;
    const target = (1 - this.tailQuantile) * this.total;
    let acc = 0;
    for (let b = BINS - 1; b >= 0; b--) {
      acc += this.counts[b]!;
      if (acc >= target) {
        // Upper edge of the bin: a conservative quantile.
        this.quantile = Math.expm1(((b + 1) / BINS) * LOG_MAX);
        return;
      }
    }
    this.quantile = 0;
  }

  private rescale(): void {
    const k = 1 / this.increment;
    for (let b = 0; b < BINS; b++) this.counts[b]! *= k;
    this.total *= k;
    this.increment = 1;
  }
}
