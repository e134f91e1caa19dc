import { DeliverPolicy, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { InputError } from '../errors.ts';
import type { Tail, TailMessage, TailParams } from './bus.ts';
import { wrap } from './nats-errors.ts';

/** Messages a tail pulls ahead of its reader: the bound on what one slow subscriber buffers. */
const TAIL_BATCH = 64;

/** Whether a NATS subject matches a pattern with `*` (one token) and `>` (the rest, at least one). */
export function subjectMatches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (i >= s.length || (p[i] !== '*' && p[i] !== s[i])) return false;
  }
  return p.length === s.length;
}

/** Follows a stream through an ordered consumer (ephemeral, no acks, recreated by the client from the
 *  last stream sequence it saw after a gap or a lost heartbeat), so the messages arrive in stream order
 *  without gaps or duplicates. nats-server 2.9 filters a consumer by one subject only: one subject is
 *  filtered by the server, several are filtered here. */
export async function natsTail(
  js: JetStreamClient,
  jsm: JetStreamManager,
  stream: string,
  params: TailParams,
): Promise<Tail> {
  const { subjects, afterSeq } = params;
  if (subjects.length === 0) throw new InputError('tail needs at least one subject');
  if (afterSeq !== undefined && (!Number.isSafeInteger(afterSeq) || afterSeq < 0)) {
    throw new InputError(`afterSeq must be a stream sequence >= 0 (got ${afterSeq})`, { location: 'afterSeq' });
  }
  const info = await jsm.streams.info(stream).catch((err: unknown) => {
    throw wrap(err, `cannot read stream ${stream}`);
  });
  const { first_seq: firstSeq, last_seq: lastSeq } = info.state;
  if (afterSeq !== undefined) {
    // A cursor the stream no longer covers would silently skip what retention dropped; one past its end
    // belongs to another stream (recreated, or another deployment). Both are refused, not guessed at.
    if (afterSeq > lastSeq) {
      throw new InputError(`cursor ${afterSeq} is past the last message of ${stream} (${lastSeq})`, {
        location: 'after',
      });
    }
    if (afterSeq + 1 < firstSeq) {
      throw new InputError(
        `cursor ${afterSeq} has expired: ${stream} keeps messages from ${firstSeq} on, the ones between were dropped`,
        { location: 'after' },
      );
    }
  }
  const single = subjects.length === 1 ? subjects[0] : undefined;
  let consumer: Awaited<ReturnType<JetStreamClient['consumers']['get']>>;
  let messages: Awaited<ReturnType<typeof consumer.consume>>;
  try {
    consumer = await js.consumers.get(stream, {
      ...(single !== undefined ? { filter_subjects: single } : {}),
      deliver_policy: DeliverPolicy.StartSequence,
      // Without a cursor: from the message after the current last one, so "new only" has no race with
      // a publish that lands while the consumer is being created.
      opt_start_seq: (afterSeq ?? lastSeq) + 1,
    });
    messages = await consumer.consume({ max_messages: TAIL_BATCH });
  } catch (err) {
    throw wrap(err, `cannot tail ${stream} (${subjects.join(', ')})`);
  }
  const source = messages[Symbol.asyncIterator]();
  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      // stop(), not close(): close() resolves only once a reader has drained what is buffered, and a
      // subscription that ends has no reader left. A pending next() still ends (done) at once.
      messages.stop();
      // Ordered consumers expire on their own after 5 min idle; deleting now frees the server at once.
      await consumer.delete().catch(() => undefined);
    })();
    return stopped;
  };
  const iterator: AsyncIterableIterator<TailMessage> = {
    async next() {
      for (;;) {
        if (stopped) return { done: true, value: undefined };
        const r = await source.next();
        if (r.done || stopped) return { done: true, value: undefined };
        const m = r.value;
        if (single === undefined && !subjects.some((s) => subjectMatches(s, m.subject))) continue;
        return { done: false, value: { seq: m.seq, subject: m.subject, data: m.data } };
      }
    },
    async return() {
      await stop();
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return {
    stream,
    startSeq: (afterSeq ?? lastSeq) + 1,
    [Symbol.asyncIterator]: () => iterator,
    stop,
  };
}
