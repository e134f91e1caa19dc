import { z } from 'zod';

/** Earliest timestamp AEGIS accepts: 2000-01-01T00:00:00Z, in epoch milliseconds. */
export const MIN_TIMESTAMP_MS = Date.UTC(2000, 0, 1);
/** How far ahead of the local clock a timestamp may be (clock skew allowance), in milliseconds. @default 1 day */
export const MAX_FUTURE_SKEW_MS = 24 * 60 * 60 * 1000;

/** Epoch milliseconds, bounded so that negative, zero and absurd far-future times are refused. */
export const timestampMs = z
  .number({ error: 'must be a number of epoch milliseconds' })
  .int({ error: 'must be whole epoch milliseconds' })
  .refine((ms) => ms >= MIN_TIMESTAMP_MS, { error: (i) => `is before 2000-01-01 (got ${i.input})` })
  .refine((ms) => ms <= Date.now() + MAX_FUTURE_SKEW_MS, {
    error: (i) => `is more than a day in the future (got ${describeMs(i.input as number)})`,
  });

/** A finite float: NaN and ±Infinity cannot be carried in JSON nor summed in rollups. */
export const finiteNumber = z.number({ error: 'must be a finite number' }).refine(Number.isFinite, {
  error: 'must be finite (not NaN or ±Infinity)',
});

/** Label / tag maps: string keys and values, bounded so one record cannot blow up a row. */
export const stringMap = z
  .record(z.string().max(256), z.string().max(4096))
  .refine((m) => Object.keys(m).length <= 128, { error: 'has more than 128 entries' });

/** A non-empty bounded identifier-ish string. */
export const name = (max = 512) => z.string().min(1, { error: 'must not be empty' }).max(max);

/** An optional bounded string that defaults to ''; ClickHouse columns are not Nullable. */
export const optText = (max = 2048) => z.string().max(max).default('');

function describeMs(ms: number): string {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? String(ms) : date.toISOString();
}
