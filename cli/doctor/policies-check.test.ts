import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config/index.ts';
import { checkConfig } from './config-check.ts';
import { checkPolicies } from './policies-check.ts';

const EXAMPLES = fileURLToPath(new URL('../../policies', import.meta.url));

function withDir<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'aegis-doctor-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('checkPolicies', () => {
  it('loads and compiles the example policies', () => {
    const config = loadConfig({ env: { AEGIS_POLICY_DIR: EXAMPLES }, cwd: tmpdir() });
    const r = checkPolicies(config);
    expect(r.status).toBe('ok');
    expect(r.detail).toMatch(/^\d+ rules in 3 file\(s\) under .*policies compile \(set [0-9a-f]{12}\)$/);
  });

  it('names the file and line of a rule that does not compile', () =>
    withDir((dir) => {
      const file = join(dir, 'bad.yaml');
      writeFileSync(
        file,
        'apiVersion: aegis/v1\nkind: PolicySet\nmetadata:\n  name: bad\nspec:\n  rules:\n    - id: broken\n      when: action.type ==\n      effect: deny\n',
      );
      const r = checkPolicies(loadConfig({ env: { AEGIS_POLICY_DIR: dir }, cwd: dir }));
      expect(r.status).toBe('fail');
      expect(r.detail).toContain(`${file}:8:`);
      expect(r.detail).toContain('rule broken: when:');
      expect(r.fix).toContain('aegis policy test');
    }));
});

describe('checkConfig', () => {
  it('reports a bad aegis.yaml with its file and line instead of throwing', () =>
    withDir((dir) => {
      writeFileSync(join(dir, 'aegis.yaml'), 'writer:\n  maxBatchRows: -3\n');
      const { result, config } = checkConfig(() => loadConfig({ env: {}, cwd: dir }), 'aegis.yaml');
      expect(config).toBeUndefined();
      expect(result.status).toBe('fail');
      expect(result.detail).toMatch(/writer\.maxBatchRows: .*aegis\.yaml:2:17/);
    }));

  it('says which mode the configuration runs in', () =>
    withDir((dir) => {
      const { result } = checkConfig(
        () => loadConfig({ env: { AEGIS_CLICKHOUSE_URL: 'http://u:secret@ch:8123' }, cwd: dir }),
        'env',
      );
      expect(result.status).toBe('ok');
      expect(result.detail).toContain('embedded nats-server, ClickHouse http://ch:8123/');
      expect(result.detail).not.toContain('secret');
    }));
});
