import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Bus, subjectMatches, type Tail, type TailMessage } from '../../core/bus/index.ts';
import { InputError } from '../../core/errors.ts';
import { startTestNats } from '../harness/index.ts';

const text = (m: TailMessage) => new TextDecoder().decode(m.data);

/** The next `n` messages of a tail, failing after `timeoutMs`. */
async function take(tail: Tail, n: number, timeoutMs = 5000): Promise<TailMessage[]> {
  const it = tail[Symbol.asyncIterator]();
  const out: TailMessage[] = [];
  const deadline = Date.now() + timeoutMs;
  while (out.length < n) {
    const left = deadline - Date.now();
    const r = await Promise.race([
      it.next(),
      new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), Math.max(0, left))),
    ]);
    if (r === 'timeout') throw new Error(`only ${out.length} of ${n} messages within ${timeoutMs} ms`);
    if (r.done) break;
    out.push(r.value);
  }
  return out;
}

describe('Bus.tail', () => {
  let nats: Awaited<ReturnType<typeof startTestNats>>;
  let bus: Bus;

  beforeAll(async () => {
    nats = await startTestNats();
    bus = nats.bus;
  });
  afterAll(async () => {
    await nats?.stop();
  });

  it('matches subjects with * and > like NATS', () => {
    expect(subjectMatches('aegis.actions.>', 'aegis.actions.approved')).toBe(true);
    expect(subjectMatches('aegis.actions.>', 'aegis.actions')).toBe(false);
    expect(subjectMatches('aegis.*.created', 'aegis.recs.created')).toBe(true);
    expect(subjectMatches('aegis.*.created', 'aegis.recs.x.created')).toBe(false);
    expect(subjectMatches('aegis.audit', 'aegis.audit')).toBe(true);
    expect(subjectMatches('aegis.audit', 'aegis.audit.x')).toBe(false);
  });

  it('delivers only messages published after it started, when given no cursor', async () => {
    await bus.publish('aegis.actions.proposed', 'before');
    const tail = await bus.tail('EVENTS', { subjects: ['aegis.actions.>'] });
    try {
      await bus.publish('aegis.actions.approved', 'after-1');
      await bus.publish('aegis.audit', 'not mine');
      await bus.publish('aegis.actions.succeeded', 'after-2');
      const got = await take(tail, 2);
      expect(got.map(text)).toEqual(['after-1', 'after-2']);
      expect(got.map((m) => m.subject)).toEqual(['aegis.actions.approved', 'aegis.actions.succeeded']);
      expect(got[1]!.seq).toBeGreaterThan(got[0]!.seq);
    } finally {
      await tail.stop();
    }
  });

  it('resumes after a cursor with exactly the messages missed, on several subjects', async () => {
    const first = await bus.tail('EVENTS', { subjects: ['aegis.audit', 'aegis.insights.*'] });
    await bus.publish('aegis.audit', 'a1');
    const [seen] = await take(first, 1);
    await first.stop();
    expect(text(seen!)).toBe('a1');

    // Published while nobody listened.
    await bus.publish('aegis.insights.critical', 'i1');
    await bus.publish('aegis.actions.failed', 'skip');
    await bus.publish('aegis.audit', 'a2');
    await bus.publish('aegis.insights.info.extra', 'skip too');

    const resumed = await bus.tail('EVENTS', { subjects: ['aegis.audit', 'aegis.insights.*'], afterSeq: seen!.seq });
    try {
      await bus.publish('aegis.audit', 'a3');
      const got = await take(resumed, 3);
      expect(got.map(text)).toEqual(['i1', 'a2', 'a3']);
      // Nothing else is waiting: no duplicate of a1, nothing skipped let through.
      await expect(take(resumed, 1, 500)).rejects.toThrow(/only 0 of 1/);
    } finally {
      await resumed.stop();
    }
  });

  it('ends iteration when stopped while a reader waits, and stop is safe twice', async () => {
    const tail = await bus.tail('EVENTS', { subjects: ['aegis.recommendations.>'] });
    const it = tail[Symbol.asyncIterator]();
    const waiting = it.next();
    await tail.stop();
    await expect(waiting).resolves.toEqual({ done: true, value: undefined });
    await tail.stop();
  });

  it('ends iteration through return() on its iterator (what a GraphQL subscription calls)', async () => {
    const tail = await bus.tail('EVENTS', { subjects: ['aegis.recommendations.>'] });
    const it = tail[Symbol.asyncIterator]();
    await it.return?.();
    await expect(it.next()).resolves.toMatchObject({ done: true });
  });

  it('refuses a cursor past the end of the stream and one whose messages were purged', async () => {
    const ack = await bus.publish('aegis.audit', 'x');
    await expect(bus.tail('EVENTS', { subjects: ['aegis.audit'], afterSeq: ack.seq + 10 })).rejects.toThrow(
      /past the last message/,
    );
    await bus.purge('EVENTS');
    await bus.publish('aegis.audit', 'y');
    const err = await bus.tail('EVENTS', { subjects: ['aegis.audit'], afterSeq: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(/has expired/);
  });
});
