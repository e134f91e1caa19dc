import type { Warehouse } from '../../core/warehouse/index.ts';

/** Effective cost of one service over one bucket (day or hour). */
export interface SpendPoint {
  service: string;
  tsMs: number;
  cost: number;
}

/** Effective cost per service per bucket of `table` (`cost_1d` or `cost_1h`) in [fromMs, toMs).
 *  A row's service is its `service` tag, or the inventory's service of its resource when the row
 *  is untagged; cost of neither is reported under ''. */
export async function readSpend(
  wh: Warehouse,
  table: 'cost_1d' | 'cost_1h',
  fromMs: number,
  toMs: number,
): Promise<SpendPoint[]> {
  const rows = await wh.query<{ service: string; ts: number; cost: number }>(
    `SELECT if(c.service != '', c.service, r.service) AS service, toUnixTimestamp(c.bucket) * 1000 AS ts,
       sum(c.EffectiveCost) AS cost
     FROM ${table === 'cost_1d' ? 'cost_1d' : 'cost_1h'} AS c
     LEFT JOIN (SELECT resource_id, argMax(service, ts) AS service FROM resources_latest GROUP BY resource_id) AS r
       ON r.resource_id = c.ResourceId
     WHERE c.bucket >= {from:DateTime('UTC')} AND c.bucket < {to:DateTime('UTC')}
     GROUP BY service, ts
     ORDER BY service, ts`,
    { from: Math.floor(fromMs / 1000), to: Math.ceil(toMs / 1000) },
  );
  return rows.map((r) => ({ service: r.service, tsMs: Number(r.ts), cost: Number(r.cost) }));
}

/** Groups spend points by service, each series in time order with empty buckets filled with 0. */
export function spendSeries(points: readonly SpendPoint[], fromMs: number, toMs: number, stepMs: number) {
  const out = new Map<string, number[]>();
  const n = Math.max(0, Math.ceil((toMs - fromMs) / stepMs));
  for (const p of points) {
    let series = out.get(p.service);
    if (!series) {
      series = new Array<number>(n).fill(0);
      out.set(p.service, series);
    }
    const i = Math.floor((p.tsMs - fromMs) / stepMs);
    if (i >= 0 && i < n) series[i] = (series[i] as number) + p.cost;
  }
  return out;
}
