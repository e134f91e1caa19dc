import type { Controller } from '../control/controller.ts';
import type { Bus } from '../core/bus/index.ts';
import type { AegisConfig } from '../core/config/index.ts';
import type { Logger } from '../core/logger.ts';
import type { Warehouse } from '../core/warehouse/index.ts';
import type { Catalog } from '../scoring/catalog/index.ts';
import type { ApiPrincipal } from './auth/permissions.ts';

/** What every resolver can reach, shared by all requests of a server. */
export interface ApiServices {
  config: AegisConfig;
  warehouse: Warehouse;
  /** The read side's view of `warehouse`: SQL results served from memory for a few seconds (the API
   *  server's read cache, api/cache.ts). Unset, the read side queries `warehouse`. */
  reads?: Warehouse;
  bus: Bus;
  /** The control layer: every mutation on actions goes through it (policy, approvals, audit). */
  controller: Controller;
  catalog: () => Catalog;
  /** In a request's context, the server's logger with the request's `requestId` bound: log through it
   *  and the line ties to the request's access-log line. */
  logger: Logger;
  clock: () => number;
}

/** The context of one GraphQL operation (a query, a mutation, or one subscription). */
export interface ApiContext {
  /** Echoed in the `x-request-id` header and in every error's extensions. */
  requestId: string;
  /** The authenticated key, or null (only `{ __typename }`-like public fields then answer). */
  principal: ApiPrincipal | null;
  services: ApiServices;
  /** Per-request DataLoaders, created lazily by name (see api/schema/loaders.ts). */
  loaders: Map<string, unknown>;
}
