import { describe, expect, it } from 'vitest';
import { DependencyError } from '../../core/errors.ts';
import { silentLogger } from '../../core/logger.ts';
import type { Warehouse } from '../../core/warehouse/index.ts';
import { createAuditLog } from './audit-log.ts';
import { generateAuditKey } from './keys.ts';
import { AUDIT_COLUMNS } from './record.ts';

/** Just enough of a warehouse for the writer: inserts JSONCompactEachRow rows, answers the tail read.
 *  (Real ClickHouse runs in test/integration/audit-log.test.ts.) */
function fakeWarehouse() {
  const rows: Record<string, unknown>[] = [];
  let failNext = false;
  let inserts = 0;
  const wh = {
    driver: 'embedded',
    database: 'aegis',
    location: 'memory',
    async query<T>(_sql: string, params?: Record<string, unknown>): Promise<T[]> {
      return [...rows].reverse().slice(0, Number(params?.n)) as T[];
    },
    async command() {},
    async insert(_table: string, payload: Buffer) {
      inserts++;
      if (failNext) {
        failNext = false;
        throw new DependencyError('insert failed', { dependency: 'clickhouse', retryable: true });
      }
      for (const line of payload.toString().trim().split('\n')) {
        const values = JSON.parse(line) as unknown[];
        rows.push(Object.fromEntries(AUDIT_COLUMNS.map((c, i) => [c, values[i]])));
      }
      return { rows: 0 };
    },
    async ping() {},
    async close() {},
  } satisfies Warehouse as Warehouse;
  return { wh, rows, failNext: () => (failNext = true), inserts: () => inserts };
}

const entry = (i: number) => ({
  kind: 'execution.step' as const,
  actor: 'controller',
  subject: `act-${i}`,
  payload: { i },
});

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
    const log = createAuditLog({ warehouse: fake.wh, key: generateAuditKey(), logger: silentLogger() });
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => log.append([entry(i), entry(i + 100)])));
    expect(results.flat().map((r) => r.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(fake.inserts()).toBeLessThan(20);
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
});
