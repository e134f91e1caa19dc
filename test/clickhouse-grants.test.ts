// The ClickHouse users of the cluster deployment (deploy/clickhouse/users.d/aegis.xml) against the code:
// the grants cover every table the runtime reads and writes and nothing more, the audit table is
// append-only for everyone, Grafana only reads, and only the migrate service holds the migrator.
// Then the same file runs on the real engine: chdb has no SQL access management (CREATE USER and GRANT
// are refused, as is EXECUTE AS), but it loads XML users with their grants, so
// deploy/clickhouse/grants-check.ts runs AEGIS's own code as each user, one process per user.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { auditTable } from '../control/audit/rows.ts';
import { migrationTables } from '../core/warehouse/index.ts';
import { TABLES } from '../ingest/writer/index.ts';
import { ROOT } from './harness/cli.ts';
import { tempDir } from './harness/index.ts';

const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');
const USERS_FILE = 'deploy/clickhouse/users.d/aegis.xml';
const DATABASE = 'aegis';
/** Folders of the code the roles run (the CLI and everything it imports). */
const RUNTIME_DIRS = ['core', 'ingest', 'scoring', 'models', 'control', 'api', 'cli'];
/** Every privilege the users file may grant: none of them deletes, rewrites or drops data. */
const VOCABULARY = [
  'SELECT',
  'INSERT',
  'CREATE DATABASE',
  'CREATE TABLE',
  'CREATE VIEW',
  'ALTER ADD INDEX',
  'ALTER TTL',
];

type Statement = { revoke: boolean; privileges: string[]; table: string };
type User = { name: string; body: string; statements: Statement[] };

/** The users of the users file, with their GRANT and REVOKE statements in order. */
function parseUsers(xml: string): Map<string, User> {
  const text = xml.replace(/<!--[\s\S]*?-->/g, '');
  const users = /<users>([\s\S]*)<\/users>/.exec(text)?.[1] ?? '';
  const out = new Map<string, User>();
  for (const m of users.matchAll(/<([a-z_]+)>([\s\S]*?)<\/\1>/g)) {
    const statements = [...m[2]!.matchAll(/<query>\s*(GRANT|REVOKE)\s+(.+?)\s+ON\s+(\S+?)\s*<\/query>/g)].map((q) => ({
      revoke: q[1] === 'REVOKE',
      privileges: q[2]!.split(',').map((p) => p.trim()),
      table: q[3]!,
    }));
    out.set(m[1]!, { name: m[1]!, body: m[2]!, statements });
  }
  return out;
}

/** What `user` holds on `table` of the aegis database once its grants and revokes are applied (CREATE
 *  DATABASE is a privilege on the database, not on its tables). */
function privilegesOn(user: User, table: string): string[] {
  const held = new Set<string>();
  for (const s of user.statements) {
    if (s.table !== `${DATABASE}.*` && s.table !== `${DATABASE}.${table}`) continue;
    for (const p of s.privileges) s.revoke ? held.delete(p) : held.add(p);
  }
  held.delete('CREATE DATABASE');
  return [...held].sort();
}

/** Source of the code the roles run, without tests. */
function runtimeSources(): { file: string; text: string }[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory()
        ? walk(join(dir, e.name))
        : e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')
          ? [join(dir, e.name)]
          : [],
    );
  return RUNTIME_DIRS.flatMap((d) => walk(join(ROOT, d))).map((file) => ({
    file: relative(ROOT, file),
    text: readFileSync(file, 'utf8'),
  }));
}

const users = parseUsers(read(USERS_FILE));
const user = (name: string) => {
  const u = users.get(name);
  if (!u) throw new Error(`${USERS_FILE} has no user ${name}`);
  return u;
};
const tables = migrationTables();
const sources = runtimeSources();

describe('ClickHouse users and grants', () => {
  it('defines the migrator, the runtime user and Grafana, each with a password from the environment', () => {
    expect([...users.keys()].filter((n) => n !== 'default').sort()).toEqual(['aegis', 'aegis_migrator', 'grafana']);
    const envs = ['aegis_migrator', 'aegis', 'grafana'].map(
      (n) => /<password from_env="(\w+)"\/>/.exec(user(n).body)?.[1],
    );
    expect(envs.every((e) => e !== undefined)).toBe(true);
    expect(new Set(envs).size).toBe(3);
    // The stock default user keeps its powers but only inside the ClickHouse container.
    expect(user('default').body).toMatch(
      /<networks replace="replace">\s*<ip>::1<\/ip>\s*<ip>127\.0\.0\.1<\/ip>\s*<\/networks>/,
    );
  });

  it('grants nothing that deletes, rewrites or drops data, and only on the aegis database', () => {
    for (const u of users.values())
      for (const s of u.statements) {
        expect(
          s.privileges.filter((p) => !VOCABULARY.includes(p)),
          `${u.name}: ${s.privileges}`,
        ).toEqual([]);
        expect(s.table.startsWith(`${DATABASE}.`), `${u.name}: ${s.table}`).toBe(true);
        const table = s.table.slice(DATABASE.length + 1);
        if (table !== '*') expect([...tables, 'schema_migrations'], `${u.name}: ${s.table}`).toContain(table);
      }
  });

  it('leaves the audit table append-only: SELECT and INSERT for the runtime, SELECT for Grafana, CREATE for the migrator', () => {
    const audit = auditTable();
    expect(audit).toBe('audit_log');
    expect(privilegesOn(user('aegis'), audit)).toEqual(['INSERT', 'SELECT']);
    expect(privilegesOn(user('grafana'), audit)).toEqual(['SELECT']);
    expect(privilegesOn(user('aegis_migrator'), audit)).toEqual(['CREATE TABLE', 'CREATE VIEW']);
  });

  it('lets the runtime read every table its code names and insert into exactly the tables it writes', () => {
    const named = tables.filter((t) => sources.some((s) => new RegExp(`\\b${t}\\b`).test(s.text)));
    const literalInserts = sources.flatMap((s) => [
      ...[...s.text.matchAll(/\.insert\(\s*'(\w+)'/g)].map((m) => m[1]!),
      ...[...s.text.matchAll(/INSERT INTO (\w+)/g)].map((m) => m[1]!),
    ]);
    // Tables written through a variable: the ingest writer's per kind, and the audit log.
    const written = new Set([...literalInserts, ...Object.values(TABLES).map((t) => t.table), auditTable()]);
    // Migration records are the migrator's to write, even though the code sits in core/.
    written.delete('schema_migrations');
    expect(written.size).toBeGreaterThan(10);
    const runtime = user('aegis');
    expect(named.filter((t) => !privilegesOn(runtime, t).includes('SELECT'))).toEqual([]);
    expect(tables.filter((t) => privilegesOn(runtime, t).includes('INSERT')).sort()).toEqual([...written].sort());
    // Tables the code never names get nothing (the day roll-up is Grafana's).
    expect(tables.filter((t) => !named.includes(t) && privilegesOn(runtime, t).length > 0)).toEqual([]);
    // Connecting runs CREATE DATABASE IF NOT EXISTS and CREATE TABLE IF NOT EXISTS schema_migrations.
    expect(privilegesOn(runtime, 'schema_migrations')).toEqual(['CREATE TABLE', 'SELECT']);
    expect(runtime.statements.find((s) => s.table === `${DATABASE}.*`)?.privileges).toEqual(['CREATE DATABASE']);
  });

  it('never lets the runtime code issue a mutation, OPTIMIZE, TRUNCATE or DROP', () => {
    const offending = sources.filter((s) =>
      /\b(ALTER TABLE \w+ (DELETE|UPDATE)|DELETE FROM|OPTIMIZE TABLE|TRUNCATE|DROP (TABLE|DATABASE))\b/.test(s.text),
    );
    expect(offending.map((s) => s.file)).toEqual([]);
  });

  it('gives the migrator every ALTER the migrations issue', () => {
    const alters = readdirSync(join(ROOT, 'schemas/clickhouse'))
      .filter((f) => f.endsWith('.sql'))
      .flatMap((f) => [...read(`schemas/clickhouse/${f}`).matchAll(/ALTER TABLE (\w+) ([A-Z]+ [A-Z]+)/g)])
      .map((m) => ({ table: m[1]!, action: m[2]! }));
    // migrate() also sets the raw tables' TTL to clickhouse.rawRetentionDays.
    const migrateTs = read('core/warehouse/migrate.ts');
    expect(migrateTs).toMatch(/ALTER TABLE \$\{name\} MODIFY TTL/);
    const raw = /RAW_TABLES[^=]*=\s*\{([^}]*)\}/.exec(migrateTs)?.[1] ?? '';
    for (const m of raw.matchAll(/(\w+):/g)) alters.push({ table: m[1]!, action: 'MODIFY TTL' });
    expect(alters.map((a) => a.action)).toEqual(expect.arrayContaining(['ADD INDEX', 'MODIFY TTL']));
    const privilege: Record<string, string> = { 'ADD INDEX': 'ALTER ADD INDEX', 'MODIFY TTL': 'ALTER TTL' };
    for (const { table, action } of alters) {
      expect(privilege[action], `no grant known for ALTER TABLE ${table} ${action}`).toBeDefined();
      expect(privilegesOn(user('aegis_migrator'), table), `${table} ${action}`).toContain(privilege[action]);
    }
  });

  it('gives Grafana SELECT on every table but the API key hashes, under a read-only profile', () => {
    const grafana = user('grafana');
    for (const t of tables) expect(privilegesOn(grafana, t), t).toEqual(t === 'api_keys' ? [] : ['SELECT']);
    expect(grafana.body).toMatch(/<profile>aegis_grafana<\/profile>/);
    const profile = /<aegis_grafana>([\s\S]*?)<\/aegis_grafana>/.exec(read(USERS_FILE))?.[1] ?? '';
    expect(Number(/<readonly>(\d)<\/readonly>/.exec(profile)?.[1])).toBeGreaterThanOrEqual(1);
  });

  it('lets Grafana read every table the provisioned dashboards query', () => {
    const dir = join(ROOT, 'dashboards/provisioning/dashboards');
    const walk = (d: string): string[] =>
      readdirSync(d, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? walk(join(d, e.name)) : e.name.endsWith('.json') ? [join(d, e.name)] : [],
      );
    const tokens = walk(dir).flatMap((f) =>
      [...readFileSync(f, 'utf8').matchAll(/\b(?:FROM|JOIN)\s+(\w+)/g)].map((m) => m[1]!),
    );
    const queried = [...new Set(tokens.filter((t) => tables.includes(t)))];
    expect(queried.filter((t) => !privilegesOn(user('grafana'), t).includes('SELECT'))).toEqual([]);
  });

  it('is mounted into ClickHouse and used by the migrate service only for the migrator', () => {
    const compose = parse(read('docker-compose.yml'), { merge: true }) as {
      services: Record<string, { volumes?: string[]; environment?: Record<string, string> }>;
    };
    const services = compose.services;
    expect(services.clickhouse?.volumes).toContain(`./${USERS_FILE}:/etc/clickhouse-server/users.d/aegis.xml:ro`);
    const byUser = (name: string) =>
      Object.entries(services)
        .filter(([, s]) => s.environment?.AEGIS_CLICKHOUSE_USER === name)
        .map(([n]) => n)
        .sort();
    expect(byUser('aegis_migrator')).toEqual(['migrate']);
    expect(byUser('aegis')).toEqual(['api', 'controller', 'ingest-writer', 'scorer']);
    // Each password variable the users file reads is set on the ClickHouse service.
    for (const name of ['aegis_migrator', 'aegis', 'grafana']) {
      const env = /<password from_env="(\w+)"\/>/.exec(user(name).body)![1]!;
      expect(services.clickhouse?.environment?.[env], env).toBeDefined();
    }
    expect(services.migrate?.environment?.AEGIS_CLICKHOUSE_PASSWORD).toBe(
      services.clickhouse?.environment?.CLICKHOUSE_MIGRATOR_PASSWORD,
    );
    expect(services.api?.environment?.AEGIS_CLICKHOUSE_PASSWORD).toBe(
      services.clickhouse?.environment?.CLICKHOUSE_AEGIS_PASSWORD,
    );
    const datasource = parse(read('dashboards/provisioning/datasources/clickhouse.yaml')) as {
      datasources: { jsonData: { username: string }; secureJsonData: { password: string } }[];
    };
    expect(datasource.datasources[0]!.jsonData.username).toBe('grafana');
  });
});

type Check = { name: string; ok: boolean; code?: number; detail?: string };

describe('ClickHouse grants on the embedded engine', () => {
  const dir = tempDir('aegis-grants-');
  const reports = new Map<string, Check[]>();

  beforeAll(async () => {
    // In order, on one data directory: the migrator creates the schema the others then use.
    for (const name of ['aegis_migrator', 'aegis', 'grafana']) {
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['bin/run-ts.js', 'deploy/clickhouse/grants-check.ts', name, dir.path],
        { cwd: ROOT, timeout: 60_000 },
      );
      reports.set(name, (JSON.parse(stdout.trim().split('\n').pop()!) as { checks: Check[] }).checks);
    }
  }, 150_000);
  afterAll(() => dir.remove());

  const failures = (name: string) => (reports.get(name) ?? []).filter((c) => !c.ok);
  const names = (name: string) => (reports.get(name) ?? []).map((c) => c.name);

  it('lets the migrator apply every migration and change the retention, and nothing destructive', () => {
    expect(failures('aegis_migrator')).toEqual([]);
    expect(names('aegis_migrator')).toEqual(
      expect.arrayContaining([
        'CREATE DATABASE IF NOT EXISTS aegis',
        'migrate from scratch',
        'change the raw retention',
        'TRUNCATE TABLE audit_log',
      ]),
    );
  });

  it('runs the roles’ startup, raw inserts, the audit log and API keys as the runtime user, and refuses every change to the audit table', () => {
    expect(failures('aegis')).toEqual([]);
    expect(names('aegis')).toEqual(
      expect.arrayContaining([
        'CREATE DATABASE IF NOT EXISTS aegis',
        'startup migration check',
        'insert raw metrics, read the minute roll-up',
        'append to the audit log and verify it',
        'create, authenticate and revoke an API key',
        'ALTER TABLE audit_log DELETE WHERE 1',
        'DELETE FROM audit_log WHERE 1',
        'TRUNCATE TABLE audit_log',
        'OPTIMIZE TABLE audit_log FINAL',
        'the audit log is intact',
      ]),
    );
  });

  it('lets Grafana read every table but the API keys, and nothing else', () => {
    expect(failures('grafana')).toEqual([]);
    expect(names('grafana')).toEqual(
      expect.arrayContaining([
        ...tables.filter((t) => t !== 'api_keys').map((t) => `SELECT FROM ${t}`),
        'SELECT count() FROM api_keys',
      ]),
    );
  });
});
