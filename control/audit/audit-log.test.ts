import { describe, expect, it } from 'vitest';
import { DependencyError } from '../../core/errors.ts';
import { silentLogger } from '../../core/logger.ts';
import type { Warehouse } from '../../core/warehouse/index.ts';
import { createAuditLog } from './audit-log.ts';
import { generateAuditKey, trustedKeysOf } from './keys.ts';
import { AUDIT_COLUMNS, type AuditRecord, GENESIS_HASH } from './record.ts';
import { checkRecord, checkSignature } from './verify.ts';
import type { AuditHead, AuditWitness } from './witness.ts';

type Outcome = 'ok' | 'fail-before' | 'fail-after';

/** Just enough of a warehouse for the writer: inserts JSONCompactEachRow rows, answers the tail and range
 *  reads. `gate()` holds every insert until the test settles it, as landed or failed (before or after its
 *  rows are stored). (Real ClickHouse runs in test/integration/audit-log.test.ts.) */
function fakeWarehouse() {
  const rows: Record<string, unknown>[] = [];
  let failNext = false;
  let inserts = 0;
  let gated = false;
  const held: ((outcome: Outcome) => void)[] = [];
  const wh = {
    driver: 'embedded',
    database: 'aegis',
    location: 'memory',
    async query<T>(_sql: string, params?: Record<string, unknown>): Promise<T[]> {
      if (params?.after !== undefined)
        return rows
          .filter((r) => Number(r.seq) > Number(params.after) && Number(r.seq) <= Number(params.to))
          .slice(0, Number(params.n)) as T[];
      return [...rows].reverse().slice(0, Number(params?.n)) as T[];
    },
    async command() {},
    async insert(_table: string, payload: Buffer) {
      inserts++;
      let outcome: Outcome = failNext ? 'fail-before' : 'ok';
      failNext = false;
      if (gated) outcome = await new Promise<Outcome>((resolve) => held.push(resolve));
      if (outcome === 'fail-before')
        throw new DependencyError('insert failed', { dependency: 'clickhouse', retryable: true });
      for (const line of payload.toString().trim().split('\n')) {
        const values = JSON.parse(line) as unknown[];
        rows.push(Object.fromEntries(AUDIT_COLUMNS.map((c, i) => [c, values[i]])));
      }
      if (outcome === 'fail-after')
        throw new DependencyError('insert timed out', { dependency: 'clickhouse', retryable: true });
      return { rows: 0 };
    },
    async ping() {},
    async close() {},
  } satisfies Warehouse as Warehouse;
  return {
    wh,
    rows,
    failNext: () => (failNext = true),
    inserts: () => inserts,
    gate: () => (gated = true),
    /** Settles the oldest held insert. */
    settle: (outcome: Outcome) => held.shift()!(outcome),
    held: () => held.length,
  };
}

/** The fake's rows as records, checked as `verifyAuditLog` would (seq, links, hashes, every signature). */
function verifyRows(rows: Record<string, unknown>[], key: ReturnType<typeof generateAuditKey>): number {
  const trusted = trustedKeysOf(key.publicKey);
  let before = { seq: 0, hash: GENESIS_HASH, signature: '' };
  for (const row of [...rows].sort((a, b) => Number(a.seq) - Number(b.seq))) {
    const r: AuditRecord = {
      seq: Number(row.seq),
      ts: Number(row.ts),
      kind: String(row.kind),
      actor: String(row.actor),
      subject: String(row.subject),
      payload: String(row.payload),
      prevHash: String(row.prev_hash),
      prevSignature: '',
      hash: String(row.hash),
      keyId: String(row.key_id),
      signature: String(row.signature),
    };
    const broken = checkRecord(r, before, trusted) ?? checkSignature(r, trusted);
    if (broken) throw new Error(broken.message);
    before = r;
  }
  return before.seq;
}

const entry = (i: number) => ({
  kind: 'execution.step' as const,
  actor: 'controller',
  subject: `act-${i}`,
  payload: { i },
});

const ticks = async (n = 5) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

function memoryWitness(initial?: AuditHead): AuditWitness & { writes: AuditHead[] } {
  const writes: AuditHead[] = initial ? [initial] : [];
  return {
    location: 'memory',
    writes,
    async read() {
      return writes.at(-1);
    },
    async write(head) {
      writes.push(head);
    },
  };
}

describe('AuditLog', () => {
  it('creates and stops, and stops twice', async () => {
    const log = createAuditLog({ warehouse: fakeWarehouse().wh, key: generateAuditKey(), logger: silentLogger() });
    await log.stop();
    await log.stop();
    await expect(log.append([entry(1)])).rejects.toThrow('audit log is stopped');
  });

  it('appends one entry and stops', async () => {
    const fake = fakeWarehouse();
    const log = createAuditLog({
      warehouse: fake.wh,
      key: generateAuditKey(),
      logger: silentLogger(),
      clock: () => 1000,
    });
    const [record] = await log.append([entry(1)]);
    expect(record).toMatchObject({ seq: 1, ts: 1000, payload: '{"i":1}', prevHash: '0'.repeat(64) });
    expect(log.head()).toEqual({ seq: 1, hash: record!.hash });
    await log.stop();
    expect(fake.rows).toHaveLength(1);
  });

  it('groups concurrent appends into shared inserts, in call order', async () => {
    const fake = fakeWarehouse();
    const key = generateAuditKey();
    const log = createAuditLog({ warehouse: fake.wh, key, logger: silentLogger() });
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => log.append([entry(i), entry(i + 100)])));
    expect(results.flat().map((r) => r.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(fake.inserts()).toBeLessThan(20);
    expect(verifyRows(fake.rows, key)).toBe(40);
    await log.stop();
  });

  it('rejects an invalid entry without holding up the others', async () => {
    const log = createAuditLog({ warehouse: fakeWarehouse().wh, key: generateAuditKey(), logger: silentLogger() });
    const bad = log.append([{ ...entry(1), kind: 'nope' as 'rollback' }]);
    const good = log.append([entry(2)]);
    await expect(bad).rejects.toThrow();
    expect((await good)[0]!.seq).toBe(1);
    await log.stop();
  });

  it('after a failed insert, re-reads the head and continues the chain', async () => {
    const fake = fakeWarehouse();
    const log = createAuditLog({ warehouse: fake.wh, key: generateAuditKey(), logger: silentLogger() });
    await log.append([entry(1)]);
    fake.failNext();
    await expect(log.append([entry(2)])).rejects.toThrow(DependencyError);
    expect(log.head()).toBeUndefined();
    const [next] = await log.append([entry(3)]);
    expect(next).toMatchObject({ seq: 2, prevHash: (fake.rows[0] as { hash: string }).hash });
    await log.stop();
  });

  it('signs the next group while an insert is in flight and inserts it only once that one is durable', async () => {
    const fake = fakeWarehouse();
    fake.gate();
    let signed = 0;
    const key = generateAuditKey();
    const log = createAuditLog({ warehouse: fake.wh, key, logger: silentLogger(), clock: () => ++signed });
    const first = log.append([entry(1)]);
    await ticks();
    expect(fake.held()).toBe(1);
    const second = [log.append([entry(2)]), log.append([entry(3), entry(4)])];
    await ticks();
    // Signed (the clock is read once per group) but not inserted: the first insert is still in flight.
    expect(signed).toBe(2);
    expect(fake.inserts()).toBe(1);
    fake.settle('ok');
    expect((await first).map((r) => r.seq)).toEqual([1]);
    await ticks();
    expect(fake.inserts()).toBe(2);
    expect(log.head()?.seq).toBe(1);
    fake.settle('ok');
    expect((await Promise.all(second)).flat().map((r) => r.seq)).toEqual([2, 3, 4]);
    expect(verifyRows(fake.rows, key)).toBe(4);
    await log.stop();
  });

  for (const outcome of ['fail-before', 'fail-after'] as const)
    it(`when an insert fails (${outcome === 'fail-before' ? 'nothing stored' : 'stored, then an error'}), re-signs the group signed on top of it on the re-read head`, async () => {
      const fake = fakeWarehouse();
      const key = generateAuditKey();
      const log = createAuditLog({ warehouse: fake.wh, key, logger: silentLogger() });
      await log.append([entry(0)]);
      fake.gate();
      const failing = log.append([entry(1), entry(2)]);
      await ticks();
      const onTop = log.append([entry(3)]);
      const after = log.append([entry(4)]);
      await ticks();
      expect(fake.inserts()).toBe(2); // the group on top is signed, not inserted
      fake.settle(outcome);
      await expect(failing).rejects.toThrow(DependencyError);
      await ticks();
      fake.settle('ok');
      const stored = (await Promise.all([onTop, after])).flat();
      // Every record a caller got back is in the table, and the table is one intact chain.
      const landed = outcome === 'fail-after' ? 2 : 0;
      expect(stored.map((r) => r.seq)).toEqual([2 + landed, 3 + landed]);
      for (const r of stored) expect(fake.rows.some((row) => row.hash === r.hash)).toBe(true);
      expect(verifyRows(fake.rows, key)).toBe(3 + landed);
      expect(fake.inserts()).toBe(3);
      await log.stop();
    });

  it('writes the durable head to the witness, the latest winning', async () => {
    const fake = fakeWarehouse();
    const witness = memoryWitness();
    const log = createAuditLog({ warehouse: fake.wh, key: generateAuditKey(), logger: silentLogger(), witness });
    await Promise.all(Array.from({ length: 10 }, (_, i) => log.append([entry(i)])));
    const last = await log.append([entry(10)]);
    await log.stop();
    expect(witness.writes.at(-1)).toEqual({ seq: 11, hash: last[0]!.hash });
    expect(witness.writes.length).toBeLessThanOrEqual(fake.inserts());
  });

  it('refuses to extend a chain that ends before the witnessed head, or differs from it', async () => {
    const fake = fakeWarehouse();
    const key = generateAuditKey();
    const witness = memoryWitness();
    const log = createAuditLog({ warehouse: fake.wh, key, logger: silentLogger(), witness });
    const records = await log.append([entry(1), entry(2), entry(3)]);
    await log.stop();
    fake.rows.splice(2); // the newest record deleted
    const again = createAuditLog({ warehouse: fake.wh, key, logger: silentLogger(), witness });
    await expect(again.append([entry(4)])).rejects.toThrow(
      `audit log head cannot be extended: the witness says the chain reached seq 3 (hash ${records[2]!.hash.slice(0, 12)}…) but the table ends at seq 2`,
    );
    witness.writes.push({ seq: 1, hash: 'f'.repeat(64) });
    await expect(again.append([entry(4)])).rejects.toThrow(
      /record 1: hash \w+… is not the hash ffffffffffff… the witness saw/,
    );
    witness.writes.push({ seq: 2, hash: records[1]!.hash });
    expect((await again.append([entry(4)]))[0]!.seq).toBe(3);
    await again.stop();
  });
});
