import type { Controller } from '../control/controller.ts';
import type { Bus } from '../core/bus/index.ts';
import type { AegisConfig } from '../core/config/index.ts';
import type { Logger } from '../core/logger.ts';
import type { Registry } from '../core/metrics.ts';
import type { Warehouse } from '../core/warehouse/index.ts';
import type { Catalog } from '../scoring/catalog/index.ts';
import { createApiKeyStore, ensureDevAdminKey } from './auth/index.ts';
import { type ApiServer, createApiServer } from './server.ts';

/** What the API role is built from: the same connections and controller as the rest of the process. */
export interface ApiDeps {
  warehouse: Warehouse;
  bus: Bus;
  controller: Controller;
  catalog: () => Catalog;
  logger: Logger;
  metrics: Registry;
  /** Create (once) and return a development admin key: embedded mode only. @default false */
  devAdminKey?: boolean;
}

/** The API role, and in embedded mode the development admin key to print. */
export async function buildApi(
  config: AegisConfig,
  deps: ApiDeps,
): Promise<{ server: ApiServer; devKey?: { token: string; file: string } }> {
  const keys = createApiKeyStore(deps.warehouse, { cacheMs: config.api.keyCacheMs });
  const server = createApiServer({
    services: {
      config,
      warehouse: deps.warehouse,
      bus: deps.bus,
      controller: deps.controller,
      catalog: deps.catalog,
      logger: deps.logger.child({ component: 'api' }),
      clock: Date.now,
    },
    config: config.api,
    keys,
    metrics: deps.metrics,
    readCacheMs: config.api.readCacheMs,
  });
  if (!deps.devAdminKey) return { server };
  const dev = await ensureDevAdminKey(keys, config.dataDir);
  return { server, devKey: { token: dev.token, file: dev.file } };
}
