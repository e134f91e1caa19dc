import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKeyStore } from '../../api/auth/index.ts';
import { openEmbeddedWarehouse } from '../../core/warehouse/index.ts';
import { runAegis } from '../harness/cli.ts';
import { tempDir } from '../harness/index.ts';

/** `aegis api-key`: the way to make a cluster's first admin key, against the real embedded engine. */
describe('aegis api-key', () => {
  let data: ReturnType<typeof tempDir>;
  let env: Record<string, string>;
  beforeAll(() => {
    data = tempDir('aegis-api-key-cli-');
    env = { AEGIS_DATA_DIR: data.path, AEGIS_LOG_LEVEL: 'warn' };
  });
  afterAll(() => data?.remove());

  it('creates a key whose token authenticates, lists it, and revokes it', async () => {
    const created = await runAegis(['api-key', 'create', '--name', 'ops', '--role', 'admin', '--json'], env);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    const key = JSON.parse(created.stdout) as { keyId: string; token: string; role: string; team: null };
    expect(key).toMatchObject({ role: 'admin', team: null });

    const scoped = await runAegis(
      ['api-key', 'create', '--name', 'pay-bot', '--role', 'agent', '--team', 'payments'],
      env,
    );
    expect(scoped.code).toBe(0);
    expect(scoped.stdout).toMatch(/^created ak_[0-9a-f]{16} \(pay-bot, agent, team payments\)\n/);

    const listed = await runAegis(['api-key', 'list', '--json'], env);
    expect((JSON.parse(listed.stdout) as { name: string }[]).map((k) => k.name).sort()).toEqual(['ops', 'pay-bot']);

    const revoked = await runAegis(['api-key', 'revoke', key.keyId], env);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toBe(`revoked ${key.keyId} (ops)\n`);
    const all = await runAegis(['api-key', 'list', '--all'], env);
    expect(all.stdout).toMatch(new RegExp(`${key.keyId} .* revoked `));

    // The CLI has exited: the token was stored hashed, and the revocation holds.
    const warehouse = await openEmbeddedWarehouse({ path: `${data.path}/clickhouse`, database: 'aegis' });
    try {
      expect(await createApiKeyStore(warehouse, { cacheMs: 0 }).authenticate(key.token)).toBeNull();
      const rows = await warehouse.query<{ n: number }>(
        'SELECT count() AS n FROM api_keys WHERE secret_sha256 = {t:String}',
        {
          t: key.token,
        },
      );
      expect(rows[0]!.n).toBe(0);
    } finally {
      await warehouse.close();
    }
  });

  it('refuses an unknown role (exit 2) and an unknown key id (exit 1)', async () => {
    const role = await runAegis(['api-key', 'create', '--name', 'x', '--role', 'boss'], env);
    expect(role.code).toBe(2);
    expect(role.stderr).toContain('--role must be one of viewer, analyst, operator, approver, agent, admin (got boss)');
    const missing = await runAegis(['api-key', 'revoke', 'ak_0000000000000000'], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/ak_0000000000000000/);
  });
});
