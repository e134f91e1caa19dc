import type { Warehouse } from '../../core/warehouse/index.ts';

/** The burn-rate alert state of a service's SLOs, as the latest scoring pass left it. */
export interface BurnState {
  firing: boolean;
  /** `page` is the fast-burn alert (1h/5m ×14.4 or 6h/30m ×6). */
  severity: 'none' | 'ticket' | 'page';
  /** The highest 1h burn rate among the service's SLOs, or null before the first pass. */
  burn1h: number | null;
  /** Lowest error budget left among the service's SLOs (0–1), or null when it has none scored. */
  budgetRemaining: number | null;
  /** When the pass that said so ran, epoch ms, or null. */
  computedAtMs: number | null;
}

/** What the control layer reads about the platform to decide and to guard: the service's burn state,
 *  its open incidents, and what a resource or service costs. From the scoring tables and the rollups,
 *  never from raw telemetry. */
export interface PlatformState {
  burn(service: string): Promise<BurnState>;
  /** Open critical insights on the service (SLO burn, anomaly clusters): its incidents. */
  openIncidents(service: string): Promise<number>;
  /** Monthly cost in USD of one resource (last 30 days of billed cost), 0 when unknown. */
  resourceCostMonth(resourceId: string): Promise<number>;
  /** Monthly cost in USD of a service's resources. */
  serviceCostMonth(service: string): Promise<number>;
}

/** Reads the platform state from ClickHouse. */
export function createPlatformState(warehouse: Warehouse, clock: () => number = Date.now): PlatformState {
  return {
    async burn(service) {
      // The latest pass's rows for the service: one per SLO.
      const rows = await warehouse.query<{
        alert: string;
        burn1h: number | null;
        budget: number | null;
        at: number;
      }>(
        `SELECT alert, burn_rates['1h'] AS burn1h, budget_remaining AS budget, toUnixTimestamp64Milli(computed_at) AS at
         FROM slo_status
         WHERE service = {service:String}
           AND computed_at = (SELECT max(computed_at) FROM slo_status WHERE service = {service:String})`,
        { service },
      );
      if (rows.length === 0)
        return { firing: false, severity: 'none', burn1h: null, budgetRemaining: null, computedAtMs: null };
      const severity = rows.some((r) => r.alert === 'page')
        ? 'page'
        : rows.some((r) => r.alert === 'ticket')
          ? 'ticket'
          : 'none';
      const budgets = rows.map((r) => r.budget).filter((b): b is number => b !== null);
      return {
        firing: severity !== 'none',
        severity,
        burn1h: Math.max(...rows.map((r) => Number(r.burn1h ?? 0))),
        budgetRemaining: budgets.length > 0 ? Math.min(...budgets) : null,
        computedAtMs: Number(rows[0]!.at),
      };
    },
    async openIncidents(service) {
      const rows = await warehouse.query<{ n: number }>(
        `SELECT count() AS n FROM (
           SELECT argMax(status, version) AS status, argMax(severity, version) AS severity
           FROM insights WHERE service = {service:String} GROUP BY id)
         WHERE status != 'resolved' AND severity = 'critical'`,
        { service },
      );
      return Number(rows[0]?.n ?? 0);
    },
    async resourceCostMonth(resourceId) {
      return monthly(warehouse, 'ResourceId = {key:String}', resourceId, clock());
    },
    async serviceCostMonth(service) {
      return monthly(warehouse, 'service = {key:String}', service, clock());
    },
  };
}

/** Billed cost of the last 30 days (as far as there is data) scaled to 30 days. */
async function monthly(warehouse: Warehouse, where: string, key: string, nowMs: number): Promise<number> {
  const rows = await warehouse.query<{ cost: number; days: number }>(
    `SELECT sum(BilledCost) AS cost, uniqExact(bucket) AS days FROM cost_1d
     WHERE ${where} AND bucket >= toDateTime({from:Int64} / 1000, 'UTC')`,
    { key, from: nowMs - 30 * 86_400_000 },
  );
  const { cost = 0, days = 0 } = rows[0] ?? {};
  return Number(days) > 0 ? (Number(cost) / Number(days)) * 30 : 0;
}
