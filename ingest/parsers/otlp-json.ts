import type { ParseOutcome } from './types.ts';

// Readers for the proto3 JSON mapping as OTLP/JSON uses it
// (https://protobuf.dev/programming-guides/json/): int64 as strings or numbers, doubles as numbers or
// "NaN"/"Infinity", enums as integers or names. Each throws BadInput naming the field.

/** A JSON object as parsed. */
export type Obj = Record<string, unknown>;

/** Largest epoch milliseconds a JS Date holds; past it the schema's `toISOString` throws. */
const MAX_DATE_MS = 8.64e15;
/** Nesting allowed in array/kvlist attribute values before the item is refused. */
const MAX_ATTRIBUTE_DEPTH = 16;
// Unambiguous on purpose: `\d+\.?\d*` backtracks quadratically on a long run of digits.
const FLOAT_RE = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const INT_RE = /^-?\d+$/;

/** A problem with one input item, optionally naming its field; caught where the item is rejected. */
export class BadInput extends Error {
  constructor(
    reason: string,
    readonly field?: string,
  ) {
    super(field ? `${field} ${reason}` : reason);
  }
}

/** Attributes flatten to strings: arrays and kvlists JSON-encoded, bytes left in base64. */
export function readAttributes(v: unknown, field: string): Record<string, string> {
  return Object.fromEntries(
    readArray(v, field).map((kv, i) => {
      const obj = expectObject(kv, `${field}[${i}]`);
      if (typeof obj.key !== 'string')
        throw new BadInput(`must be a string, got ${describe(obj.key)}`, `${field}[${i}].key`);
      const plain = plainValue(obj.value, `${field}[${i}].value`, 0);
      return [obj.key, typeof plain === 'object' && plain !== null ? JSON.stringify(plain) : String(plain)];
    }),
  );
}

function plainValue(v: unknown, field: string, depth: number): unknown {
  if (depth > MAX_ATTRIBUTE_DEPTH) throw new BadInput(`nests deeper than ${MAX_ATTRIBUTE_DEPTH} levels`, field);
  if (v == null) return '';
  const o = expectObject(v, field);
  if (typeof o.stringValue === 'string') return o.stringValue;
  if (typeof o.boolValue === 'boolean') return o.boolValue;
  // Integer strings are kept verbatim: int64 IDs past 2^53 must not be rounded.
  if (typeof o.intValue === 'string' && INT_RE.test(o.intValue)) return o.intValue;
  if (o.intValue != null) return readInt(o.intValue, `${field}.intValue`);
  if (o.doubleValue != null) return readDouble(o.doubleValue, `${field}.doubleValue`);
  if (typeof o.bytesValue === 'string') return o.bytesValue;
  if (o.arrayValue != null) {
    const values = readArray(expectObject(o.arrayValue, `${field}.arrayValue`).values, `${field}.arrayValue.values`);
    return values.map((x, i) => plainValue(x, `${field}.arrayValue.values[${i}]`, depth + 1));
  }
  if (o.kvlistValue != null) {
    const entries = readArray(
      expectObject(o.kvlistValue, `${field}.kvlistValue`).values,
      `${field}.kvlistValue.values`,
    );
    return Object.fromEntries(
      entries.map((kv, i) => {
        const item = expectObject(kv, `${field}.kvlistValue.values[${i}]`);
        return [String(item.key), plainValue(item.value, `${field}.kvlistValue.values[${i}].value`, depth + 1)];
      }),
    );
  }
  return '';
}

/** `timeUnixNano` → epoch ms. Strings go through BigInt so 19-digit nanoseconds keep their precision. */
export function readTimeMs(v: unknown): number {
  const field = 'timeUnixNano';
  if (v == null || v === 0 || v === '0')
    throw new BadInput('is missing or zero; every point needs its observation time', field);
  if (typeof v === 'string' && /^\d+$/.test(v)) {
    if (v.length > 25) throw new BadInput(`is beyond any representable date (got ${describe(v)})`, field);
    return checkDate(Number(BigInt(v) / 1_000_000n), v);
  }
  // JSON numbers above 2^53 have already lost a few hundred ns: well under the 1 ms kept.
  if (typeof v === 'number' && Number.isInteger(v) && v > 0) return checkDate(Math.floor(v / 1e6), v);
  throw new BadInput(`must be unsigned integer nanoseconds since the epoch, got ${describe(v)}`, field);
}

function checkDate(ms: number, raw: unknown): number {
  if (ms > MAX_DATE_MS) throw new BadInput(`is beyond any representable date (got ${describe(raw)})`, 'timeUnixNano');
  return ms;
}

/** A proto3 JSON double: a number, a numeric string, or "NaN" / "Infinity" / "-Infinity". */
export function readDouble(v: unknown, field: string, fallback?: number): number {
  if (v == null && fallback !== undefined) return fallback;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    if (v === 'NaN') return Number.NaN;
    if (v === 'Infinity' || v === '-Infinity') return Number(v);
    if (FLOAT_RE.test(v)) return Number(v);
  }
  throw new BadInput(`must be a number, got ${describe(v)}`, field);
}

/** A proto3 JSON int32/int64: an integer number or a decimal string; past 2^53 it rounds. */
export function readInt(v: unknown, field: string, fallback?: number): number {
  if (v == null && fallback !== undefined) return fallback;
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && INT_RE.test(v)) return Number(v);
  throw new BadInput(`must be an integer, got ${describe(v)}`, field);
}

/** A proto3 JSON uint32/uint64 (counts): as readInt, and not negative. */
export function readUint(v: unknown, field: string, fallback?: number): number {
  const n = readInt(v, field, fallback);
  if (n < 0) throw new BadInput(`must not be negative (got ${n})`, field);
  return n;
}

/** A proto3 JSON enum: its integer or its name; unknown values are refused. @default 0 when absent */
export function readEnum(v: unknown, names: readonly string[], field: string): number {
  if (v == null) return 0;
  const index = typeof v === 'string' ? names.indexOf(v) : Number.isInteger(v) ? (v as number) : -1;
  if (index >= 0 && index < names.length) return index;
  throw new BadInput(`has unknown value ${describe(v)} (expected 0-${names.length - 1} or ${names.join(', ')})`, field);
}

/** A repeated field: an array, or [] when absent. */
export function readArray(v: unknown, field: string): unknown[] {
  if (v == null) return [];
  if (!Array.isArray(v)) throw new BadInput(`must be an array, got ${describe(v)}`, field);
  return v;
}

/** A message field: must be a JSON object. */
export function expectObject(v: unknown, field?: string): Obj {
  if (!isObject(v)) throw new BadInput(`must be an object, got ${describe(v)}`, field);
  return v;
}

/** True for a plain JSON object (not null, not an array). */
export function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A short rendering of a bad value for a message; long strings are cut at 40 characters. */
export function describe(v: unknown): string {
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v === 'object' && v !== null) return 'an object';
  return String(v);
}

/** Runs `read`; a BadInput becomes a Rejection at `location` and the item is dropped. */
export function attempt<T>(out: ParseOutcome, location: string, read: () => T): T | undefined {
  try {
    return read();
  } catch (error) {
    if (!(error instanceof BadInput)) throw error;
    out.rejected.push({ location, ...(error.field ? { field: error.field } : {}), reason: error.message });
    return undefined;
  }
}
