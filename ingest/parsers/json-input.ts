import type { ParseOutcome } from './types.ts';
import { decodeUtf8 } from './validate.ts';

/** One record found in the input, with where it was found (`line 3 items[2]`, `Records[4]`). */
export interface Located {
  value: unknown;
  location: string;
}

/** Decodes an input file as strict UTF-8; an undecodable or empty input becomes one rejection at
 *  `file` and undefined. */
export function readText(input: Buffer, outcome: ParseOutcome): string | undefined {
  let text: string;
  try {
    text = decodeUtf8(input);
  } catch {
    outcome.rejected.push({ location: 'file', reason: 'input is not valid UTF-8' });
    return undefined;
  }
  if (text.trim() === '') {
    outcome.rejected.push({ location: 'file', reason: 'input is empty' });
    return undefined;
  }
  return text;
}

/** Reads a JSON document, or JSON lines: a whole document is tried first; if that fails and the
 *  first line is JSON on its own, each line is one value. `each` gets every value with its location
 *  (`''` for the whole document, `line N` for a line); unparseable lines become rejections. */
export function readJsonValues(
  text: string,
  outcome: ParseOutcome,
  each: (value: unknown, location: string) => void,
): void {
  let whole: unknown;
  try {
    whole = JSON.parse(text);
  } catch (err) {
    const lines = text.split('\n');
    const first = lines.find((l) => l.trim() !== '') ?? '';
    if (!isJson(first)) {
      outcome.rejected.push({ location: 'file', reason: `not valid JSON: ${(err as Error).message.slice(0, 200)}` });
      return;
    }
    lines.forEach((line, i) => {
      if (line.trim() === '') return;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (lineErr) {
        outcome.rejected.push({
          location: `line ${i + 1}`,
          reason: `not valid JSON: ${(lineErr as Error).message.slice(0, 200)}`,
        });
        return;
      }
      each(value, `line ${i + 1}`);
    });
    return;
  }
  each(whole, '');
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** A parsed JSON object, read field by field. */
export type Json = Record<string, unknown>;

/** A source field that stops one event from being read; caught per event, never escapes `parse`. */
export class FieldProblem {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {}
}

/** Whether a value is a plain JSON object (not null, not an array). */
export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Clips a value for a message so a huge field cannot become a huge rejection. */
export function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 64 ? `${text.slice(0, 64)}…` : text;
}

/** An optional string field; present but not a string is a problem naming the field. */
export function optString(obj: Json, key: string, path = key): string | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new FieldProblem(path, `${path} must be a string (got ${shown(v)})`);
  return v;
}

/** A required non-empty string field; absent or empty is a problem naming the field. */
export function reqString(obj: Json, key: string, path = key): string {
  const v = optString(obj, key, path);
  if (v === undefined || v === '') throw new FieldProblem(path, `${path} is missing`);
  return v;
}

/** An optional nested object field, undefined when absent; present but not an object is a problem. */
export function optObject(obj: Json, key: string, path = key): Json | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) throw new FieldProblem(path, `${path} must be an object (got ${shown(v)})`);
  return v;
}
