import { InputError } from '../../../core/errors.ts';
import type { Warehouse } from '../../../core/warehouse/index.ts';
import { HOURS_PER_MONTH } from '../../../scoring/scorers/index.ts';
import { numOrNull, type TimeRange } from './common.ts';
import { CostGroupBy, type CostRow, Granularity, type IdleResource } from './cost-types.ts';

/** Most rows one cost query returns; a larger answer is refused (narrow the range, coarsen the
 *  granularity or group by team) rather than cut. */
export const MAX_COST_ROWS = 10_000;

// Columns and tables come from these fixed maps only, never from the request's text.
const GROUP_COLUMNS: Record<CostGroupBy, string> = {
  [CostGroupBy.TEAM]: 'team',
  [CostGroupBy.SERVICE]: 'service',
  [CostGroupBy.CATEGORY]: 'ServiceCategory',
};
const TABLES: Record<Granularity, string> = { [Granularity.HOUR]: 'cost_1h', [Granularity.DAY]: 'cost_1d' };

/** Cost per group per bucket from the hourly or daily rollup; `where` holds the team-scope and
 *  filter conditions (bound parameters in `params`). */
export async function readCost(
  wh: Warehouse,
  p: {
    groupBy: CostGroupBy;
    granularity: Granularity;
    range: TimeRange;
    where: string[];
    params: Record<string, unknown>;
  },
): Promise<CostRow[]> {
  const column = GROUP_COLUMNS[p.groupBy];
  const stepS = p.granularity === Granularity.HOUR ? 3600 : 86_400;
  // Whole buckets: a range starting mid-day still counts that day's row.
  const from = Math.floor(p.range.fromMs / 1000 / stepS) * stepS;
  const to = Math.ceil(p.range.toMs / 1000);
  // The bucket comes back as `at`: an alias named `bucket` would shadow the column in WHERE.
  const rows = await wh.query<{ key: string; at: number; billed: number; effective: number }>(
    `SELECT ${column} AS key, toUnixTimestamp(bucket) * 1000 AS at,
       sum(BilledCost) AS billed, sum(EffectiveCost) AS effective
     FROM ${TABLES[p.granularity]}
     WHERE bucket >= {from:DateTime('UTC')} AND bucket < {to:DateTime('UTC')}${p.where.map((w) => ` AND ${w}`).join('')}
     GROUP BY key, at
     ORDER BY at, key
     LIMIT {limit:UInt32}`,
    { ...p.params, from, to, limit: MAX_COST_ROWS + 1 },
  );
  if (rows.length > MAX_COST_ROWS) {
    throw new InputError(
      `cost answers at most ${MAX_COST_ROWS} rows (this range has more): narrow from/to, use DAY or group by TEAM`,
      { location: 'from' },
    );
  }
  return rows.map((r) => ({
    key: r.key,
    bucket: new Date(Number(r.at)),
    billedCost: Number(r.billed),
    effectiveCost: Number(r.effective),
  }));
}

/** The latest month-end spend forecast of a team, or null when none was made. */
export async function readCostForecast(wh: Warehouse, team: string) {
  const rows = await wh.query<{
    yhat: number;
    lower: number;
    upper: number;
    level: number;
    model: string;
    ts: number;
    computed: number;
  }>(
    `SELECT yhat, lower, upper, level, model, toUnixTimestamp64Milli(ts) AS ts,
       toUnixTimestamp64Milli(computed_at) AS computed
     FROM forecasts
     WHERE kind = 'cost' AND subject = {team:String} AND metric = 'month_end_spend'
     ORDER BY computed_at DESC, ts DESC
     LIMIT 1`,
    { team },
  );
  const r = rows[0];
  if (!r) return null;
  return {
    yhat: Number(r.yhat),
    lower: Number(r.lower),
    upper: Number(r.upper),
    level: Number(r.level),
    model: r.model,
    monthEnd: new Date(Number(r.ts)),
    computedAt: new Date(Number(r.computed)),
  };
}

/** Resources of open `idle_resource` insights with their current price, most expensive first. */
export async function readIdleResources(
  wh: Warehouse,
  where: string[],
  params: Record<string, unknown>,
): Promise<IdleResource[]> {
  const rows = await wh.query<{
    id: string;
    subject: string;
    service: string;
    team: string;
    since: number;
    type: string;
    hourly: number | null;
  }>(
    `SELECT i.id AS id, i.subject AS subject, i.service AS service, i.team AS team, i.since AS since,
       r.type AS type, r.hourly AS hourly
     FROM (
       SELECT id, subject, service, team, toUnixTimestamp64Milli(opened_at) AS since
       FROM insights FINAL
       WHERE kind = 'idle_resource' AND status != 'resolved'${where.map((w) => ` AND ${w}`).join('')}
     ) AS i
     LEFT JOIN (
       SELECT resource_id, argMax(resource_type, ts) AS type, argMax(hourly_cost, ts) AS hourly
       FROM resources_latest GROUP BY resource_id
     ) AS r ON r.resource_id = i.subject`,
    params,
  );
  return rows
    .map((r) => ({
      resourceId: r.subject,
      resourceType: r.type ?? '',
      service: r.service,
      team: r.team,
      monthlyCost: (numOrNull(r.hourly) ?? 0) * HOURS_PER_MONTH,
      insightId: r.id,
      since: new Date(Number(r.since)),
    }))
    .sort((a, b) => b.monthlyCost - a.monthlyCost || a.resourceId.localeCompare(b.resourceId));
}
