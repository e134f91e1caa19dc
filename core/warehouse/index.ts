import { join } from 'node:path';
import type { ClickHouseConfig } from '../config/index.ts';
import { openEmbeddedWarehouse } from './embedded.ts';
import { openServerWarehouse } from './server.ts';
import type { Warehouse } from './warehouse.ts';

export { type EmbeddedWarehouseParams, openEmbeddedWarehouse } from './embedded.ts';
export { warehouseError } from './errors.ts';
export { type MigrationResult, migrate } from './migrate.ts';
export { openServerWarehouse, type ServerWarehouseParams } from './server.ts';
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
