import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generateAuditKey, loadOrCreateAuditKey, trustAuditKey } from '../../control/audit/index.ts';
import { type AegisConfig, loadConfig } from '../../core/config/index.ts';
import { checkAdminKeyFile, checkAuditHead, checkAuditKey, witnessSourceOf } from './keys-check.ts';

let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

function setUp(env: Record<string, string> = {}): AegisConfig {
  const dir = mkdtempSync(join(tmpdir(), 'aegis-doctor-keys-'));
  dirs.push(dir);
  return loadConfig({ env: { AEGIS_DATA_DIR: join(dir, 'data'), ...env }, cwd: dir });
}

describe('checkAuditKey', () => {
  it('warns before the first start generated the key', () => {
    const r = checkAuditKey(setUp());
    expect(r.status).toBe('warn');
    expect(r.fix).toContain('aegis start generates it');
  });

  it('fails when a configured key file is missing', () => {
    const config = setUp({ AEGIS_AUDIT_KEY_FILE: '/nonexistent/audit.pem' });
    expect(checkAuditKey(config)).toMatchObject({ status: 'fail', detail: expect.stringContaining('does not exist') });
  });

  it('is ok for a generated key that is in the trust list', () => {
    const config = setUp();
    const key = loadOrCreateAuditKey({ dataDir: config.dataDir });
    const r = checkAuditKey(config);
    expect(r.status).toBe('ok');
    expect(r.detail).toContain(`key ${key.keyId}`);
    expect(r.detail).toContain('mode 0600');
  });

  it('fails on a key file others can read, with the chmod to run', () => {
    const config = setUp();
    loadOrCreateAuditKey({ dataDir: config.dataDir });
    const file = join(config.dataDir, 'keys', 'audit-ed25519.pem');
    chmodSync(file, 0o644);
    const r = checkAuditKey(config);
    expect(r.status).toBe('fail');
    expect(r.detail).toContain('mode 0644');
    expect(r.fix).toBe(`chmod 600 ${file}`);
  });

  it('fails on a key that is not a PEM private key', () => {
    const config = setUp();
    mkdirSync(join(config.dataDir, 'keys'), { recursive: true });
    writeFileSync(join(config.dataDir, 'keys', 'audit-ed25519.pem'), 'not a key', { mode: 0o600 });
    expect(checkAuditKey(config)).toMatchObject({ status: 'fail', detail: expect.stringContaining('not a PEM') });
  });

  it('fails on a key the trust list does not hold', () => {
    const config = setUp();
    loadOrCreateAuditKey({ dataDir: config.dataDir });
    const trustFile = join(config.dataDir, 'keys', 'audit-public.jsonl');
    rmSync(trustFile);
    trustAuditKey(trustFile, generateAuditKey().publicKey);
    const r = checkAuditKey(config);
    expect(r.status).toBe('fail');
    expect(r.detail).toContain('is not in the trust list');
  });

  it('fails when audit.keyId names another key', () => {
    const config = setUp({ AEGIS_AUDIT_KEY_ID: '0123456789abcdef' });
    loadOrCreateAuditKey({ dataDir: config.dataDir });
    expect(checkAuditKey(config).detail).toContain('audit.keyId is 0123456789abcdef');
  });
});

describe('checkAdminKeyFile', () => {
  it('is ok when there is none and when it is 0600; fails at 0644', () => {
    const config = setUp();
    expect(checkAdminKeyFile(config).status).toBe('ok');
    const file = join(config.dataDir, 'keys', 'dev-admin-api-key');
    mkdirSync(join(config.dataDir, 'keys'), { recursive: true });
    writeFileSync(file, 'aegis_x\n', { mode: 0o600 });
    expect(checkAdminKeyFile(config)).toMatchObject({ status: 'ok', detail: expect.stringContaining('mode 0600') });
    chmodSync(file, 0o644);
    expect(checkAdminKeyFile(config)).toMatchObject({ status: 'fail', fix: `chmod 600 ${file}` });
  });
});

describe('checkAuditHead without a warehouse', () => {
  it('fails on a witness file that is not a head', async () => {
    const config = setUp();
    mkdirSync(join(config.dataDir, 'keys'), { recursive: true });
    writeFileSync(join(config.dataDir, 'keys', 'audit-head.json'), '{"seq": "x"}');
    const r = await checkAuditHead({ witness: witnessSourceOf(config, undefined), warehouse: undefined });
    expect(r.status).toBe('fail');
    expect(r.detail).toContain('is not {"seq"');
  });

  it('reports the witness and says the comparison was skipped', async () => {
    const config = setUp();
    mkdirSync(join(config.dataDir, 'keys'), { recursive: true });
    writeFileSync(join(config.dataDir, 'keys', 'audit-head.json'), JSON.stringify({ seq: 4, hash: 'a'.repeat(64) }));
    const r = await checkAuditHead({
      witness: witnessSourceOf(config, undefined),
      warehouse: undefined,
      skipReason: 'engine busy',
    });
    expect(r.status).toBe('warn');
    expect(r.detail).toContain('at seq 4; not compared with the audit table: engine busy');
  });

  it('skips in cluster mode when NATS (which holds the witness) was not read', async () => {
    const config = setUp({ AEGIS_NATS_URL: 'nats://127.0.0.1:1' });
    const r = await checkAuditHead({ witness: witnessSourceOf(config, undefined), warehouse: undefined });
    expect(r.status).toBe('warn');
    expect(r.detail).toContain('NATS could not be read');
  });
});
