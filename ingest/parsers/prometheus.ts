import type { MetricKind } from '../../schemas/index.ts';
import type { FormatParser, ParseContext, ParseOutcome, Rejection } from './types.ts';
import { acceptRecord, decodeUtf8, emptyOutcome, skip } from './validate.ts';

// Prometheus text exposition 0.0.4 and OpenMetrics 1.0 text. The two differ where it matters to us
// only in timestamps (integer ms vs. float seconds), so lines are read first and timestamps are
// converted once the whole input has shown which of the two it is.

type Outcome = ParseOutcome<'metrics'>;

/** Lines longer than this are refused without being tokenised: 1 MiB. */
export const MAX_LINE_CHARS = 1 << 20;
/** Largest epoch milliseconds a JS Date holds; past it the schema's `toISOString` throws. */
const MAX_DATE_MS = 8.64e15;

const KINDS = {
  counter: 'counter',
  gauge: 'gauge',
  histogram: 'histogram',
  gaugehistogram: 'histogram',
  summary: 'summary',
  untyped: 'untyped',
  unknown: 'untyped',
  // OpenMetrics info and stateset samples are 0/1 gauges.
  info: 'gauge',
  stateset: 'gauge',
} as const satisfies Record<string, MetricKind>;
type FamilyType = keyof typeof KINDS;

/** Sample-name suffixes each family type owns: `foo_bucket` belongs to histogram `foo`. */
const SUFFIXES: Record<FamilyType, readonly string[]> = {
  counter: ['_total', '_created'],
  histogram: ['_bucket', '_sum', '_count', '_created'],
  gaugehistogram: ['_bucket', '_gsum', '_gcount', '_sum', '_count'],
  summary: ['_sum', '_count', '_created'],
  info: ['_info'],
  gauge: [],
  untyped: [],
  unknown: [],
  stateset: [],
};
const ALL_SUFFIXES = [...new Set(Object.values(SUFFIXES).flat())];
const OPENMETRICS_TYPES = new Set<string>(['unknown', 'gaugehistogram', 'stateset', 'info']);

const METRIC_NAME_RE = /[a-zA-Z_:][a-zA-Z0-9_:]*/y;
const LABEL_NAME_RE = /[a-zA-Z_][a-zA-Z0-9_]*/y;
const TOKEN_RE = /[^ \t]+/y;
// Unambiguous on purpose: `\d+\.?\d*` backtracks quadratically on a long run of digits.
const FLOAT_RE = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const INF_RE = /^[+-]?inf(?:inity)?$/i;

/** A metric family as declared by HELP / TYPE / UNIT lines. */
interface Family {
  type?: FamilyType;
  typeLine?: number;
  unit: string;
  samples: number;
}

/** A sample line, tokenised; its timestamp stays raw until the dialect is known. */
interface RawSample {
  line: number;
  name: string;
  labels: Map<string, string>;
  value: number;
  ts?: string;
  exemplar: boolean;
}

interface Doc {
  families: Map<string, Family>;
  samples: RawSample[];
  openMetrics: boolean;
  eofLine: number;
}

/** What is wrong with one line, optionally naming the field; becomes a Rejection at `line N`. */
class LineError extends Error {
  constructor(
    reason: string,
    readonly field?: string,
  ) {
    super(reason);
  }
}

/** Prometheus text 0.0.4 / OpenMetrics 1.0 parser (`--format prom`). */
export const prometheusTextParser: FormatParser<'metrics'> = {
  format: 'prom',
  kind: 'metrics',
  parse: parsePrometheusText,
};

/** Parses one Prometheus or OpenMetrics text exposition into metric points; never throws on bad input. */
export function parsePrometheusText(input: Buffer, ctx: ParseContext): ParseOutcome<'metrics'> {
  const out = emptyOutcome('metrics');
  let text: string;
  try {
    text = decodeUtf8(input);
  } catch {
    out.rejected.push({ location: 'file', reason: 'is not valid UTF-8' });
    return out;
  }
  const doc: Doc = { families: new Map(), samples: [], openMetrics: false, eofLine: 0 };
  for (const [i, raw] of text.split('\n').entries()) {
    tryLine(out, i + 1, () => readLine(raw, i + 1, doc));
  }
  emitSamples(doc, ctx, out);
  return out;
}

function readLine(raw: string, n: number, doc: Doc): void {
  if (raw.length > MAX_LINE_CHARS) {
    throw new LineError(`is ${raw.length} characters long; lines over ${MAX_LINE_CHARS} characters are refused`);
  }
  const line = raw.trim();
  if (line === '') return;
  if (doc.eofLine > 0) throw new LineError(`comes after # EOF (line ${doc.eofLine})`);
  if (line.startsWith('#')) readComment(line, n, doc);
  else doc.samples.push(readSample(line, n));
}

function readComment(line: string, n: number, doc: Doc): void {
  if (/^#[ \t]*EOF$/.test(line)) {
    doc.eofLine = n;
    doc.openMetrics = true;
    return;
  }
  const match = /^#[ \t]+(HELP|TYPE|UNIT)(?:[ \t]+(.*))?$/.exec(line);
  if (!match) return; // an ordinary comment
  const keyword = match[1]!;
  const cur = new Cursor(match[2] ?? '');
  const name = cur.peek() === '"' ? cur.quoted('metric name') : cur.match(METRIC_NAME_RE);
  if (!name || !(cur.done() || cur.skipSpace()))
    throw new LineError(`${keyword} line has no valid metric name`, 'name');
  const rest = cur.rest().trim();
  const family = familyFor(doc, name);
  if (keyword === 'TYPE') {
    if (!Object.hasOwn(KINDS, rest)) {
      throw new LineError(
        `TYPE of ${name} is "${clip(rest)}"; expected one of ${Object.keys(KINDS).join(', ')}`,
        'type',
      );
    }
    if (family.typeLine) throw new LineError(`repeats the TYPE of ${name} (first at line ${family.typeLine})`, 'type');
    family.type = rest as FamilyType;
    family.typeLine = n;
    if (OPENMETRICS_TYPES.has(rest)) doc.openMetrics = true;
  } else if (keyword === 'UNIT') {
    if (rest.length > 64) throw new LineError(`UNIT of ${name} is longer than 64 characters`, 'unit');
    family.unit = rest;
    doc.openMetrics = true;
  }
}

function familyFor(doc: Doc, name: string): Family {
  let family = doc.families.get(name);
  if (!family) {
    family = { unit: '', samples: 0 };
    doc.families.set(name, family);
  }
  return family;
}

/** `name{label="value",...} value [timestamp] [# exemplar]`; the name may be quoted inside the braces. */
function readSample(line: string, n: number): RawSample {
  const cur = new Cursor(line);
  let name = cur.match(METRIC_NAME_RE);
  const labels = new Map<string, string>();
  let spaced = cur.skipSpace();
  if (cur.eat('{')) {
    name = readLabels(cur, labels, name);
    spaced = cur.skipSpace();
  } else if (!name) throw new LineError(`must start with a metric name, found "${clip(line)}"`, 'name');
  if (!name) throw new LineError('has labels but no metric name', 'name');
  if (!spaced && !cur.done()) throw new LineError(`expected a space after ${name}, found "${clip(cur.rest())}"`);
  const valueText = cur.match(TOKEN_RE);
  if (!valueText) throw new LineError(`has no value after ${name}`, 'value');
  const value = parseFloatToken(valueText, 'value');
  cur.skipSpace();
  const ts = cur.done() || cur.peek() === '#' ? undefined : cur.match(TOKEN_RE);
  cur.skipSpace();
  if (!cur.done() && cur.peek() !== '#')
    throw new LineError(`has unexpected text after the sample: "${clip(cur.rest())}"`);
  return { line: n, name, labels, value, ...(ts === undefined ? {} : { ts }), exemplar: !cur.done() };
}

/** Reads labels up to `}`; returns the metric name, which a quoted first item may supply. */
function readLabels(cur: Cursor, labels: Map<string, string>, name: string): string {
  for (;;) {
    cur.skipSpace();
    if (cur.eat('}')) return name;
    const quoted = cur.peek() === '"';
    const key = quoted ? cur.quoted('label name') : cur.match(LABEL_NAME_RE);
    if (!key)
      throw new LineError(`expected a label name at column ${cur.pos + 1}, found "${clip(cur.rest())}"`, 'labels');
    cur.skipSpace();
    if (quoted && !name && (cur.peek() === ',' || cur.peek() === '}')) {
      name = key; // UTF-8 name syntax: {"my.metric", label="x"}
    } else {
      if (!cur.eat('=')) throw new LineError(`expected "=" after label ${key}`, `labels.${key}`);
      cur.skipSpace();
      if (cur.peek() !== '"') throw new LineError(`value of label ${key} must be a quoted string`, `labels.${key}`);
      const value = cur.quoted(`value of label ${key}`);
      if (labels.has(key)) throw new LineError(`has label ${key} twice`, `labels.${key}`);
      labels.set(key, value);
    }
    cur.skipSpace();
    if (!cur.eat(',') && cur.peek() !== '}') {
      throw new LineError(`expected "," or "}" after label ${key}, found "${clip(cur.rest())}"`, 'labels');
    }
  }
}

/** Go's ParseFloat as the exposition formats use it: decimal, `NaN`, `±Inf`. */
function parseFloatToken(text: string, field: string): number {
  if (FLOAT_RE.test(text)) return Number(text);
  if (text.toLowerCase() === 'nan') return Number.NaN;
  if (INF_RE.test(text)) return text.startsWith('-') ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  throw new LineError(`${field} "${clip(text)}" is not a number`, field);
}

function emitSamples(doc: Doc, ctx: ParseContext, out: Outcome): void {
  const resolved = doc.samples.map((sample) => ({ sample, ...resolveFamily(doc.families, sample.name) }));
  if (resolved.some((r) => r.suffix === '_created')) doc.openMetrics = true;
  const nowMs = ctx.nowMs ?? Date.now();
  for (const { sample, family, suffix } of resolved) {
    if (family) family.samples++;
    if (sample.exemplar) skip(out, 'exemplar (not ingested)');
    if (suffix === '_created') skip(out, '_created sample (a creation time, not an observation)');
    else if (Number.isNaN(sample.value)) skip(out, 'NaN sample (no observation)');
    else tryLine(out, sample.line, () => emitSample(sample, family, doc.openMetrics, nowMs, ctx, out));
  }
  const silent = [...doc.families.values()].filter((f) => f.samples === 0).length;
  if (silent > 0) skip(out, 'metric family with HELP/TYPE but no samples', silent);
}

function emitSample(
  sample: RawSample,
  family: Family | undefined,
  openMetrics: boolean,
  nowMs: number,
  ctx: ParseContext,
  out: Outcome,
): void {
  if (!Number.isFinite(sample.value)) {
    throw new LineError(`value is ${sample.value > 0 ? '+Inf' : '-Inf'}; only finite values can be stored`, 'value');
  }
  // Scraped labels win over operator-supplied extras, as in OTLP; `job` then names the service.
  const labels = { ...ctx.extraLabels, ...Object.fromEntries(sample.labels) };
  const candidate = {
    ts: sample.ts === undefined ? nowMs : timestampMs(sample.ts, openMetrics),
    service: labels.job || ctx.defaultService || 'unknown_service',
    name: sample.name,
    kind: KINDS[family?.type ?? 'untyped'],
    value: sample.value,
    labels,
    unit: family?.unit ?? '',
  };
  if (!acceptRecord(out, candidate, `line ${sample.line}`)) out.rejected.push(toWireField(out.rejected.pop()!));
}

/** Exact name first, then `<family><suffix>` for a suffix that family's type owns. */
function resolveFamily(families: Map<string, Family>, name: string): { family?: Family; suffix: string } {
  const exact = families.get(name);
  if (exact?.type) return { family: exact, suffix: '' };
  for (const suffix of ALL_SUFFIXES) {
    if (!name.endsWith(suffix)) continue;
    const base = families.get(name.slice(0, -suffix.length));
    if (base?.type && SUFFIXES[base.type].includes(suffix)) return { family: base, suffix };
  }
  return exact ? { family: exact, suffix: '' } : { suffix: '' };
}

/** 0.0.4 timestamps are integer milliseconds; OpenMetrics ones are seconds with a fraction. */
function timestampMs(text: string, openMetrics: boolean): number {
  let ms: number;
  if (openMetrics) {
    if (!FLOAT_RE.test(text)) throw new LineError(`timestamp "${clip(text)}" is not a number of seconds`, 'timestamp');
    ms = Math.round(Number(text) * 1000);
  } else {
    if (!/^-?\d+$/.test(text)) {
      const hint = 'Prometheus text 0.0.4 uses integer milliseconds; OpenMetrics input ends with # EOF';
      throw new LineError(`timestamp "${clip(text)}" is not integer milliseconds (${hint})`, 'timestamp');
    }
    ms = Number(text);
  }
  if (!(Math.abs(ms) <= MAX_DATE_MS))
    throw new LineError(`timestamp ${clip(text)} is beyond any representable date`, 'timestamp');
  return ms;
}

/** Runs `read` for one line; a LineError becomes a Rejection at `line N`. */
function tryLine(out: Outcome, n: number, read: () => void): void {
  try {
    read();
  } catch (error) {
    if (!(error instanceof LineError)) throw error;
    out.rejected.push({ location: `line ${n}`, ...(error.field ? { field: error.field } : {}), reason: error.message });
  }
}

/** The schema calls the timestamp `ts`; the exposition format calls it the sample timestamp. */
function toWireField(r: Rejection): Rejection {
  if (r.field !== 'ts') return r;
  return { ...r, field: 'timestamp', reason: r.reason.replace(/^ts /, 'timestamp ') };
}

function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

/** A read position in one line. */
class Cursor {
  pos = 0;
  constructor(readonly text: string) {}

  done(): boolean {
    return this.pos >= this.text.length;
  }

  peek(): string {
    return this.text[this.pos] ?? '';
  }

  rest(): string {
    return this.text.slice(this.pos);
  }

  eat(ch: string): boolean {
    if (this.text[this.pos] !== ch) return false;
    this.pos++;
    return true;
  }

  skipSpace(): boolean {
    const start = this.pos;
    while (this.peek() === ' ' || this.peek() === '\t') this.pos++;
    return this.pos > start;
  }

  /** Consumes a match of a sticky regex at the cursor; '' when there is none. */
  match(re: RegExp): string {
    re.lastIndex = this.pos;
    const found = re.exec(this.text)?.[0] ?? '';
    this.pos += found.length;
    return found;
  }

  /** Reads a double-quoted string with `\\`, `\"` and `\n` escapes; other escapes are kept
   *  verbatim, as Prometheus does. One pass, so a long run of escapes stays linear. */
  quoted(what: string): string {
    const { text } = this;
    let value = '';
    let start = this.pos + 1;
    for (let i = start; i < text.length; i++) {
      const c = text[i];
      if (c === '"') {
        this.pos = i + 1;
        return value + text.slice(start, i);
      }
      if (c !== '\\' || i + 1 >= text.length) continue;
      const e = text[++i]!;
      value += text.slice(start, i - 1) + (e === 'n' ? '\n' : e === '\\' || e === '"' ? e : `\\${e}`);
      start = i + 1;
    }
    throw new LineError(`${what} is not terminated (missing closing quote)`, 'labels');
  }
}
