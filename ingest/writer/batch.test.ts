import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BusMessage } from '../../core/bus/index.ts';
import { Batch, dedupToken, type Segment } from './batch.ts';

/** A message that only carries what Batch reads; acking is the writer's business, not tested here. */
function fakeMessage(seq: number, redelivered = false): BusMessage {
  return {
    subject: 'aegis.telemetry.metrics.test',
    data: new Uint8Array(),
    seq,
    deliveryCount: redelivered ? 2 : 1,
    redelivered,
    ack: () => {},
    nak: () => {},
    working: () => {},
  };
}

const segments = (seqs: number[]): Segment[] => seqs.map((seq) => ({ seq, redelivered: false, rows: [`row-${seq}`] }));

describe('dedupToken', () => {
  it('names the table, the range and the count', () => {
    expect(dedupToken('metrics', segments([7, 3, 5]))).toMatch(/^metrics:3-7:3:[0-9a-f]{24}$/);
  });

  it('is the same for the same set of messages in any order', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: 1_000_000 }), { minLength: 1, maxLength: 50 }),
        fc.func(fc.integer()),
        (seqs, rank) => {
          const shuffled = [...seqs].sort((a, b) => rank(a) - rank(b) || a - b);
          expect(dedupToken('cost', segments(shuffled))).toBe(dedupToken('cost', segments(seqs)));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('differs for two sets with the same min, max and count', () => {
    const a = dedupToken('metrics', segments([1, 2, 4]));
    const b = dedupToken('metrics', segments([1, 3, 4]));
    expect(a.split(':').slice(0, 3)).toEqual(b.split(':').slice(0, 3));
    expect(a).not.toBe(b);
  });

  it('differs for any two different sets', () => {
    const set = fc.uniqueArray(fc.integer({ min: 1, max: 200 }), { minLength: 1, maxLength: 20 });
    fc.assert(
      fc.property(set, set, (x, y) => {
        const same = x.length === y.length && x.every((s) => y.includes(s));
        fc.pre(!same);
        expect(dedupToken('metrics', segments(x))).not.toBe(dedupToken('metrics', segments(y)));
      }),
      { numRuns: 500 },
    );
  });

  it('sorts sequences numerically, not as strings', () => {
    expect(dedupToken('metrics', segments([10, 9, 100]))).toMatch(/^metrics:9-100:3:/);
  });

  it('differs between tables for the same messages', () => {
    expect(dedupToken('metrics', segments([1, 2]))).not.toBe(dedupToken('cost', segments([1, 2])));
  });
});

describe('Batch', () => {
  it('starts empty at the time it was given', () => {
    const batch = new Batch(1234);
    expect(batch.empty).toBe(true);
    expect(batch.rows).toBe(0);
    expect(batch.startedAt).toBe(1234);
    expect(batch.segments.size).toBe(0);
  });

  it('counts rows and keeps one segment per message under its kind', () => {
    const batch = new Batch(0);
    const m1 = fakeMessage(1);
    const m2 = fakeMessage(2, true);
    const m3 = fakeMessage(3);
    batch.add(m1, 'metrics', ['a', 'b']);
    batch.add(m2, 'metrics', ['c']);
    batch.add(m3, 'cost', ['d', 'e', 'f']);
    expect(batch.rows).toBe(6);
    expect(batch.empty).toBe(false);
    expect(batch.messages).toEqual([m1, m2, m3]);
    expect(batch.segments.get('metrics')).toEqual([
      { seq: 1, redelivered: false, rows: ['a', 'b'] },
      { seq: 2, redelivered: true, rows: ['c'] },
    ]);
    expect(batch.segments.get('cost')).toEqual([{ seq: 3, redelivered: false, rows: ['d', 'e', 'f'] }]);
  });

  it('keeps a message with no rows so that it is acked, without a segment or rows', () => {
    const batch = new Batch(0);
    const empty = fakeMessage(9);
    batch.add(empty, 'access', []);
    expect(batch.empty).toBe(false);
    expect(batch.messages).toEqual([empty]);
    expect(batch.rows).toBe(0);
    expect(batch.segments.has('access')).toBe(false);

    const full = fakeMessage(10);
    batch.add(full, 'access', ['x']);
    expect(batch.messages).toEqual([empty, full]);
    expect(batch.segments.get('access')).toEqual([{ seq: 10, redelivered: false, rows: ['x'] }]);
    expect(batch.rows).toBe(1);
  });
});
