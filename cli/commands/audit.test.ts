import { renameSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AUDIT_HEAD_BUCKET,
  createAuditLog,
  createFileAuditWitness,
  createKvAuditWitness,
  loadOrCreateAuditKey,
  witnessFileOf,
} from '../../control/audit/index.ts';
import { silentLogger } from '../../core/logger.ts';
import { migrate, openEmbeddedWarehouse } from '../../core/warehouse/index.ts';
import { type CliRun, runAegis } from '../../test/harness/cli.ts';
import { startTestNats, tempDir } from '../../test/harness/index.ts';

/** Runs `node bin/aegis.js -d DIR audit …args` to completion, with no AEGIS_* settings from outside. */
function audit(dataDir: string, args: string[], extraEnv: Record<string, string> = {}): Promise<CliRun> {
  return runAegis(['-d', dataDir, '--log-level', 'silent', 'audit', ...args], extraEnv);
}

/** Opens the data directory's embedded engine for a moment (one process at a time may hold it). */
async function withWarehouse<T>(
  dataDir: string,
  fn: (wh: Awaited<ReturnType<typeof openEmbeddedWarehouse>>) => Promise<T>,
) {
  const wh = await openEmbeddedWarehouse({ path: join(dataDir, 'clickhouse'), database: 'aegis' });
  try {
    return await fn(wh);
  } finally {
    await wh.close();
  }
}

describe('aegis audit', () => {
  const dir = tempDir('aegis-audit-cli-');
  let headHash = '';
  const witnessFile = witnessFileOf({ dataDir: dir.path });
  beforeAll(async () => {
    await withWarehouse(dir.path, async (wh) => {
      await migrate(wh);
      const log = createAuditLog({
        warehouse: wh,
        key: loadOrCreateAuditKey({ dataDir: dir.path }),
        logger: silentLogger(),
        witness: createFileAuditWitness(witnessFile),
      });
      const records = await log.append(
        Array.from({ length: 30 }, (_, i) => ({
          kind: 'execution.step' as const,
          actor: 'controller',
          subject: `act-${i}`,
          payload: { step: i },
        })),
      );
      headHash = records.at(-1)!.hash;
      await log.stop();
    });
  });
  afterAll(() => dir.remove());

  it('verify prints the record count and head hash, checks the head witness, and exits 0 on an intact chain', async () => {
    const run = await audit(dir.path, ['verify']);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toBe(
      `audit log intact: 30 records, head 30 ${headHash}\nhead witness ${witnessFile}: seq 30 matches\n`,
    );
  });

  it('verify without a head witness still verifies and says the tail is unchecked', async () => {
    renameSync(witnessFile, `${witnessFile}.aside`);
    try {
      const run = await audit(dir.path, ['verify']);
      expect(run).toMatchObject({ code: 0, stderr: '' });
      expect(run.stdout).toBe(
        `audit log intact: 30 records, head 30 ${headHash}\n` +
          `no head witness at ${witnessFile}: the tail is unchecked (deleting the newest records would not show)\n`,
      );
    } finally {
      renameSync(`${witnessFile}.aside`, witnessFile);
    }
  });

  it('export writes the requested records as JSON lines', async () => {
    const run = await audit(dir.path, ['export', '--from', '5', '--to', '7']);
    expect(run.code).toBe(0);
    const lines = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.seq)).toEqual([5, 6, 7]);
    expect(lines[0]).toMatchObject({ kind: 'execution.step', subject: 'act-4', payload: '{"step":4}' });
    expect(lines[0].hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('export refuses a bad range with a usage error', async () => {
    expect(await audit(dir.path, ['export', '--from', 'x'])).toMatchObject({ code: 2 });
    expect(await audit(dir.path, ['export', '--from', '9', '--to', '3'])).toMatchObject({
      code: 2,
      stderr: 'aegis: --to must be >= --from (got 3 < 9)\n',
    });
  });

  it('verify reports a deleted tail against the head witness and exits 1', async () => {
    await withWarehouse(dir.path, (wh) =>
      wh.command('ALTER TABLE audit_log DELETE WHERE seq > 27 SETTINGS mutations_sync = 2'),
    );
    const run = await audit(dir.path, ['verify']);
    expect(run).toMatchObject({ code: 1, stderr: '' });
    expect(run.stdout).toBe(
      `audit log BROKEN at record 28 (truncated): the witness says the chain reached seq 30 (hash ${headHash.slice(0, 12)}…) but the table ends at seq 27 (the newest records were deleted)\n` +
        '27 records before it verified\n',
    );
  });

  it('witness shows a table that ends before it, and after a restore is reset to the confirmed head', async () => {
    // The tail deleted above stands for tables restored from an older backup.
    const shown = await audit(dir.path, ['witness']);
    expect(shown).toMatchObject({ code: 1, stderr: '' });
    expect(shown.stdout).toContain(`witness ${witnessFile}: seq 30 ${headHash}\n`);
    expect(shown.stdout).toMatch(/table: 27 records, head seq 27 [0-9a-f]{64}\n/);
    expect(shown.stdout).toContain('the table ends 3 records before the witness');

    expect(await audit(dir.path, ['witness', '--reset-to-table'])).toMatchObject({ code: 2 });
    const wrong = await audit(dir.path, ['witness', '--reset-to-table', '--confirm-seq', '30']);
    expect(wrong).toMatchObject({
      code: 2,
      stderr: "aegis: --confirm-seq 30 is not the table's head (seq 27); nothing reset\n",
    });
    expect(await createFileAuditWitness(witnessFile).read()).toMatchObject({ seq: 30 });

    const reset = await audit(dir.path, ['witness', '--reset-to-table', '--confirm-seq', '27']);
    expect(reset).toMatchObject({ code: 0, stderr: '' });
    expect(reset.stdout).toContain('witness reset to seq 27\n');
    expect(await audit(dir.path, ['verify'])).toMatchObject({ code: 0 });
    // The writer, which refused the truncated chain, extends the restored one.
    await withWarehouse(dir.path, async (wh) => {
      const log = createAuditLog({
        warehouse: wh,
        key: loadOrCreateAuditKey({ dataDir: dir.path }),
        logger: silentLogger(),
        witness: createFileAuditWitness(witnessFile),
      });
      const [record] = await log.append([
        { kind: 'execution.step', actor: 'controller', subject: 'act-x', payload: {} },
      ]);
      expect(record!.seq).toBe(28);
      await log.stop();
    });
  });

  it('witness --nats reads and resets the cluster witness in NATS KV', async () => {
    const nats = await startTestNats();
    try {
      const kv = createKvAuditWitness({ bucket: await nats.bus.kv(AUDIT_HEAD_BUCKET, { ttlMs: 0 }) });
      await kv.write({ seq: 40, hash: headHash });
      const env = { AEGIS_NATS_URL: nats.server.url };
      const shown = await audit(dir.path, ['witness', '--nats'], env);
      expect(shown).toMatchObject({ code: 1, stderr: '' });
      expect(shown.stdout).toContain(`witness NATS KV ${AUDIT_HEAD_BUCKET}/audit-head: seq 40`);
      const reset = await audit(dir.path, ['witness', '--nats', '--reset-to-table', '--confirm-seq', '28'], env);
      expect(reset).toMatchObject({ code: 0, stderr: '' });
      expect(await kv.read()).toMatchObject({ seq: 28 });
    } finally {
      await nats.stop();
    }
  });

  it('verify names the first broken record and why, and exits 1', async () => {
    await withWarehouse(dir.path, (wh) =>
      wh.command(`ALTER TABLE audit_log UPDATE payload = '{"step":99}' WHERE seq = 12 SETTINGS mutations_sync = 2`),
    );
    const run = await audit(dir.path, ['verify']);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^audit log BROKEN at record 12 \(hash-mismatch\): record 12: its fields hash to/);
    expect(run.stdout).toContain('11 records before it verified');
    const reset = await audit(dir.path, ['witness', '--reset-to-table', '--confirm-seq', '28']);
    expect(reset.code).toBe(1);
    expect(reset.stdout).toContain('not reset: a witness cannot vouch for a broken chain');
    const json = await audit(dir.path, ['verify', '--json', '--all-signatures']);
    expect(JSON.parse(json.stdout)).toMatchObject({
      ok: false,
      records: 11,
      firstBroken: { seq: 12, reason: 'hash-mismatch' },
    });
  });
});
