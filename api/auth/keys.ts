import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { InputError, NotFoundError } from '../../core/errors.ts';
import { toJsonEachRow, type Warehouse } from '../../core/warehouse/index.ts';
import { type ApiPrincipal, ROLES, type Role } from './permissions.ts';

/** An API key as stored: never its secret, only who holds it and what it may do. */
export interface ApiKey {
  /** Public id, `ak_` + 16 hex digits; the second part of the token. */
  keyId: string;
  name: string;
  role: Role;
  /** The team the key is limited to, or null for every team. */
  team: string | null;
  /** Unix milliseconds. */
  createdAt: number;
  /** Unix milliseconds, or null while the key works. */
  revokedAt: number | null;
}

/** A key just created, with the token that is shown this once. */
export interface CreatedApiKey {
  key: ApiKey;
  /** `aegis_<keyId>_<secret>`: what clients send as `Authorization: Bearer <token>`. */
  token: string;
}

/** Input of {@link ApiKeyStore.create}. */
export interface CreateApiKeyParams {
  name: string;
  role: Role;
  team?: string | null;
}

/** API keys in the `api_keys` table (only SHA-256 hashes of secrets) with a short authentication cache. */
export interface ApiKeyStore {
  /** Stores a new key and returns its token, which is not kept anywhere. */
  create(params: CreateApiKeyParams): Promise<CreatedApiKey>;
  /** Keys ordered by id, after `afterKeyId`, at most `limit`; revoked ones only when asked. */
  list(params?: { limit?: number; afterKeyId?: string; includeRevoked?: boolean }): Promise<ApiKey[]>;
  /** One key, revoked or not, or null. */
  get(keyId: string): Promise<ApiKey | null>;
  /** Revokes a key (again is a no-op); NotFoundError when there is none. Other replicas notice within
   *  their `cacheMs`. */
  revoke(keyId: string): Promise<ApiKey>;
  /** The principal of a token, or null when it is malformed, unknown, wrong or revoked. */
  authenticate(token: string): Promise<ApiPrincipal | null>;
}

/** Options of {@link createApiKeyStore}. */
export interface ApiKeyStoreOptions {
  /** How long an authentication result is reused, in milliseconds; 0 disables the cache. @default 30000 */
  cacheMs?: number;
  clock?: () => number;
}

/** Most cached authentication results; past it the cache is cleared (they are cheap to redo). */
const MAX_CACHED = 10_000;
const TOKEN_RE = /^aegis_(ak_[0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
const KEY_ID_RE = /^ak_[0-9a-f]{16}$/;
const MAX_NAME_LENGTH = 200;

interface KeyRow {
  key_id: string;
  name: string;
  role: string;
  team: string | null;
  secret_sha256: string;
  created_at: number | string;
  revoked_at: number | string | null;
  version: number | string;
}

interface StoredKey {
  key: ApiKey;
  secretSha256: string;
  version: number;
}

const SELECT = `key_id, name, role, team, secret_sha256, toUnixTimestamp64Milli(created_at) AS created_at,
  toUnixTimestamp64Milli(revoked_at) AS revoked_at, version`;

/** Splits a token into key id and secret, or undefined when it is not one of ours. */
export function parseApiToken(token: string): { keyId: string; secret: string } | undefined {
  const m = TOKEN_RE.exec(token);
  return m ? { keyId: m[1]!, secret: m[2]! } : undefined;
}

/** SHA-256 hex of a secret. Secrets are 32 random bytes: a fast hash is enough (nothing to brute force). */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** The {@link ApiKeyStore} over `warehouse`.
 *  @example const keys = createApiKeyStore(warehouse, { cacheMs: 30_000 }); const { token } = await keys.create({ name: 'ci', role: 'viewer' }); */
export function createApiKeyStore(warehouse: Warehouse, options: ApiKeyStoreOptions = {}): ApiKeyStore {
  const cacheMs = options.cacheMs ?? 30_000;
  const clock = options.clock ?? Date.now;
  // One lookup per key id at a time: requests arriving while it runs share it. `expected` is the stored
  // hash as bytes, decoded once rather than per request.
  const cache = new Map<
    string,
    { found: Promise<{ stored: StoredKey; expected: Buffer } | null>; expiresAt: number }
  >();

  async function read(keyId: string): Promise<StoredKey | null> {
    const rows = await warehouse.query<KeyRow>(
      `SELECT ${SELECT} FROM api_keys FINAL WHERE key_id = {keyId:String} LIMIT 1`,
      { keyId },
    );
    return rows[0] ? toStored(rows[0]) : null;
  }

  async function write(stored: StoredKey): Promise<void> {
    const { key } = stored;
    await warehouse.insert(
      'api_keys',
      toJsonEachRow([
        {
          key_id: key.keyId,
          name: key.name,
          role: key.role,
          team: key.team,
          secret_sha256: stored.secretSha256,
          created_at: key.createdAt,
          revoked_at: key.revokedAt,
          version: stored.version,
        },
      ]),
    );
  }

  return {
    async create({ name, role, team = null }) {
      if (name.trim() === '' || name.length > MAX_NAME_LENGTH)
        throw new InputError(`name must be 1 to ${MAX_NAME_LENGTH} characters (got ${name.length})`, {
          location: 'name',
        });
      if (!(ROLES as readonly string[]).includes(role))
        throw new InputError(`role must be one of ${ROLES.join(', ')} (got ${role})`, { location: 'role' });
      if (team !== null && (team.trim() === '' || team.length > MAX_NAME_LENGTH))
        throw new InputError(`team must be null or 1 to ${MAX_NAME_LENGTH} characters`, { location: 'team' });
      const keyId = `ak_${randomBytes(8).toString('hex')}`;
      const secret = randomBytes(32).toString('base64url');
      const now = clock();
      const key: ApiKey = { keyId, name, role, team, createdAt: now, revokedAt: null };
      await write({ key, secretSha256: hashSecret(secret), version: now });
      return { key, token: `aegis_${keyId}_${secret}` };
    },

    async list({ limit = 100, afterKeyId, includeRevoked = false } = {}) {
      const rows = await warehouse.query<KeyRow>(
        `SELECT ${SELECT} FROM api_keys FINAL
         WHERE key_id > {after:String} AND ({all:Bool} OR revoked_at IS NULL)
         ORDER BY key_id LIMIT {limit:UInt32}`,
        { after: afterKeyId ?? '', all: includeRevoked, limit },
      );
      return rows.map((r) => toStored(r).key);
    },

    async get(keyId) {
      if (!KEY_ID_RE.test(keyId)) return null;
      return (await read(keyId))?.key ?? null;
    },

    async revoke(keyId) {
      const stored = KEY_ID_RE.test(keyId) ? await read(keyId) : null;
      if (!stored) throw new NotFoundError(`no API key ${keyId}`);
      cache.delete(keyId);
      if (stored.key.revokedAt !== null) return stored.key;
      const now = clock();
      const revoked: StoredKey = {
        ...stored,
        key: { ...stored.key, revokedAt: now },
        version: Math.max(now, stored.version + 1),
      };
      await write(revoked);
      return revoked.key;
    },

    async authenticate(token) {
      const parsed = parseApiToken(token);
      if (!parsed) return null;
      const now = clock();
      let entry = cacheMs > 0 ? cache.get(parsed.keyId) : undefined;
      if (!entry || entry.expiresAt <= now) {
        const fresh = {
          found: read(parsed.keyId).then((stored) =>
            stored ? { stored, expected: Buffer.from(stored.secretSha256, 'hex') } : null,
          ),
          expiresAt: now + cacheMs,
        };
        entry = fresh;
        if (cacheMs > 0) {
          if (cache.size >= MAX_CACHED) cache.clear();
          cache.set(parsed.keyId, fresh);
          // A failed lookup is not remembered: the next request tries again.
          fresh.found.catch(() => {
            if (cache.get(parsed.keyId) === fresh) cache.delete(parsed.keyId);
          });
        }
      }
      const found = await entry.found;
      if (!found || found.stored.key.revokedAt !== null) return null;
      const actual = createHash('sha256').update(parsed.secret).digest();
      if (found.expected.length !== actual.length || !timingSafeEqual(found.expected, actual)) return null;
      const { keyId, name, role, team } = found.stored.key;
      return { keyId, name, role, team };
    },
  };
}

function toStored(r: KeyRow): StoredKey {
  return {
    key: {
      keyId: r.key_id,
      name: r.name,
      role: r.role as Role,
      team: r.team,
      createdAt: Number(r.created_at),
      revokedAt: r.revoked_at === null ? null : Number(r.revoked_at),
    },
    secretSha256: r.secret_sha256,
    version: Number(r.version),
  };
}
