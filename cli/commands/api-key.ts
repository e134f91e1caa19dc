import { type ApiKey, createApiKeyStore, ROLES, type Role } from '../../api/auth/index.ts';
import { UsageError } from '../../core/errors.ts';
import { migrate, openWarehouse, type Warehouse } from '../../core/warehouse/index.ts';
import { EXIT, type GlobalOptions, setup } from '../shared.ts';

/** Options of `aegis api-key create`. */
export interface ApiKeyCreateOptions extends GlobalOptions {
  /** Required (commander enforces it). */
  name?: string;
  role?: string;
  team?: string;
  json?: boolean;
}

/** Options of `aegis api-key list`. */
export interface ApiKeyListOptions extends GlobalOptions {
  all?: boolean;
  json?: boolean;
}

/** `aegis api-key create --name N --role R [--team T]`: stores a key straight in ClickHouse and prints its
 *  token once. It is how the first admin key of a cluster is made (the API needs a key to create keys). */
export async function apiKeyCreateCommand(options: ApiKeyCreateOptions): Promise<number> {
  const { name, role } = options;
  if (!name) throw new UsageError('--name is required');
  if (!role || !(ROLES as readonly string[]).includes(role))
    throw new UsageError(`--role must be one of ${ROLES.join(', ')} (got ${role ?? 'nothing'})`);
  return withKeyStore(options, async (store) => {
    const { key, token } = await store.create({
      name,
      role: role as Role,
      team: options.team ?? null,
    });
    if (options.json) process.stdout.write(`${JSON.stringify({ ...key, token })}\n`);
    else
      process.stdout.write(
        `created ${key.keyId} (${key.name}, ${key.role}${key.team ? `, team ${key.team}` : ''})\n` +
          `token (shown this once; send it as "Authorization: Bearer <token>"):\n${token}\n`,
      );
    return EXIT.ok;
  });
}

/** `aegis api-key list [--all]`: the keys (never their secrets), revoked ones with `--all`. */
export async function apiKeyListCommand(options: ApiKeyListOptions): Promise<number> {
  return withKeyStore(options, async (store) => {
    const keys: ApiKey[] = [];
    for (let page = await store.list({ includeRevoked: options.all ?? false }); page.length > 0; ) {
      keys.push(...page);
      page = await store.list({ includeRevoked: options.all ?? false, afterKeyId: page[page.length - 1]!.keyId });
    }
    if (options.json) process.stdout.write(`${JSON.stringify(keys)}\n`);
    else
      for (const k of keys)
        process.stdout.write(
          `${k.keyId}  ${k.role.padEnd(8)}  ${(k.team ?? '*').padEnd(12)}  ${new Date(k.createdAt).toISOString()}` +
            `${k.revokedAt === null ? '' : `  revoked ${new Date(k.revokedAt).toISOString()}`}  ${k.name}\n`,
        );
    return EXIT.ok;
  });
}

/** `aegis api-key revoke KEY_ID`: the key stops working on every API replica within `api.keyCacheMs`. */
export async function apiKeyRevokeCommand(keyId: string, options: GlobalOptions): Promise<number> {
  return withKeyStore(options, async (store) => {
    const key = await store.revoke(keyId);
    process.stdout.write(`revoked ${key.keyId} (${key.name})\n`);
    return EXIT.ok;
  });
}

async function withKeyStore(
  options: GlobalOptions,
  fn: (store: ReturnType<typeof createApiKeyStore>) => Promise<number>,
): Promise<number> {
  const { config, logger } = setup(options);
  const warehouse: Warehouse = await openWarehouse(config.clickhouse, config.dataDir);
  try {
    // The api_keys table comes with the migrations: a fresh data directory gets it here.
    await migrate(warehouse, { rawRetentionDays: config.clickhouse.rawRetentionDays, logger });
    return await fn(createApiKeyStore(warehouse, { cacheMs: 0 }));
  } finally {
    await warehouse.close();
  }
}
