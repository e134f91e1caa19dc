import type { Warehouse } from '../../core/warehouse/index.ts';
import type { CostResource } from '../scorers/index.ts';

/** One resource as the inventory saw it over a lookback: the cost scorer's view of it (capacity,
 *  price, utilisation) plus ownership, tags and how many snapshots back it up. */
export interface InventoryResource extends CostResource {
  service: string;
  owner: string;
  env: string;
  state: string;
  tags: Record<string, string>;
  /** Snapshots seen over the lookback. */
  samples: number;
}

/** Every resource with an inventory snapshot in [fromMs, toMs). A pass reads hourly snapshots of
 *  the lookback only, so its cost follows the number of resources, not the history kept. */
export async function readInventory(wh: Warehouse, fromMs: number, toMs: number): Promise<InventoryResource[]> {
  const rows = await wh.query<{
    id: string;
    type: string;
    service: string;
    owner: string;
    env: string;
    state: string;
    tags: Record<string, string>;
    vcpu: number | null;
    mem: number | null;
    hourly_cost: number | null;
    cpu_avg: number | null;
    mem_avg: number | null;
    cpu_p95: number | null;
    mem_p95: number | null;
    samples: number;
  }>(
    `SELECT resource_id AS id,
       argMax(resource_type, ts) AS type, argMax(service, ts) AS service, argMax(owner, ts) AS owner,
       argMax(env, ts) AS env, toString(argMax(state, ts)) AS state, argMax(tags, ts) AS tags,
       argMax(provisioned_vcpu, ts) AS vcpu, argMax(provisioned_memory_gib, ts) AS mem,
       argMax(hourly_cost, ts) AS hourly_cost,
       avg(cpu_utilization) AS cpu_avg, avg(memory_utilization) AS mem_avg,
       quantile(0.95)(cpu_utilization) AS cpu_p95, quantile(0.95)(memory_utilization) AS mem_p95,
       count() AS samples
     FROM resources
     WHERE ts >= {from:DateTime64(3, 'UTC')} AND ts < {to:DateTime64(3, 'UTC')}
     GROUP BY resource_id
     ORDER BY resource_id`,
    { from: fromMs, to: toMs },
  );
  const num = (v: number | null) => (v === null || Number.isNaN(Number(v)) ? null : Number(v));
  return rows.map((r) => ({
    id: r.id,
    type: r.type,
    service: r.service,
    owner: r.owner,
    env: r.env,
    state: r.state,
    tags: r.tags,
    provisionedVcpu: num(r.vcpu),
    provisionedMemoryGib: num(r.mem),
    hourlyCost: num(r.hourly_cost) ?? 0,
    cpuAvg: num(r.cpu_avg),
    memAvg: num(r.mem_avg),
    cpuP95: num(r.cpu_p95),
    memP95: num(r.mem_p95),
    samples: Number(r.samples),
  }));
}
