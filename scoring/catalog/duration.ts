/** OpenSLO duration shorthand: a positive whole number and one case-sensitive unit letter. */

/** Units of the shorthand: minute, hour, day, week, Month, Quarter, Year. */
export type DurationUnit = 'm' | 'h' | 'd' | 'w' | 'M' | 'Q' | 'Y';

/** A parsed duration; `ms` is nominal for M/Q/Y (30, 90, 365 days): calendar windows step by `unit`. */
export interface Duration {
  /** As written: `28d`. */
  text: string;
  count: number;
  unit: DurationUnit;
  /** Length in ms; exact for m/h/d/w, nominal for M (30 d), Q (90 d) and Y (365 d). */
  ms: number;
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** Milliseconds per unit; M, Q and Y are nominal. */
export const DURATION_UNIT_MS: Record<DurationUnit, number> = {
  m: MINUTE_MS,
  h: 60 * MINUTE_MS,
  d: DAY_MS,
  w: 7 * DAY_MS,
  M: 30 * DAY_MS,
  Q: 90 * DAY_MS,
  Y: 365 * DAY_MS,
};

/** Parses `5m`, `1h`, `28d`, `1w`, `1M`, `1Q`, `1Y`; returns a sentence saying what is wrong instead. */
export function parseDuration(value: unknown): Duration | string {
  const m = typeof value === 'string' ? /^([1-9][0-9]{0,5})([mhdwMQY])$/.exec(value) : null;
  if (!m) {
    return `must be a duration like 5m, 1h, 28d, 1w, 1M, 1Q or 1Y (a whole number and one of m h d w M Q Y) (got ${JSON.stringify(value)})`;
  }
  const count = Number(m[1]);
  const unit = m[2] as DurationUnit;
  return { text: m[0], count, unit, ms: count * DURATION_UNIT_MS[unit] };
}
