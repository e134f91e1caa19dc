import type { ParseOutcome } from './types.ts';
import { decodeUtf8 } from './validate.ts';

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
