/** One hour in ms. */
const HOUR_MS = 3_600_000;
/** One day in ms. */
const DAY_MS = 24 * HOUR_MS;

/** Seasons a candidate period needs in the series before autocorrelation is trusted to confirm it. @default 3 */
export const MIN_SEASONS_TO_DETECT = 3;

/**
 * Season lengths the sampling interval suggests, shortest first: a day of steps for sub-daily data
 * (24 hourly, 288 at 5 min) plus a week when the series holds three weeks; 7 for daily data.
 * Empty for intervals that divide no day evenly.
 */
export function calendarPeriods(intervalMs: number, points: number): number[] {
  if (!(intervalMs > 0)) return [];
  if (Math.abs(intervalMs - DAY_MS) < 1) return points >= MIN_SEASONS_TO_DETECT * 7 ? [7] : [];
  const perDay = DAY_MS / intervalMs;
  // A day must hold a whole number of steps: 7-minute data has no daily phase to align on.
  if (intervalMs > DAY_MS || Math.abs(perDay - Math.round(perDay)) > 1e-6 || Math.round(perDay) < 2) return [];
  const day = Math.round(perDay);
  return [day, 7 * day].filter((m) => points >= MIN_SEASONS_TO_DETECT * m);
}

/**
 * Autocorrelation at lag `m` of the series minus its moving average over `m` steps: the moving
 * average removes trend and level shifts (which make every raw lag look correlated) but keeps the
 * seasonal swing. About 0 for noise, near 1 for a clean season.
 */
export function seasonalAutocorrelation(values: readonly number[], m: number): number {
  const n = values.length;
  if (m < 2 || n < 2 * m + 2) return 0;
  const half = Math.floor(m / 2);
  const resid: number[] = [];
  let window = 0;
  for (let i = 0; i < m; i++) window += values[i]!;
  // resid[k] belongs to time k + half: the window [k, k + m) is centred on it (within half a step for even m).
  for (let k = 0; k + m <= n; k++) {
    resid.push(values[k + half]! - window / m);
    if (k + m < n) window += values[k + m]! - values[k]!;
  }
  let mean = 0;
  for (const r of resid) mean += r;
  mean /= resid.length;
  let den = 0;
  for (const r of resid) den += (r - mean) ** 2;
  // A series the moving average explains exactly (a line, a constant) leaves only rounding noise:
  // its autocorrelation means nothing.
  let spread = 0;
  for (const v of values) spread += (v - values[0]!) ** 2;
  if (den <= 1e-12 * spread || den === 0) return 0;
  let num = 0;
  for (let t = m; t < resid.length; t++) num += (resid[t]! - mean) * (resid[t - m]! - mean);
  return num / den;
}

/** Lowest seasonal autocorrelation that confirms a period: clear of noise (≈ 2.5 standard errors) and at least 0.2. */
export function acfThreshold(points: number): number {
  return Math.max(0.2, 2.5 / Math.sqrt(Math.max(points, 1)));
}

/** What `detectPeriods` found: the confirmed periods and the autocorrelation of each candidate. */
export interface PeriodDetection {
  /** Confirmed season lengths in steps, shortest first; empty when the series shows no season. */
  periods: number[];
  /** Seasonal autocorrelation of every calendar candidate, by period. */
  acf: Record<number, number>;
}

/** Season lengths suggested by the sampling interval and confirmed by `seasonalAutocorrelation`. */
export function detectPeriods(values: readonly number[], intervalMs: number): PeriodDetection {
  const acf: Record<number, number> = {};
  const periods: number[] = [];
  const threshold = acfThreshold(values.length);
  for (const m of calendarPeriods(intervalMs, values.length)) {
    acf[m] = seasonalAutocorrelation(values, m);
    if (acf[m]! >= threshold) periods.push(m);
  }
  return { periods, acf };
}
