import { describe, expect, it } from 'vitest';
import type { QueryParams, Warehouse } from '../core/warehouse/index.ts';
import { createReadCache } from './cache.ts';

/** A warehouse whose queries answer when the test says so, counting each statement it runs. */
function fakeWarehouse() {
  const pending: {
    sql: string;
    params?: QueryParams;
    resolve: (rows: object[]) => void;
    reject: (e: Error) => void;
  }[] = [];
  const writes: string[] = [];
  const warehouse: Warehouse = {
    driver: 'embedded',
    database: 'aegis',
    location: 'memory',
    query: <T>(sql: string, params?: QueryParams) =>
      new Promise<T[]>((resolve, reject) => {
        pending.push({ sql, ...(params ? { params } : {}), resolve: resolve as (rows: object[]) => void, reject });
      }),
    command: async (sql) => {
      writes.push(sql);
    },
    insert: async (table) => {
      writes.push(table);
      return { rows: 1 };
    },
    ping: async () => undefined,
    close: async () => undefined,
  };
  /** Answers the oldest pending query with `rows`. */
  const answer = async (rows: object[]) => {
    const q = pending.shift();
    if (!q) throw new Error('no query pending');
    q.resolve(rows);
    await new Promise((r) => setImmediate(r));
  };
  return { warehouse, pending, writes, answer };
}

const SQL = 'SELECT n FROM t WHERE team = {team:String}';

describe('ReadCache', () => {
  it('serves a repeated query from memory within the TTL, and reads again after it', async () => {
    const wh = fakeWarehouse();
    let now = 1_000;
    const cache = createReadCache({ warehouse: wh.warehouse, ttlMs: 100, clock: () => now });
    const first = cache.reads.query(SQL, { team: 'a' });
    await wh.answer([{ n: 1 }]);
    expect(await first).toEqual([{ n: 1 }]);
    now += 99;
    expect(await cache.reads.query(SQL, { team: 'a' })).toEqual([{ n: 1 }]);
    expect(wh.pending).toHaveLength(1); // the background refresh past half the TTL
    await wh.answer([{ n: 2 }]);
    now += 40;
    expect(await cache.reads.query(SQL, { team: 'a' })).toEqual([{ n: 2 }]);
    expect(wh.pending).toHaveLength(0);
    now += 100;
    const later = cache.reads.query(SQL, { team: 'a' });
    expect(wh.pending).toHaveLength(1);
    await wh.answer([{ n: 3 }]);
    expect(await later).toEqual([{ n: 3 }]);
  });

  it('shares one read between concurrent misses, and keys results by SQL and parameters', async () => {
    const wh = fakeWarehouse();
    const cache = createReadCache({ warehouse: wh.warehouse, ttlMs: 1_000 });
    const a1 = cache.reads.query(SQL, { team: 'a' });
    const a2 = cache.reads.query(SQL, { team: 'a' });
    const b = cache.reads.query(SQL, { team: 'b' });
    expect(wh.pending.map((q) => q.params)).toEqual([{ team: 'a' }, { team: 'b' }]);
    await wh.answer([{ n: 'a' }]);
    await wh.answer([{ n: 'b' }]);
    expect([await a1, await a2, await b]).toEqual([[{ n: 'a' }], [{ n: 'a' }], [{ n: 'b' }]]);
  });

  it('hands out copies of frozen rows', async () => {
    const wh = fakeWarehouse();
    const cache = createReadCache({ warehouse: wh.warehouse, ttlMs: 1_000 });
    const first = cache.reads.query<{ n: number }>(SQL, { team: 'a' });
    await wh.answer([{ n: 1 }]);
    const rows = await first;
    rows.push({ n: 2 });
    expect(() => {
      rows[0]!.n = 5;
    }).toThrow(TypeError);
    expect(await cache.reads.query(SQL, { team: 'a' })).toEqual([{ n: 1 }]);
  });

  it('drops everything after a write, and keeps no read that started before the write landed', async () => {
    const wh = fakeWarehouse();
    const cache = createReadCache({ warehouse: wh.warehouse, ttlMs: 1_000 });
    const first = cache.reads.query(SQL, { team: 'a' });
    await wh.answer([{ n: 1 }]);
    await first;
    const inFlight = cache.reads.query(SQL, { team: 'b' });
    await cache.writes.insert('insights', Buffer.from('{}\n'));
    await wh.answer([{ n: 'old b' }]);
    expect(await inFlight).toEqual([{ n: 'old b' }]);
    expect(wh.writes).toEqual(['insights']);
    const a = cache.reads.query(SQL, { team: 'a' });
    const b = cache.reads.query(SQL, { team: 'b' });
    expect(wh.pending).toHaveLength(2);
    await wh.answer([{ n: 2 }]);
    await wh.answer([{ n: 'new b' }]);
    expect([await a, await b]).toEqual([[{ n: 2 }], [{ n: 'new b' }]]);
    await cache.writes.command('ALTER TABLE t DELETE WHERE 1');
    void cache.reads.query(SQL, { team: 'a' });
    expect(wh.pending).toHaveLength(1);
    expect(cache.stats().invalidations).toBe(2);
  });

  it('does not keep a failed read', async () => {
    const wh = fakeWarehouse();
    const cache = createReadCache({ warehouse: wh.warehouse, ttlMs: 1_000 });
    const failing = cache.reads.query(SQL, { team: 'a' });
    wh.pending.shift()!.reject(new Error('store down'));
    await expect(failing).rejects.toThrow('store down');
    const retried = cache.reads.query(SQL, { team: 'a' });
    await wh.answer([{ n: 1 }]);
    expect(await retried).toEqual([{ n: 1 }]);
  });

  it('reads through every time with ttlMs 0', async () => {
    const wh = fakeWarehouse();
    const cache = createReadCache({ warehouse: wh.warehouse, ttlMs: 0 });
    void cache.reads.query(SQL, { team: 'a' });
    void cache.reads.query(SQL, { team: 'a' });
    expect(wh.pending).toHaveLength(2);
  });

  it('holds at most maxRows rows, dropping the oldest results first', async () => {
    const wh = fakeWarehouse();
    const cache = createReadCache({ warehouse: wh.warehouse, ttlMs: 1_000, maxRows: 40 });
    for (const team of ['a', 'b', 'c']) {
      const q = cache.reads.query(SQL, { team });
      await wh.answer(Array.from({ length: 4 }, (_, n) => ({ n })));
      await q;
    }
    expect(cache.stats()).toMatchObject({ entries: 3, rows: 12 });
    const big = cache.reads.query(SQL, { team: 'big' });
    await wh.answer(Array.from({ length: 5 }, (_, n) => ({ n })));
    await big;
    expect(cache.stats()).toMatchObject({ entries: 3, rows: 12 }); // more than a tenth of maxRows: not kept
    for (const team of ['d', 'e', 'f', 'g', 'h', 'i', 'j', 'k']) {
      const q = cache.reads.query(SQL, { team });
      await wh.answer(Array.from({ length: 4 }, (_, n) => ({ n })));
      await q;
    }
    expect(cache.stats().rows).toBeLessThanOrEqual(40);
    void cache.reads.query(SQL, { team: 'a' });
    expect(wh.pending).toHaveLength(1);
  });

  it('remembers a derived value no longer than the oldest result it was built from may be served', async () => {
    const wh = fakeWarehouse();
    let now = 1_000;
    const cache = createReadCache({ warehouse: wh.warehouse, ttlMs: 100, clock: () => now });
    const early = cache.view();
    const q = early.reads.query(SQL, { team: 'a' });
    await wh.answer([{ n: 1 }]);
    await q;
    now += 40;
    const view = cache.view();
    await view.reads.query(SQL, { team: 'a' }); // served from memory: read at 1000
    expect(view.dataSince).toBe(1_000);
    cache.remember('answer', { n: 1 }, view);
    now += 59;
    expect(cache.recall('answer')).toEqual({ n: 1 });
    now += 1;
    expect(cache.recall('answer')).toBeUndefined();
  });

  it('remembers nothing built across a write, and forgets everything on one', async () => {
    const wh = fakeWarehouse();
    const cache = createReadCache({ warehouse: wh.warehouse, ttlMs: 1_000 });
    const before = cache.view();
    cache.remember('kept', 1, before);
    await cache.writes.insert('recommendations', Buffer.from('{}\n'));
    cache.remember('stale', 2, before);
    expect([cache.recall('kept'), cache.recall('stale')]).toEqual([undefined, undefined]);
    cache.remember('fresh', 3, cache.view());
    expect(cache.recall('fresh')).toBe(3);
  });
});
