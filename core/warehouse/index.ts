import { join } from 'node:path';
import type { ClickHouseConfig } from '../config/index.ts';
import type { EmbeddedWarehouseParams } from './embedded.ts';
import { openServerWarehouse } from './server.ts';
import type { Warehouse } from './warehouse.ts';

export type { EmbeddedWarehouseParams } from './embedded.ts';
export { warehouseError } from './errors.ts';
export { MIGRATIONS_DIR, type MigrationResult, migrate, migrationTables } from './migrate.ts';
export { type ChangedMigration, type MigrationStatus, migrationStatus } from './migration-status.ts';
export { openServerWarehouse, redactUrl, type ServerWarehouseParams } from './server.ts';
export {
  INSERT_SETTINGS,
  type InsertFormat,
  type InsertOptions,
  type QueryParams,
  toJsonEachRow,
  type Warehouse,
} from './warehouse.ts';

/** Opens the warehouse the configuration names: the server at `clickhouse.url`, else the embedded
 *  engine under `<dataDir>/clickhouse`. */
export function openWarehouse(config: ClickHouseConfig, dataDir: string): Promise<Warehouse> {
  if (config.url) {
    return openServerWarehouse({
      url: config.url,
      database: config.database,
      username: config.username,
      password: config.password,
      requestTimeoutMs: config.requestTimeoutMs,
    });
  }
  return openEmbeddedWarehouse({
    path: join(dataDir, 'clickhouse'),
    database: config.database,
    requestTimeoutMs: config.requestTimeoutMs,
  });
}

/** Opens the embedded engine (see embedded.ts). chdb loads its native engine (about 0.5 GB) when imported,
 *  so it is imported here on first use: roles on a ClickHouse server never load it, and an image for
 *  them may leave it out. */
export async function openEmbeddedWarehouse(params: EmbeddedWarehouseParams): Promise<Warehouse> {
  const embedded = await import('./embedded.ts');
  return embedded.openEmbeddedWarehouse(params);
}
