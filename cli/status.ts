import type { Bus } from '../core/bus/index.ts';
import type { Warehouse } from '../core/warehouse/index.ts';
import { TABLES } from '../ingest/writer/index.ts';

/** The raw telemetry tables the ingest writer fills. */
const RAW_TABLES = Object.values(TABLES).map((t) => t.table);

/** Tables whose row counts `aegis start` shows: the raw ones, the minute rollup, what scoring derives
 *  and what the control layer records. */
const COUNTED_TABLES = [
  ...RAW_TABLES,
  'metrics_1m',
  'scores',
  'anomalies',
  'insights',
  'recommendations',
  'action_events',
  'audit_log',
];

/** Row counts per table (`system.tables.total_rows`: part metadata, cheap at any size) and, with a
 *  bus, the dead letters. */
export async function readCounts(warehouse: Warehouse, bus?: Bus): Promise<Record<string, number>> {
  const rows = await warehouse.query<{ name: string; n: number }>(
    'SELECT name, total_rows AS n FROM system.tables WHERE database = currentDatabase() AND name IN {names:Array(String)}',
    { names: COUNTED_TABLES },
  );
  const counts: Record<string, number> = Object.fromEntries(COUNTED_TABLES.map((t) => [t, 0]));
  for (const r of rows) counts[r.name] = Number(r.n ?? 0);
  if (bus) counts['dead-letter'] = await bus.streamMessages('DEADLETTER').catch(() => Number.NaN);
  return counts;
}

/** Rows stored in the raw tables, out of `readCounts`. */
export function storedRows(counts: Record<string, number>): number {
  return RAW_TABLES.reduce((n, t) => n + (counts[t] ?? 0), 0);
}

/** `12:00:05  rows  metrics 1,234 · cost 56 · …` */
export function formatCounts(counts: Record<string, number>): string {
  const list = Object.entries(counts)
    .map(([name, n]) => `${name} ${Number.isNaN(n) ? '?' : n.toLocaleString('en-US')}`)
    .join(' · ');
  return `${new Date().toISOString().slice(11, 19)}  rows  ${list}`;
}
