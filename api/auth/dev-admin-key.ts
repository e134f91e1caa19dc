import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ApiKeyStore } from './keys.ts';

/** The development admin key of embedded mode. */
export interface DevAdminKey {
  token: string;
  keyId: string;
  /** Where the token is kept (mode 0600). */
  file: string;
  /** A new key was made on this call (first start, or the kept one was revoked or lost). */
  created: boolean;
}

/** Where the development admin key is kept, under the data directory. */
export const DEV_ADMIN_KEY_FILE = join('keys', 'dev-admin-api-key');

/** Name of the key `aegis start` creates for local development. */
export const DEV_ADMIN_KEY_NAME = 'dev-admin';

/** The admin key kept in `<dataDir>/keys/dev-admin-api-key`, created on first call and again when the
 *  kept one no longer authenticates (revoked, or the warehouse was reset), so `aegis start` can print a
 *  working key on every start. The file holds only the token and is readable by its owner only.
 *  @example const { token } = await ensureDevAdminKey(keys, config.dataDir); */
export async function ensureDevAdminKey(store: ApiKeyStore, dataDir: string): Promise<DevAdminKey> {
  const file = join(dataDir, DEV_ADMIN_KEY_FILE);
  const dir = dirname(file);
  const kept = await readFile(file, 'utf8').then(
    (t) => t.trim(),
    () => '',
  );
  if (kept !== '') {
    const principal = await store.authenticate(kept);
    if (principal?.role === 'admin') return { token: kept, keyId: principal.keyId, file, created: false };
  }
  const { key, token } = await store.create({ name: DEV_ADMIN_KEY_NAME, role: 'admin', team: null });
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // Written aside and renamed: a crash never leaves a half-written token behind.
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, `${token}\n`, { mode: 0o600 });
  await chmod(temp, 0o600);
  await rename(temp, file);
  return { token, keyId: key.keyId, file, created: true };
}
