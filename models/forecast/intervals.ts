import { quantile } from './stats.ts';
import type { ForecastResult } from './types.ts';

/** Fewest backtest origins whose errors are trusted for empirical intervals; below it the model's own (analytic) interval is kept. @default 16 */
export const MIN_EMPIRICAL_ORIGINS = 16;

/**
 * Least-squares non-decreasing fit of `xs` (pool adjacent violators). Unlike a running maximum it
 * does not ratchet up on one noisy high quantile, so the interval widens with the horizon without
 * drifting wider than the errors say.
 */
export function isotonicIncreasing(xs: readonly number[]): number[] {
  const blocks: { sum: number; count: number }[] = [];
  for (const x of xs) {
    blocks.push({ sum: x, count: 1 });
    while (blocks.length > 1) {
      const last = blocks.at(-1)!;
      const prev = blocks.at(-2)!;
      if (prev.sum / prev.count <= last.sum / last.count) break;
      prev.sum += last.sum;
      prev.count += last.count;
      blocks.pop();
    }
  }
  return blocks.flatMap((b) => new Array<number>(b.count).fill(b.sum / b.count));
}

/**
 * Prediction interval from backtest errors: at step k, the (1 ∓ level)/2 quantiles of the errors
 * made k steps ahead are added to the point forecast. Each bound's offsets are made monotone in k
 * (a step further ahead is never surer; this also smooths quantiles taken from a few dozen
 * origins) and clamped to straddle zero, so the interval always holds yhat.
 */
export function empiricalInterval(
  yhat: number[],
  errors: readonly (readonly number[])[],
  level: number,
): ForecastResult {
  const tail = (1 - level / 100) / 2;
  const at = (k: number) => errors[Math.min(k, errors.length - 1)]!;
  const up = isotonicIncreasing(yhat.map((_, k) => Math.max(0, quantile(at(k), 1 - tail))));
  const down = isotonicIncreasing(yhat.map((_, k) => Math.max(0, -quantile(at(k), tail))));
  return {
    yhat,
    lower: yhat.map((y, k) => y - down[k]!),
    upper: yhat.map((y, k) => y + up[k]!),
    level,
  };
}
