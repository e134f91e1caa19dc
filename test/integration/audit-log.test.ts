import { Kvm } from '@nats-io/kv';
import { connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AuditEntry,
  type AuditLog,
  type AuditRecord,
  createAuditLog,
  createFileAuditWitness,
  createInProcessAuditLock,
  createKvAuditLock,
  createKvAuditWitness,
  generateAuditKey,
  recordDigest,
  trustedKeysOf,
  verifyAuditLog,
  witnessFileOf,
} from '../../control/audit/index.ts';
import { signDigest } from '../../control/audit/keys.ts';
import { readAuditPages } from '../../control/audit/rows.ts';
import { DependencyError } from '../../core/errors.ts';
import { silentLogger } from '../../core/logger.ts';
import type { Warehouse } from '../../core/warehouse/index.ts';
import { startTestNats, startTestWarehouse, tempDir } from '../harness/index.ts';

const entry = (i: number): AuditEntry => ({
  kind: (['action.proposed', 'policy.decided', 'approval.granted', 'execution.step', 'execution.result'] as const)[
    i % 5
  ]!,
  actor: `agent:${i % 3}`,
  subject: `act-${Math.floor(i / 5)}`,
  payload: { i, target: 'svc/checkout', matched: ['rule-a', 'rule-b'], policyHash: 'p'.repeat(8), note: 'ünïcode ✓' },
});

describe('audit log', () => {
  let env: Awaited<ReturnType<typeof startTestWarehouse>>;
  let wh: Warehouse;
  const key = generateAuditKey();
  const trusted = trustedKeysOf(key.publicKey);
  const N = 50;
  let copies = 0;

  /** A copy of audit_log to tamper with, so each case starts from the intact chain. */
  async function copy(where = '1'): Promise<string> {
    const table = `audit_copy_${++copies}`;
    await wh.command(`CREATE TABLE ${table} AS audit_log`);
    await wh.command(`INSERT INTO ${table} SELECT * FROM audit_log WHERE ${where}`);
    return table;
  }
  const mutate = (sql: string) => wh.command(`${sql} SETTINGS mutations_sync = 2`);
  const verifyBoth = async (table: string) => [
    await verifyAuditLog(wh, trusted, { table }),
    await verifyAuditLog(wh, trusted, { table, signatures: 'all' }),
  ];

  beforeAll(async () => {
    env = await startTestWarehouse();
    wh = env.warehouse;
    const log = createAuditLog({ warehouse: wh, key, logger: silentLogger() });
    // Several batches of different sizes, so the chain crosses insert boundaries.
    for (const [from, to] of [
      [0, 1],
      [1, 20],
      [20, 21],
      [21, N],
    ] as const)
      await log.append(Array.from({ length: to - from }, (_, k) => entry(from + k)));
    await log.stop();
  });
  afterAll(async () => env?.stop());

  it('appends a continuous signed chain that verifies, in small pages and with every signature', async () => {
    const [last] = await wh.query<{ seq: number; hash: string }>(
      'SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1',
    );
    for (const options of [{}, { pageRows: 7 }, { signatures: 'all' as const }]) {
      const result = await verifyAuditLog(wh, trusted, options);
      expect(result).toEqual({ ok: true, records: N, headSeq: N, headHash: last!.hash });
    }
    const [first] = await wh.query<{ payload: string; prev_hash: string }>(
      'SELECT payload, prev_hash FROM audit_log WHERE seq = 1',
    );
    expect(first!.prev_hash).toBe('0'.repeat(64));
    // Stored as RFC 8785 canonical JSON: keys sorted, no whitespace.
    expect(first!.payload).toBe(
      '{"i":0,"matched":["rule-a","rule-b"],"note":"ünïcode ✓","policyHash":"pppppppp","target":"svc/checkout"}',
    );
  });

  it('exports records in seq order between bounds', async () => {
    const seqs: number[] = [];
    for await (const page of readAuditPages(wh, { fromSeq: 10, toSeq: 25, pageRows: 4 }))
      seqs.push(...page.map((r) => r.seq));
    expect(seqs).toEqual(Array.from({ length: 16 }, (_, i) => 10 + i));
  });

  it('detects an edited payload', async () => {
    const table = await copy();
    await mutate(`ALTER TABLE ${table} UPDATE payload = replace(payload, '"i":17', '"i":71') WHERE seq = 18`);
    for (const result of await verifyBoth(table))
      expect(result).toMatchObject({ ok: false, records: 17, firstBroken: { seq: 18, reason: 'hash-mismatch' } });
  });

  it('detects a deleted record', async () => {
    const table = await copy('seq != 30');
    for (const result of await verifyBoth(table))
      expect(result).toMatchObject({ ok: false, records: 29, firstBroken: { seq: 30, reason: 'seq-gap' } });
  });

  it('detects a reordered pair', async () => {
    const table = await copy('seq NOT IN (12, 13)');
    await wh.command(
      `INSERT INTO ${table} SELECT * REPLACE (if(seq = 12, 13, 12) AS seq) FROM audit_log WHERE seq IN (12, 13)`,
    );
    for (const result of await verifyBoth(table))
      expect(result).toMatchObject({ ok: false, records: 11, firstBroken: { seq: 12, reason: 'prev-hash-mismatch' } });
  });

  it('detects a forged signature, in the middle and on the head', async () => {
    const forger = generateAuditKey();
    for (const seq of [9, N]) {
      const table = await copy();
      const [row] = await wh.query<{ hash: string }>(`SELECT hash FROM ${table} WHERE seq = {seq:UInt64}`, { seq });
      const forged = signDigest(forger, Buffer.from(row!.hash, 'hex'));
      await mutate(`ALTER TABLE ${table} UPDATE signature = '${forged}' WHERE seq = ${seq}`);
      for (const result of await verifyBoth(table))
        expect(result).toMatchObject({ ok: false, records: seq - 1, firstBroken: { seq, reason: 'bad-signature' } });
    }
  });

  it('detects a tail rewritten and re-chained with another key under the trusted key id', async () => {
    const forger = generateAuditKey();
    const table = await copy('seq < 40');
    const rows = [];
    let before = (
      await wh.query<{ hash: string; signature: string }>(`SELECT hash, signature FROM ${table} WHERE seq = 39`)
    )[0]!;
    for await (const page of readAuditPages(wh, { fromSeq: 40 })) {
      for (const r of page) {
        const fields = {
          ...r,
          payload: r.seq === 40 ? '{"i":"rewritten"}' : r.payload,
          prevHash: before.hash,
          prevSignature: before.signature,
        };
        const digest = recordDigest(fields);
        const rewritten = { ...fields, hash: digest.toString('hex'), signature: signDigest(forger, digest) };
        rows.push([
          rewritten.seq,
          rewritten.ts,
          rewritten.kind,
          rewritten.actor,
          rewritten.subject,
          rewritten.payload,
          rewritten.prevHash,
          rewritten.hash,
          rewritten.keyId,
          rewritten.signature,
        ]);
        before = rewritten;
      }
    }
    await wh.insert(table, Buffer.from(rows.map((r) => JSON.stringify(r)).join('\n')), {
      format: 'JSONCompactEachRow',
      columns: ['seq', 'ts', 'kind', 'actor', 'subject', 'payload', 'prev_hash', 'hash', 'key_id', 'signature'],
    });
    for (const result of await verifyBoth(table))
      expect(result).toMatchObject({ ok: false, records: 39, firstBroken: { seq: 40, reason: 'bad-signature' } });
  });

  it('detects records signed by a replaced (untrusted) key', async () => {
    const table = await copy();
    const replaced = generateAuditKey();
    // The impostor writer itself trusts the old key, so it continues the chain cleanly.
    const log = createAuditLog({ warehouse: wh, key: replaced, trustedKeys: trusted, logger: silentLogger(), table });
    await log.append([entry(100), entry(101)]);
    await log.stop();
    for (const result of await verifyBoth(table))
      expect(result).toMatchObject({ ok: false, records: N, firstBroken: { seq: N + 1, reason: 'untrusted-key' } });
    // After a deliberate rotation (both keys trusted) the same chain verifies.
    const rotated = trustedKeysOf(key.publicKey, replaced.publicKey);
    expect(await verifyAuditLog(wh, rotated, { table })).toMatchObject({ ok: true, records: N + 2 });
  });

  it('refuses to extend a head it cannot vouch for', async () => {
    const table = await copy();
    const forged = signDigest(generateAuditKey(), Buffer.alloc(32));
    await mutate(`ALTER TABLE ${table} UPDATE signature = '${forged}' WHERE seq = ${N}`);
    const log = createAuditLog({ warehouse: wh, key, logger: silentLogger(), table });
    await expect(log.append([entry(1)])).rejects.toThrow(/head cannot be extended: record 50: the signature/);
    await log.stop();
  });

  it('never forks the chain with two writers sharing the lock', async () => {
    const table = await copy('0');
    const lock = createInProcessAuditLock();
    const writers: AuditLog[] = [0, 50].map((leaseIdleMs) =>
      createAuditLog({ warehouse: wh, key, logger: silentLogger(), table, lock, leaseIdleMs }),
    );
    await Promise.all(
      writers.flatMap((w, wi) =>
        Array.from({ length: 10 }, (_, i) => w.append([entry(wi * 100 + i), entry(wi * 100 + i + 50)])),
      ),
    );
    await Promise.all(writers.map((w) => w.stop()));
    expect(await verifyAuditLog(wh, trusted, { table, signatures: 'all' })).toMatchObject({ ok: true, records: 40 });
  });

  it('never forks the chain with two replicas sharing a NATS KV lease', async () => {
    const nats = await startTestNats();
    // Each replica has its own connection, as separate processes would.
    const conns = await Promise.all([0, 1].map(() => connect({ servers: nats.server.url })));
    try {
      const table = await copy('0');
      const buckets = await Promise.all(conns.map((nc) => new Kvm(nc).create('aegis_audit_lease', { ttl: 3000 })));
      // One head witness for the chain, kept for ever (no TTL), seen through each replica's connection.
      const witnesses = await Promise.all(
        conns.map(async (nc) => createKvAuditWitness({ bucket: await new Kvm(nc).create('aegis_audit_head') })),
      );
      const writers = buckets.map((bucket) =>
        createAuditLog({
          warehouse: wh,
          key,
          logger: silentLogger(),
          table,
          lock: createKvAuditLock({ bucket, ttlMs: 3000, retryMs: 5, logger: silentLogger() }),
          leaseIdleMs: 0,
          witness: witnesses[buckets.indexOf(bucket)]!,
        }),
      );
      await Promise.all(
        writers.flatMap((w, wi) => Array.from({ length: 8 }, (_, i) => w.append([entry(wi * 100 + i)]))),
      );
      await Promise.all(writers.map((w) => w.stop()));
      const witnessed = await witnesses[0]!.read();
      expect(witnessed?.seq).toBe(16);
      expect(await verifyAuditLog(wh, trusted, { table, signatures: 'all', expectedHead: witnessed! })).toMatchObject({
        ok: true,
        records: 16,
        witnessedSeq: 16,
      });
      // Released: the next holder gets the lease at once.
      const release = await createKvAuditLock({ bucket: buckets[0]!, ttlMs: 3000, logger: silentLogger() }).acquire();
      await release();
    } finally {
      await Promise.all(conns.map((nc) => nc.close()));
      await nats.stop();
    }
  });

  it('detects a deleted tail against the head witness, and passes an intact or lagging one', async () => {
    const heads = await wh.query<{ seq: number; hash: string }>(
      'SELECT seq, hash FROM audit_log WHERE seq IN (40, 50) ORDER BY seq',
    );
    const [at40, at50] = heads.map((h) => ({ seq: Number(h.seq), hash: h.hash }));
    const table = await copy('seq <= 45');
    for (const result of [
      await verifyAuditLog(wh, trusted, { table, expectedHead: at50! }),
      await verifyAuditLog(wh, trusted, { table, expectedHead: at50!, signatures: 'all' }),
    ])
      expect(result).toEqual({
        ok: false,
        records: 45,
        firstBroken: {
          seq: 46,
          reason: 'truncated',
          message: `the witness says the chain reached seq 50 (hash ${at50!.hash.slice(0, 12)}…) but the table ends at seq 45 (the newest records were deleted)`,
        },
      });
    // Without the witness the shorter chain is valid: that is the gap it closes.
    expect(await verifyAuditLog(wh, trusted, { table })).toMatchObject({ ok: true, records: 45 });
    expect(await verifyAuditLog(wh, trusted, { expectedHead: at50! })).toMatchObject({
      ok: true,
      records: N,
      witnessedSeq: N,
    });
    // A witness behind the table (appends after its last write) checks what it saw.
    expect(await verifyAuditLog(wh, trusted, { expectedHead: at40!, pageRows: 7 })).toMatchObject({
      ok: true,
      records: N,
      witnessedSeq: 40,
    });
    expect(await verifyAuditLog(wh, trusted, { expectedHead: { seq: 40, hash: 'f'.repeat(64) } })).toMatchObject({
      ok: false,
      records: 39,
      firstBroken: { seq: 40, reason: 'witness-mismatch' },
    });
  });

  it('a writer with a file witness records its head and will not extend a chain whose tail was deleted', async () => {
    const dir = tempDir('aegis-audit-witness-');
    try {
      const table = await copy('0');
      const witness = createFileAuditWitness(witnessFileOf({ dataDir: dir.path }));
      const log = createAuditLog({ warehouse: wh, key, logger: silentLogger(), table, witness });
      const records = (await Promise.all(Array.from({ length: 12 }, (_, i) => log.append([entry(i)])))).flat();
      await log.stop();
      const head = records.reduce((a, b) => (b.seq > a.seq ? b : a));
      expect(await witness.read()).toEqual({ seq: 12, hash: head.hash });
      await mutate(`ALTER TABLE ${table} DELETE WHERE seq > 9`);
      expect(await verifyAuditLog(wh, trusted, { table, expectedHead: (await witness.read())! })).toMatchObject({
        ok: false,
        records: 9,
        firstBroken: { seq: 10, reason: 'truncated' },
      });
      const after = createAuditLog({ warehouse: wh, key, logger: silentLogger(), table, witness });
      await expect(after.append([entry(99)])).rejects.toThrow(
        /head cannot be extended: the witness says the chain reached seq 12 .* but the table ends at seq 9/,
      );
      await after.stop();
    } finally {
      dir.remove();
    }
  });

  for (const landed of [false, true])
    it(`when one insert fails${landed ? ' after its rows landed' : ''}, every caller gets stored, verifying records or an error`, async () => {
      const table = await copy('0');
      let inserts = 0;
      let onTop: Promise<AuditRecord[][]> | undefined;
      const flaky: Warehouse = {
        ...wh,
        query: wh.query.bind(wh),
        command: wh.command.bind(wh),
        ping: wh.ping.bind(wh),
        close: wh.close.bind(wh),
        async insert(t, payload, options) {
          if (++inserts !== 3) return wh.insert(t, payload, options);
          // Appends that arrive now are signed on top of this insert's records, which are about to fail.
          onTop = Promise.all([log.append([entry(900)]), log.append([entry(901), entry(902)])]);
          await new Promise((r) => setTimeout(r, 30));
          if (landed) await wh.insert(t, payload, options);
          throw new DependencyError('insert failed', { dependency: 'clickhouse', retryable: true });
        },
      };
      const log = createAuditLog({ warehouse: flaky, key, logger: silentLogger(), table });
      // Each caller carries on after a failed append, as the action service would with its next step.
      const returned: AuditRecord[] = [];
      const errors: unknown[] = [];
      await Promise.all(
        Array.from({ length: 32 }, async (_, c) => {
          for (let i = 0; i < 8; i++)
            await log.append([entry(c * 100 + i)]).then(
              (records) => returned.push(...records),
              (err: unknown) => errors.push(err),
            );
        }),
      );
      await log.stop();
      expect(errors.length).toBeGreaterThan(0);
      for (const err of errors) expect(err).toBeInstanceOf(DependencyError);
      expect(returned.length + errors.length).toBe(256);
      // They were not inserted on top of the failure, nor refused: signed again on the re-read head.
      returned.push(...(await onTop!).flat());
      const stored = new Map(
        (await wh.query<{ seq: number; hash: string }>(`SELECT seq, hash FROM ${table}`)).map((r) => [r.hash, r.seq]),
      );
      for (const r of returned) expect(stored.get(r.hash)).toBe(r.seq);
      expect(await verifyAuditLog(wh, trusted, { table, signatures: 'all' })).toMatchObject({
        ok: true,
        records: stored.size,
      });
    });

  it('a fork by two writers without a shared lock is reported as a duplicate seq', async () => {
    const table = await copy('0');
    const writers = [0, 1].map(() => createAuditLog({ warehouse: wh, key, logger: silentLogger(), table }));
    await writers[0]!.append([entry(1)]);
    await writers[1]!.append([entry(2)]); // reads the head: seq 2
    await writers[0]!.append([entry(3)]); // still holds seq 1 as its head: writes a second seq 2
    await Promise.all(writers.map((w) => w.stop()));
    expect(await verifyAuditLog(wh, trusted, { table })).toMatchObject({
      ok: false,
      firstBroken: { seq: 2, reason: 'seq-duplicate' },
    });
  });
});
