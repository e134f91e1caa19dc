import { TailCalibrator, type TailCalibratorState } from './calibrator.ts';
import { type AnomalyDetectorConfig, type AnomalyDetectorOptions, parseAnomalyDetectorOptions } from './config.ts';
import { CusumDetector, type CusumState } from './cusum.ts';
import { SeasonalMadDetector, type SeasonalMadState } from './seasonal-mad.ts';
import { TfForecaster, type TfForecasterState } from './tf-forecaster.ts';
import type { TfRuntime } from './tf-runtime.ts';
import type { PointDetector } from './types.ts';

/** Revision of the ensemble's scoring; bump it when scores change for the same input. */
export const ENSEMBLE_VERSION = 'ensemble-1';

/** Serialised state of an `AnomalyDetector`: plain JSON, restorable with `restoreAnomalyDetector`. */
export interface AnomalyDetectorState {
  kind: 'ensemble';
  version: string;
  config: AnomalyDetectorConfig;
  count: number;
  cooldown: number;
  alarmRaw: number;
  peakRaw: number;
  seasonal: SeasonalMadState;
  cusum: CusumState;
  calibrator: TailCalibratorState;
  forecaster: TfForecasterState | null;
}

/** The online ensemble detector of one series. */
export interface AnomalyDetector extends PointDetector<AnomalyDetectorState> {
  /** `ensemble-1` or `ensemble-1+tf-forecaster-1` when the TensorFlow.js forecaster takes part. */
  readonly version: string;
  /** Points seen so far. */
  readonly count: number;
  /** Raw surprise of the last point (robust z units) before calibration. */
  readonly lastRaw: number;
  /** Scores a batch of points in order (same as calling `update` for each), into `out` when given.
   *  The fast path for throughput: no per-point objects. */
  updateMany(tsMs: ArrayLike<number>, values: ArrayLike<number>, out?: Float64Array): Float64Array;
  /** The forecaster's tfjs model, when there is one (for the model store). */
  readonly forecaster: TfForecaster | undefined;
}

/** Extra runtime the detector may use: a ready tfjs (see `loadTf`) enables the forecaster. */
export interface AnomalyDetectorDeps {
  tf?: TfRuntime | undefined;
}

const REBASELINE_POINTS = 12;
const CALIBRATION_WARMUP_POINTS = 64;

class Ensemble implements AnomalyDetector {
  readonly name = 'ensemble';
  readonly version: string;
  count = 0;
  lastRaw = 0;
  private cooldown = 0;
  private alarmRaw = 0;
  private peakRaw = 0;

  constructor(
    private readonly cfg: AnomalyDetectorConfig,
    private readonly seasonal: SeasonalMadDetector,
    private readonly cusum: CusumDetector,
    private readonly calibrator: TailCalibrator,
    readonly forecaster: TfForecaster | undefined,
  ) {
    this.version = forecaster ? `${ENSEMBLE_VERSION}+${forecaster.version}` : ENSEMBLE_VERSION;
  }

  update(tsMs: number, value: number): number {
    if (!Number.isFinite(value) || !Number.isFinite(tsMs)) return 0;
    const c = this.cfg;
    let z = this.seasonal.step(tsMs, value);
    if (this.forecaster) {
      const fz = this.forecaster.step(tsMs, value);
      // A good forecaster vetoes surprises it predicted (consensus, as inside seasonal-mad).
      if (this.forecaster.ready && this.forecaster.lastScale <= this.seasonal.lastScale * c.forecasterScaleRatio)
        z = Math.min(z, fz);
    }
    const shift = this.cusum.stepZ(this.seasonal.lastSignedZ);
    if (this.cusum.shiftConfirmed) this.seasonal.rebaseline(REBASELINE_POINTS);
    const raw = Math.max(z, shift * c.cusumZ);
    this.lastRaw = raw;

    const tail = Math.max(this.calibrator.tail * c.tailScale, c.minZ);
    // The first points are scored against tiny windows; their wild surprises would inflate the tail for long.
    if (this.count >= CALIBRATION_WARMUP_POINTS) this.calibrator.observe(raw);
    this.count++;
    if (this.count <= c.probationPoints) return 0;

    let score = 1 - 2 ** -((raw / tail) ** c.sharpness);
    // Repeated high scores for one event earn nothing and every extra one outside a window costs, so
    // only news passes at full strength. 'peak': a point must beat a decaying memory of recent raw
    // surprises by cooldownEscapeRatio, whatever threshold the caller picks later. 'alarm': a fixed
    // alarmScore starts a cooldown of cooldownPoints, escaped only by a much bigger surprise.
    if (c.cooldownPoints > 0) {
      if (c.suppression === 'peak') {
        const news = raw >= c.cooldownEscapeRatio * this.peakRaw;
        this.peakRaw = Math.max(this.peakRaw * 0.5 ** (1 / c.cooldownPoints), raw);
        if (!news) score *= c.cooldownFactor;
      } else {
        const escapes = raw >= c.cooldownEscapeRatio * this.alarmRaw;
        if (this.cooldown > 0 && !escapes) {
          this.cooldown--;
          score *= c.cooldownFactor;
        } else if (score >= c.alarmScore) {
          this.cooldown = c.cooldownPoints;
          this.alarmRaw = raw;
        } else if (this.cooldown > 0) {
          this.cooldown--;
        }
      }
    }
    return Math.min(1, Math.max(0, score));
  }

  updateMany(tsMs: ArrayLike<number>, values: ArrayLike<number>, out = new Float64Array(values.length)): Float64Array {
    if (tsMs.length !== values.length || out.length < values.length)
      throw new RangeError(
        `updateMany needs as many timestamps as values and room in out (got ${tsMs.length}, ${values.length}, ${out.length})`,
      );
    for (let i = 0; i < values.length; i++) out[i] = this.update(tsMs[i]!, values[i]!);
    return out;
  }

  toJSON(): AnomalyDetectorState {
    return {
      kind: 'ensemble',
      version: this.version,
      config: structuredClone(this.cfg),
      count: this.count,
      cooldown: this.cooldown,
      alarmRaw: this.alarmRaw,
      peakRaw: this.peakRaw,
      seasonal: this.seasonal.toJSON(),
      cusum: this.cusum.toJSON(),
      calibrator: this.calibrator.toJSON(),
      forecaster: this.forecaster ? this.forecaster.toJSON() : null,
    };
  }
}

function parts(cfg: AnomalyDetectorConfig) {
  return {
    seasonal: {
      windowPoints: cfg.windowPoints,
      seasonDays: cfg.seasonDays,
      recurrenceJitterMs: cfg.recurrenceJitterMs,
    },
    cusum: { driftZ: cfg.cusumDriftZ, thresholdZ: cfg.cusumThresholdZ },
  };
}

/** Creates the online ensemble detector (seasonal baseline + median/MAD, CUSUM, and a tfjs forecaster
 *  when `deps.tf` is given), scoring each point in [0,1] from past points only.
 *  @example
 *  const d = createAnomalyDetector({ probationPoints: 500 }, { tf: await loadTf() });
 *  for (const p of points) scores.push(d.update(p.tsMs, p.value));
 */
export function createAnomalyDetector(
  options: AnomalyDetectorOptions = {},
  deps: AnomalyDetectorDeps = {},
): AnomalyDetector {
  const cfg = parseAnomalyDetectorOptions(options);
  const p = parts(cfg);
  const forecaster = cfg.forecaster && deps.tf ? new TfForecaster(cfg.forecaster, deps.tf) : undefined;
  return new Ensemble(
    cfg,
    new SeasonalMadDetector(p.seasonal),
    new CusumDetector(p.cusum),
    new TailCalibrator(cfg.calibrationHorizonPoints, cfg.tailQuantile),
    forecaster,
  );
}

/** Restores a detector from `toJSON()` output; it continues with exactly the scores the original would give.
 *  A forecaster in the state needs `deps.tf` to keep training; without it the restored detector uses its
 *  last weights for inference only. */
export function restoreAnomalyDetector(state: AnomalyDetectorState, deps: AnomalyDetectorDeps = {}): AnomalyDetector {
  const cfg = parseAnomalyDetectorOptions(state.config);
  const e = new Ensemble(
    cfg,
    SeasonalMadDetector.restore(state.seasonal),
    CusumDetector.restore(state.cusum),
    TailCalibrator.restore(state.calibrator, cfg.calibrationHorizonPoints, cfg.tailQuantile),
    state.forecaster ? TfForecaster.restore(state.forecaster, deps.tf) : undefined,
  );
  e.count = state.count;
  Object.assign(e as unknown as { cooldown: number; alarmRaw: number; peakRaw: number }, {
    cooldown: state.cooldown,
    alarmRaw: state.alarmRaw ?? 0,
    peakRaw: state.peakRaw ?? 0,
  });
  return e;
}
