import { parse as parseCsv } from 'csv-parse/sync';
import { InputError } from '../../core/errors.ts';
import { medianIntervalMs } from './stats.ts';

/** How the input spelled its timestamps, so future ones are printed the same way. */
export interface TimestampStyle {
  /** Between date and time: `' '` (`2014-04-01 00:00:00`), `'T'` (ISO 8601), or `''` for dates alone. */
  separator: ' ' | 'T' | '';
  /** Seconds shown. */
  seconds: boolean;
  /** Digits of the fraction of a second (0: none). */
  fractionDigits: number;
  /** Zone suffix as written: `''` (read as UTC), `Z`, or an offset such as `+02:00` or `+0200`. */
  zone: string;
}

/** A `timestamp,value` series read from CSV. */
export interface SeriesCsv {
  /** Epoch ms, strictly increasing. */
  timestamps: number[];
  values: number[];
  style: TimestampStyle;
  /** Median step between timestamps, in ms. */
  intervalMs: number;
  /** Share of steps that differ from the median step (gaps, jitter): 0 for a regular series. */
  irregularShare: number;
}

const TIMESTAMP_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:([T ])(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|[+-]\d{2}:?\d{2})?$/i;
// Unambiguous on purpose (no nested quantifiers): a long run of digits must not backtrack.
const NUMBER_RE = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Clips a cell for a message. */
const shown = (s: string) => JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s);

/** Parses one timestamp; null when it is not in a supported form. Zone-less times are read as UTC. */
export function parseTimestamp(text: string): { ms: number; style: TimestampStyle } | null {
  const m = TIMESTAMP_RE.exec(text);
  if (!m) return null;
  const [, y, mo, d, sep, h, mi, s, frac, zone] = m;
  const fraction = frac ? Number(`0.${frac}`) * 1000 : 0;
  let ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h ?? 0), Number(mi ?? 0), Number(s ?? 0)) + fraction;
  const check = new Date(ms - fraction);
  // Date.UTC rolls 2014-02-30 over to March; a rolled date was not a real one.
  if (check.getUTCDate() !== Number(d) || check.getUTCHours() !== Number(h ?? 0)) return null;
  if (zone && zone.toUpperCase() !== 'Z') ms -= offsetMinutes(zone) * 60_000;
  return {
    ms,
    style: {
      separator: (sep?.toUpperCase() as 'T' | ' ' | undefined) ?? '',
      seconds: s !== undefined,
      fractionDigits: frac?.length ?? 0,
      zone: zone ? (zone.toUpperCase() === 'Z' ? 'Z' : zone) : '',
    },
  };
}

/** `+02:00` / `-0530` → minutes east of UTC. */
function offsetMinutes(zone: string): number {
  const digits = zone.replace(':', '');
  const sign = digits[0] === '-' ? -1 : 1;
  return sign * (Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5)));
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** Prints epoch ms in `style`: the same separator, precision and zone (offsets keep their local time). */
export function formatTimestamp(ms: number, style: TimestampStyle): string {
  const offset = style.zone && style.zone !== 'Z' ? offsetMinutes(style.zone) : 0;
  const d = new Date(ms + offset * 60_000);
  const date = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  if (style.separator === '') return `${date}${style.zone}`;
  let time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
  if (style.seconds) time += `:${pad(d.getUTCSeconds())}`;
  if (style.seconds && style.fractionDigits > 0) {
    time += `.${pad(d.getUTCMilliseconds(), 3).padEnd(style.fractionDigits, '0').slice(0, style.fractionDigits)}`;
  }
  return `${date}${style.separator}${time}${style.zone}`;
}

/**
 * Reads a `timestamp,value` CSV: a header naming both columns (any order, any case, extra columns
 * ignored), then one row per time, strictly increasing. Timestamps are `2014-04-01 00:00:00` or
 * ISO 8601. Throws `InputError` with `location` `line N` at the first bad row.
 */
export function readSeriesCsv(text: string | Buffer): SeriesCsv {
  const rows: { line: number; fields: string[] }[] = [];
  try {
    parseCsv(text, {
      bom: true,
      relax_column_count: true,
      skip_empty_lines: true,
      trim: true,
      on_record: (record: string[], ctx) => {
        rows.push({ line: ctx.lines, fields: record });
        return null;
      },
    });
  } catch (err) {
    const line = (err as { lines?: number }).lines;
    throw new InputError(`unreadable CSV${line ? ` at line ${line}` : ''}: ${(err as Error).message}`, {
      cause: err,
      ...(line ? { location: `line ${line}` } : {}),
    });
  }
  const header = rows.shift();
  if (!header)
    throw new InputError('the CSV is empty: expected a header timestamp,value and rows', { location: 'line 1' });
  const names = header.fields.map((f) => f.toLowerCase());
  const ti = names.indexOf('timestamp');
  const vi = names.indexOf('value');
  if (ti < 0 || vi < 0) {
    throw new InputError(
      `line ${header.line}: the header must name the columns timestamp,value (got ${shown(header.fields.join(','))})`,
      {
        location: `line ${header.line}`,
      },
    );
  }
  const timestamps: number[] = [];
  const values: number[] = [];
  let style: TimestampStyle | undefined;
  for (const { line, fields } of rows) {
    const fail = (reason: string) => new InputError(`line ${line}: ${reason}`, { location: `line ${line}` });
    const ts = parseTimestamp(fields[ti] ?? '');
    if (!ts) throw fail(`timestamp must look like 2014-04-01 00:00:00 or ISO 8601 (got ${shown(fields[ti] ?? '')})`);
    const raw = fields[vi] ?? '';
    if (!NUMBER_RE.test(raw)) throw fail(`value must be a number (got ${shown(raw)})`);
    const prev = timestamps.at(-1);
    if (prev !== undefined && ts.ms <= prev) {
      throw fail(`timestamps must increase (${shown(fields[ti]!)} is not after the previous row)`);
    }
    style ??= ts.style;
    timestamps.push(ts.ms);
    values.push(Number(raw));
  }
  if (!style) throw new InputError('the CSV has a header but no rows', { location: `line ${header.line + 1}` });
  const intervalMs = medianIntervalMs(timestamps);
  const irregular = timestamps.slice(1).filter((t, i) => t - timestamps[i]! !== intervalMs).length;
  return {
    timestamps,
    values,
    style,
    intervalMs,
    irregularShare: timestamps.length > 1 ? irregular / (timestamps.length - 1) : 0,
  };
}
