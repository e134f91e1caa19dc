import { OPS_CHECK_TIMEOUT_MS, runChecks } from '../core/ops-server.ts';
import { MIGRATIONS_DIR, migrationStatus } from '../core/warehouse/index.ts';
import type { ApiServices } from './context.ts';

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
  return (await migrationStatus(warehouse, dir)).pending;
}
