import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  MAX_FUTURE_SKEW_MS,
  type MetricPoint,
  MIN_TIMESTAMP_MS,
  metricKinds,
  metricPointSchema,
} from '../../schemas/index.ts';
import { fastMetricRow, METRIC_COLUMNS, maxTimestampNow, metricRow } from './metric-rows.ts';

// The schema reads Date.now() for its upper bound; a frozen clock makes the boundary exact for both paths.
const NOW = Date.UTC(2025, 5, 1, 12, 0, 0);
const MAX_TS = NOW + MAX_FUTURE_SKEW_MS;
const SOURCE = 'prom "edge" \\ src';
const SOURCE_JSON = JSON.stringify(SOURCE);
const SEQ = 4242;
const EMOJI = '\u{1F600}'; // one code point, two UTF-16 units

beforeAll(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(NOW);
});
afterAll(() => {
  vi.useRealTimers();
});

/** A string of exactly `units` UTF-16 units, made of non-BMP characters when `nonBmp` (plus one ASCII pad). */
function sized(units: number, nonBmp: boolean): string {
  if (!nonBmp || units < 2) return 'x'.repeat(units);
  return EMOJI.repeat(Math.floor(units / 2)) + (units % 2 === 1 ? 'y' : '');
}

/** Strings the schema accepts for a bounded field, weighted towards the length edges. */
function goodString(max: number, min: number): fc.Arbitrary<string> {
  return fc.oneof(
    fc.string({ minLength: min, maxLength: Math.min(12, Math.floor(max / 2)), unit: 'binary' }),
    fc.string({ minLength: min, maxLength: 12, unit: 'grapheme-ascii' }),
    fc.constantFrom(
      sized(Math.max(min, 1), false),
      sized(max, false),
      sized(max, true),
      `${'a'.repeat(max - 2)}${EMOJI}`, // max units, max-1 code points
      'quote " back \\ newline \n tab \t',
      'line sep \u2028 para \u2029 nul \u0000',
      'lone \ud800 surrogate',
      '__proto__',
      'constructor',
    ),
  );
}

/** Strings the schema refuses for a bounded field (too long counted in UTF-16 units, or empty). */
function badString(max: number, min: number): fc.Arbitrary<string> {
  const edges = [sized(max + 1, false), sized(max + 1, true), `${'a'.repeat(max - 1)}${EMOJI}`, sized(max + 50, true)];
  return fc.constantFrom(...(min > 0 ? ['', ...edges] : edges));
}

const junk = fc.oneof(
  fc.constantFrom<unknown>(
    null,
    undefined,
    true,
    false,
    0,
    -0,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    1e308,
    '',
    '1',
    [],
    ['a'],
    {},
    { a: 'b' },
    10n,
  ),
  fc.anything({ maxDepth: 2, maxKeys: 4 }),
);

const goodTs = fc.oneof(
  fc.integer({ min: MIN_TIMESTAMP_MS, max: MAX_TS }),
  fc.constantFrom(MIN_TIMESTAMP_MS, MAX_TS, NOW),
);
const badTs = fc.oneof(
  fc.constantFrom<unknown>(
    MIN_TIMESTAMP_MS - 1,
    MAX_TS + 1,
    0,
    -0,
    -1,
    -NOW,
    NOW + 0.5,
    MIN_TIMESTAMP_MS + 1e-3,
    1e308,
    Number.MAX_SAFE_INTEGER + 2,
    8.64e15,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    String(NOW),
    new Date(NOW),
  ),
  fc.integer({ min: -1e15, max: MIN_TIMESTAMP_MS - 1 }),
  fc.integer({ min: MAX_TS + 1, max: Number.MAX_SAFE_INTEGER }),
  fc.double({ min: MIN_TIMESTAMP_MS, max: MAX_TS, noInteger: true }),
);

const goodValue = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
  fc.constantFrom(0, -0, 1e308, -1e308, Number.MAX_VALUE, Number.MIN_VALUE, -5e-324, 0.1, 1e21),
);
const badValue = fc.constantFrom<unknown>(
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  '1',
  '',
  null,
  true,
  [],
  [1],
  {},
  1n,
);

const goodKind = fc.constantFrom(...metricKinds);
const badKind = fc.constantFrom<unknown>(
  'Gauge',
  'gauge ',
  '',
  'histogram_bucket',
  'constructor',
  '__proto__',
  'toString',
  'hasOwnProperty',
  1,
  null,
  ['gauge'],
);

const labelKey = goodString(256, 0).filter((k) => k !== '__proto__');
const labelValue = goodString(4096, 0);
const entries = (n: number, prefix = 'k') => Array.from({ length: n }, (_, i) => [`${prefix}${i}`, `v${i}`] as const);

const goodLabels = fc.oneof(
  fc.array(fc.tuple(labelKey, labelValue), { maxLength: 6 }).map((e) => Object.fromEntries(e)),
  fc.constantFrom<Record<string, string>>(
    {},
    Object.fromEntries(entries(128)),
    { [sized(256, true)]: sized(4096, true) },
    { '0': 'numeric key first', b: 'x', '1': 'y' },
    { constructor: 'c', toString: 't', hasOwnProperty: 'h' },
    JSON.parse('{"a":"b","c":"d"}') as Record<string, string>,
  ),
);

const nullProto = (e: readonly (readonly [string, string])[]) =>
  Object.assign(Object.create(null) as object, Object.fromEntries(e));
class LabelBag {
  a = 'b';
}
// Grouped so that each group (and each edge in it) is drawn often enough to matter in 2000 runs.
const badLabels = fc.oneof(
  fc.constantFrom<unknown>(null, [], [['a', 'b']], 'a=b', 1, true),
  fc.constantFrom<unknown>(
    { a: { b: 'c' } },
    { a: ['b'] },
    { a: 1 },
    { a: null },
    { a: true },
    { a: 'ok', b: undefined },
  ),
  fc.constantFrom<unknown>(
    Object.fromEntries(entries(129)),
    { [sized(257, false)]: 'v' },
    { [`${'k'.repeat(255)}${EMOJI}`]: 'v' },
    { k: sized(4097, false) },
    { k: `${'v'.repeat(4095)}${EMOJI}` },
  ),
  fc.constantFrom<unknown>(
    new Map([['a', 'b']]),
    new Date(NOW),
    new LabelBag(),
    Object.assign(Object.create({ inherited: 'x' }) as object, { a: 'b' }),
    nullProto([['a', 'b']]),
    nullProto([]),
  ),
  // __proto__ as an own key, as JSON.parse produces it: zod drops it, so the fast path must not accept.
  fc.constantFrom<unknown>(
    JSON.parse('{"__proto__":"x"}'),
    JSON.parse('{"a":"b","__proto__":"x"}'),
    JSON.parse('{"__proto__":{"a":"b"}}'),
    JSON.parse(
      `{${entries(128)
        .map(([k, v]) => `"${k}":"${v}"`)
        .join(',')},"__proto__":"x"}`,
    ),
  ),
  fc.dictionary(fc.string({ maxLength: 4 }), junk, { maxKeys: 3 }),
);

const goodUnit = fc.oneof(goodString(64, 0), fc.constantFrom('', 's', 'By', '1'));
const badUnit = fc.oneof(badString(64, 0), fc.constantFrom<unknown>(null, 1, true, [], {}, ['s']));

type Fields = 'ts' | 'service' | 'name' | 'kind' | 'value' | 'labels' | 'unit';
const FIELDS: Fields[] = ['ts', 'service', 'name', 'kind', 'value', 'labels', 'unit'];
const orJunk = (specific: fc.Arbitrary<unknown>) =>
  fc.oneof({ weight: 4, arbitrary: specific }, { weight: 1, arbitrary: junk });
const badFor: Record<Fields, fc.Arbitrary<unknown>> = {
  ts: orJunk(badTs),
  service: orJunk(badString(256, 1)),
  name: orJunk(badString(512, 1)),
  kind: orJunk(badKind),
  value: orJunk(badValue),
  labels: orJunk(badLabels),
  unit: orJunk(badUnit),
};
// Labels have the most ways to go wrong; they get a larger share of the corruptions.
const fieldWeight = (f: Fields) => (f === 'labels' ? 3 : 1);

/** Valid points; optional fields are omitted, present, or explicitly undefined. */
const validPoint: fc.Arbitrary<Record<string, unknown>> = fc
  .record({
    ts: goodTs,
    service: goodString(256, 1),
    name: goodString(512, 1),
    kind: goodKind,
    value: goodValue,
    labels: fc.option(goodLabels, { nil: undefined }),
    unit: fc.option(goodUnit, { nil: undefined }),
    optionalForm: fc.constantFrom('omit', 'undefined'),
    extra: fc.option(fc.tuple(fc.constantFrom('host', 'extra', 'timestamp', 'Labels'), fc.jsonValue({ maxDepth: 2 })), {
      nil: undefined,
    }),
    viaJson: fc.boolean(),
  })
  .map(({ optionalForm, extra, viaJson, ...p }) => {
    const point: Record<string, unknown> = { ...p };
    for (const key of ['labels', 'unit'] as const) {
      if (point[key] === undefined && optionalForm === 'omit') delete point[key];
    }
    if (extra) point[extra[0]] = extra[1];
    // A JSON round trip is what the writer actually sees (and turns -0 into 0).
    return viaJson ? (JSON.parse(JSON.stringify(point)) as Record<string, unknown>) : point;
  });

type Mutation =
  | { op: 'set'; field: Fields; value: unknown }
  | { op: 'delete'; field: Fields }
  | { op: 'extra'; key: string; value: unknown };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.oneof(
      ...FIELDS.map((f) => ({
        weight: fieldWeight(f),
        arbitrary: badFor[f].map((value) => ({ op: 'set', field: f, value }) as Mutation),
      })),
    ),
  },
  { weight: 2, arbitrary: fc.constantFrom(...FIELDS).map((field) => ({ op: 'delete', field }) as Mutation) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.string({ maxLength: 8 }), junk)
      .map(([key, value]) => ({ op: 'extra', key, value }) as Mutation),
  },
);

// Mostly one corruption at a time, so that one bad field is not masked by another.
const mutations = fc.oneof(
  { weight: 3, arbitrary: mutation.map((m) => [m]) },
  { weight: 1, arbitrary: fc.array(mutation, { minLength: 2, maxLength: 3 }) },
);
const corruptedPoint = fc.tuple(validPoint, mutations).map(([p, muts]) => {
  const point: Record<string, unknown> = { ...p };
  for (const m of muts) {
    if (m.op === 'delete') delete point[m.field];
    else if (m.op === 'set') point[m.field] = m.value;
    else Object.defineProperty(point, m.key, { value: m.value, enumerable: true, writable: true, configurable: true });
  }
  return point;
});

const notAPoint = fc.oneof(
  junk,
  validPoint.map((p) => [p]),
  validPoint.map((p) => Object.assign([], p)),
  validPoint.map((p) => JSON.parse(`{"__proto__":${JSON.stringify(p)}}`) as unknown),
  validPoint.map((p) => Object.assign(Object.create(null) as object, p)),
);

const candidate = fc.oneof(
  { weight: 3, arbitrary: validPoint.map((input) => ({ valid: true, input: input as unknown })) },
  { weight: 6, arbitrary: corruptedPoint.map((input) => ({ valid: false, input: input as unknown })) },
  { weight: 1, arbitrary: notAPoint.map((input) => ({ valid: false, input })) },
);

/** Checks a row's columns against the parsed point. */
function expectColumns(row: string, p: MetricPoint): void {
  const cols = JSON.parse(row) as unknown[];
  expect(Array.isArray(cols)).toBe(true);
  expect(cols).toHaveLength(METRIC_COLUMNS.length);
  const byName = Object.fromEntries(METRIC_COLUMNS.map((c, i) => [c, cols[i]]));
  // JSON has no -0; the row carries 0 for it.
  expect(byName).toEqual({ ...p, value: p.value + 0, source: SOURCE, _seq: SEQ });
}

describe('fastMetricRow', () => {
  it('gives the same verdict and row as metricPointSchema + metricRow on valid and corrupted points', () => {
    const maxTs = maxTimestampNow();
    expect(maxTs).toBe(MAX_TS);
    const stats = { fast: 0, fallbackAccepted: 0, rejected: 0, validFallback: 0, valid: 0 };
    fc.assert(
      fc.property(candidate, ({ valid, input }) => {
        const fast = fastMetricRow(input, SOURCE_JSON, SEQ, maxTs);
        const parsed = metricPointSchema.safeParse(input);
        if (valid) {
          stats.valid++;
          expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
        }
        if (fast !== undefined) {
          expect(parsed.success).toBe(true);
          if (!parsed.success) return;
          expect(fast).toBe(metricRow(parsed.data, SOURCE_JSON, SEQ));
          expectColumns(fast, parsed.data);
          stats.fast++;
        } else if (parsed.success) {
          stats.fallbackAccepted++;
          if (valid) stats.validFallback++;
        } else {
          stats.rejected++;
        }
      }),
      { numRuns: 2000 },
    );
    expect(stats.validFallback).toBe(0);
    // The generator must exercise both verdicts, or the property proves little.
    expect(stats.valid).toBeGreaterThan(200);
    expect(stats.fast).toBeGreaterThan(200);
    expect(stats.rejected).toBeGreaterThan(200);
  });

  it('accepts a typical point and returns its row', () => {
    const point = {
      ts: NOW - 1000,
      service: 'checkout',
      name: 'http_requests_total',
      kind: 'counter',
      value: 42.5,
      labels: { method: 'GET', code: '200' },
      unit: '1',
    };
    const row = fastMetricRow(point, '"prom"', 7, maxTimestampNow());
    expect(row).toBe(
      `[${NOW - 1000},"checkout","http_requests_total","counter",42.5,{"method":"GET","code":"200"},"1","prom",7]`,
    );
  });

  it('fills the defaults: no labels and no unit give {} and ""', () => {
    const row = fastMetricRow({ ts: NOW, service: 's', name: 'n', kind: 'gauge', value: 1 }, '"p"', 1, MAX_TS);
    expect(row).toBe(`[${NOW},"s","n","gauge",1,{},"","p",1]`);
  });

  it('rejects a NaN value, which the schema also refuses', () => {
    const point = { ts: NOW, service: 's', name: 'n', kind: 'gauge', value: Number.NaN };
    expect(fastMetricRow(point, '"p"', 1, MAX_TS)).toBeUndefined();
    const parsed = metricPointSchema.safeParse(point);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(['value']);
  });

  it('rejects a timestamp one millisecond past maxTs', () => {
    const point = { ts: MAX_TS + 1, service: 's', name: 'n', kind: 'gauge', value: 1 };
    expect(fastMetricRow(point, '"p"', 1, MAX_TS)).toBeUndefined();
    expect(fastMetricRow({ ...point, ts: MAX_TS }, '"p"', 1, MAX_TS)).toBeDefined();
  });

  it('leaves a __proto__ label to zod, which drops it', () => {
    const point = JSON.parse(
      `{"ts":${NOW},"service":"s","name":"n","kind":"gauge","value":1,"labels":{"a":"b","__proto__":"x"}}`,
    ) as unknown;
    expect(fastMetricRow(point, '"p"', 1, MAX_TS)).toBeUndefined();
    const parsed = metricPointSchema.parse(point);
    expect(Object.keys(parsed.labels)).toEqual(['a']);
    expect(metricRow(parsed, '"p"', 1)).toBe(`[${NOW},"s","n","gauge",1,{"a":"b"},"","p",1]`);
  });

  it('quotes names with quotes, backslashes and newlines so that they parse back unchanged', () => {
    const point = {
      ts: NOW,
      service: 'svc "quoted"',
      name: 'back\\slash\nnew"line\u2028',
      kind: 'summary',
      value: -0.25,
      labels: { 'k"ey\\': 'va\nl"ue', path: 'C:\\tmp\\x' },
      unit: 'u"\\\n',
    };
    const row = fastMetricRow(point, SOURCE_JSON, SEQ, MAX_TS);
    expect(row).toBeDefined();
    expect(row).not.toContain('\n');
    const cols = JSON.parse(row as string) as unknown[];
    expect(cols).toEqual([NOW, point.service, point.name, 'summary', -0.25, point.labels, point.unit, SOURCE, SEQ]);
  });
});
