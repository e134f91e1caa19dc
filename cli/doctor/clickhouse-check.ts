import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { AegisConfig } from '../../core/config/index.ts';
import { advertisedNats, embeddedEngineHolder } from '../../core/doctor/index.ts';
import { messageOf } from '../../core/errors.ts';
import { openWarehouse, type Warehouse } from '../../core/warehouse/index.ts';
import { type CheckResult, result, withTimeout } from './check.ts';

/** Oldest ClickHouse server major version AEGIS runs on (query parameters, DateTime64, TTLs,
 *  JSONCompact formats, AggregatingMergeTree rules of the migrations). */
export const MIN_SERVER_MAJOR = 24;

/** Loading the embedded engine is local but not instant (a ~500 MB library); it gets longer than a
 *  network check. */
export const EMBEDDED_OPEN_TIMEOUT_MS = 30_000;

/** The ClickHouse check, and the warehouse the checks after it use when it could be opened. */
export interface ClickHouseCheck {
  result: CheckResult;
  warehouse?: Warehouse;
  /** Why the checks that need the warehouse cannot run. */
  skipReason?: string;
  /** What to do to run them. */
  skipFix?: string;
  /** Closes what the check opened (nothing when the warehouse was handed in). */
  close(): Promise<void>;
}

/** Judges the version a warehouse reports: a server must be at least {@link MIN_SERVER_MAJOR}. */
export function judgeClickHouseVersion(version: string, driver: 'embedded' | 'server', location: string): CheckResult {
  const major = Number(/^(\d+)\./.exec(version)?.[1]);
  if (driver === 'embedded') return result('clickhouse', 'ok', `embedded engine (chdb) ${version} at ${location}`);
  if (!Number.isFinite(major) || major < MIN_SERVER_MAJOR)
    return result(
      'clickhouse',
      'fail',
      `server ${version} at ${location}; AEGIS needs ClickHouse ${MIN_SERVER_MAJOR} or newer`,
      `upgrade the ClickHouse server to ${MIN_SERVER_MAJOR}.x or newer (docker-compose.yml runs a current one)`,
    );
  return result('clickhouse', 'ok', `server ${version} at ${location}`);
}

/** Opens the configured warehouse (or takes `given`) and checks its version. The embedded engine is
 *  left alone when another live process holds it (a second opener only gets "Cannot lock file", but the
 *  report should say who holds it) or when no data directory exists yet (opening would create one). */
export async function checkClickHouse(
  config: AegisConfig,
  timeoutMs: number,
  given?: Warehouse,
): Promise<ClickHouseCheck> {
  const none = async () => undefined;
  if (given) return { result: await versionOf(given), warehouse: given, close: none };

  if (!config.clickhouse.url) {
    const path = join(config.dataDir, 'clickhouse');
    const holder = embeddedEngineHolder(path);
    if (holder !== undefined) {
      const isStart = advertisedNats(config.dataDir)?.ownerPid === holder;
      const who = isStart ? `the running aegis start (pid ${holder})` : `process ${holder}`;
      const skipReason = `the embedded engine is open in ${who}, and one process at a time may open it`;
      const skipFix = isStart
        ? `to check it too, stop aegis start (pid ${holder}), run aegis doctor, then start it again; aegis start applied the migrations when it started`
        : `stop process ${holder} and run aegis doctor again`;
      return {
        result: result(
          'clickhouse',
          isStart ? 'ok' : 'warn',
          `embedded engine at ${path} is in use by ${who}; the checks that need it were skipped`,
          isStart
            ? undefined
            : `stop process ${holder} (or set AEGIS_DATA_DIR to another directory) and run aegis doctor again`,
        ),
        skipReason,
        skipFix,
        close: none,
      };
    }
    if (!existsSync(path)) {
      const skipReason = `no embedded engine at ${path} yet`;
      return {
        result: result('clickhouse', 'warn', skipReason, 'run aegis migrate (or aegis start) to create it'),
        skipReason,
        close: none,
      };
    }
  }

  const timeout = config.clickhouse.url ? timeoutMs : Math.max(timeoutMs, EMBEDDED_OPEN_TIMEOUT_MS);
  let warehouse: Warehouse;
  try {
    warehouse = await withTimeout('opening ClickHouse', timeout, () =>
      openWarehouse({ ...config.clickhouse, requestTimeoutMs: timeoutMs }, config.dataDir),
    );
  } catch (err) {
    const fix = config.clickhouse.url
      ? 'check AEGIS_CLICKHOUSE_URL (clickhouse.url), the credentials, and that the server is up and reachable from here'
      : 'another process may hold the data directory; stop it, or check that the directory is readable and writable';
    const why = messageOf(err);
    return {
      result: result('clickhouse', 'fail', why, fix),
      skipReason: `ClickHouse is not available (${why})`,
      close: none,
    };
  }
  const close = () => warehouse.close();
  try {
    return {
      result: await withTimeout('ClickHouse version()', timeoutMs, () => versionOf(warehouse)),
      warehouse,
      close,
    };
  } catch (err) {
    return {
      result: result('clickhouse', 'fail', `${warehouse.location}: ${messageOf(err)}`),
      skipReason: 'ClickHouse does not answer queries',
      close,
    };
  }
}

async function versionOf(warehouse: Warehouse): Promise<CheckResult> {
  const [row] = await warehouse.query<{ v: string }>('SELECT version() AS v');
  return judgeClickHouseVersion(String(row?.v ?? 'unknown'), warehouse.driver, warehouse.location);
}
