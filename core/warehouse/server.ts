import { Readable } from 'node:stream';
import { type ClickHouseClient, ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { warehouseError } from './errors.ts';
import { INSERT_SETTINGS, type InsertOptions, type QueryParams, type Warehouse } from './warehouse.ts';

/** Parameters of {@link openServerWarehouse}. */
export interface ServerWarehouseParams {
  url: string;
  database: string;
  username?: string;
  password?: string;
  requestTimeoutMs?: number;
}

const COMMON_SETTINGS = { output_format_json_quote_64bit_integers: 0 } as const;

/** Connects to a ClickHouse server over HTTP(S) and creates `database` when missing.
 *  @example const wh = await openServerWarehouse({ url: 'http://localhost:8123', database: 'aegis' }); */
export async function openServerWarehouse(params: ServerWarehouseParams): Promise<Warehouse> {
  // Credentials written into the URL win over the separate settings; the client gets a clean URL.
  const url = parseUrl(params.url);
  const base = {
    url: redactUrl(params.url),
    username: decodeURIComponent(url?.username ?? '') || params.username || 'default',
    password: decodeURIComponent(url?.password ?? '') || params.password || '',
    request_timeout: params.requestTimeoutMs ?? 30_000,
    clickhouse_settings: COMMON_SETTINGS,
    // Failures reach the caller as DependencyError; the client's own logging would say it twice.
    log: { level: ClickHouseLogLevel.OFF },
  };
  const bootstrap = createClient(base);
  try {
    await bootstrap.command({ query: `CREATE DATABASE IF NOT EXISTS ${params.database}` });
  } catch (err) {
    throw warehouseError(err, `cannot reach ClickHouse at ${redactUrl(params.url)}`);
  } finally {
    await bootstrap.close();
  }
  return new ServerWarehouse(params, createClient({ ...base, database: params.database }));
}

class ServerWarehouse implements Warehouse {
  readonly driver = 'server';
  readonly database: string;
  readonly location: string;

  constructor(
    params: ServerWarehouseParams,
    private readonly client: ClickHouseClient,
  ) {
    this.database = params.database;
    this.location = redactUrl(params.url);
  }

  async query<T>(sql: string, params?: QueryParams): Promise<T[]> {
    try {
      const rs = await this.client.query({
        query: sql,
        format: 'JSONEachRow',
        ...(params ? { query_params: params } : {}),
      });
      return await rs.json<T>();
    } catch (err) {
      throw warehouseError(err, 'query failed');
    }
  }

  async command(sql: string, params?: QueryParams): Promise<void> {
    try {
      await this.client.command({ query: sql, ...(params ? { query_params: params } : {}) });
    } catch (err) {
      throw warehouseError(err, 'statement failed');
    }
  }

  async insert(table: string, payload: Buffer, options: InsertOptions = {}): Promise<{ rows: number }> {
    try {
      const result = await this.client.insert({
        table,
        values: Readable.from([payload]),
        format: options.format ?? 'JSONEachRow',
        ...(options.columns ? { columns: [...options.columns] as [string, ...string[]] } : {}),
        clickhouse_settings: {
          ...INSERT_SETTINGS,
          ...(options.dedupToken ? { insert_deduplication_token: options.dedupToken } : {}),
        },
      });
      return { rows: Number(result.summary?.written_rows ?? 0) };
    } catch (err) {
      throw warehouseError(err, `insert into ${table} failed`);
    }
  }

  async ping(): Promise<void> {
    const result = await this.client.ping();
    if (!result.success) throw warehouseError(result.error, `ClickHouse at ${this.location} does not answer`);
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

function parseUrl(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

/** Drops credentials from a URL for messages and status output. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return '<invalid url>';
  }
}
