import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type MetricPoint, MIN_TIMESTAMP_MS } from '../../schemas/index.ts';
import { parsePrometheusText, prometheusTextParser } from './prometheus.ts';
import type { ParseContext } from './types.ts';

const dir = path.resolve(import.meta.dirname, '../../../shared/formats/prometheus');
const NOW = 1_700_000_000_000;
const ctx: ParseContext = { inputName: 'test', nowMs: NOW };

const parseFile = (rel: string, c: ParseContext = ctx) =>
  prometheusTextParser.parse(readFileSync(path.join(dir, rel)), c);
const parseText = (text: string, c: ParseContext = ctx) => parsePrometheusText(Buffer.from(text), c);
const find = (records: MetricPoint[], name: string, labels = {}) =>
  records.filter((r) => r.name === name && Object.entries(labels).every(([k, v]) => r.labels[k] === v));
const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

describe.skipIf(!existsSync(dir))('prometheusTextParser on real-world samples', () => {
  it('reads node_exporter output: every sample, odd label values, untyped families', () => {
    const out = parseFile('node_exporter/e2e-output.txt', { ...ctx, defaultService: 'node' });
    expect(out.rejected).toEqual([]);
    expect(out.records).toHaveLength(3027);
    expect(out.skipped).toEqual({ 'metric family with HELP/TYPE but no samples': 47 });
    expect(find(out.records, 'node_context_switches_total')[0]).toMatchObject({
      kind: 'counter',
      value: 38014093,
      ts: NOW,
      service: 'node',
    });
    expect(find(out.records, 'node_cpu_info', { cpu: '0' })[0]?.labels.model_name).toBe(
      'Intel(R) Core(TM) i7-8650U CPU @ 1.90GHz',
    );
    expect(find(out.records, 'node_bcachefs_device_info')[0]?.labels.state).toBe('[rw] ro evacuating spare');
    expect(find(out.records, 'node_netstat_Icmp6_InErrors')[0]?.kind).toBe('untyped');
  });

  it('reads a real Prometheus scrape, skipping its NaN quantiles', () => {
    const out = parseFile('prometheus/alltypes.237mfs.prom.txt');
    expect(out.rejected).toEqual([]);
    expect(out.records).toHaveLength(1845);
    expect(out.skipped).toEqual({ 'NaN sample (no observation)': 12 });
    const bucket = find(out.records, 'prometheus_http_request_duration_seconds_bucket', { handler: '/', le: '0.1' });
    expect(bucket[0]).toMatchObject({ kind: 'histogram', value: 688 });
    expect(find(out.records, 'go_gc_duration_seconds', { quantile: '0.5' })[0]).toMatchObject({
      kind: 'summary',
      value: 0.000135819,
    });
  });

  it('reads the promtool and textfile fixtures without rejections', () => {
    const counts = {
      'prometheus/metrics-test.prom': 27,
      'node_exporter/textfile/histogram/metrics.prom': 13,
      'node_exporter/textfile/summary/metrics.prom': 20,
      'node_exporter/textfile/different_metric_types/metrics.prom': 22,
      'node_exporter/textfile/client_side_timestamp/metrics.prom': 2,
      'node_exporter/textfile/inconsistent_metrics/metrics.prom': 19,
    };
    for (const [file, n] of Object.entries(counts)) {
      const out = parseFile(file);
      expect({ file, rejected: out.rejected, n: out.records.length }).toEqual({ file, rejected: [], n });
    }
  });

  it('keeps a client-side millisecond timestamp and exponent-form le values', () => {
    const ts = parseFile('node_exporter/textfile/client_side_timestamp/metrics.prom').records;
    expect(ts.map((r) => [r.name, r.ts])).toEqual([
      ['metric_with_custom_timestamp', 1441205977284],
      ['normal_metric', NOW],
    ]);
    const hist = parseFile('node_exporter/textfile/histogram/metrics.prom').records;
    const bucket = find(hist, 'prometheus_tsdb_compaction_chunk_range_bucket', { le: '1.6384e+06' });
    expect(bucket[0]).toMatchObject({ kind: 'histogram', value: 1691850 });
  });

  it('gives a summary named *_total its summary kind and reads a space after a label comma', () => {
    const mixed = parseFile('node_exporter/textfile/different_metric_types/metrics.prom').records;
    expect(find(mixed, 'event_duration_seconds_total_sum', { baz: 'prepare_time' })[0]).toMatchObject({
      kind: 'summary',
      value: 840923.7919437207,
    });
    const odd = parseFile('node_exporter/textfile/inconsistent_metrics/metrics.prom').records;
    expect(find(odd, 'http_requests_total', { foo: 'bar' })[0]).toMatchObject({ kind: 'counter', value: 325 });
  });

  it('reads OpenMetrics: negative le, _created and exemplars skipped, empty label values', () => {
    const out = parseFile('openmetrics/prometheus-textparse/alltypes.5mfs.om.txt');
    expect(out.rejected).toEqual([]);
    expect(out.records).toHaveLength(44);
    expect(out.skipped).toEqual({
      '_created sample (a creation time, not an observation)': 9,
      'exemplar (not ingested)': 6,
    });
    const negative = find(out.records, 'rpc_durations_histogram_seconds_bucket', { le: '-0.0002899999999999998' });
    expect(negative[0]).toMatchObject({ kind: 'histogram', value: 3 });
    expect(find(out.records, 'rpc_requests_total', { service: 'normal' })[0]).toMatchObject({
      kind: 'counter',
      value: 15,
    });
    expect(find(out.records, 'go_build_info')[0]?.labels).toEqual({ checksum: '', path: '', version: '' });
    expect(parseFile('openmetrics/prometheus-textparse/1histogram.om.txt').records).toHaveLength(42);
  });
});

describe('prometheusTextParser on malformed lines', () => {
  it.each([
    ['foo{a="b" 1', 'labels', /expected "," or "}"/],
    ['foo{a=b} 1', 'labels.a', /must be a quoted string/],
    ['foo{a="unterminated} 1', 'labels', /not terminated/],
    ['foo{a="1",a="2"} 1', 'labels.a', /has label a twice/],
    ['{a="b"} 1', 'name', /no metric name/],
    ['9foo 1', 'name', /must start with a metric name/],
    ['foo', 'value', /has no value/],
    ['foo abc', 'value', /value "abc" is not a number/],
    ['foo 1 2 3', undefined, /unexpected text after the sample/],
    ['foo 1 1.5', 'timestamp', /not integer milliseconds/],
    ['foo 1 -5', 'timestamp', /before 2000-01-01/],
    ['foo 1 4102444800000', 'timestamp', /more than a day in the future/],
    ['foo 1 99999999999999999999', 'timestamp', /beyond any representable date/],
    ['foo +Inf', 'value', /value is \+Inf; only finite values/],
    ['foo -Inf', 'value', /value is -Inf/],
    ['# TYPE foo bogus', 'type', /expected one of counter, gauge/],
    ['# TYPE foo-bar gauge', 'name', /no valid metric name/],
  ])('rejects `%s` at its line and reads on', (line, field, reason) => {
    const out = parseText(`ok 1\n${line}\nok 2\n`);
    expect(out.records.map((r) => r.value)).toEqual([1, 2]);
    expect(out.rejected).toEqual([
      { location: 'line 2', ...(field ? { field } : {}), reason: expect.stringMatching(reason) },
    ]);
  });

  it('skips NaN samples and accepts +Inf inside le and quantile labels', () => {
    const out = parseText('a NaN\n# TYPE h histogram\nh_bucket{le="+Inf"} 3\nq{quantile="-Inf"} 1\n');
    expect(out.skipped).toEqual({ 'NaN sample (no observation)': 1 });
    expect(out.records.map((r) => [r.name, r.kind, r.labels])).toEqual([
      ['h_bucket', 'histogram', { le: '+Inf' }],
      ['q', 'untyped', { quantile: '-Inf' }],
    ]);
  });

  it('refuses a second TYPE for one family and anything after # EOF', () => {
    const out = parseText('# TYPE a gauge\n# TYPE a counter\na 1\n# EOF\nb 2\n\n');
    expect(out.records.map((r) => [r.name, r.kind])).toEqual([['a', 'gauge']]);
    expect(out.rejected.map((r) => [r.location, r.reason])).toEqual([
      ['line 2', 'repeats the TYPE of a (first at line 1)'],
      ['line 5', 'comes after # EOF (line 4)'],
    ]);
  });

  it('refuses a 10 MB line fast and reads the next one', () => {
    const started = Date.now();
    const out = parseText(`big{a="${'x'.repeat(10 * 1024 * 1024)}"} 1\nok 1\n`);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(out.records).toHaveLength(1);
    expect(out.rejected).toEqual([
      { location: 'line 1', reason: expect.stringMatching(/lines over 1048576 characters/) },
    ]);
  });

  it('tokenises a label of a million backslashes in linear time', () => {
    const started = Date.now();
    const out = parseText(`m{a="${'\\\\'.repeat(500_000)}"} 1\n`);
    // The line tokenises; the 500,000-character value then meets the schema's 4096 limit.
    expect(out.rejected).toEqual([
      { location: 'line 1', field: 'labels.a', reason: expect.stringContaining('labels.a') },
    ]);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('refuses invalid UTF-8 as one file-level rejection', () => {
    const out = prometheusTextParser.parse(Buffer.from([0xff, 0xfe, 0x41]), ctx);
    expect(out).toEqual({
      kind: 'metrics',
      records: [],
      rejected: [{ location: 'file', reason: 'is not valid UTF-8' }],
      skipped: {},
    });
  });
});

describe('prometheusTextParser semantics', () => {
  it('unescapes label values and keeps empty ones', () => {
    const out = parseText('m{x="q\\"\\\\\\nz",y="",z="a\\tb"} 1\n');
    expect(out.records[0]?.labels).toEqual({ x: 'q"\\\nz', y: '', z: 'a\\tb' });
  });

  it('names the service from job, then extraLabels, then defaultService', () => {
    const text = 'a{job="api"} 1\nb 1\n';
    expect(parseText(text).records.map((r) => r.service)).toEqual(['api', 'unknown_service']);
    const extra = parseText(text, { ...ctx, extraLabels: { job: 'scrape', instance: 'h:9100' }, defaultService: 'd' });
    expect(extra.records.map((r) => [r.service, r.labels.instance])).toEqual([
      ['api', 'h:9100'],
      ['scrape', 'h:9100'],
    ]);
    expect(parseText('b 1\n', { ...ctx, defaultService: 'd' }).records[0]?.service).toBe('d');
  });

  it('reads OpenMetrics timestamps as seconds, UNIT, info and counter families', () => {
    const text = [
      '# TYPE req counter',
      '# UNIT req_seconds seconds',
      '# TYPE req_seconds gauge',
      'req_total 3 1700000000.123',
      'req_seconds 2.5',
      '# TYPE build info',
      'build_info{v="1"} 1',
      '# EOF',
    ].join('\n');
    const out = parseText(text);
    expect(out.rejected).toEqual([]);
    expect(out.records.map((r) => [r.name, r.kind, r.ts, r.unit])).toEqual([
      ['req_total', 'counter', 1700000000123, ''],
      ['req_seconds', 'gauge', NOW, 'seconds'],
      ['build_info', 'gauge', NOW, ''],
    ]);
  });

  it('reads quoted UTF-8 metric and label names', () => {
    const out = parseText('{"my.metric", "a.b"="c"} 4\n');
    expect(out.records[0]).toMatchObject({ name: 'my.metric', value: 4, labels: { 'a.b': 'c' } });
  });
});

describe('prometheusTextParser properties', () => {
  it('never throws on arbitrary text or bytes', () => {
    const soup = fc
      .array(fc.constantFrom('# ', 'TYPE ', 'HELP ', 'UNIT ', 'EOF', 'm', '_total', '{', '}', '"', '\\', '=', ',', ' '))
      .map((parts) => parts.join(''));
    const text = fc.oneof(
      fc.string({ unit: 'grapheme' }),
      soup,
      fc.array(soup).map((l) => l.join('\n')),
    );
    fc.assert(fc.property(text, (t) => void parseText(t)));
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (b) => void parsePrometheusText(Buffer.from(b), ctx)));
  });

  it('round-trips a generated sample with escaped labels and a millisecond timestamp', () => {
    const sample = fc.record({
      name: fc.stringMatching(/^[a-zA-Z_:][a-zA-Z0-9_:]{0,30}$/),
      labels: fc.dictionary(
        fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9_]{0,10}$/),
        fc.string({ unit: 'grapheme', maxLength: 20 }),
        {
          maxKeys: 5,
        },
      ),
      value: fc.double({ noNaN: true, noDefaultInfinity: true }),
      ts: fc.integer({ min: MIN_TIMESTAMP_MS, max: NOW }),
    });
    fc.assert(
      fc.property(sample, ({ name, labels, value, ts }) => {
        const body = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
        const out = parseText(`${name}{${body.join(',')}} ${value} ${ts}\n`);
        expect(out.rejected).toEqual([]);
        const [record] = out.records;
        expect(record?.value === value && record.ts === ts && record.name === name).toBe(true);
        expect(record?.labels).toEqual({ ...labels });
      }),
    );
  });
});
