/**
 * Runs AEGIS's own statements on the embedded ClickHouse engine (chdb) as one user of
 * `deploy/clickhouse/users.d/aegis.xml`, and prints one JSON line: each check, whether it came out as
 * expected, and the ClickHouse error code of each refused statement.
 *
 *   node bin/run-ts.js deploy/clickhouse/grants-check.ts <aegis_migrator|aegis|grafana> <data-dir>
 *
 * Run the migrator first on a fresh directory, then the others on the same one. chdb has no SQL access
 * management (CREATE USER and EXECUTE AS are refused) and authenticates every query as `default`, so the
 * user under test is loaded as `default` from a config file written here, with its grants and profile
 * unchanged. One user per process: every session of the process must carry that config.
 * test/clickhouse-grants.test.ts drives it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Session } from 'chdb';
import { createApiKeyStore } from '../../api/auth/keys.ts';
import { createAuditLog, generateAuditKey, trustedKeysOf, verifyAuditLog } from '../../control/audit/index.ts';
import { silentLogger } from '../../core/logger.ts';
import {
  INSERT_SETTINGS,
  migrate,
  migrationTables,
  toJsonEachRow,
  type Warehouse,
} from '../../core/warehouse/index.ts';

/** The users file the compose deployment mounts. */
const USERS_FILE = new URL('./users.d/aegis.xml', import.meta.url);

/** One check: `ok` when the statement did what the grants intend (ran, or was refused). */
interface GrantCheck {
  name: string;
  ok: boolean;
  /** ClickHouse error code of a refused statement (see REFUSED). */
  code?: number;
  detail?: string;
}

/** A `<clickhouse>` config at `file` holding the profiles of `usersXml` and its user `name` as `default`,
 *  password removed (chdb authenticates without one). The engine reads users only from a file named in
 *  `user_directories`: without it, it falls back to an all-powerful default user. */
function configAs(usersXml: string, name: string, file: string): string {
  const user = new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(usersXml)?.[1];
  if (user === undefined) throw new Error(`${name} is not a user of the users file`);
  const profiles = /<profiles>[\s\S]*?<\/profiles>/.exec(usersXml)?.[0] ?? '';
  const body = user.replace(/<password[^>]*\/>|<password[^>]*>[^<]*<\/password>/, '<password></password>');
  return `<clickhouse>${profiles.replace('<profiles>', '<profiles><default/>')}<quotas><default/></quotas><users><default>${body}</default></users><user_directories><users_xml><path>${file}</path></users_xml></user_directories></clickhouse>\n`;
}

/** A Warehouse over one chdb session opened with `configFile`: the real engine, as the configured user.
 *  No current database yet: the caller creates it or checks that it cannot, then runs `USE`. */
function openAs(path: string, configFile: string, database: string): Warehouse {
  // 64-bit integers as numbers, as both real drivers ask for them (core/warehouse).
  const session = new Session(path, {
    connectionArgs: [`--config-file=${configFile}`, '--output_format_json_quote_64bit_integers=0'],
  });
  const run = async (sql: string, params: Record<string, unknown> | undefined, format: string) =>
    (params ? await session.queryBindAsync(sql, params, { format }) : await session.queryAsync(sql, { format })).text();
  return {
    driver: 'embedded',
    database,
    location: path,
    async query<T>(sql: string, params?: Record<string, unknown>) {
      const text = await run(sql, params, 'JSONEachRow');
      return text
        .split('\n')
        .filter((l: string) => l.length > 0)
        .map((l: string) => JSON.parse(l) as T);
    },
    async command(sql: string, params?: Record<string, unknown>) {
      await run(sql, params, 'TabSeparated');
    },
    async insert(table, payload, options = {}) {
      const summary = await session.insert({
        table,
        values: payload,
        format: options.format ?? 'JSONEachRow',
        ...(options.columns ? { columns: options.columns } : {}),
        settings: { ...INSERT_SETTINGS },
      });
      return { rows: summary.rowsSent ?? 0 };
    },
    async ping() {
      await run('SELECT 1', undefined, 'TabSeparated');
    },
    async close() {
      session.close();
    },
  };
}

/** The ClickHouse code in an engine error message (`Code: 497. DB::Exception: …`). */
function codeOf(err: unknown): number | undefined {
  const m = /Code: (\d+)/.exec(err instanceof Error ? err.message : String(err));
  return m ? Number(m[1]) : undefined;
}

const REFUSED = new Set([497, 164, 452]); // ACCESS_DENIED, READONLY, SETTING_CONSTRAINT_VIOLATION

/** Runs `fn`; ok when it succeeds. */
async function allowed(checks: GrantCheck[], name: string, fn: () => Promise<unknown>): Promise<void> {
  try {
    const detail = await fn();
    checks.push({ name, ok: true, ...(detail === undefined ? {} : { detail: JSON.stringify(detail) }) });
  } catch (err) {
    checks.push({ name, ok: false, code: codeOf(err), detail: String(err).slice(0, 300) });
  }
}

/** Runs `sql`; ok when the engine refuses it for lack of a grant (or read-only), not for another reason. */
async function refused(checks: GrantCheck[], wh: Warehouse, sql: string): Promise<void> {
  try {
    await wh.command(sql);
    checks.push({ name: sql, ok: false, detail: 'ran' });
  } catch (err) {
    const code = codeOf(err);
    checks.push({ name: sql, ok: code !== undefined && REFUSED.has(code), code });
  }
}

/** Statements no AEGIS user may run on the audit table. */
const AUDIT_TAMPERING = [
  'ALTER TABLE audit_log DELETE WHERE 1',
  "ALTER TABLE audit_log UPDATE actor = 'x' WHERE 1",
  'DELETE FROM audit_log WHERE 1',
  'TRUNCATE TABLE audit_log',
  'DROP TABLE audit_log',
  'OPTIMIZE TABLE audit_log FINAL',
  'ALTER TABLE audit_log MODIFY TTL toDateTime(ts) + toIntervalDay(1)',
  'ALTER TABLE audit_log DROP PARTITION tuple()',
  'ALTER TABLE audit_log ADD COLUMN forged String',
  'RENAME TABLE audit_log TO audit_log_old',
];

async function checkMigrator(wh: Warehouse, checks: GrantCheck[]): Promise<void> {
  await allowed(checks, 'migrate from scratch', async () => (await migrate(wh, { rawRetentionDays: 30 })).applied);
  // A changed retention ALTERs the raw tables' TTL; then back, so later runs find it as configured.
  await allowed(checks, 'change the raw retention', () => migrate(wh, { rawRetentionDays: 7 }));
  await allowed(checks, 'restore the raw retention', () => migrate(wh, { rawRetentionDays: 30 }));
  await refused(checks, wh, 'INSERT INTO audit_log (seq) VALUES (1)');
  for (const sql of AUDIT_TAMPERING) await refused(checks, wh, sql);
  await refused(checks, wh, 'DROP TABLE metrics');
  await refused(checks, wh, 'TRUNCATE TABLE metrics');
  await refused(checks, wh, 'ALTER TABLE insights DELETE WHERE 1');
}

async function checkRuntime(wh: Warehouse, checks: GrantCheck[]): Promise<void> {
  // What every role does when it connects (core/runtime.ts): a no-op once the migrator has run.
  await allowed(checks, 'startup migration check', async () => {
    const result = await migrate(wh, { rawRetentionDays: 30 });
    if (result.applied.length > 0) throw new Error(`applied ${result.applied.join(', ')}`);
    return result.alreadyApplied.length;
  });
  // Raw rows flow into the roll-ups through the views, with no grant on the roll-up tables.
  await allowed(checks, 'insert raw metrics, read the minute roll-up', async () => {
    const ts = Date.now();
    const row = {
      ts,
      service: 'grants',
      name: 'up',
      kind: 'gauge',
      value: 1,
      labels: {},
      unit: '',
      source: 't',
      _seq: 1,
    };
    await wh.insert('metrics', toJsonEachRow([row]));
    const [r] = await wh.query<{ n: number }>("SELECT count() AS n FROM metrics_1m WHERE service = 'grants'");
    if (!r || r.n < 1) throw new Error('the roll-up did not receive the row');
    return r.n;
  });
  const key = generateAuditKey();
  await allowed(checks, 'append to the audit log and verify it', async () => {
    const log = createAuditLog({ warehouse: wh, key, logger: silentLogger(), leaseIdleMs: 0 });
    const entries = [0, 1, 2].map((i) => ({
      kind: 'action.proposed' as const,
      actor: 'agent:grants',
      subject: `act-${i}`,
      payload: { i },
    }));
    await log.append(entries);
    await log.stop();
    const result = await verifyAuditLog(wh, trustedKeysOf(key.publicKey));
    if (!result.ok) throw new Error(`chain broken: ${JSON.stringify(result.firstBroken)}`);
    return result.records;
  });
  await allowed(checks, 'create, authenticate and revoke an API key', async () => {
    const keys = createApiKeyStore(wh, { cacheMs: 0 });
    const created = await keys.create({ name: 'grants', role: 'viewer' });
    if (!(await keys.authenticate(created.token))) throw new Error('the new key does not authenticate');
    await keys.revoke(created.key.keyId);
    return (await keys.authenticate(created.token)) === null;
  });
  for (const sql of AUDIT_TAMPERING) await refused(checks, wh, sql);
  await allowed(checks, 'the audit log is intact', async () => {
    const result = await verifyAuditLog(wh, trustedKeysOf(key.publicKey));
    if (!result.ok || result.records !== 3) throw new Error(JSON.stringify(result));
    return result.records;
  });
  // No DDL or mutation anywhere else either, and no forged migration record.
  await refused(checks, wh, 'DROP TABLE metrics');
  await refused(checks, wh, 'TRUNCATE TABLE metrics');
  await refused(checks, wh, 'ALTER TABLE insights DELETE WHERE 1');
  await refused(checks, wh, 'ALTER TABLE api_keys UPDATE revoked_at = NULL WHERE 1');
  await refused(checks, wh, 'OPTIMIZE TABLE recommendations FINAL');
  await refused(checks, wh, 'ALTER TABLE metrics MODIFY TTL toDateTime(ts) + toIntervalDay(1)');
  await refused(checks, wh, "INSERT INTO schema_migrations (version, name, checksum) VALUES (999, 'x', 'x')");
  await refused(checks, wh, 'INSERT INTO metrics_1m (bucket, service, name, series_id) VALUES (now(), 1, 1, 1)');
  await refused(checks, wh, 'CREATE TABLE forged (a UInt8) ENGINE = MergeTree ORDER BY a');
}

async function checkGrafana(wh: Warehouse, checks: GrantCheck[]): Promise<void> {
  for (const table of migrationTables().filter((t) => t !== 'api_keys'))
    await allowed(checks, `SELECT FROM ${table}`, () => wh.query(`SELECT count() AS n FROM ${table}`));
  // The plugin sets the query timeout on every query: allowed under the read-only profile, up to its cap.
  await allowed(checks, 'SELECT with max_execution_time', () =>
    wh.query('SELECT 1 AS one SETTINGS max_execution_time = 30'),
  );
  await refused(checks, wh, 'SELECT 1 SETTINGS max_execution_time = 3600');
  await refused(checks, wh, 'SELECT 1 SETTINGS readonly = 0');
  await refused(checks, wh, 'SELECT count() FROM api_keys');
  await refused(checks, wh, 'INSERT INTO audit_log (seq) VALUES (1)');
  await refused(checks, wh, 'INSERT INTO metrics (service) VALUES (1)');
  for (const sql of AUDIT_TAMPERING) await refused(checks, wh, sql);
  await refused(checks, wh, 'CREATE TABLE forged (a UInt8) ENGINE = MergeTree ORDER BY a');
}

async function main(): Promise<void> {
  const [user, dataDir] = process.argv.slice(2);
  if (!user || !dataDir || !['aegis_migrator', 'aegis', 'grafana'].includes(user))
    throw new Error('usage: grants-check.ts <aegis_migrator|aegis|grafana> <data-dir>');
  const configFile = join(dataDir, `users-${user}.xml`);
  writeFileSync(configFile, configAs(readFileSync(USERS_FILE, 'utf8'), user, configFile));
  const wh = openAs(join(dataDir, 'clickhouse'), configFile, 'aegis');
  const checks: GrantCheck[] = [];
  try {
    // What openServerWarehouse runs on every connection: ClickHouse wants the grant even when the
    // database exists.
    const bootstrap = 'CREATE DATABASE IF NOT EXISTS aegis';
    if (user === 'grafana') await refused(checks, wh, bootstrap);
    else await allowed(checks, bootstrap, () => wh.command(bootstrap));
    await wh.command('USE aegis');
    // The user under test, not the engine's all-powerful fallback.
    const grants = (await wh.query<Record<string, string>>('SHOW GRANTS')).map((r) => Object.values(r)[0]!);
    if (grants.length === 0 || grants.some((g) => g.startsWith('GRANT ALL ON *.*')))
      throw new Error(`the engine did not load the users file: ${grants.join('; ')}`);
    if (user === 'aegis_migrator') await checkMigrator(wh, checks);
    else if (user === 'aegis') await checkRuntime(wh, checks);
    else await checkGrafana(wh, checks);
  } finally {
    await wh.close();
  }
  process.stdout.write(`${JSON.stringify({ user, checks })}\n`);
}

await main();
