import { describe, expect, it } from 'vitest';
import { judgeClickHouseVersion } from './clickhouse-check.ts';
import { judgeMigrations } from './migrations-check.ts';

const base = { files: 3, applied: ['001_a', '002_b', '003_c'], pending: [], changed: [], unknownVersions: [] };

describe('judgeMigrations', () => {
  it('is ok when every file is applied with its checksum', () => {
    expect(judgeMigrations(base)).toEqual({
      name: 'migrations',
      status: 'ok',
      detail: 'all 3 applied, checksums match',
    });
  });

  it('names pending migrations and says aegis migrate', () => {
    const r = judgeMigrations({ ...base, applied: ['001_a'], pending: ['002_b', '003_c'] });
    expect(r.status).toBe('fail');
    expect(r.detail).toBe('2 pending: 002_b, 003_c (1 of 3 applied)');
    expect(r.fix).toBe('run aegis migrate');
  });

  it('fails on a migration changed after it was applied, before anything else', () => {
    const r = judgeMigrations({
      ...base,
      pending: ['003_c'],
      changed: [{ name: '002_b', fileChecksum: 'a'.repeat(64), appliedChecksum: 'b'.repeat(64) }],
    });
    expect(r.status).toBe('fail');
    expect(r.detail).toBe('002_b was changed after it was applied (file aaaaaaaaaaaa, applied bbbbbbbbbbbb)');
    expect(r.fix).toContain('new NNN_name.sql migration');
  });

  it('warns about versions the database has and this AEGIS does not', () => {
    const r = judgeMigrations({ ...base, unknownVersions: [4] });
    expect(r.status).toBe('warn');
    expect(r.detail).toContain('version(s) 4');
  });
});

describe('judgeClickHouseVersion', () => {
  it('accepts a server of version 24 or newer and says which it found', () => {
    const r = judgeClickHouseVersion('24.8.4.13', 'server', 'http://ch:8123/');
    expect(r).toEqual({ name: 'clickhouse', status: 'ok', detail: 'server 24.8.4.13 at http://ch:8123/' });
  });

  it('fails an older server, naming the version found', () => {
    const r = judgeClickHouseVersion('18.16.1', 'server', 'http://ch:8123/');
    expect(r.status).toBe('fail');
    expect(r.detail).toContain('server 18.16.1');
    expect(r.fix).toContain('upgrade');
  });

  it('reports the embedded engine version without judging it', () => {
    expect(judgeClickHouseVersion('26.7.2.1', 'embedded', '/data/clickhouse').detail).toBe(
      'embedded engine (chdb) 26.7.2.1 at /data/clickhouse',
    );
  });
});
