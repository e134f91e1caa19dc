import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { NotFoundError } from '../../core/errors.ts';
import type { Warehouse } from '../../core/warehouse/index.ts';
import { tempDir } from '../../test/harness/index.ts';
import { authChecker } from './auth-checker.ts';
import { ensureDevAdminKey } from './dev-admin-key.ts';
import { createApiKeyStore, hashSecret, parseApiToken } from './keys.ts';

type Row = Record<string, unknown> & { key_id: string; version: number };

/** The api_keys table in memory: inserts append, reads see each key's highest version (as FINAL does).
 *  The SQL itself runs against real ClickHouse in test/integration/api-server.test.ts. */
function fakeWarehouse() {
  const rows: Row[] = [];
  let reads = 0;
  const latest = () => {
    const byKey = new Map<string, Row>();
    for (const r of rows) if ((byKey.get(r.key_id)?.version ?? -1) < r.version) byKey.set(r.key_id, r);
    return [...byKey.values()].sort((a, b) => a.key_id.localeCompare(b.key_id));
  };
  const warehouse = {
    async query(sql: string, params: Record<string, unknown> = {}) {
      reads++;
      if (sql.includes('{keyId:String}')) return latest().filter((r) => r.key_id === params.keyId);
      return latest()
        .filter((r) => r.key_id > String(params.after) && (params.all || r.revoked_at === null))
        .slice(0, Number(params.limit));
    },
    async insert(_table: string, payload: Buffer) {
      for (const line of payload.toString().trim().split('\n')) rows.push(JSON.parse(line) as Row);
      return { rows: 1 };
    },
  } as unknown as Warehouse;
  return { warehouse, rows, reads: () => reads };
}

describe('API key store', () => {
  it('creates a key, stores only the SHA-256 of its secret and authenticates its token', async () => {
    const { warehouse, rows } = fakeWarehouse();
    const store = createApiKeyStore(warehouse);
    const { key, token } = await store.create({ name: 'ci', role: 'viewer', team: 'payments' });
    const parsed = parseApiToken(token)!;
    expect(parsed.keyId).toBe(key.keyId);
    expect(key.keyId).toMatch(/^ak_[0-9a-f]{16}$/);
    expect(Buffer.from(parsed.secret, 'base64url')).toHaveLength(32);
    expect(JSON.stringify(rows)).not.toContain(parsed.secret);
    expect(rows[0]!.secret_sha256).toBe(hashSecret(parsed.secret));
    expect(await store.authenticate(token)).toEqual({ keyId: key.keyId, name: 'ci', role: 'viewer', team: 'payments' });
  });

  it('refuses malformed, unknown and wrong-secret tokens', async () => {
    const store = createApiKeyStore(fakeWarehouse().warehouse);
    const { token } = await store.create({ name: 'ci', role: 'admin' });
    const { keyId } = parseApiToken(token)!;
    expect(await store.authenticate('nonsense')).toBeNull();
    expect(await store.authenticate(`aegis_ak_0000000000000000_${'A'.repeat(43)}`)).toBeNull();
    expect(await store.authenticate(`aegis_${keyId}_${'A'.repeat(43)}`)).toBeNull();
    expect(await store.authenticate(`${token}x`)).toBeNull();
  });

  it('caches authentication for cacheMs, and a revoked key stops once it expires', async () => {
    const fake = fakeWarehouse();
    let now = 1_000_000;
    const replicaA = createApiKeyStore(fake.warehouse, { cacheMs: 5000, clock: () => now });
    const replicaB = createApiKeyStore(fake.warehouse, { cacheMs: 5000, clock: () => now });
    const { key, token } = await replicaA.create({ name: 'ops', role: 'operator' });
    expect(await replicaB.authenticate(token)).not.toBeNull();
    const reads = fake.reads();
    expect(await replicaB.authenticate(token)).not.toBeNull();
    expect(fake.reads()).toBe(reads); // from the cache
    now += 1;
    await replicaA.revoke(key.keyId);
    expect(await replicaA.authenticate(token)).toBeNull(); // the revoking replica forgets at once
    expect(await replicaB.authenticate(token)).not.toBeNull(); // another replica within cacheMs
    now += 5000;
    expect(await replicaB.authenticate(token)).toBeNull();
  });

  it('lists keys by id, revoked ones only when asked, and refuses revoking an unknown key', async () => {
    const store = createApiKeyStore(fakeWarehouse().warehouse);
    const a = await store.create({ name: 'a', role: 'viewer' });
    const b = await store.create({ name: 'b', role: 'analyst' });
    await store.revoke(a.key.keyId);
    expect((await store.list()).map((k) => k.name)).toEqual(['b']);
    expect((await store.list({ includeRevoked: true })).map((k) => k.keyId)).toEqual([a.key.keyId, b.key.keyId].sort());
    expect((await store.revoke(a.key.keyId)).revokedAt).not.toBeNull(); // again: a no-op
    await expect(store.revoke('ak_ffffffffffffffff')).rejects.toThrow(NotFoundError);
    await expect(store.create({ name: '', role: 'viewer' })).rejects.toThrow('name must be 1 to 200 characters');
  });
});

describe('ensureDevAdminKey', () => {
  const dir = tempDir('aegis-devkey-');
  afterEach(() => dir.remove());

  it('creates an admin key once, keeps its token in a 0600 file, and replaces it when revoked', async () => {
    const store = createApiKeyStore(fakeWarehouse().warehouse, { cacheMs: 0 });
    const first = await ensureDevAdminKey(store, dir.path);
    expect(first.created).toBe(true);
    expect(first.file).toBe(join(dir.path, 'keys', 'dev-admin-api-key'));
    expect(statSync(first.file).mode & 0o777).toBe(0o600);
    expect((await store.authenticate(first.token))?.role).toBe('admin');
    const again = await ensureDevAdminKey(store, dir.path);
    expect(again).toMatchObject({ token: first.token, created: false });
    await store.revoke(first.keyId);
    const replaced = await ensureDevAdminKey(store, dir.path);
    expect(replaced.created).toBe(true);
    expect(replaced.token).not.toBe(first.token);
  });
});

describe('authChecker', () => {
  const ctx = (role: 'viewer' | 'admin' | null) => ({
    context: { principal: role && { keyId: 'ak_1', name: 'n', role, team: null } },
  });
  const check = (role: 'viewer' | 'admin' | null, needs: string[]) =>
    // biome-ignore lint/suspicious/noExplicitAny: a partial ResolverData is enough here
    (authChecker as any)(ctx(role), needs);
  const codeOf = (fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      return (err as { extensions: { code: string } }).extensions.code;
    }
    return 'none';
  };

  it('answers UNAUTHENTICATED without a key and FORBIDDEN without the permission', () => {
    expect(codeOf(() => check(null, ['read']))).toBe('UNAUTHENTICATED');
    expect(codeOf(() => check(null, []))).toBe('UNAUTHENTICATED');
    expect(check('viewer', ['read'])).toBe(true);
    expect(codeOf(() => check('viewer', ['execute']))).toBe('FORBIDDEN');
    expect(codeOf(() => check('viewer', ['role:admin']))).toBe('FORBIDDEN');
    expect(check('admin', ['role:admin', 'execute'])).toBe(true);
  });
});
