import type { Bus } from '../core/bus/index.ts';
import type { Warehouse } from '../core/warehouse/index.ts';

/** Tables whose row counts `aegis start` shows. */
export const COUNTED_TABLES = ['metrics', 'cost', 'access', 'resources', 'metrics_1m'] as const;

/** Row counts per table (count() reads part metadata: cheap at any size) and dead letters. */
export async function readCounts(warehouse: Warehouse, bus?: Bus): Promise<Record<string, number>> {
  const rows = await warehouse.query<{ name: string; n: number }>(
    `SELECT name, total_rows AS n FROM system.tables WHERE database = currentDatabase() AND name IN {names:Array(String)}`,
    { names: [...COUNTED_TABLES] },
  );
  const counts: Record<string, number> = Object.fromEntries(COUNTED_TABLES.map((t) => [t, 0]));
  for (const r of rows) counts[r.name] = Number(r.n ?? 0);
  if (bus) counts['dead-letter'] = await bus.streamMessages('DEADLETTER').catch(() => Number.NaN);
  return counts;
}

/** `metrics 1,234 · cost 56 · …` */
export function formatCounts(counts: Record<string, number>): string {
  return Object.entries(counts)
    .map(([name, n]) => `${name} ${Number.isNaN(n) ? '?' : n.toLocaleString('en-US')}`)
    .join(' · ');
}
