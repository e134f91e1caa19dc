import type { SliSpec } from './types.ts';

// The SQL that turns minute rollups into SLI counts. SLOs whose indicators have the same shape
// (metric names, label filters, operator, slices) share one query over all their services, so a
// pass costs one query per shape, not one per SLO. Values are always bound parameters; the only
// text spliced in is chosen here from fixed lists (operators, column names).

/** The grouping of results: by closed hour, or by "since each of these instants". */
export type SliGrouping = { by: 'hour' } | { by: 'since'; startsParam: 'starts' };

/** A series matches a label filter when every filtered label has the given value. */
export const labelMatch = (param: string, column = 'labels') =>
  `arrayAll(k -> ${column}[k] = {${param}:Map(String, String)}[k], mapKeys({${param}:Map(String, String)}))`;

/** Per-minute counter increases of the matching series, resets counted from zero. Reads one
 *  minute before `from` so the first minute's increase has the value before it. Consecutive last
 *  values telescope, so only each minute's last and max are needed; a value below the previous
 *  minute's last is a reset, counted as the climb to the minute's maximum before it plus the value
 *  after it. Each series' minutes are paired with the minute before as arrays, which costs a third
 *  of a window function here. `roles` name boolean columns computed from a series' name and labels
 *  (`lbl`); `scope` reads the services named by `{services}`, or all. */
export function counterIncreases(roles: Record<string, string>, scope: 'services' | 'all' = 'services'): string {
  const names = Object.keys(roles);
  const roleCols = Object.entries(roles)
    .map(([role, cond]) => `${cond} AS ${role}`)
    .join(', ');
  return `
    SELECT service, bucket, ${names.join(', ')}, d
    FROM (
      SELECT service, ${roleCols}, pts
      FROM (
        SELECT service, name, any(lbl) AS lbl, arraySort(x -> x.1, groupArray((bucket, l, mx))) AS pts
        FROM (
          SELECT service, name, series_id, bucket, any(labels) AS lbl, argMaxMerge(last) AS l, max(max) AS mx
          FROM metrics_1m
          WHERE ${scope === 'services' ? 'service IN {services:Array(String)} AND ' : ''}name IN {names:Array(String)}
            AND bucket >= {from:DateTime('UTC')} - INTERVAL 1 MINUTE AND bucket < {to:DateTime('UTC')}
          GROUP BY service, name, series_id, bucket
        )
        GROUP BY service, name, series_id
      )
      WHERE ${names.join(' OR ')}
    )
    ARRAY JOIN
      arrayMap(x -> x.1, pts) AS bucket,
      arrayMap((l, mx, prev, i) -> if(i = 1, 0, if(l >= prev, l - prev, greatest(mx - prev, 0) + l)),
        arrayMap(x -> x.2, pts), arrayMap(x -> x.3, pts), arrayPushFront(arrayPopBack(arrayMap(x -> x.2, pts)), 0),
        arrayEnumerate(pts)) AS d
    WHERE bucket >= {from:DateTime('UTC')}`;
}

const OPS: Record<'lt' | 'lte' | 'gt' | 'gte', string> = { lt: '<', lte: '<=', gt: '>', gte: '>=' };

/** Per-minute value of a threshold metric (the worst matching series: max for an upper bound,
 *  min for a lower one) and whether it met the service's bound. `transform` over the parameter
 *  arrays is a hash lookup; a Map parameter's `[key]` would scan it for every row. */
function thresholdMinutes(op: keyof typeof OPS): string {
  const agg = op === 'lt' || op === 'lte' ? 'max(max)' : 'min(min)';
  return `
    SELECT service, bucket,
      toUInt8(v ${OPS[op]} transform(service, {thrServices:Array(String)}, {thrValues:Array(Float64)}, nan)) AS ok
    FROM (
      SELECT service, bucket, ${agg} AS v
      FROM metrics_1m
      WHERE service IN {services:Array(String)} AND name = {name:String}
        AND bucket >= {from:DateTime('UTC')} AND bucket < {to:DateTime('UTC')}
        AND ${labelMatch('lf')}
      GROUP BY service, bucket
    )`;
}

/** Outer aggregation of per-unit (minute or slice) good/total into the requested grouping. */
function grouped(inner: string, unitStart: string, good: string, total: string, grouping: SliGrouping): string {
  if (grouping.by === 'hour') {
    return `
      SELECT service, toUnixTimestamp(toStartOfHour(${unitStart})) * 1000 AS key, sum(${good}) AS good, sum(${total}) AS total
      FROM (${inner}) GROUP BY service, key`;
  }
  return `
    SELECT service,
      sumForEach(arrayMap(s -> if(${unitStart} >= s, toFloat64(${good}), 0), {starts:Array(DateTime('UTC'))})) AS good,
      sumForEach(arrayMap(s -> if(${unitStart} >= s, toFloat64(${total}), 0), {starts:Array(DateTime('UTC'))})) AS total
    FROM (${inner}) GROUP BY service`;
}

/** The query for one indicator shape; parameters: services, from, to, plus those it names. */
export function sliQuery(spec: SliSpec, grouping: SliGrouping): string {
  const slices = spec.budgeting === 'Timeslices';
  const slice = `toStartOfInterval(bucket, toIntervalMinute(${Math.max(1, Math.trunc(spec.sliceMinutes))}))`;
  if (spec.kind === 'ratio') {
    const goodRole = spec.good ? 'is_good' : 'is_bad';
    const roles = {
      [goodRole]: `name = {gbName:String} AND ${labelMatch('gbLabels', 'lbl')}`,
      is_total: `name = {totalName:String} AND ${labelMatch('totalLabels', 'lbl')}`,
    };
    // Per minute, good events: from `good`, or total minus `bad` (never below zero).
    const perMinute = `
      SELECT service, bucket, sumIf(d, is_total) AS t,
        ${spec.good ? 'least(sumIf(d, is_good), t)' : 'greatest(t - sumIf(d, is_bad), 0)'} AS g
      FROM (${counterIncreases(roles)}) GROUP BY service, bucket`;
    if (!slices) return grouped(perMinute, 'bucket', 'g', 't', grouping);
    // A slice without traffic says nothing about the service and is not counted.
    const perSlice = `
      SELECT service, ${slice} AS slice, toUInt8(sum(g) / sum(t) >= {sliceTarget:Float64}) AS good_slice
      FROM (${perMinute}) GROUP BY service, slice HAVING sum(t) > 0`;
    return grouped(perSlice, 'slice', 'good_slice', '1', grouping);
  }
  const minutes = thresholdMinutes(spec.op);
  if (!slices) return grouped(minutes, 'bucket', 'ok', '1', grouping);
  const perSlice = `
    SELECT service, ${slice} AS slice, toUInt8(avg(ok) >= {sliceTarget:Float64}) AS good_slice
    FROM (${minutes}) GROUP BY service, slice`;
  return grouped(perSlice, 'slice', 'good_slice', '1', grouping);
}

/** The shape of an indicator: SLOs with equal keys share a query. */
export function shapeKey(spec: SliSpec): string {
  if (spec.kind === 'ratio') {
    const gb = spec.good ? ['good', spec.good] : ['bad', spec.bad];
    return JSON.stringify(['ratio', gb, spec.total, spec.budgeting, spec.sliceMinutes, spec.sliceTarget]);
  }
  return JSON.stringify(['threshold', spec.metric, spec.op, spec.budgeting, spec.sliceMinutes, spec.sliceTarget]);
}

/** The parameters a shape's query names, besides services/from/to/starts/thresholds. */
export function shapeParams(spec: SliSpec): Record<string, unknown> {
  const common = { sliceTarget: spec.sliceTarget };
  if (spec.kind === 'ratio') {
    const gb = (spec.good ?? spec.bad) as { name: string; labels: Record<string, string> };
    return {
      ...common,
      names: [...new Set([gb.name, spec.total.name])],
      gbName: gb.name,
      gbLabels: gb.labels,
      totalName: spec.total.name,
      totalLabels: spec.total.labels,
    };
  }
  return { ...common, name: spec.metric.name, lf: spec.metric.labels };
}
