import { describe, expect, it } from 'vitest';
import { InputError } from '../../../core/errors.ts';
import { normalQuantile } from '../stats.ts';
import { seededNormal } from '../synthetic.ts';
import { holtWinters, holtWintersOptionsSchema } from './index.ts';

// Golden values: the textbook ETS(A,Ad,A) / ETS(A,Ad,M) recursions (Hyndman et al. 2008, table 2.1)
// written out independently in a 30-line script, started from the same classical decomposition of
// the first seasons, with α = 0.4, β = 0.1, γ = 0.2, φ = 0.9.
const SMALL = [12.3, 9.2, 11.1, 10.5, 14.1, 11.0, 12.4, 12.2, 15.9, 12.6, 14.3, 13.8, 17.2, 14.5, 15.9, 15.4];
const FIXED = { alpha: 0.4, beta: 0.1, gamma: 0.2, phi: 0.9 };
const GOLDEN_ADDITIVE = {
  yhat: [18.6929073329, 15.5105498244, 16.895548978, 16.2488362368, 19.5309475454, 16.2647860156],
  sigma: 0.31306396692441374,
};
const GOLDEN_MULTIPLICATIVE = {
  yhat: [19.5355325262, 15.3495650298, 17.0597003734, 16.2201187558, 20.6148314453, 16.1007268784],
  sigma: 0.43027157273954353,
};

describe('holtWinters', () => {
  it('matches the golden additive damped forecast on a small input', () => {
    const model = holtWinters({ trend: 'damped', fixed: FIXED }).fit(SMALL, { period: 4 });
    expect(model.sigma).toBeCloseTo(GOLDEN_ADDITIVE.sigma, 9);
    model.forecast(6).yhat.forEach((y, i) => {
      expect(y).toBeCloseTo(GOLDEN_ADDITIVE.yhat[i]!, 8);
    });
  });

  it('matches the golden multiplicative damped forecast on a small input', () => {
    const model = holtWinters({ seasonal: 'multiplicative', trend: 'damped', fixed: FIXED }).fit(SMALL, { period: 4 });
    expect(model.sigma).toBeCloseTo(GOLDEN_MULTIPLICATIVE.sigma, 9);
    model.forecast(6).yhat.forEach((y, i) => {
      expect(y).toBeCloseTo(GOLDEN_MULTIPLICATIVE.yhat[i]!, 8);
    });
  });

  it('widens the analytic interval by c_j = α + β(φ + … + φ^j) + γ[j ≡ 0 mod m]', () => {
    const model = holtWinters({ trend: 'damped', fixed: FIXED }).fit(SMALL, { period: 4 });
    const r = model.forecast(5, 80);
    const z = normalQuantile(0.9);
    const c = (j: number) => {
      let damp = 0;
      for (let k = 1; k <= j; k++) damp += FIXED.phi ** k;
      return FIXED.alpha + FIXED.beta * damp + (j % 4 === 0 ? FIXED.gamma : 0);
    };
    let acc = 1;
    for (let i = 0; i < 5; i++) {
      expect(r.upper[i]! - r.yhat[i]!).toBeCloseTo(z * GOLDEN_ADDITIVE.sigma * Math.sqrt(acc), 9);
      acc += c(i + 1) ** 2;
    }
  });

  it('names its variants after season and trend', () => {
    expect(holtWinters().name).toBe('holt-winters-additive-damped');
    expect(holtWinters({ trend: 'none' }).name).toBe('holt-winters-additive');
    expect(holtWinters({ seasonal: 'multiplicative', trend: 'linear' }).name).toBe(
      'holt-winters-multiplicative-linear',
    );
  });

  it('fits parameters inside the stability region (β ≤ α, γ ≤ 1 − α, φ in [0.8, 0.98])', () => {
    const n = seededNormal(3);
    const y = Array.from({ length: 240 }, (_, t) => 100 + 0.2 * t + 10 * Math.sin((2 * Math.PI * t) / 24) + 2 * n());
    const { params } = holtWinters().fit(y, { period: 24 });
    expect(params.beta).toBeLessThanOrEqual(params.alpha!);
    expect(params.gamma).toBeLessThanOrEqual(1 - params.alpha!);
    expect(params.phi).toBeGreaterThanOrEqual(0.8);
    expect(params.phi).toBeLessThanOrEqual(0.98);
  });

  it('fits a better one-step SSE than its starting parameters', () => {
    const n = seededNormal(4);
    const y = Array.from({ length: 240 }, (_, t) => 50 + 10 * Math.sin((2 * Math.PI * t) / 24) + n());
    const fitted = holtWinters().fit(y, { period: 24 });
    const start = holtWinters({ fixed: { alpha: 0.2, beta: 0.02, gamma: 0.08, phi: 0.95 } }).fit(y, { period: 24 });
    expect(fitted.sigma).toBeLessThan(start.sigma);
  });

  it('refuses a multiplicative fit of a series with a zero', () => {
    const y = [...SMALL];
    y[3] = 0;
    expect(() => holtWinters({ seasonal: 'multiplicative' }).fit(y, { period: 4 })).toThrow(InputError);
  });

  it('rejects unknown options', () => {
    expect(() => holtWintersOptionsSchema.parse({ trend: 'exponential' })).toThrow();
  });

  it('fits 2,000 hourly points in well under a second', () => {
    const y = Array.from({ length: 2000 }, (_, t) => 100 + 20 * Math.sin((2 * Math.PI * t) / 24) + (t % 7));
    const started = performance.now();
    holtWinters().fit(y, { period: 24 });
    expect(performance.now() - started).toBeLessThan(500);
  });
});
