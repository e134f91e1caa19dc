import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { Warehouse } from './warehouse.ts';

/** Default folder of `NNN_name.sql` migrations. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../schemas/clickhouse/', import.meta.url));

/** Raw tables whose TTL follows `clickhouse.rawRetentionDays` (cost keeps its own, longer TTL). */
const RAW_TABLES: Record<string, string> = { metrics: 'ts', access: 'ts', resources: 'ts' };

/** What a migration run did. */
export interface MigrationResult {
  applied: string[];
  alreadyApplied: string[];
}

/** One migration file: its version, name, SHA-256 of its text and its statements. */
export interface Migration {
  version: number;
  name: string;
  checksum: string;
  statements: string[];
}

/** Applies each `schemas/clickhouse/NNN_*.sql` once, in order, and records it in
 *  `schema_migrations`; then sets the raw tables' TTL to `rawRetentionDays`. Safe to run from
 *  several processes: every statement is idempotent (`IF NOT EXISTS`). */
export async function migrate(
  warehouse: Warehouse,
  options: { dir?: string; rawRetentionDays?: number; logger?: Logger } = {},
): Promise<MigrationResult> {
  await warehouse.command(
    `CREATE TABLE IF NOT EXISTS schema_migrations
     (version UInt32, name String, checksum String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3))
     ENGINE = ReplacingMergeTree(applied_at) ORDER BY version`,
  );
  const done = new Map(
    (
      await warehouse.query<{ version: number; checksum: string }>(
        'SELECT version, argMax(checksum, applied_at) AS checksum FROM schema_migrations GROUP BY version',
      )
    ).map((r) => [r.version, r.checksum]),
  );
  const result: MigrationResult = { applied: [], alreadyApplied: [] };
  for (const m of readMigrations(options.dir ?? MIGRATIONS_DIR)) {
    const previous = done.get(m.version);
    if (previous !== undefined) {
      if (previous !== m.checksum)
        throw new ConfigError(
          `migration ${m.name} was changed after it was applied (checksum ${m.checksum.slice(0, 12)} != ${previous.slice(0, 12)}); add a new migration instead`,
        );
      result.alreadyApplied.push(m.name);
      continue;
    }
    for (const statement of m.statements) await warehouse.command(statement);
    await warehouse.command(
      'INSERT INTO schema_migrations (version, name, checksum) VALUES ({version:UInt32}, {name:String}, {checksum:String})',
      { version: m.version, name: m.name, checksum: m.checksum },
    );
    options.logger?.info({ migration: m.name }, 'migration applied');
    result.applied.push(m.name);
  }
  if (options.rawRetentionDays !== undefined) await applyRetention(warehouse, options.rawRetentionDays, options.logger);
  return result;
}

/** Reads and orders the migration files; a misnamed file is a configuration error. */
export function readMigrations(dir: string): Migration[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort();
  const seen = new Set<number>();
  return files.map((file) => {
    const match = /^(\d{3})_[a-z0-9_]+\.sql$/.exec(file);
    if (!match) throw new ConfigError(`${join(dir, file)}: migration files are named NNN_name.sql`);
    const version = Number(match[1]);
    if (seen.has(version)) throw new ConfigError(`${join(dir, file)}: migration version ${version} is used twice`);
    seen.add(version);
    const text = readFileSync(join(dir, file), 'utf8');
    return {
      version,
      name: file.replace(/\.sql$/, ''),
      checksum: createHash('sha256').update(text).digest('hex'),
      statements: splitStatements(text),
    };
  });
}

/** The tables the migrations in `dir` create, in order. */
export function migrationTables(dir: string = MIGRATIONS_DIR): string[] {
  return readMigrations(dir).flatMap((m) =>
    m.statements.flatMap((s) => [...s.matchAll(/CREATE TABLE IF NOT EXISTS (\w+)/g)].map((t) => t[1]!)),
  );
}

/** Splits a SQL file on `;` at the end of a line, dropping `--` comment lines. */
function splitStatements(text: string): string[] {
  const body = text
    .split('\n')
    .filter((line) => !line.trim().startsWith('--'))
    .join('\n');
  return body
    .split(/;\s*$/m)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

async function applyRetention(warehouse: Warehouse, days: number, logger?: Logger): Promise<void> {
  if (!Number.isInteger(days) || days <= 0)
    throw new ConfigError(`rawRetentionDays must be a positive integer (got ${days})`);
  const tables = await warehouse.query<{ name: string; create_table_query: string }>(
    'SELECT name, create_table_query FROM system.tables WHERE database = currentDatabase() AND name IN {names:Array(String)}',
    { names: Object.keys(RAW_TABLES) },
  );
  for (const { name, create_table_query } of tables) {
    if (create_table_query.includes(`toIntervalDay(${days})`)) continue;
    // `days` is a validated integer and `name` comes from our own list: no input reaches this DDL.
    await warehouse.command(`ALTER TABLE ${name} MODIFY TTL toDateTime(${RAW_TABLES[name]}) + toIntervalDay(${days})`);
    logger?.info({ table: name, days }, 'raw retention changed');
  }
}
