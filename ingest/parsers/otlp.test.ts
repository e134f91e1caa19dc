import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_FUTURE_SKEW_MS, type MetricPoint, MIN_TIMESTAMP_MS } from '../../schemas/index.ts';
import { otlpJsonParser, parseOtlpMetricsJson } from './otlp.ts';
import type { ParseContext } from './types.ts';

const dir = path.resolve(import.meta.dirname, '../../../shared/formats');
const ctx: ParseContext = { inputName: 'test' };
const TS = '1700000000123456789';
const POINT0 = 'resourceMetrics[0].scopeMetrics[0].metrics[0].dataPoints[0]';

const parseFile = (rel: string, c: ParseContext = ctx) => otlpJsonParser.parse(readFileSync(path.join(dir, rel)), c);
const parseJson = (body: unknown, c: ParseContext = ctx) => parseOtlpMetricsJson(Buffer.from(JSON.stringify(body)), c);
const find = (records: MetricPoint[], name: string, labels = {}) =>
  records.filter((r) => r.name === name && Object.entries(labels).every(([k, v]) => r.labels[k] === v));

/** A request with one metric; `data` is its gauge/sum/histogram/... field. */
function request(metric: Record<string, unknown>, resourceAttributes: unknown[] = []) {
  return { resourceMetrics: [{ resource: { attributes: resourceAttributes }, scopeMetrics: [{ metrics: [metric] }] }] };
}
const gauge = (...dataPoints: unknown[]) => request({ name: 'g', unit: 's', gauge: { dataPoints } });
const str = (key: string, value: string) => ({ key, value: { stringValue: value } });

describe.skipIf(!existsSync(dir))('otlpJsonParser on real-world samples', () => {
  it('parses the official metrics example into 11 points with string int64s', () => {
    const out = parseFile('otlp/opentelemetry-proto/metrics.json');
    expect(out.rejected).toEqual([]);
    expect(out.records).toHaveLength(11);
    const [counter] = find(out.records, 'my.counter');
    expect(counter).toMatchObject({ kind: 'counter', value: 5, ts: 1544712660300, service: 'my.service', unit: '1' });
    expect(counter?.labels).toEqual({ 'service.name': 'my.service', 'my.counter.attr': 'some value' });
    expect(find(out.records, 'my.gauge')[0]).toMatchObject({ kind: 'gauge', value: 10 });
    const buckets = find(out.records, 'my.histogram_bucket').map((r) => [r.labels.le, r.value]);
    expect(buckets).toEqual([
      ['1', 1],
      ['+Inf', 2],
    ]);
    expect(find(out.records, 'my.histogram_count')[0]?.value).toBe(2);
    expect(find(out.records, 'my.histogram_sum')[0]).toMatchObject({ kind: 'histogram', value: 2 });
  });

  it('expands the exponential histogram with its zero count in the first bucket', () => {
    const out = parseFile('otlp/opentelemetry-proto/metrics.json');
    const buckets = find(out.records, 'my.exponential.histogram_bucket').map((r) => [r.labels.le, r.value]);
    // scale 0, offset 1: buckets (2,4] and (4,8] holding 0 and 2, plus 1 in the zero bucket.
    expect(buckets).toEqual([
      ['4', 1],
      ['8', 3],
      ['+Inf', 3],
    ]);
    expect(find(out.records, 'my.exponential.histogram_sum')[0]?.value).toBe(10);
  });

  it('reads the Datadog mixed sample: 28 points, monotonic sums as counters, the rest as gauges', () => {
    const out = parseFile('otlp/datadog-mapping-go/mixed/simple.json', { inputName: 't', defaultService: 'dd' });
    expect(out.rejected).toEqual([]);
    expect(out.records).toHaveLength(28);
    expect(out.skipped).toEqual({
      'metric without data (no gauge, sum, histogram or summary)': 1,
      'metric without data points': 2,
    });
    expect(find(out.records, 'int.gauge')[0]).toMatchObject({ value: 1, ts: 1667560641226, service: 'dd' });
    expect(find(out.records, 'double.gauge')[0]?.value).toBe(Math.PI);
    expect(find(out.records, 'int.delta.sum')[0]?.kind).toBe('gauge');
    expect(find(out.records, 'int.delta.monotonic.sum')[0]?.kind).toBe('counter');
    expect(find(out.records, 'int.cumulative.monotonic.sum').map((r) => r.value)).toEqual([4, 7]);
    const buckets = find(out.records, 'double.histogram_bucket').map((r) => [r.labels.le, r.value]);
    expect(buckets).toEqual([
      ['0', 2],
      ['+Inf', 20],
    ]);
    expect(find(out.records, 'summary', { quantile: '0.999' }).map((r) => r.value)).toEqual([500, 500]);
    expect(find(out.records, 'summary_count').map((r) => r.value)).toEqual([1, 101]);
    expect(find(out.records, 'summary')[0]?.labels).toMatchObject({ 'datadog.host.name': 'res-hostname' });
  });

  it('expands negative exponential buckets most-negative first and falls back to unknown_service', () => {
    const out = parseFile('otlp/datadog-mapping-go/histogram/simple-exponential.json');
    expect(out.rejected).toEqual([]);
    expect(out.records).toHaveLength(24);
    const buckets = find(out.records, 'double.exponential.delta.histogram_bucket');
    expect(buckets).toHaveLength(10);
    expect(buckets[0]).toMatchObject({
      service: 'unknown_service',
      value: 5,
      labels: { le: String(-(2 ** (4 / 64))) },
    });
    // 10 negative + 10 in the zero bucket + 1 in the first positive bucket.
    expect(buckets[3]).toMatchObject({ value: 21, labels: { le: String(2 ** (4 / 64)) } });
    expect(buckets.at(-1)).toMatchObject({ value: 30, labels: { le: '+Inf' } });
  });

  it('reads the cumulative histogram and the summary samples without service.name', () => {
    const hist = parseFile('otlp/datadog-mapping-go/histogram/simple-cumulative.json');
    expect(hist.rejected).toEqual([]);
    expect(hist.records).toHaveLength(8);
    expect(find(hist.records, 'doubleHist.test_bucket', { le: '0' }).map((r) => r.value)).toEqual([2, 13]);
    expect(hist.records[0]?.labels).toEqual({ 'host.name': 'hostname', le: '0' });
    const summary = parseFile('otlp/datadog-mapping-go/summary/with-attributes.json');
    expect(summary.rejected).toEqual([]);
    expect(summary.records).toHaveLength(8);
    expect(find(summary.records, 'summary.example_sum').map((r) => r.value)).toEqual([1, 101]);
  });

  it.each([
    ['logs', 'resourceLogs'],
    ['events', 'resourceLogs'],
    ['trace', 'resourceSpans'],
  ])('refuses the %s example, naming the signal', (file, key) => {
    const out = parseFile(`otlp/opentelemetry-proto/${file}.json`);
    expect(out.records).toEqual([]);
    expect(out.rejected).toEqual([{ location: 'file', reason: expect.stringContaining(`payload (${key})`) }]);
  });
});

describe('otlpJsonParser on whole bodies', () => {
  it('accepts an empty object as an empty request', () => {
    expect(parseJson({})).toEqual({ kind: 'metrics', records: [], rejected: [], skipped: {} });
  });

  it.each([
    ['truncated JSON', '{"resourceMetrics": [', /not valid JSON/],
    ['an array', '[]', /must be a JSON object.*got an array/],
    ['null', 'null', /must be a JSON object/],
    ['an unrelated object', '{"hello": 1}', /has no resourceMetrics \(found hello\)/],
    ['a non-array resourceMetrics', '{"resourceMetrics": 3}', /resourceMetrics must be an array/],
    ['a 10 MB non-JSON line', 'x'.repeat(10 * 1024 * 1024), /not valid JSON/],
  ])('refuses %s as one file-level rejection', (_, body, reason) => {
    const out = parseOtlpMetricsJson(Buffer.from(body), ctx);
    expect(out.records).toEqual([]);
    expect(out.rejected).toHaveLength(1);
    expect(out.rejected[0]).toMatchObject({ location: 'file', reason: expect.stringMatching(reason) });
  });

  it('refuses invalid UTF-8 as one file-level rejection', () => {
    const out = parseOtlpMetricsJson(Buffer.from([0xff, 0xfe, 0x41]), ctx);
    expect(out.rejected).toEqual([{ location: 'file', reason: 'is not valid UTF-8' }]);
  });
});

describe('otlpJsonParser on data points', () => {
  it('keeps nanosecond timestamps exact to the millisecond and takes the unit from the metric', () => {
    const out = parseJson(gauge({ timeUnixNano: TS, asInt: '42' }, { timeUnixNano: 1.7e18, asDouble: '2.5' }));
    expect(out.records.map((r) => [r.ts, r.value, r.unit])).toEqual([
      [1700000000123, 42, 's'],
      [1700000000000, 2.5, 's'],
    ]);
  });

  it('rejects a wrong-typed value naming the point and field, and keeps its siblings', () => {
    const out = parseJson(gauge({ timeUnixNano: TS, asDouble: 'abc' }, { timeUnixNano: TS, asDouble: 1 }));
    expect(out.records).toHaveLength(1);
    expect(out.rejected).toEqual([
      { location: POINT0, field: 'asDouble', reason: 'asDouble must be a number, got "abc"' },
    ]);
  });

  it('skips NaN, ±Infinity and NO_RECORDED_VALUE points instead of rejecting them', () => {
    const points = ['NaN', 'Infinity', '-Infinity'].map((asDouble) => ({ timeUnixNano: TS, asDouble }));
    const out = parseJson(gauge(...points, { timeUnixNano: TS, asDouble: 1, flags: 1 }));
    expect(out.records).toEqual([]);
    expect(out.rejected).toEqual([]);
    expect(out.skipped).toEqual({
      'NaN or ±Infinity value (no finite observation)': 3,
      'point flagged NO_RECORDED_VALUE': 1,
    });
  });

  it.each([
    ['missing', undefined, /is missing or zero/],
    ['zero', '0', /is missing or zero/],
    ['negative', '-5', /must be unsigned integer nanoseconds/],
    ['before 2000', '1000', /is before 2000-01-01/],
    ['far in the future', '99999999999999999999', /more than a day in the future/],
    ['beyond any date', '9'.repeat(30), /beyond any representable date/],
    ['a float', 1.5, /must be unsigned integer nanoseconds/],
  ])('rejects a %s timeUnixNano naming the field', (_, timeUnixNano, reason) => {
    const out = parseJson(gauge({ timeUnixNano, asDouble: 1 }));
    expect(out.records).toEqual([]);
    expect(out.rejected).toEqual([{ location: POINT0, field: 'timeUnixNano', reason: expect.stringMatching(reason) }]);
  });

  it('rejects an unknown aggregationTemporality at the metric and accepts enum names', () => {
    const sum = (aggregationTemporality: unknown) => ({
      name: 's',
      sum: { aggregationTemporality, isMonotonic: true, dataPoints: [{ timeUnixNano: TS, asInt: 1 }] },
    });
    const bad = parseJson(request(sum(7)));
    expect(bad.rejected).toEqual([
      {
        location: 'resourceMetrics[0].scopeMetrics[0].metrics[0]',
        field: 'sum.aggregationTemporality',
        reason: expect.stringContaining('unknown value 7'),
      },
    ]);
    expect(parseJson(request(sum('AGGREGATION_TEMPORALITY_CUMULATIVE'))).records[0]?.kind).toBe('counter');
  });

  it('rejects a histogram whose buckets do not fit, storing none of its series', () => {
    const hist = (dp: object) => request({ name: 'h', histogram: { dataPoints: [{ timeUnixNano: TS, ...dp }] } });
    const short = parseJson(hist({ count: 3, bucketCounts: [1, 2], explicitBounds: [1, 2] }));
    expect(short.records).toEqual([]);
    expect(short.rejected[0]).toMatchObject({ location: POINT0, field: 'bucketCounts' });
    const miscounted = parseJson(hist({ count: 4, sum: 1, bucketCounts: [1, 2], explicitBounds: [1] }));
    expect(miscounted.rejected[0]).toMatchObject({
      field: 'count',
      reason: 'count is 4 but the buckets hold 3 observations',
    });
    expect(miscounted.records).toEqual([]);
  });

  it('lets point attributes win over resource ones and extraLabels only fill gaps', () => {
    const point = {
      timeUnixNano: TS,
      asDouble: 1,
      attributes: [
        str('host', 'point'),
        { key: 'list', value: { arrayValue: { values: [{ intValue: '9007199254740993' }, { boolValue: true }] } } },
        { key: 'map', value: { kvlistValue: { values: [{ key: 'a', value: { doubleValue: 1.5 } }] } } },
        { key: 'n', value: { intValue: 3 } },
      ],
    };
    const body = request({ name: 'g', gauge: { dataPoints: [point] } }, [
      str('host', 'res'),
      str('service.name', 'api'),
    ]);
    const out = parseJson(body, { inputName: 't', extraLabels: { host: 'extra', env: 'prod' } });
    expect(out.records[0]).toMatchObject({ service: 'api' });
    expect(out.records[0]?.labels).toEqual({
      host: 'point',
      env: 'prod',
      'service.name': 'api',
      list: '["9007199254740993",true]',
      map: '{"a":1.5}',
      n: '3',
    });
  });

  it('rejects a 10 MB attribute value and a 10 MB numeric string quickly', () => {
    const big = 'x'.repeat(10 * 1024 * 1024);
    const started = Date.now();
    const out = parseJson(gauge({ timeUnixNano: TS, asDouble: 1, attributes: [str('big', big)] }));
    expect(out.rejected).toEqual([{ location: POINT0, field: 'attributes.big', reason: expect.any(String) }]);
    const digits = parseJson(gauge({ timeUnixNano: TS, asDouble: `${'1'.repeat(10 * 1024 * 1024)}x` }));
    expect(digits.rejected[0]?.field).toBe('asDouble');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('rejects a metric with data but no name, and never lets __proto__ touch a prototype', () => {
    const out = parseJson(request({ gauge: { dataPoints: [{ timeUnixNano: TS, asDouble: 1 }] } }));
    expect(out.rejected[0]).toMatchObject({ field: 'name' });
    const proto = parseJson(gauge({ timeUnixNano: TS, asDouble: 1, attributes: [str('__proto__', 'x')] }));
    expect(Object.getPrototypeOf(proto.records[0]?.labels)).toBe(Object.prototype);
  });

  it('counts exemplars as skipped', () => {
    const out = parseJson(gauge({ timeUnixNano: TS, asDouble: 1, exemplars: [{ asDouble: 2 }, { asDouble: 3 }] }));
    expect(out.records).toHaveLength(1);
    expect(out.skipped).toEqual({ 'exemplar (not ingested)': 2 });
  });
});

describe('otlpJsonParser properties', () => {
  it('never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => void parseOtlpMetricsJson(Buffer.from(bytes), ctx)),
    );
  });

  it('never throws on arbitrary JSON at any level of a metrics request', () => {
    const anyJson = fc.jsonValue({ maxDepth: 3 });
    const point = fc.record(
      Object.fromEntries(
        ['timeUnixNano', 'asDouble', 'asInt', 'count', 'sum', 'bucketCounts', 'explicitBounds', 'scale', 'zeroCount']
          .concat(['positive', 'negative', 'quantileValues', 'flags', 'attributes', 'exemplars'])
          .map((k) => [k, anyJson]),
      ),
      { requiredKeys: [] },
    );
    const data = fc.record({ aggregationTemporality: anyJson, isMonotonic: anyJson, dataPoints: fc.array(point) });
    const kind = fc.constantFrom('gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary');
    const body = fc.tuple(kind, data, anyJson, anyJson).map(([k, d, attrs, scope]) => ({
      resourceMetrics: [
        { resource: { attributes: attrs }, scopeMetrics: [scope, { metrics: [{ name: 'm', [k]: d }] }] },
      ],
    }));
    fc.assert(fc.property(body, (b) => void parseJson(b)));
  });

  it('round-trips a generated gauge point', () => {
    const now = Date.now();
    const sample = fc.record({
      name: fc.stringMatching(/^[a-z][a-z0-9_.]{0,30}$/),
      labels: fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9_]{0,10}$/), fc.string({ maxLength: 20 }), { maxKeys: 5 }),
      value: fc.double({ noNaN: true, noDefaultInfinity: true }),
      ms: fc.integer({ min: MIN_TIMESTAMP_MS, max: now + MAX_FUTURE_SKEW_MS - 1000 }),
      subMs: fc.integer({ min: 0, max: 999_999 }),
    });
    fc.assert(
      fc.property(sample, ({ name, labels, value, ms, subMs }) => {
        const timeUnixNano = String(BigInt(ms) * 1_000_000n + BigInt(subMs));
        const attributes = Object.entries(labels).map(([k, v]) => str(k, v));
        const out = parseJson(
          request({ name, gauge: { dataPoints: [{ timeUnixNano, asDouble: value, attributes }] } }),
        );
        expect(out.rejected).toEqual([]);
        expect(out.records).toHaveLength(1);
        const [record] = out.records;
        expect(record?.value === value && record.ts === ms && record.name === name).toBe(true);
        expect(record?.labels).toEqual({ ...labels });
      }),
    );
  });
});
