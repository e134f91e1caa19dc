import { mkdirSync } from 'node:fs';
import { Session } from 'chdb';
import { warehouseError } from './errors.ts';
import { INSERT_SETTINGS, type InsertOptions, type QueryParams, type Warehouse } from './warehouse.ts';

/** Parameters of {@link openEmbeddedWarehouse}. */
export interface EmbeddedWarehouseParams {
  /** Data directory of the engine; one process at a time may open it. */
  path: string;
  database: string;
  /** Sessions for concurrent statements: one runs at a time per session. @default 3 */
  sessions?: number;
  requestTimeoutMs?: number;
}

/** Opens the embedded ClickHouse engine (chdb) on `path`, creating `database`.
 *  @example const wh = await openEmbeddedWarehouse({ path: './data/clickhouse', database: 'aegis' }); */
export async function openEmbeddedWarehouse(params: EmbeddedWarehouseParams): Promise<Warehouse> {
  mkdirSync(params.path, { recursive: true });
  const sessions: Session[] = [];
  try {
    for (let i = 0; i < (params.sessions ?? 3); i++) {
      sessions.push(new Session(params.path, { connectionArgs: ['--output_format_json_quote_64bit_integers=0'] }));
    }
    await sessions[0]!.queryAsync(`CREATE DATABASE IF NOT EXISTS ${params.database}`);
    for (const s of sessions) await s.queryAsync(`USE ${params.database}`);
  } catch (err) {
    for (const s of sessions) s.close();
    const e = warehouseError(err, `cannot open the embedded ClickHouse engine at ${params.path}`);
    if (/Cannot lock file/i.test(e.message))
      e.message += ' (another AEGIS process is using this data directory; stop it or set AEGIS_DATA_DIR)';
    throw e;
  }
  return new EmbeddedWarehouse(params, sessions);
}

class EmbeddedWarehouse implements Warehouse {
  readonly driver = 'embedded';
  readonly database: string;
  readonly location: string;
  private readonly busy: number[];
  private closed = false;

  constructor(
    private readonly params: EmbeddedWarehouseParams,
    private readonly sessions: Session[],
  ) {
    this.database = params.database;
    this.location = params.path;
    this.busy = sessions.map(() => 0);
  }

  async query<T>(sql: string, params?: QueryParams): Promise<T[]> {
    const text = await this.run(sql, params, 'JSONEachRow');
    const rows: T[] = [];
    for (const line of text.split('\n')) if (line.length > 0) rows.push(JSON.parse(line) as T);
    return rows;
  }

  async command(sql: string, params?: QueryParams): Promise<void> {
    await this.run(sql, params, 'TabSeparated');
  }

  async insert(table: string, payload: Buffer, options: InsertOptions = {}): Promise<{ rows: number }> {
    return this.withSession(async (session) => {
      try {
        const summary = await session.insert({
          table,
          values: payload,
          format: options.format ?? 'JSONEachRow',
          ...(options.columns ? { columns: options.columns } : {}),
          settings: {
            ...INSERT_SETTINGS,
            ...(options.dedupToken ? { insert_deduplication_token: options.dedupToken } : {}),
          },
          ...(this.params.requestTimeoutMs ? { timeout: this.params.requestTimeoutMs } : {}),
        });
        return { rows: summary.rowsSent ?? 0 };
      } catch (err) {
        throw warehouseError(err, `insert into ${table} failed`);
      }
    });
  }

  async ping(): Promise<void> {
    await this.run('SELECT 1', undefined, 'TabSeparated');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.sessions) s.close();
  }

  private run(sql: string, params: QueryParams | undefined, format: string): Promise<string> {
    return this.withSession(async (session) => {
      try {
        const opts = { format, ...(this.params.requestTimeoutMs ? { timeout: this.params.requestTimeoutMs } : {}) };
        const result = params ? await session.queryBindAsync(sql, params, opts) : await session.queryAsync(sql, opts);
        return result.text();
      } catch (err) {
        throw warehouseError(err, 'query failed');
      }
    });
  }

  // Each session runs one statement at a time; pick the least busy so reads overlap inserts.
  private async withSession<T>(fn: (session: Session) => Promise<T>): Promise<T> {
    if (this.closed) throw warehouseError(new Error('warehouse is closed'), 'embedded ClickHouse');
    let index = 0;
    for (let i = 1; i < this.busy.length; i++) if (this.busy[i]! < this.busy[index]!) index = i;
    this.busy[index]!++;
    try {
      return await fn(this.sessions[index]!);
    } finally {
      this.busy[index]!--;
    }
  }
}
