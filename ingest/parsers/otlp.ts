import type { MetricKind } from '../../schemas/index.ts';
import {
  attempt,
  BadInput,
  describe,
  expectObject,
  isObject,
  type Obj,
  readArray,
  readAttributes,
  readDouble,
  readEnum,
  readInt,
  readTimeMs,
  readUint,
} from './otlp-json.ts';
import type { FormatParser, ParseContext, ParseOutcome, Rejection } from './types.ts';
import { acceptRecord, decodeUtf8, emptyOutcome, skip } from './validate.ts';

// OTLP/JSON (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding): lowerCamelCase keys,
// int64 as JSON strings or numbers, enums as integers or names. Histograms and summaries are
// expanded Prometheus-style because that is how the metric schema stores them.

type Outcome = ParseOutcome<'metrics'>;

/** One expanded series of a data point: the point itself, a `_bucket{le}`, a quantile, `_sum`, `_count`. */
interface Series {
  suffix: string;
  value: number;
  label?: [string, string];
}

const DATA_FIELDS = ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary'] as const;
type DataField = (typeof DATA_FIELDS)[number];

/** What every point of one metric shares. */
interface MetricInfo {
  name: string;
  unit: string;
  kind: MetricKind;
  field: DataField;
  points: unknown[];
}

/** What every point of one resource shares. */
interface ResourceInfo {
  service: string;
  labels: Record<string, string>;
}

/** Buckets expanded per point; OTel SDKs default to 160, so more is a broken or hostile sender. */
const MAX_BUCKETS_PER_POINT = 1024;
/** DataPointFlags.FLAG_NO_RECORDED_VALUE: the point marks a gap, not an observation. */
const NO_RECORDED_VALUE = 1;
const TEMPORALITIES = [
  'AGGREGATION_TEMPORALITY_UNSPECIFIED',
  'AGGREGATION_TEMPORALITY_DELTA',
  'AGGREGATION_TEMPORALITY_CUMULATIVE',
];
const OTHER_SIGNALS: Record<string, string> = {
  resourceLogs: 'logs',
  resourceSpans: 'traces',
  resourceProfiles: 'profiles',
};
/** Schema field → the OTLP field a sender would recognise, for rejection messages. */
const WIRE_FIELDS: Record<string, string> = { ts: 'timeUnixNano', labels: 'attributes' };

/** OTLP/JSON `ExportMetricsServiceRequest` parser (`--format otlp`). */
export const otlpJsonParser: FormatParser<'metrics'> = {
  format: 'otlp',
  kind: 'metrics',
  parse: parseOtlpMetricsJson,
};

/** Parses one OTLP/JSON metrics request body into metric points; never throws on bad input. */
export function parseOtlpMetricsJson(input: Buffer, ctx: ParseContext): ParseOutcome<'metrics'> {
  const out = emptyOutcome('metrics');
  const body = readRequest(input, out);
  const resources = body && attempt(out, 'file', () => readArray(body.resourceMetrics, 'resourceMetrics'));
  for (const [i, rm] of (resources ?? []).entries()) walkResource(rm, `resourceMetrics[${i}]`, ctx, out);
  return out;
}

function readRequest(input: Buffer, out: Outcome): Obj | undefined {
  const fail = (reason: string) => void out.rejected.push({ location: 'file', reason });
  let text: string;
  let body: unknown;
  try {
    text = decodeUtf8(input);
  } catch {
    return fail('is not valid UTF-8');
  }
  try {
    body = JSON.parse(text);
  } catch (error) {
    return fail(`is not valid JSON (${(error as Error).message})`);
  }
  if (!isObject(body)) return fail(`must be a JSON object (an OTLP metrics request), got ${describe(body)}`);
  for (const [key, signal] of Object.entries(OTHER_SIGNALS)) {
    if (Object.hasOwn(body, key))
      return fail(`this is an OTLP ${signal} payload (${key}); only metrics are accepted here`);
  }
  const keys = Object.keys(body);
  if (!Object.hasOwn(body, 'resourceMetrics') && keys.length > 0) {
    return fail(`has no resourceMetrics (found ${keys.slice(0, 5).join(', ')}); expected an OTLP metrics request`);
  }
  return body;
}

function walkResource(rm: unknown, loc: string, ctx: ParseContext, out: Outcome): void {
  const parsed = attempt(out, loc, () => {
    const obj = expectObject(rm);
    const resource = obj.resource == null ? {} : expectObject(obj.resource, 'resource');
    return {
      attrs: readAttributes(resource.attributes, 'resource.attributes'),
      scopes: readArray(obj.scopeMetrics, 'scopeMetrics'),
    };
  });
  if (!parsed) return;
  const resource: ResourceInfo = {
    service: parsed.attrs['service.name'] || ctx.defaultService || 'unknown_service',
    // Source data wins over operator-supplied extras; points win over their resource (below).
    labels: { ...ctx.extraLabels, ...parsed.attrs },
  };
  parsed.scopes.forEach((sm, j) => {
    const scopeLoc = `${loc}.scopeMetrics[${j}]`;
    const metrics = attempt(out, scopeLoc, () => readArray(expectObject(sm).metrics, 'metrics'));
    for (const [k, m] of (metrics ?? []).entries()) walkMetric(m, `${scopeLoc}.metrics[${k}]`, resource, out);
  });
}

function walkMetric(m: unknown, loc: string, resource: ResourceInfo, out: Outcome): void {
  const metric = attempt(out, loc, () => readMetric(m));
  if (metric === undefined) return;
  if (metric === null || metric.points.length === 0) {
    skip(out, metric ? 'metric without data points' : 'metric without data (no gauge, sum, histogram or summary)');
    return;
  }
  metric.points.forEach((dp, p) => {
    const pointLoc = `${loc}.dataPoints[${p}]`;
    const point = attempt(out, pointLoc, () => readPoint(dp, metric.field, out));
    if (point) emitPoint(point, pointLoc, metric, resource, out);
  });
}

/** Reads a metric's envelope; null when it carries no data at all (seen in real exporters' output). */
function readMetric(m: unknown): MetricInfo | null {
  const obj = expectObject(m);
  const present = DATA_FIELDS.filter((f) => obj[f] != null);
  const field = present[0];
  if (field === undefined) return null;
  if (present.length > 1) throw new BadInput(`has ${present.join(' and ')}; a metric carries exactly one`);
  if (typeof obj.name !== 'string' || obj.name === '') throw new BadInput('must be a non-empty string', 'name');
  if (obj.unit != null && typeof obj.unit !== 'string')
    throw new BadInput(`must be a string, got ${describe(obj.unit)}`, 'unit');
  const data = expectObject(obj[field], field);
  if (field !== 'gauge' && field !== 'summary')
    readEnum(data.aggregationTemporality, TEMPORALITIES, `${field}.aggregationTemporality`);
  if (data.isMonotonic != null && typeof data.isMonotonic !== 'boolean') {
    throw new BadInput(`must be a boolean, got ${describe(data.isMonotonic)}`, `${field}.isMonotonic`);
  }
  return {
    name: obj.name,
    unit: (obj.unit as string | undefined) ?? '',
    kind: kindOf(field, data.isMonotonic === true),
    field,
    points: readArray(data.dataPoints, `${field}.dataPoints`),
  };
}

function kindOf(field: DataField, monotonic: boolean): MetricKind {
  if (field === 'sum') return monotonic ? 'counter' : 'gauge';
  if (field === 'exponentialHistogram') return 'histogram';
  return field;
}

interface PointInfo {
  ts: number;
  labels: Record<string, string>;
  series: Series[];
}

function readPoint(dp: unknown, field: DataField, out: Outcome): PointInfo | undefined {
  const obj = expectObject(dp);
  if (readInt(obj.flags, 'flags', 0) & NO_RECORDED_VALUE) {
    skip(out, 'point flagged NO_RECORDED_VALUE');
    return undefined;
  }
  const point = {
    ts: readTimeMs(obj.timeUnixNano),
    labels: readAttributes(obj.attributes, 'attributes'),
    series: SERIES_READERS[field](obj),
  };
  if (Array.isArray(obj.exemplars) && obj.exemplars.length > 0)
    skip(out, 'exemplar (not ingested)', obj.exemplars.length);
  return point;
}

/** Validates every series of a point before keeping any, so a histogram is never stored half-expanded. */
function emitPoint(point: PointInfo, loc: string, metric: MetricInfo, resource: ResourceInfo, out: Outcome): void {
  const labels = { ...resource.labels, ...point.labels };
  const staged = emptyOutcome('metrics');
  for (const s of point.series) {
    if (!Number.isFinite(s.value)) {
      skip(out, 'NaN or ±Infinity value (no finite observation)');
      continue;
    }
    const candidate = {
      ts: point.ts,
      service: resource.service,
      name: metric.name + s.suffix,
      kind: metric.kind,
      value: s.value,
      labels: s.label ? { ...labels, [s.label[0]]: s.label[1] } : labels,
      unit: metric.unit,
    };
    if (!acceptRecord(staged, candidate, loc)) return void out.rejected.push(toWireField(staged.rejected[0]!));
  }
  out.records.push(...staged.records);
}

const SERIES_READERS: Record<DataField, (dp: Obj) => Series[]> = {
  gauge: numberSeries,
  sum: numberSeries,
  histogram: histogramSeries,
  exponentialHistogram: exponentialSeries,
  summary: summarySeries,
};

function numberSeries(dp: Obj): Series[] {
  if (dp.asDouble != null) return [{ suffix: '', value: readDouble(dp.asDouble, 'asDouble') }];
  if (dp.asInt != null) return [{ suffix: '', value: readInt(dp.asInt, 'asInt') }];
  throw new BadInput('has neither asDouble nor asInt', 'value');
}

function histogramSeries(dp: Obj): Series[] {
  const count = readUint(dp.count, 'count', 0);
  const counts = readArray(dp.bucketCounts, 'bucketCounts').map((c, i) => readUint(c, `bucketCounts[${i}]`));
  const bounds = readArray(dp.explicitBounds, 'explicitBounds').map((b, i) => readDouble(b, `explicitBounds[${i}]`));
  if (counts.length > MAX_BUCKETS_PER_POINT)
    throw new BadInput(`has ${counts.length} buckets; at most ${MAX_BUCKETS_PER_POINT} are accepted`, 'bucketCounts');
  if (counts.length > 0 && counts.length !== bounds.length + 1) {
    throw new BadInput(
      `has ${counts.length} entries; expected explicitBounds.length + 1 = ${bounds.length + 1}`,
      'bucketCounts',
    );
  }
  if (bounds.some((b, i) => !Number.isFinite(b) || (i > 0 && b <= bounds[i - 1]!))) {
    throw new BadInput('must be finite and strictly increasing', 'explicitBounds');
  }
  const series: Series[] = [];
  let total = 0;
  counts.forEach((c, i) => {
    total += c;
    pushBucket(series, bounds[i] ?? Number.POSITIVE_INFINITY, total);
  });
  if (counts.length === 0) total = count;
  return [...series, ...finishBuckets(total, count), ...sumAndCount(dp, count, false)];
}

/** Bucket i of an exponential histogram covers (base^i, base^(i+1)], base = 2^(2^-scale); negative
 *  buckets mirror that. Expanded to cumulative `le` buckets, most negative first. */
function exponentialSeries(dp: Obj): Series[] {
  const scale = readInt(dp.scale, 'scale', 0);
  if (scale < -10 || scale > 20) throw new BadInput(`must be between -10 and 20 (got ${scale})`, 'scale');
  const count = readUint(dp.count, 'count', 0);
  const zeroCount = readUint(dp.zeroCount, 'zeroCount', 0);
  const negative = readBuckets(dp.negative, 'negative');
  const positive = readBuckets(dp.positive, 'positive');
  if (negative.counts.length + positive.counts.length > MAX_BUCKETS_PER_POINT) {
    throw new BadInput(`have more than ${MAX_BUCKETS_PER_POINT} buckets in all`, 'positive/negative');
  }
  // 2 ** (i * 2 ** -scale) rather than base ** i: one rounding instead of an accumulated one.
  const boundary = (index: number) => 2 ** (index * 2 ** -scale);
  const series: Series[] = [];
  let total = 0;
  for (let k = negative.counts.length - 1; k >= 0; k--) {
    total += negative.counts[k]!;
    pushBucket(series, -boundary(negative.offset + k), total);
  }
  // Zero-bucket observations count from the first bucket at or above zero onwards.
  total += zeroCount;
  if (positive.counts.length === 0 && zeroCount > 0)
    pushBucket(series, readDouble(dp.zeroThreshold, 'zeroThreshold', 0), total);
  positive.counts.forEach((c, k) => {
    total += c;
    pushBucket(series, boundary(positive.offset + k + 1), total);
  });
  return [...series, ...finishBuckets(total, count), ...sumAndCount(dp, count, false)];
}

function readBuckets(v: unknown, field: string): { offset: number; counts: number[] } {
  if (v == null) return { offset: 0, counts: [] };
  const obj = expectObject(v, field);
  const counts = readArray(obj.bucketCounts, `${field}.bucketCounts`).map((c, i) =>
    readUint(c, `${field}.bucketCounts[${i}]`),
  );
  return { offset: readInt(obj.offset, `${field}.offset`, 0), counts };
}

function summarySeries(dp: Obj): Series[] {
  const count = readUint(dp.count, 'count', 0);
  const quantiles = readArray(dp.quantileValues, 'quantileValues').map((q, i): Series => {
    const field = `quantileValues[${i}]`;
    const obj = expectObject(q, field);
    const quantile = readDouble(obj.quantile, `${field}.quantile`, 0);
    if (!(quantile >= 0 && quantile <= 1))
      throw new BadInput(`must be between 0 and 1 (got ${quantile})`, `${field}.quantile`);
    return {
      suffix: '',
      value: readDouble(obj.value, `${field}.value`, 0),
      label: ['quantile', formatBound(quantile)],
    };
  });
  // A summary's sum is a plain double (0 when omitted); a histogram's is optional and may be unknown.
  return [...quantiles, ...sumAndCount(dp, count, true)];
}

/** Adds one `le` bucket; bounds that overflow are left to `+Inf`, and equal bounds collapse. */
function pushBucket(series: Series[], bound: number, cumulative: number): void {
  if (!Number.isFinite(bound)) return;
  const le = formatBound(bound);
  const last = series.at(-1);
  if (last?.label?.[1] === le) last.value = cumulative;
  else series.push({ suffix: '_bucket', value: cumulative, label: ['le', le] });
}

function finishBuckets(total: number, count: number): Series[] {
  if (total !== count) throw new BadInput(`is ${count} but the buckets hold ${total} observations`, 'count');
  return [{ suffix: '_bucket', value: count, label: ['le', '+Inf'] }];
}

function sumAndCount(dp: Obj, count: number, sumRequired: boolean): Series[] {
  const sum = dp.sum == null && !sumRequired ? [] : [{ suffix: '_sum', value: readDouble(dp.sum, 'sum', 0) }];
  return [...sum, { suffix: '_count', value: count }];
}

function formatBound(n: number): string {
  if (n === Number.POSITIVE_INFINITY) return '+Inf';
  if (n === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(n);
}

/** Renames schema fields (`ts`, `labels.x`) to what the sender wrote (`timeUnixNano`, `attributes.x`). */
function toWireField(r: Rejection): Rejection {
  if (!r.field) return r;
  const [head = '', ...rest] = r.field.split('.');
  const wire = WIRE_FIELDS[head];
  if (!wire) return r;
  const field = [wire, ...rest].join('.');
  return { ...r, field, reason: r.reason.startsWith(r.field) ? field + r.reason.slice(r.field.length) : r.reason };
}
