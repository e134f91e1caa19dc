/** Time constants and the daily/weekly shape of demand shared by every generator. */

/** One hour in ms. */
export const HOUR_MS = 3_600_000;
/** One day in ms. */
export const DAY_MS = 24 * HOUR_MS;
/** One week in ms. */
export const WEEK_MS = 7 * DAY_MS;

/** Hour of the UTC day at which demand peaks. @default 13 */
export const PEAK_HOUR_UTC = 13;
/** Half the peak-to-trough swing of the daily cycle, as a share of the average. */
const DIURNAL_AMPLITUDE = 0.45;
/** Weekend demand as a share of weekday demand. */
const WEEKEND_FACTOR = 0.6;

/** True on Saturday and Sunday, UTC. */
export function isWeekend(tMs: number): boolean {
  // 1970-01-01 was a Thursday: day 0 → weekday 4.
  const weekday = (Math.floor(tMs / DAY_MS) + 4) % 7;
  return weekday === 0 || weekday === 6;
}

/** Demand multiplier at `tMs` (average weekday ≈ 1): a cosine peaking at 13:00 UTC (+ `phaseHours`),
 *  between 0.55 and 1.45, times 0.6 at weekends. */
export function loadFactor(tMs: number, phaseHours = 0): number {
  const hour = (tMs % DAY_MS) / HOUR_MS;
  const diurnal = 1 + DIURNAL_AMPLITUDE * Math.cos((2 * Math.PI * (hour - PEAK_HOUR_UTC - phaseHours)) / 24);
  return isWeekend(tMs) ? diurnal * WEEKEND_FACTOR : diurnal;
}

/** How busy people are at `tMs`: 1 in weekday office hours (08:00–18:00 UTC), 0.1 otherwise. */
export function workFactor(tMs: number): number {
  const hour = Math.floor((tMs % DAY_MS) / HOUR_MS);
  return !isWeekend(tMs) && hour >= 8 && hour < 18 ? 1 : 0.1;
}

const POWERS_OF_TEN = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8];

/** Rounds to `digits` decimals; keeps JSON short and values stable. */
export function roundTo(x: number, digits: number): number {
  const f = POWERS_OF_TEN[digits] ?? 10 ** digits;
  return Math.round(x * f) / f;
}

/** Clamps into [lo, hi]. */
export function clamp(x: number, lo: number, hi: number): number {
  return Math.min(Math.max(x, lo), hi);
}
