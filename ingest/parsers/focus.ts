import { parse as parseCsv } from 'csv-parse/sync';
import { FOCUS_COLUMNS } from '../../schemas/index.ts';
import type { FormatParser, ParseOutcome, Rejection } from './types.ts';
import { acceptRecord, decodeUtf8, emptyOutcome, skip } from './validate.ts';

/** A converted cell, or why it could not be converted. */
type Converted<T> = { value: T } | { problem: string };

const DATE_COLUMNS = new Set(['ChargePeriodStart', 'ChargePeriodEnd', 'BillingPeriodStart', 'BillingPeriodEnd']);
const REQUIRED_DATES = ['ChargePeriodStart', 'ChargePeriodEnd'];
const NUMBER_COLUMNS = new Set([
  'BilledCost',
  'EffectiveCost',
  'ListCost',
  'ContractedCost',
  'PricingQuantity',
  'ConsumedQuantity',
]);
const CHARGE_CATEGORIES = ['Usage', 'Purchase', 'Tax', 'Credit', 'Adjustment'];

// Header names are matched case-insensitively: the FOCUS 1.2 spec examples spell `SkuPriceid`.
const CANONICAL = new Map(FOCUS_COLUMNS.map((c) => [c.toLowerCase(), c]));

const ISO_DATE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;
const US_DATE = /^(\d{1,2})\/(\d{1,2})\/(\d{2}|\d{4})$/;
const PLAIN_NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
// Only comma groups of exactly three digits are thousands separators; `1,5` is not 15.
const THOUSANDS = /^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$/;

/** Clips a value for a message: a 10 MB cell must not become a 10 MB rejection. */
function shown(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  return JSON.stringify(text.length > 64 ? `${text.slice(0, 64)}…` : text);
}

/** Empty cells and the literal `NULL` (any case: the spec examples write `null`) mean no value. */
function isNull(value: unknown): boolean {
  if (value === null || value === undefined) return true;
  return typeof value === 'string' && (value.trim() === '' || value.trim().toUpperCase() === 'NULL');
}

/** Epoch ms from component parts, or the part that is out of range (hour 30, 31 April). */
function utcMs(y: number, mo: number, d: number, h = 0, mi = 0, s = 0, ms = 0): number | string {
  const bad =
    mo < 1 || mo > 12 ? `month ${mo}` : h > 23 ? `hour ${h}` : mi > 59 ? `minute ${mi}` : s > 59 ? `second ${s}` : '';
  if (bad) return bad;
  const t = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  return new Date(t).getUTCDate() === d ? t : `day ${d}`;
}

/** Offset of `+02:00` / `-0530` in ms east of UTC. */
function offsetMs(zone: string | undefined): number {
  if (!zone || zone.toUpperCase() === 'Z') return 0;
  const digits = zone.replace(':', '');
  const sign = digits.startsWith('-') ? -1 : 1;
  return sign * (Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5))) * 60_000;
}

/** Reads the date forms found in FOCUS exports: ISO 8601 (with or without a zone, `T` or space),
 *  and the US `M/D/YY` of the FOCUS 1.2 spec examples. Times without a zone are UTC. */
export function parseFocusDate(column: string, value: unknown): Converted<number> {
  if (typeof value !== 'string') return { problem: `${column} must be a date string (got ${shown(value)})` };
  const text = value.trim();
  const iso = ISO_DATE.exec(text);
  const us = iso ? null : US_DATE.exec(text);
  let ms: number | string;
  if (iso) {
    const [, y, mo, d, h, mi, s, frac, zone] = iso.map((p) => p ?? '');
    const fracMs = Number((frac ?? '').padEnd(3, '0').slice(0, 3));
    ms = utcMs(Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(s), fracMs);
    if (typeof ms === 'number') ms -= offsetMs(zone);
  } else if (us) {
    const year = Number(us[3]);
    // Two-digit years are 20YY: AEGIS refuses anything before 2000 anyway.
    ms = utcMs(us[3]?.length === 2 ? 2000 + year : year, Number(us[1]), Number(us[2]));
  } else {
    return {
      problem: `${column} is not a date (got ${shown(value)}); expected ISO 8601, YYYY-MM-DD HH:MM:SS or M/D/YY`,
    };
  }
  if (typeof ms === 'string') return { problem: `${column} has ${ms}, which is out of range (got ${shown(value)})` };
  return { value: ms };
}

/** Reads an amount: plain numbers, and display strings like `"$10,000.00 "` or `(5.00)` from
 *  spreadsheets. NaN and ±Infinity are refused because they cannot be summed into rollups. */
export function parseFocusNumber(column: string, value: unknown): Converted<number | null> {
  if (isNull(value)) return { value: null };
  if (typeof value === 'number') {
    return Number.isFinite(value) ? { value } : { problem: `${column} must be finite (got ${value})` };
  }
  if (typeof value !== 'string') return { problem: `${column} must be a number (got ${shown(value)})` };
  let text = value.trim();
  let sign = 1;
  const accounting = /^\((.*)\)$/.exec(text);
  if (accounting) {
    sign = -1;
    text = (accounting[1] ?? '').trim();
  }
  text = text.replace(/^([+-]?)\s*[$€£¥]\s*/, '$1').replace(/\s+/g, '');
  if (THOUSANDS.test(text)) text = text.replaceAll(',', '');
  if (/^[+-]?(nan|inf(inity)?)$/i.test(text)) return { problem: `${column} must be finite (got ${shown(value)})` };
  if (!PLAIN_NUMBER.test(text)) return { problem: `${column} is not a number (got ${shown(value)})` };
  const parsed = sign * Number(text);
  return Number.isFinite(parsed) ? { value: parsed } : { problem: `${column} is out of range (got ${shown(value)})` };
}

/** `Tags` is a JSON object (a string in CSV, an object in JSON lines); values become strings. */
function parseTags(value: unknown): Converted<Record<string, string>> {
  if (isNull(value)) return { value: {} };
  let parsed: unknown = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      return { problem: `Tags is not a JSON object (got ${shown(value)})` };
    }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { problem: `Tags must be a JSON object (got ${shown(value)})` };
  }
  const tags: Record<string, string> = {};
  for (const [k, v] of Object.entries(parsed)) tags[k] = typeof v === 'string' ? v : JSON.stringify(v);
  return { value: tags };
}

/** Text columns: strings verbatim, numbers and booleans as written; nested JSON is a wrong type. */
function parseText(column: string, value: unknown): Converted<string> {
  if (isNull(value)) return { value: '' };
  if (typeof value === 'string') return { value };
  if (typeof value === 'number' || typeof value === 'boolean') return { value: String(value) };
  return { problem: `${column} must be text (got ${shown(value)})` };
}

/** ChargeCategory is a closed set in every FOCUS version; exports drift in casing (`usage`). */
function parseChargeCategory(value: unknown): Converted<string> {
  const text = parseText('ChargeCategory', value);
  if (!('value' in text) || text.value === '') return text;
  const match = CHARGE_CATEGORIES.find((c) => c.toLowerCase() === text.value.trim().toLowerCase());
  return match
    ? { value: match }
    : { problem: `ChargeCategory must be one of ${CHARGE_CATEGORIES.join(', ')} (got ${shown(value)})` };
}

/** Converts one cell of a modelled column. */
function convertCell(column: string, value: unknown): Converted<unknown> {
  if (DATE_COLUMNS.has(column)) {
    if (!isNull(value)) return parseFocusDate(column, value);
    return REQUIRED_DATES.includes(column) ? { problem: `${column} is empty` } : { value: null };
  }
  if (NUMBER_COLUMNS.has(column)) return parseFocusNumber(column, value);
  if (column === 'Tags') return parseTags(value);
  if (column === 'ChargeCategory') return parseChargeCategory(value);
  return parseText(column, value);
}

/** A row turned into a candidate record, or the column that stopped it. */
type RowResult = { candidate: Record<string, unknown> } | { field: string; reason: string };

/** Builds a candidate cost record from (column, value) pairs, or the first problem found. */
function toCandidate(entries: [string, unknown][]): RowResult {
  const candidate: Record<string, unknown> = {};
  const extra: Record<string, string> = {};
  for (const [name, value] of entries) {
    const column = CANONICAL.get(name.toLowerCase());
    if (column === undefined) {
      // Unmodelled columns are kept verbatim; empty ones are dropped to stay under the 128-entry cap.
      if (!isNull(value)) extra[name] = typeof value === 'string' ? value : JSON.stringify(value);
      continue;
    }
    if (candidate[column] !== undefined && isNull(value)) continue;
    const converted = convertCell(column, value);
    if ('problem' in converted) return { field: column, reason: converted.problem };
    candidate[column] = converted.value;
  }
  const absent = REQUIRED_DATES.find((c) => candidate[c] === undefined);
  if (absent) return { field: absent, reason: `${absent} is missing` };
  candidate.Extra = extra;
  return { candidate };
}

/** Validates one row; a conversion problem becomes a Rejection naming the column. */
function acceptRow(outcome: ParseOutcome<'cost'>, entries: [string, unknown][], location: string): void {
  const result = toCandidate(entries);
  if ('candidate' in result) acceptRecord(outcome, result.candidate, location);
  else outcome.rejected.push({ location, ...result });
}

/** The header's missing required columns, as the message should name them. */
function missingColumns(header: string[]): string[] {
  const present = new Set(header.map((h) => CANONICAL.get(h.trim().toLowerCase())));
  const missing = REQUIRED_DATES.filter((c) => !present.has(c));
  if (!present.has('BilledCost') && !present.has('EffectiveCost')) missing.push('BilledCost or EffectiveCost');
  return missing;
}

/** First physical line of a record: csv-parse reports the line it ended on. */
function startLine(endLine: number, raw: string | undefined): number {
  const body = (raw ?? '').replace(/^[\r\n]+|[\r\n]+$/g, '');
  return endLine - (body.match(/\n/g)?.length ?? 0);
}

interface RawEntry {
  record: string[];
}

interface CsvRow {
  line: number;
  fields: string[];
}

/** Splits CSV text into rows, recording unreadable stretches (a bad quote, a truncated tail) as
 *  rejections. csv-parse's skip_records_with_error keeps the rows before and after a bad one. */
function readCsvRows(text: string, rejected: Rejection[]): CsvRow[] {
  const rows: CsvRow[] = [];
  try {
    parseCsv(text, {
      bom: true,
      raw: true,
      relax_column_count: true,
      skip_empty_lines: true,
      skip_records_with_error: true,
      // With `raw: true` csv-parse hands on_record `{ record, raw }`; its typings do not say so.
      on_record: (entry, ctx) => {
        rows.push({ line: startLine(ctx.lines, ctx.raw), fields: (entry as unknown as RawEntry).record });
        return null;
      },
      on_skip: (err, raw) => {
        const line = startLine(Number(err?.lines ?? 0), raw);
        rejected.push({ location: `line ${line}`, reason: `unreadable CSV: ${err?.message ?? 'malformed record'}` });
        return undefined;
      },
    });
  } catch (err) {
    rejected.push({ location: 'file', reason: `unreadable CSV: ${(err as Error).message}` });
  }
  return rows;
}

/** Parses FOCUS CSV: the header names the columns, each later row is one record. */
function parseFocusCsv(text: string, outcome: ParseOutcome<'cost'>): void {
  const rows = readCsvRows(text, outcome.rejected);
  const [header, ...body] = rows;
  if (!header) {
    if (outcome.rejected.length === 0) outcome.rejected.push({ location: 'file', reason: 'no header row' });
    return;
  }
  const names = header.fields.map((h) => h.trim());
  const missing = missingColumns(names);
  if (missing.length > 0) {
    // The file is refused as a whole: row-level CSV errors would only repeat the same verdict.
    outcome.rejected.length = 0;
    outcome.rejected.push({
      location: 'file',
      field: missing.join(', '),
      reason: `header lacks required FOCUS column(s): ${missing.join(', ')}`,
    });
    return;
  }
  for (const row of body) {
    const location = `line ${row.line}`;
    if (row.fields.every((f) => f.trim() === '')) {
      skip(outcome, 'blank row');
    } else if (row.fields.length !== names.length) {
      outcome.rejected.push({
        location,
        reason: `row has ${row.fields.length} fields but the header has ${names.length}`,
      });
    } else {
      acceptRow(
        outcome,
        names.map((n, i) => [n, row.fields[i]]),
        location,
      );
    }
  }
}

/** Parses FOCUS as JSON lines: one object per line keyed by column name. */
function parseFocusJsonLines(text: string, outcome: ParseOutcome<'cost'>): void {
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    const location = `line ${i + 1}`;
    if (line === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      outcome.rejected.push({ location, reason: `not valid JSON: ${(err as Error).message.slice(0, 200)}` });
      return;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      outcome.rejected.push({ location, reason: `a FOCUS row must be a JSON object (got ${shown(value)})` });
      return;
    }
    acceptRow(outcome, Object.entries(value), location);
  });
}

/** Reads FOCUS 1.0–1.2 cost and usage data, as CSV with a header row or as JSON lines. */
export const focusCsvParser: FormatParser<'cost'> = {
  format: 'focus',
  kind: 'cost',
  parse(input) {
    const outcome = emptyOutcome('cost');
    let text: string;
    try {
      text = decodeUtf8(input);
    } catch {
      outcome.rejected.push({ location: 'file', reason: 'input is not valid UTF-8' });
      return outcome;
    }
    if (text.trimStart().startsWith('{')) parseFocusJsonLines(text, outcome);
    else parseFocusCsv(text, outcome);
    return outcome;
  },
};
