import type { QueryParams, Warehouse } from '../core/warehouse/index.ts';

/** How long a cached read-side result may be served, in milliseconds: the staleness bound of the
 *  read side. Scores, SLO status, insights and recommendations change when a scoring pass lands (every
 *  `scoring.intervalSec`, 60 s by default), cost rollups hourly. @default 5000 */
export const DEFAULT_READ_CACHE_MS = 5_000;
/** Most rows the cache holds over all its results; the oldest results go first past it. @default 100000 */
export const DEFAULT_READ_CACHE_MAX_ROWS = 100_000;

/** Most derived values (whole responses) the cache holds; the oldest go first past it. @default 1000 */
export const DEFAULT_READ_CACHE_MAX_DERIVED = 1_000;

/** Parameters of {@link createReadCache}. */
export interface ReadCacheParams {
  /** The store reads go to on a miss, and writes pass through to. */
  warehouse: Warehouse;
  /** Staleness bound, ms: a result is served for at most this long after its query started. 0 disables
   *  the cache (every read goes to the store). @default DEFAULT_READ_CACHE_MS */
  ttlMs?: number;
  /** Most rows held over all results; a single result larger than a tenth of it is not kept.
   *  @default DEFAULT_READ_CACHE_MAX_ROWS */
  maxRows?: number;
  /** Most derived values held (see {@link ReadCache.remember}). @default DEFAULT_READ_CACHE_MAX_DERIVED */
  maxDerived?: number;
  clock?: () => number;
}

/** One request's use of the cache: its reads, and how old the oldest result they got is. */
export interface ReadView {
  /** As {@link ReadCache.reads}, noting the age of each result served. */
  readonly reads: Warehouse;
  /** When the query of the oldest result served so far started (or the view was made), epoch ms. */
  readonly dataSince: number;
  /** The cache's write count when the view was made: a write since makes what it read unfit to keep. */
  readonly generation: number;
}

/** Counters of a {@link ReadCache}, since it was created. */
export interface ReadCacheStats {
  hits: number;
  misses: number;
  /** Background refreshes of results close to expiry. */
  refreshes: number;
  invalidations: number;
  entries: number;
  rows: number;
  /** Derived values held, and how many were served. */
  derived: number;
  derivedHits: number;
}

/** A read-through cache of SQL results in front of a warehouse, for the read side of the API. */
export interface ReadCache {
  /** The warehouse as the read side sees it: `query` answers from the cache (keyed by the SQL and its
   *  bound parameters, so results that depend on a key's team scope are keyed by it too); every other
   *  method passes through as {@link ReadCache.writes} does. */
  readonly reads: Warehouse;
  /** The warehouse as writers see it: `query` is never cached, and once an `insert` or `command`
   *  returns (or fails) the whole cache is dropped, so a request after a write sees it. */
  readonly writes: Warehouse;
  /** A view for one request: reads through the cache, tracking the oldest result it is given. */
  view(): ReadView;
  /** Keeps `value`, built from what `view` read, under `key` until `ttlMs` after `view.dataSince` (so
   *  it is never staler than the results it came from may be); nothing is kept when a write happened
   *  since the view was made. Callers never mutate a remembered value. */
  remember(key: string, value: unknown, view: ReadView): void;
  /** The value remembered under `key`, while it is fresh enough; else undefined. */
  recall(key: string): unknown;
  /** Drops every result (a write the cache did not see through {@link ReadCache.writes}). */
  invalidate(): void;
  stats(): ReadCacheStats;
}

interface Entry {
  rows: Promise<readonly object[]>;
  /** When its query started: the data is at least this recent. */
  startedAt: number;
  /** Rows it holds once landed (counted in the cache's total). */
  size: number;
  state: 'loading' | 'ready' | 'refreshing';
}

/** Most results held, whatever their size (empty ones count no rows). */
const MAX_ENTRIES = 10_000;

/** A result this close to its expiry (share of the TTL) is read again in the background when asked
 *  for, so a hot query never waits for the store: the fresh result replaces it when it lands. */
const REFRESH_AFTER_SHARE = 0.5;

/**
 * Read-side results served from memory for up to `ttlMs` after their query started: between scoring
 * passes nothing they read changes, and embedded ClickHouse runs one statement at a time per
 * session, so concurrent requests would otherwise queue behind identical queries. Concurrent misses
 * of one query share one read. Writes through `writes` drop everything; writes by other processes
 * (the scorer, other replicas) show within `ttlMs`. Rows are frozen: callers copy, never mutate.
 * @example const cache = createReadCache({ warehouse, ttlMs: 5_000 }); await cache.reads.query('SELECT 1');
 */
export function createReadCache(params: ReadCacheParams): ReadCache {
  const wh = params.warehouse;
  const ttlMs = params.ttlMs ?? DEFAULT_READ_CACHE_MS;
  const maxRows = params.maxRows ?? DEFAULT_READ_CACHE_MAX_ROWS;
  const maxDerived = params.maxDerived ?? DEFAULT_READ_CACHE_MAX_DERIVED;
  const clock = params.clock ?? Date.now;
  // Insertion order is about start order (a refreshed result moves to the end): the front expires first.
  const entries = new Map<string, Entry>();
  let rows = 0;
  let generation = 0;
  const stats = { hits: 0, misses: 0, refreshes: 0, invalidations: 0 };

  const drop = (key: string, entry: Entry) => {
    if (entries.get(key) !== entry) return;
    entries.delete(key);
    rows -= entry.size;
  };
  const evict = (now: number) => {
    for (const [key, entry] of entries) {
      if (now - entry.startedAt < ttlMs && rows <= maxRows && entries.size <= MAX_ENTRIES) break;
      drop(key, entry);
    }
  };

  /** Reads `sql` for `key`: a new entry, or (`replacing` a landed one) its fresher successor, kept
   *  only if nothing was written and the key still holds what it started from. */
  const load = (key: string, sql: string, qp: QueryParams | undefined, replacing?: Entry): Entry => {
    const entry: Entry = { rows: Promise.resolve([]), startedAt: clock(), size: 0, state: 'loading' };
    const startedIn = generation;
    const current = replacing ?? entry;
    entry.rows = wh.query<object>(sql, qp).then((result) => {
      for (const r of result) Object.freeze(r);
      const frozen = Object.freeze(result);
      // A write landed while this read ran (the result may predate it), or the result is too big to keep.
      if (startedIn !== generation || frozen.length > maxRows / 10 || entries.get(key) !== current) {
        drop(key, current);
        return frozen;
      }
      drop(key, current);
      entry.size = frozen.length;
      entry.state = 'ready';
      entries.set(key, entry);
      rows += entry.size;
      evict(clock());
      return frozen;
    });
    if (replacing) {
      replacing.state = 'refreshing';
      // The landed result keeps serving; a failed refresh is the next miss's to report.
      entry.rows.catch(() => {
        if (replacing.state === 'refreshing') replacing.state = 'ready';
      });
    } else {
      entries.set(key, entry);
      entry.rows.catch(() => drop(key, entry));
    }
    return entry;
  };

  async function query<T>(sql: string, qp?: QueryParams, view?: { dataSince: number }): Promise<T[]> {
    if (ttlMs <= 0) return wh.query<T>(sql, qp);
    const key = qp === undefined ? sql : `${sql}\u0000${JSON.stringify(qp)}`;
    const now = clock();
    let entry = entries.get(key);
    if (entry && now - entry.startedAt >= ttlMs) {
      drop(key, entry);
      entry = undefined;
    }
    if (entry) {
      stats.hits++;
      if (entry.state === 'ready' && now - entry.startedAt >= ttlMs * REFRESH_AFTER_SHARE) {
        stats.refreshes++;
        load(key, sql, qp, entry);
      }
    } else {
      stats.misses++;
      evict(now);
      entry = load(key, sql, qp);
    }
    if (view && entry.startedAt < view.dataSince) view.dataSince = entry.startedAt;
    return (await entry.rows).slice() as T[];
  }

  // Derived values (whole responses): insertion order is expiry order up to a little (a value's data
  // may be older than a later one's), enough for the FIFO bound.
  const derived = new Map<string, { value: unknown; expiresAt: number }>();
  let derivedHits = 0;
  const remember = (key: string, value: unknown, view: ReadView) => {
    const expiresAt = view.dataSince + ttlMs;
    if (ttlMs <= 0 || view.generation !== generation || expiresAt <= clock()) return;
    derived.delete(key);
    while (derived.size >= maxDerived) derived.delete(derived.keys().next().value as string);
    derived.set(key, { value, expiresAt });
  };
  const recall = (key: string): unknown => {
    const found = derived.get(key);
    if (!found) return undefined;
    if (found.expiresAt <= clock()) {
      derived.delete(key);
      return undefined;
    }
    derivedHits++;
    return found.value;
  };
  const view = (): ReadView => {
    const state = { dataSince: clock(), generation };
    return {
      reads: { ...writes, query: (sql, qp) => query(sql, qp, state) },
      get dataSince() {
        return state.dataSince;
      },
      generation: state.generation,
    };
  };

  const invalidate = () => {
    generation++;
    stats.invalidations++;
    entries.clear();
    derived.clear();
    rows = 0;
  };
  const afterWrite = async <T>(write: Promise<T>): Promise<T> => {
    try {
      return await write;
    } finally {
      invalidate();
    }
  };

  const writes: Warehouse = {
    driver: wh.driver,
    database: wh.database,
    location: wh.location,
    query: (sql, qp) => wh.query(sql, qp),
    command: (sql, qp) => afterWrite(wh.command(sql, qp)),
    insert: (table, payload, options) => afterWrite(wh.insert(table, payload, options)),
    ping: () => wh.ping(),
    close: () => wh.close(),
  };
  return {
    reads: { ...writes, query: (sql, qp) => query(sql, qp) },
    writes,
    view,
    remember,
    recall,
    invalidate,
    stats: () => ({ ...stats, entries: entries.size, rows, derived: derived.size, derivedHits }),
  };
}
