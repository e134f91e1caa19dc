import { z } from 'zod';
import { InputError } from '../../../core/errors.ts';
import { type Bounds, minimize } from '../optimize.ts';
import { checkHorizon, checkSeries, DEFAULT_LEVEL, normalInterval } from '../stats.ts';
import type { FitOptions, FittedModel, Forecaster } from '../types.ts';

/** Options of `holtWinters`: how the season and the trend combine with the level. */
export const holtWintersOptionsSchema = z.object({
  /** `additive` adds a seasonal offset; `multiplicative` scales the level (series must be > 0). @default 'additive' */
  seasonal: z.enum(['additive', 'multiplicative']).default('additive'),
  /** `damped` flattens the trend with φ in [0.8, 0.98]; `linear` keeps it (φ = 1); `none` has no trend. @default 'damped' */
  trend: z.enum(['none', 'linear', 'damped']).default('damped'),
  /** Smoothing parameters to use as given instead of fitting them (tests, reproducing a model). Unset: fitted. */
  fixed: z
    .object({
      alpha: z.number().min(0).max(1),
      beta: z.number().min(0).max(1).default(0),
      gamma: z.number().min(0).max(1).default(0),
      phi: z.number().min(0).max(1).default(1),
    })
    .optional(),
});
/** Parsed options of `holtWinters`. */
export type HoltWintersOptions = z.infer<typeof holtWintersOptionsSchema>;
/** Options of `holtWinters` before defaults. */
export type HoltWintersOptionsInput = z.input<typeof holtWintersOptionsSchema>;

/** Smoothing parameters in error-correction (ETS) form: β ≤ α and γ ≤ 1 − α keep the model stable. */
export interface HoltWintersParams {
  alpha: number;
  beta: number;
  gamma: number;
  phi: number;
}

/** Level, trend and one seasonal term per phase; `season[t % m]` is the term used at time t. */
interface State {
  level: number;
  trend: number;
  season: Float64Array;
}

/** Damping bounds recommended by Hyndman et al. (2008): below 0.8 the trend barely matters, above 0.98 it is linear. */
const PHI_BOUNDS: Bounds = { lo: 0.8, hi: 0.98 };
const UNIT: Bounds = { lo: 1e-4, hi: 0.9999 };
/** Seasons the initial state is estimated from. */
const INIT_SEASONS = 4;

/** Classical decomposition of the first seasons: season means give level and slope, phases the seasonal terms. */
function initialState(y: readonly number[], m: number, o: HoltWintersOptions): State {
  if (m <= 1) {
    const slope = o.trend === 'none' ? 0 : y[1]! - y[0]!;
    return { level: y[0]! - slope, trend: slope, season: new Float64Array(1).fill(o.seasonal === 'additive' ? 0 : 1) };
  }
  const seasons = Math.min(Math.floor(y.length / m), INIT_SEASONS);
  const means = Array.from({ length: seasons }, (_, j) => {
    let s = 0;
    for (let i = 0; i < m; i++) s += y[j * m + i]!;
    return s / m;
  });
  const slope = o.trend === 'none' || seasons < 2 ? 0 : (means[seasons - 1]! - means[0]!) / ((seasons - 1) * m);
  const season = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    let s = 0;
    for (let j = 0; j < seasons; j++) {
      const base = means[j]! + slope * (i - (m - 1) / 2);
      s += o.seasonal === 'additive' ? y[j * m + i]! - base : y[j * m + i]! / base;
    }
    season[i] = s / seasons;
  }
  const centre = season.reduce((a, b) => a + b, 0) / m;
  for (let i = 0; i < m; i++) season[i] = o.seasonal === 'additive' ? season[i]! - centre : season[i]! / centre;
  // The first season's mean sits at its middle; the state is the one just before t = 0.
  return { level: means[0]! - slope * ((m - 1) / 2 + 1), trend: slope, season };
}

/**
 * Runs the filter over `y` from `state0`; returns the one-step SSE and the final state. `at(t, s)`
 * sees the state before value t is seen (t = y.length at the end). NaN marks an invalid
 * multiplicative path (non-positive level or seasonal term).
 */
function run(
  y: readonly number[],
  m: number,
  o: HoltWintersOptions,
  p: HoltWintersParams,
  state0: State,
  at?: (t: number, s: State) => void,
): { sse: number; state: State } {
  const season = Float64Array.from(state0.season);
  let { level, trend } = state0;
  const mult = o.seasonal === 'multiplicative';
  const seasonal = m > 1;
  let sse = 0;
  for (let t = 0; t < y.length; t++) {
    const phase = seasonal ? t % m : 0;
    if (at) at(t, { level, trend, season });
    const s = season[phase]!;
    const base = level + p.phi * trend;
    const e = y[t]! - (mult ? base * s : base + s);
    sse += e * e;
    if (mult) {
      if (!(base > 0 && s > 0)) return { sse: Number.NaN, state: { level, trend, season } };
      level = base + (p.alpha * e) / s;
      trend = p.phi * trend + (p.beta * e) / s;
      if (seasonal) season[phase] = s + (p.gamma * e) / base;
    } else {
      level = base + p.alpha * e;
      trend = p.phi * trend + p.beta * e;
      if (seasonal) season[phase] = s + p.gamma * e;
    }
  }
  const state = { level, trend, season };
  at?.(y.length, state);
  return { sse, state };
}

/** Point forecasts for `horizon` steps from `state` at time `t`. */
function project(state: State, t: number, m: number, o: HoltWintersOptions, phi: number, horizon: number): number[] {
  const out = new Array<number>(horizon);
  let damp = 0;
  let power = 1;
  for (let i = 0; i < horizon; i++) {
    power *= phi;
    damp += power;
    const base = state.level + damp * state.trend;
    const s = state.season[m > 1 ? (t + i) % m : 0]!;
    out[i] = o.seasonal === 'multiplicative' ? base * s : base + s;
  }
  return out;
}

/** Maps the optimiser's vector to parameters: β = α·β*, γ = (1 − α)·γ* keep the stability region. */
function paramsOf(x: readonly number[], m: number, o: HoltWintersOptions): HoltWintersParams {
  const alpha = x[0]!;
  let i = 1;
  const beta = o.trend === 'none' ? 0 : alpha * x[i++]!;
  const gamma = m > 1 ? (1 - alpha) * x[i++]! : 0;
  const phi = o.trend === 'damped' ? x[i]! : o.trend === 'linear' ? 1 : 0;
  return { alpha, beta, gamma, phi };
}

/** Fits α, β, γ, φ (those the variant has) by minimising the one-step SSE from `state0`. */
function fitParams(y: readonly number[], m: number, o: HoltWintersOptions, state0: State): HoltWintersParams {
  const bounds = [UNIT];
  const start = [0.2];
  if (o.trend !== 'none') {
    bounds.push(UNIT);
    start.push(0.1);
  }
  if (m > 1) {
    bounds.push(UNIT);
    start.push(0.1);
  }
  if (o.trend === 'damped') {
    bounds.push(PHI_BOUNDS);
    start.push(0.95);
  }
  const sse = (x: number[]) => run(y, m, o, paramsOf(x, m, o), state0).sse;
  return paramsOf(minimize(sse, start, bounds, { maxEvaluations: 100 * bounds.length }).x, m, o);
}

/** Given parameters, with the terms the variant lacks zeroed (no trend: β = 0; no season: γ = 0). */
function fixedParams(f: NonNullable<HoltWintersOptions['fixed']>, m: number, o: HoltWintersOptions): HoltWintersParams {
  return {
    alpha: f.alpha,
    beta: o.trend === 'none' ? 0 : f.beta,
    gamma: m > 1 ? f.gamma : 0,
    phi: o.trend === 'none' ? 0 : o.trend === 'linear' ? 1 : f.phi,
  };
}

/** Name of a variant, e.g. `holt-winters-additive-damped`, `holt-winters-multiplicative`. */
function nameOf(o: HoltWintersOptions): string {
  return `holt-winters-${o.seasonal}${o.trend === 'none' ? '' : `-${o.trend}`}`;
}

/**
 * Holt-Winters exponential smoothing in error-correction form (ETS(A,Ad,A) and ETS(A,Ad,M) of
 * Hyndman et al. 2008): level, optionally damped trend, and a seasonal term per phase, with α, β,
 * γ (and φ) fitted by minimising the one-step SSE with Nelder–Mead. With `period` 1 it is Holt's
 * (damped) trend method. The initial state comes from the first seasons and is not optimised.
 * @example
 * const model = holtWinters({ trend: 'damped' }).fit(hourly, { period: 24 });
 * const { yhat, lower, upper } = model.forecast(24, 80);
 */
export function holtWinters(options: HoltWintersOptionsInput = {}): Forecaster {
  const o = holtWintersOptionsSchema.parse(options);
  const name = nameOf(o);
  const minPoints = (period: number) => (period > 1 ? 2 * Math.floor(period) + 2 : 4);
  return {
    name,
    capabilities: { seasonal: true, trend: o.trend !== 'none' },
    minPoints,
    fit(values: readonly number[], fitOptions: FitOptions): FittedModel {
      const m = Math.max(1, Math.floor(fitOptions.period));
      checkSeries(values, minPoints(m), name);
      const y = [...values];
      if (o.seasonal === 'multiplicative' && y.some((v) => v <= 0)) {
        throw new InputError(`${name} needs a strictly positive series (minimum is ${Math.min(...y)})`);
      }
      const state0 = initialState(y, m, o);
      const p = o.fixed ? fixedParams(o.fixed, m, o) : fitParams(y, m, o, state0);
      const { sse: fittedSse, state } = run(y, m, o, p, state0);
      if (!Number.isFinite(fittedSse)) {
        // Only the multiplicative variant gets here: every parameter tried drove the level or a
        // seasonal factor to zero or below (utilisation near 0, a collapse to idle).
        throw new InputError(`${name} cannot follow this series: its level or seasonal factors turn non-positive`);
      }
      const sigma = Math.sqrt(fittedSse / y.length);
      const n = y.length;
      return {
        name,
        period: m,
        params: { ...p },
        sigma,
        forecast(horizon, level = DEFAULT_LEVEL) {
          checkHorizon(horizon);
          const yhat = project(state, n, m, o, p.phi, horizon);
          // var(h) = σ²(1 + Σ_{j<h} c_j²), c_j = α + β(φ + … + φ^j) + γ·[j ≡ 0 mod m]: exact for the
          // additive model, a first-order approximation for the multiplicative one.
          const sds = new Array<number>(horizon);
          let acc = 1;
          let damp = 0;
          let power = 1;
          for (let i = 0; i < horizon; i++) {
            sds[i] = sigma * Math.sqrt(acc);
            const j = i + 1;
            power *= p.phi;
            damp += power;
            const c = p.alpha + p.beta * damp + (m > 1 && j % m === 0 ? p.gamma : 0);
            acc += c * c;
          }
          return normalInterval(yhat, sds, level);
        },
        rollingForecasts(all, origins, horizon) {
          const wanted = new Set(origins);
          const byOrigin = new Map<number, number[]>();
          run(all, m, o, p, state0, (t, s) => {
            if (wanted.has(t)) byOrigin.set(t, project(s, t, m, o, p.phi, horizon));
          });
          return origins.map((t) => byOrigin.get(t) ?? new Array<number>(horizon).fill(Number.NaN));
        },
      };
    },
  };
}
