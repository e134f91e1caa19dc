import DataLoader from 'dataloader';
import type { Warehouse } from '../../../core/warehouse/index.ts';
import type { ApiContext } from '../../context.ts';

/** The store as the read side queries it: the server's read cache when it has one (results up to its
 *  TTL old, see api/cache.ts), else the warehouse itself. Control-side reads use `services.warehouse`. */
export const readsOf = (ctx: ApiContext): Warehouse => ctx.services.reads ?? ctx.services.warehouse;

/**
 * The request's DataLoader named `name`, created on first use and kept in `ctx.loaders`, so every
 * resolver of one operation asking for the same kind of row shares one batch: a page of 20
 * services reading `latestScores` issues one query, not 20. A loader's arguments beyond its key
 * (time range, dimension, page size) belong in its name: each distinct set is its own batch.
 * `batch` gets the distinct keys and returns a value per key (a map lookup; a missing key is
 * `fallback`). Caching lasts one request only: the context is per operation.
 * @example loader(ctx, 'anomalies:7d', (services) => readAnomalies(wh, services, range, 20), [])
 */
export function loader<V>(
  ctx: ApiContext,
  name: string,
  batch: (keys: readonly string[]) => Promise<ReadonlyMap<string, V>>,
  fallback: V,
): DataLoader<string, V> {
  const key = `queries:${name}`;
  let l = ctx.loaders.get(key) as DataLoader<string, V> | undefined;
  if (!l) {
    l = new DataLoader<string, V>(
      async (keys) => {
        const found = await batch(keys);
        return keys.map((k) => found.get(k) ?? fallback);
      },
      // Big pages stay one query: the page size is capped at 100 anyway.
      { maxBatchSize: 1000 },
    );
    ctx.loaders.set(key, l);
  }
  return l;
}

/** Groups rows into a map of lists by a key column. */
export function groupBy<R>(rows: readonly R[], keyOf: (r: R) => string): Map<string, R[]> {
  const out = new Map<string, R[]>();
  for (const r of rows) {
    const k = keyOf(r);
    const list = out.get(k);
    if (list) list.push(r);
    else out.set(k, [r]);
  }
  return out;
}

/** The step "now" is rounded up to for the read side. @default 60000 (a minute) */
export const REQUEST_NOW_STEP_MS = 60_000;

/** "Now" for the whole operation, read from the clock once: default time ranges ending now must be
 *  the same for every resolver of a request, or their loaders would not share a batch. It is rounded up
 *  to the minute, so requests within a minute bind the same time parameters and share cached results
 *  (api/cache.ts): a default range ends up to a minute after the clock (nothing is stored in the
 *  future, so it holds what ends at the clock), and lookbacks start up to a minute later. */
export function requestNow(ctx: ApiContext): number {
  let now = ctx.loaders.get('queries:now') as number | undefined;
  if (now === undefined) {
    now = Math.ceil(ctx.services.clock() / REQUEST_NOW_STEP_MS) * REQUEST_NOW_STEP_MS;
    ctx.loaders.set('queries:now', now);
  }
  return now;
}

const HOUR_MS = 3_600_000;

/** The start of a lookback of `lookbackMs` before the request's now, rounded down to the hour. A
 *  lookback only bounds a scan ("the latest row since"), so up to an hour more changes no answer,
 *  and an hourly step keeps its bound parameter, hence its cached result, the same all hour. */
export function lookbackStart(ctx: ApiContext, lookbackMs: number): number {
  return Math.floor((requestNow(ctx) - lookbackMs) / HOUR_MS) * HOUR_MS;
}
