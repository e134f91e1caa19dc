/** Query parameters, bound server-side to `{name:Type}` placeholders; never spliced into SQL. */
export type QueryParams = Record<string, unknown>;

/** Row formats the warehouse inserts: objects, or arrays in `columns` order (smaller, faster). */
export type InsertFormat = 'JSONEachRow' | 'JSONCompactEachRow';

/** Options of a raw insert. */
export interface InsertOptions {
  /** @default JSONEachRow */
  format?: InsertFormat;
  /** Column order of JSONCompactEachRow rows; omitted columns take their defaults. */
  columns?: readonly string[];
  /** `insert_deduplication_token`: an insert repeated with the same token is stored once. */
  dedupToken?: string;
}

/** The store: one interface over embedded ClickHouse (chdb) and a ClickHouse server. Only `core/`
 *  implements it; the SQL above it is the same dialect for both. */
export interface Warehouse {
  readonly driver: 'embedded' | 'server';
  /** Database holding AEGIS tables; statements run with it as the current database. */
  readonly database: string;
  /** Where the data is: a directory (embedded) or a URL without credentials (server). */
  readonly location: string;
  /** Runs a SELECT and returns its rows as objects (64-bit integers as numbers). */
  query<T = Record<string, unknown>>(sql: string, params?: QueryParams): Promise<T[]>;
  /** Runs a statement that returns no rows (DDL, INSERT … SELECT). */
  command(sql: string, params?: QueryParams): Promise<void>;
  /** Inserts a payload of one JSON row per line, in `options.format`. */
  insert(table: string, payload: Buffer, options?: InsertOptions): Promise<{ rows: number }>;
  /** Fails with a DependencyError when the store cannot answer. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Serialises rows as a JSONEachRow payload. */
export function toJsonEachRow(rows: readonly object[]): Buffer {
  let text = '';
  for (const row of rows) text += `${JSON.stringify(row)}\n`;
  return Buffer.from(text);
}

/** Settings applied to every insert: deduplicate repeated inserts in the rollup views too, so a
 *  retried batch never double counts an aggregate. */
export const INSERT_SETTINGS = {
  deduplicate_blocks_in_dependent_materialized_views: 1 as const,
  // Malformed rows were refused before this point; a parse error here is a bug, not data to skip.
  input_format_allow_errors_num: '0',
} as const;
