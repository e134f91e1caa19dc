import type * as Tf from '@tensorflow/tfjs';
import type { ForecasterConfig } from './config.ts';
import { robustScale, SortedWindow } from './rolling.ts';
import type { TfRuntime } from './tf-runtime.ts';

/** Serialised state of a `TfForecaster`: config, recent history and the trained weights. */
export interface TfForecasterState {
  kind: 'tf-forecaster';
  config: ForecasterConfig;
  history: number[];
  sinceTrain: number;
  trainings: number;
  center: number;
  scale: number;
  /** Dense weights in tfjs order: kernel1 [lags×hidden], bias1, kernel2 [hidden×1], bias2; null before training. */
  weights: number[][] | null;
  residuals: number[];
}

const VERSION = 'tf-forecaster-1';
const RESIDUAL_WINDOW = 256;

/** A small dense network (lags → hidden relu → next value) trained with TensorFlow.js every
 *  `trainEveryPoints` on past points only. Training is batched full-batch Adam; inference runs in plain
 *  JS on a copy of the weights, about a microsecond per point, so scoring stays online and cheap.
 *  Its surprise is the robust z of the prediction residual. */
export class TfForecaster {
  readonly version = VERSION;
  /** Robust z of the last point's prediction residual (0 until trained). */
  lastZ = 0;
  /** Residual scale at the last point, value units (infinite until trained). */
  lastScale = Number.POSITIVE_INFINITY;

  private history: number[] = [];
  private sinceTrain = 0;
  private trainings = 0;
  private center = 0;
  private scale = 1;
  private w: Float32Array[] | null = null;
  private readonly residuals = new SortedWindow(RESIDUAL_WINDOW);
  private model: Tf.Sequential | undefined;
  private readonly hiddenBuf: Float64Array;

  /** A fresh forecaster; without `tf` it never trains (and so never scores). */
  constructor(
    readonly config: ForecasterConfig,
    private readonly tf: TfRuntime | undefined,
  ) {
    this.hiddenBuf = new Float64Array(config.hiddenUnits);
  }

  /** Continues from a snapshot; without `tf` it keeps predicting with the saved weights but stops training. */
  static restore(s: TfForecasterState, tf: TfRuntime | undefined): TfForecaster {
    const f = new TfForecaster(s.config, tf);
    f.history = [...s.history];
    f.sinceTrain = s.sinceTrain;
    f.trainings = s.trainings;
    f.center = s.center;
    f.scale = s.scale;
    f.w = s.weights ? s.weights.map((a) => Float32Array.from(a)) : null;
    f.residuals.load(s.residuals);
    return f;
  }

  /** True once trained and with enough residuals for a scale. */
  get ready(): boolean {
    return this.w !== null && this.residuals.size >= 32;
  }

  /** How many trainings ran. */
  get trainingCount(): number {
    return this.trainings;
  }

  /** Scores one point against the prediction from the points before it, then learns it. Returns z >= 0. */
  step(_tsMs: number, value: number): number {
    if (!Number.isFinite(value)) return 0;
    const L = this.config.lags;
    let z = 0;
    if (this.w && this.history.length >= L) {
      const res = value - this.predictNext();
      if (this.residuals.size >= 32) {
        const r = robustScale(this.residuals, 1e-9 * (1 + Math.abs(this.center)));
        z = Math.abs(res - r.center) / r.scale;
        this.lastScale = r.scale;
      }
      this.residuals.push(res);
    }
    this.history.push(value);
    const cap = this.config.trainWindowPoints + L;
    if (this.history.length > cap * 2) this.history = this.history.slice(-cap);
    this.sinceTrain++;
    if (
      this.tf &&
      this.history.length >= this.config.minTrainPoints &&
      (this.w === null || this.sinceTrain >= this.config.trainEveryPoints)
    )
      this.train();
    this.lastZ = z;
    return z;
  }

  /** The tfjs model with the current weights (built on demand), for saving through an IOHandler. */
  tfModel(): Tf.Sequential | undefined {
    if (!this.tf || !this.w) return undefined;
    const m = this.ensureModel();
    this.setModelWeights(m);
    return m;
  }

  /** Replaces the weights with those of a loaded tfjs model of the same shape. */
  adoptWeights(model: Tf.LayersModel): void {
    this.w = model.getWeights().map((t) => Float32Array.from(t.dataSync()));
  }

  toJSON(): TfForecasterState {
    return {
      kind: 'tf-forecaster',
      config: { ...this.config },
      history: this.history.slice(-(this.config.trainWindowPoints + this.config.lags)),
      sinceTrain: this.sinceTrain,
      trainings: this.trainings,
      center: this.center,
      scale: this.scale,
      weights: this.w ? this.w.map((a) => Array.from(a)) : null,
      residuals: this.residuals.values(),
    };
  }

  private predictNext(): number {
    const L = this.config.lags;
    const H = this.config.hiddenUnits;
    const [k1, b1, k2, b2] = this.w as [Float32Array, Float32Array, Float32Array, Float32Array];
    const h = this.hiddenBuf;
    for (let j = 0; j < H; j++) h[j] = b1[j]!;
    const base = this.history.length - L;
    for (let i = 0; i < L; i++) {
      const x = (this.history[base + i]! - this.center) / this.scale;
      const row = i * H;
      for (let j = 0; j < H; j++) h[j]! += x * k1[row + j]!;
    }
    let y = b2[0]!;
    for (let j = 0; j < H; j++) if (h[j]! > 0) y += h[j]! * k2[j]!;
    return y * this.scale + this.center;
  }

  private ensureModel(): Tf.Sequential {
    const tf = this.tf!;
    if (!this.model) {
      const { lags, hiddenUnits, seed } = this.config;
      this.model = tf.sequential({
        layers: [
          tf.layers.dense({
            inputShape: [lags],
            units: hiddenUnits,
            activation: 'relu',
            kernelInitializer: tf.initializers.glorotUniform({ seed }),
          }),
          tf.layers.dense({ units: 1, kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }),
        ],
      });
    }
    return this.model;
  }

  // Warm start from the last weights (continuity between trainings), else seeded Glorot initial weights.
  private initialWeights(): Tf.Tensor[] {
    const tf = this.tf!;
    const { lags: L, hiddenUnits: H, seed } = this.config;
    if (this.w) {
      const shapes = [[L, H], [H], [H, 1], [1]];
      return this.w.map((a, i) => tf.tensor(a, shapes[i]));
    }
    return [
      tf.initializers.glorotUniform({ seed }).apply([L, H]),
      tf.zeros([H]),
      tf.initializers.glorotUniform({ seed: seed + 1 }).apply([H, 1]),
      tf.zeros([1]),
    ];
  }

  private setModelWeights(m: Tf.Sequential): void {
    const tf = this.tf!;
    const shapes = m.getWeights().map((t) => t.shape);
    const tensors = this.w!.map((a, i) => tf.tensor(a, shapes[i]));
    m.setWeights(tensors);
    for (const t of tensors) t.dispose();
  }

  // Synchronous training (optimizer.minimize, not model.fit) so `step` stays synchronous; the
  // windows come only from points already seen, so later points never change earlier scores.
  private train(): void {
    const tf = this.tf!;
    const { lags: L, trainWindowPoints, epochs, learningRate } = this.config;
    const hist = this.history.slice(-(trainWindowPoints + L));
    const sorted = [...hist].sort((a, b) => a - b);
    const q = (p: number) => sorted[Math.floor(p * (sorted.length - 1))]!;
    this.center = q(0.5);
    this.scale = Math.max((q(0.75) - q(0.25)) / 1.349, (q(0.99) - q(0.01)) / 10, 1e-9 * (1 + Math.abs(this.center)));
    const n = hist.length - L;
    const xs = new Float32Array(n * L);
    const ys = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < L; k++) xs[i * L + k] = (hist[i + k]! - this.center) / this.scale;
      ys[i] = (hist[i + L]! - this.center) / this.scale;
    }
    // Raw ops on four variables: several times faster per step than LayersModel.apply, which re-checks
    // shapes symbolically on every call. The Sequential model is built only to save through an IOHandler.
    const init = this.initialWeights();
    const vars = init.map((t) => tf.variable(t));
    for (const t of init) t.dispose();
    const [k1, b1, k2, b2] = vars as [Tf.Variable, Tf.Variable, Tf.Variable, Tf.Variable];
    const optimizer = tf.train.adam(learningRate);
    const x = tf.tensor2d(xs, [n, L]);
    const y = tf.tensor2d(ys, [n, 1]);
    for (let e = 0; e < epochs; e++) {
      const loss = optimizer.minimize(
        () => tf.losses.meanSquaredError(y, tf.relu(x.matMul(k1).add(b1)).matMul(k2).add(b2)) as Tf.Scalar,
        false,
        vars,
      );
      loss?.dispose();
    }
    x.dispose();
    y.dispose();
    optimizer.dispose();
    this.w = vars.map((v) => Float32Array.from(v.dataSync()));
    for (const v of vars) v.dispose();
    this.sinceTrain = 0;
    this.trainings++;
  }
}
