import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { OPS_CHECK_TIMEOUT_MS, runChecks } from '../core/ops-server.ts';
import type { ApiServices } from './context.ts';

/** Migrations the code expects, from `schemas/clickhouse/NNN_*.sql`. */
const MIGRATIONS_DIR = fileURLToPath(new URL('../schemas/clickhouse/', import.meta.url));

/** How long one readiness check may take before it counts as failed, in milliseconds. */
export const READINESS_TIMEOUT_MS = OPS_CHECK_TIMEOUT_MS;

/** One readiness check: `ok`, or a reason that names no host, query or credential. */
export interface ReadinessCheck {
  name: 'nats' | 'clickhouse' | 'migrations';
  ok: boolean;
  reason?: string;
}

/** `/readyz`: NATS answers (JetStream stream info), ClickHouse answers `SELECT 1`, and every migration
 *  file is recorded in `schema_migrations`. Failures are logged with their real error; the result only
 *  says what is not ready. */
export function checkReadiness(
  services: Pick<ApiServices, 'bus' | 'warehouse' | 'logger'>,
  timeoutMs = READINESS_TIMEOUT_MS,
): Promise<{ ready: boolean; checks: ReadinessCheck[] }> {
  return runChecks<ReadinessCheck['name']>(
    {
      nats: async () => {
        await services.bus.streamMessages('EVENTS');
      },
      clickhouse: async () => {
        await services.warehouse.query('SELECT 1 AS one');
      },
      migrations: async () => {
        const pending = await pendingMigrations(services.warehouse);
        return pending.length === 0 ? undefined : `${pending.length} migration(s) pending: ${pending.join(', ')}`;
      },
    },
    timeoutMs,
    services.logger,
    (name) => `${name} is not answering`,
  );
}

/** Names of migration files not yet recorded in `schema_migrations` (all of them when it is missing). */
export async function pendingMigrations(
  warehouse: ApiServices['warehouse'],
  dir: string = MIGRATIONS_DIR,
): Promise<string[]> {
  const files = readdirSync(dir)
    .filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f))
    .sort();
  const tables = await warehouse.query<{ n: number }>(
    "SELECT count() AS n FROM system.tables WHERE database = currentDatabase() AND name = 'schema_migrations'",
  );
  if (Number(tables[0]?.n ?? 0) === 0) return files.map((f) => f.replace(/\.sql$/, ''));
  const applied = new Set(
    (await warehouse.query<{ version: number }>('SELECT DISTINCT version FROM schema_migrations')).map((r) =>
      Number(r.version),
    ),
  );
  return files.filter((f) => !applied.has(Number(f.slice(0, 3)))).map((f) => f.replace(/\.sql$/, ''));
}
