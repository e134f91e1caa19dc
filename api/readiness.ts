import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { messageOf } from '../core/errors.ts';
import { withTimeout } from '../core/lifecycle.ts';
import type { ApiServices } from './context.ts';

/** Migrations the code expects, from `schemas/clickhouse/NNN_*.sql`. */
const MIGRATIONS_DIR = fileURLToPath(new URL('../schemas/clickhouse/', import.meta.url));

/** How long one readiness check may take before it counts as failed, in milliseconds. */
export const READINESS_TIMEOUT_MS = 2000;

/** One readiness check: `ok`, or a reason that names no host, query or credential. */
export interface ReadinessCheck {
  name: 'nats' | 'clickhouse' | 'migrations';
  ok: boolean;
  reason?: string;
}

/** `/readyz`: NATS answers (JetStream stream info), ClickHouse answers `SELECT 1`, and every migration
 *  file is recorded in `schema_migrations`. Failures are logged with their real error; the result only
 *  says what is not ready. */
export async function checkReadiness(
  services: Pick<ApiServices, 'bus' | 'warehouse' | 'logger'>,
  timeoutMs = READINESS_TIMEOUT_MS,
): Promise<{ ready: boolean; checks: ReadinessCheck[] }> {
  const run = async (name: ReadinessCheck['name'], check: () => Promise<string | undefined>) => {
    try {
      const reason = await withTimeout(check(), timeoutMs);
      return reason === undefined ? { name, ok: true } : { name, ok: false, reason };
    } catch (err) {
      services.logger.warn({ check: name, err: messageOf(err) }, 'readiness check failed');
      return { name, ok: false, reason: `${name} is not answering` };
    }
  };
  const checks: ReadinessCheck[] = await Promise.all([
    run('nats', async () => {
      await services.bus.streamMessages('EVENTS');
      return undefined;
    }),
    run('clickhouse', async () => {
      await services.warehouse.query('SELECT 1 AS one');
      return undefined;
    }),
    run('migrations', async () => {
      const pending = await pendingMigrations(services.warehouse);
      return pending.length === 0 ? undefined : `${pending.length} migration(s) pending: ${pending.join(', ')}`;
    }),
  ]);
  return { ready: checks.every((c) => c.ok), checks };
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
