import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import { appendFileSync, chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ConfigError } from '../../core/errors.ts';

/** The signing key of an audit writer. */
export interface AuditKey {
  /** Short fingerprint of the public key: the first 16 hex digits of SHA-256 over its 32 raw bytes. */
  readonly keyId: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

/** Public keys a verifier accepts, by key id. Kept after rotation so old records still verify. */
export type TrustedKeys = ReadonlyMap<string, KeyObject>;

/** Where a generated key goes, under the data directory. */
export const DEFAULT_KEY_FILE = join('keys', 'audit-ed25519.pem');
/** The trust list (one JSON line per public key), under the data directory. */
export const DEFAULT_TRUST_FILE = join('keys', 'audit-public.jsonl');

/** The trust list a configuration names. */
export function trustFileOf(params: { trustFile?: string; dataDir: string }): string {
  return params.trustFile || join(params.dataDir, DEFAULT_TRUST_FILE);
}

/** Parameters of {@link loadOrCreateAuditKey}. */
export interface LoadAuditKeyParams {
  /** PKCS#8 PEM private key from config. Unset: `<dataDir>/keys/audit-ed25519.pem`, generated when missing. */
  keyFile?: string;
  dataDir: string;
  /** Trust list. Unset: `<dataDir>/keys/audit-public.jsonl`. */
  trustFile?: string;
  /** The id the key must have (config `audit.keyId`). Unset: not checked. */
  keyId?: string;
}

/** Key id of an Ed25519 public key. */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256').update(rawPublicKey(publicKey)).digest('hex').slice(0, 16);
}

/** A fresh Ed25519 key (tests, benchmarks, rotation). */
export function generateAuditKey(): AuditKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { keyId: keyIdOf(publicKey), privateKey, publicKey };
}

/** Loads the audit key, generating it (mode 0600) on first start, and makes sure the trust list knows it.
 *  A key file readable by group or others is refused: anyone who can read it can forge the log.
 *  A key that is not in a non-empty trust list is refused too: a replaced key must be trusted on purpose
 *  ({@link trustAuditKey}), or its records would verify.
 *  @example const key = loadOrCreateAuditKey({ dataDir: config.dataDir, keyFile: config.audit.keyFile }); */
export function loadOrCreateAuditKey(params: LoadAuditKeyParams): AuditKey {
  const keyFile = params.keyFile || join(params.dataDir, DEFAULT_KEY_FILE);
  const trustFile = trustFileOf(params);
  let key: AuditKey;
  if (existsSync(keyFile)) {
    key = readAuditKey(keyFile);
  } else if (params.keyFile) {
    throw new ConfigError(`audit.keyFile ${keyFile} does not exist; unset it to generate a key in the data directory`);
  } else {
    key = generateAuditKey();
    mkdirSync(dirname(keyFile), { recursive: true, mode: 0o700 });
    try {
      // `wx`: never overwrite a key another process generated a moment ago; use that one instead.
      writeFileSync(keyFile, key.privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600, flag: 'wx' });
      chmodSync(keyFile, 0o600); // the umask may have narrowed it further, never widened; make it exact.
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      key = readAuditKey(keyFile);
    }
  }
  if (params.keyId && params.keyId !== key.keyId)
    throw new ConfigError(`audit.keyId is ${params.keyId} but the key in ${keyFile} has id ${key.keyId}`);
  const trusted = readTrustedKeys(trustFile);
  if (!trusted.has(key.keyId)) {
    if (trusted.size > 0)
      throw new ConfigError(
        `audit key ${key.keyId} (${keyFile}) is not in the trust list ${trustFile} (trusted: ${[...trusted.keys()].join(', ')}); ` +
          'a replaced key must be added on purpose',
      );
    trustAuditKey(trustFile, key.publicKey);
  }
  return key;
}

/** Reads a PEM private key, refusing one that group or others may read. */
export function readAuditKey(keyFile: string): AuditKey {
  const mode = statSync(keyFile).mode & 0o777;
  if ((mode & 0o077) !== 0)
    throw new ConfigError(
      `audit key ${keyFile} has mode ${mode.toString(8).padStart(4, '0')}; it must be readable by its owner only (chmod 600)`,
    );
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(readFileSync(keyFile));
  } catch (err) {
    throw new ConfigError(`audit key ${keyFile} is not a PEM private key: ${(err as Error).message}`, { cause: err });
  }
  if (privateKey.asymmetricKeyType !== 'ed25519')
    throw new ConfigError(`audit key ${keyFile} must be Ed25519 (got ${privateKey.asymmetricKeyType})`);
  const publicKey = createPublicKey(privateKey);
  return { keyId: keyIdOf(publicKey), privateKey, publicKey };
}

/** Reads the trust list: JSON lines `{keyId, publicKey (base64url raw 32 bytes), addedAt}`; missing file: empty. */
export function readTrustedKeys(trustFile: string): Map<string, KeyObject> {
  const keys = new Map<string, KeyObject>();
  if (!existsSync(trustFile)) return keys;
  const lines = readFileSync(trustFile, 'utf8').split('\n');
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      const entry = JSON.parse(line) as { keyId: string; publicKey: string };
      const publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: entry.publicKey }, format: 'jwk' });
      // The id is recomputed, not believed: a line cannot lend a trusted id to another key.
      if (keyIdOf(publicKey) !== entry.keyId) throw new Error(`keyId ${entry.keyId} does not match the key`);
      keys.set(entry.keyId, publicKey);
    } catch (err) {
      throw new ConfigError(`${trustFile} line ${i + 1}: not a trusted audit key (${(err as Error).message})`, {
        cause: err,
      });
    }
  });
  return keys;
}

/** Adds a public key to the trust list (rotation keeps the old ones, so old records still verify). */
export function trustAuditKey(trustFile: string, publicKey: KeyObject): string {
  const keyId = keyIdOf(publicKey);
  if (readTrustedKeys(trustFile).has(keyId)) return keyId;
  mkdirSync(dirname(trustFile), { recursive: true, mode: 0o700 });
  const line = { keyId, publicKey: rawPublicKey(publicKey).toString('base64url'), addedAt: new Date().toISOString() };
  appendFileSync(trustFile, `${JSON.stringify(line)}\n`, { mode: 0o644 });
  return keyId;
}

/** A trusted-key map from public keys. */
export function trustedKeysOf(...publicKeys: KeyObject[]): Map<string, KeyObject> {
  return new Map(publicKeys.map((k) => [keyIdOf(k), k]));
}

/** Ed25519 signature of a digest, base64. */
export function signDigest(key: AuditKey, digest: Buffer): string {
  return sign(null, digest, key.privateKey).toString('base64');
}

/** Whether `signature` (base64) is a valid Ed25519 signature of `digest` by `publicKey`. */
export function verifyDigest(publicKey: KeyObject, digest: Buffer, signature: string): boolean {
  const bytes = Buffer.from(signature, 'base64');
  if (bytes.length !== 64) return false;
  try {
    return verify(null, digest, publicKey, bytes);
  } catch {
    return false;
  }
}

function rawPublicKey(publicKey: KeyObject): Buffer {
  const jwk = publicKey.export({ format: 'jwk' });
  if (jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') throw new ConfigError('audit keys are Ed25519');
  return Buffer.from(jwk.x, 'base64url');
}
