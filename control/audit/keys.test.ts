import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/errors.ts';
import { tempDir } from '../../test/harness/index.ts';
import {
  generateAuditKey,
  keyIdOf,
  loadOrCreateAuditKey,
  readTrustedKeys,
  signDigest,
  trustAuditKey,
  verifyDigest,
} from './keys.ts';

describe('audit keys', () => {
  const dirs: Array<{ remove: () => void }> = [];
  const dataDir = () => {
    const d = tempDir('aegis-audit-keys-');
    dirs.push(d);
    return d.path;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) d.remove();
  });

  it('generates the key on first start with mode 0600 and trusts it', () => {
    const dir = dataDir();
    const key = loadOrCreateAuditKey({ dataDir: dir });
    const file = join(dir, 'keys', 'audit-ed25519.pem');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toContain('BEGIN PRIVATE KEY');
    expect(key.keyId).toMatch(/^[0-9a-f]{16}$/);
    expect([...readTrustedKeys(join(dir, 'keys', 'audit-public.jsonl')).keys()]).toEqual([key.keyId]);
    // The second start loads the same key.
    expect(loadOrCreateAuditKey({ dataDir: dir }).keyId).toBe(key.keyId);
  });

  it('refuses a key file that group or others can read', () => {
    const dir = dataDir();
    loadOrCreateAuditKey({ dataDir: dir });
    const file = join(dir, 'keys', 'audit-ed25519.pem');
    chmodSync(file, 0o644);
    expect(() => loadOrCreateAuditKey({ dataDir: dir })).toThrow(ConfigError);
    expect(() => loadOrCreateAuditKey({ dataDir: dir })).toThrow(
      /has mode 0644; it must be readable by its owner only/,
    );
  });

  it('loads a configured key file and refuses a missing one', () => {
    const dir = dataDir();
    const keyFile = join(dir, 'mine.pem');
    const key = generateAuditKey();
    writeFileSync(keyFile, key.privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
    expect(loadOrCreateAuditKey({ dataDir: dir, keyFile }).keyId).toBe(key.keyId);
    expect(() => loadOrCreateAuditKey({ dataDir: dir, keyFile: join(dir, 'none.pem') })).toThrow(/does not exist/);
    expect(existsSync(join(dir, 'keys', 'audit-ed25519.pem'))).toBe(false);
  });

  it('refuses a key whose id is not the configured audit.keyId', () => {
    const dir = dataDir();
    const key = loadOrCreateAuditKey({ dataDir: dir });
    expect(loadOrCreateAuditKey({ dataDir: dir, keyId: key.keyId }).keyId).toBe(key.keyId);
    expect(() => loadOrCreateAuditKey({ dataDir: dir, keyId: '0123456789abcdef' })).toThrow(
      `audit.keyId is 0123456789abcdef but the key in ${join(dir, 'keys', 'audit-ed25519.pem')} has id ${key.keyId}`,
    );
  });

  it('refuses a replaced key that the trust list does not name, until it is trusted on purpose', () => {
    const dir = dataDir();
    const first = loadOrCreateAuditKey({ dataDir: dir });
    const file = join(dir, 'keys', 'audit-ed25519.pem');
    const replacement = generateAuditKey();
    writeFileSync(file, replacement.privateKey.export({ format: 'pem', type: 'pkcs8' }));
    expect(() => loadOrCreateAuditKey({ dataDir: dir })).toThrow(/is not in the trust list/);
    trustAuditKey(join(dir, 'keys', 'audit-public.jsonl'), replacement.publicKey);
    expect(loadOrCreateAuditKey({ dataDir: dir }).keyId).toBe(replacement.keyId);
    // Rotation keeps the old key, so its records still verify.
    expect(readTrustedKeys(join(dir, 'keys', 'audit-public.jsonl')).has(first.keyId)).toBe(true);
  });

  it('refuses a trust list line whose key id belongs to another key', () => {
    const dir = dataDir();
    const trustFile = join(dir, 'trust.jsonl');
    const a = generateAuditKey();
    const b = generateAuditKey();
    trustAuditKey(trustFile, a.publicKey);
    const line = JSON.parse(readFileSync(trustFile, 'utf8')) as { publicKey: string };
    writeFileSync(trustFile, `${JSON.stringify({ keyId: b.keyId, publicKey: line.publicKey })}\n`);
    expect(() => readTrustedKeys(trustFile)).toThrow(/line 1: not a trusted audit key/);
  });

  it('signs and verifies digests, and rejects malformed signatures', () => {
    const key = generateAuditKey();
    const digest = Buffer.alloc(32, 7);
    const sig = signDigest(key, digest);
    expect(verifyDigest(key.publicKey, digest, sig)).toBe(true);
    expect(verifyDigest(key.publicKey, Buffer.alloc(32, 8), sig)).toBe(false);
    expect(verifyDigest(key.publicKey, digest, 'bm90IGEgc2lnbmF0dXJl')).toBe(false);
    expect(keyIdOf(key.publicKey)).toBe(key.keyId);
  });
});
