import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKvAuditLock } from '../../control/audit/index.ts';
import type { Bus } from '../../core/bus/index.ts';
import { DependencyError } from '../../core/errors.ts';
import { silentLogger } from '../../core/logger.ts';
import { startTestNats } from '../harness/index.ts';

const text = (data: Uint8Array) => new TextDecoder().decode(data);

/** The error a promise rejects with (fails the test when it resolves). */
async function rejection(p: Promise<unknown>): Promise<DependencyError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DependencyError);
  return err as DependencyError;
}

describe('bus request/serve and kv', () => {
  let nats: Awaited<ReturnType<typeof startTestNats>>;
  let bus: Bus;
  let other: Bus;

  beforeAll(async () => {
    nats = await startTestNats();
    bus = nats.bus;
    // A second connection plays the other process.
    other = await nats.connect();
  });
  afterAll(async () => {
    await other?.close();
    await nats?.stop();
  });

  describe('request and serve', () => {
    it('answers a request with the handler result', async () => {
      const served = other.serve('t.echo', { queue: 'q' }, async (data, subject) => `${subject}:${text(data)}`);
      await served.ready;
      try {
        expect(text(await bus.request('t.echo', 'hi', { timeoutMs: 2000 }))).toBe('t.echo:hi');
        expect(text(await bus.request('t.echo', new TextEncoder().encode('bytes'), { timeoutMs: 2000 }))).toBe(
          't.echo:bytes',
        );
      } finally {
        await served.stop();
      }
    });

    it('serves a wildcard subject and hands the handler the concrete subject', async () => {
      const served = other.serve('t.wild.>', { queue: 'q' }, async (_data, subject) => subject);
      await served.ready;
      try {
        expect(text(await bus.request('t.wild.a.b', '', { timeoutMs: 2000 }))).toBe('t.wild.a.b');
      } finally {
        await served.stop();
      }
    });

    it('gives each request to one member of the queue group', async () => {
      const calls = [0, 0];
      const members = [0, 1].map((i) =>
        (i === 0 ? bus : other).serve('t.group', { queue: 'g' }, async () => {
          calls[i]!++;
          return String(i);
        }),
      );
      await Promise.all(members.map((m) => m.ready));
      try {
        for (let i = 0; i < 20; i++) await bus.request('t.group', '', { timeoutMs: 2000 });
        expect(calls[0]! + calls[1]!).toBe(20);
      } finally {
        await Promise.all(members.map((m) => m.stop()));
      }
    });

    it('rejects at once with a retryable error naming the subject when nobody serves it', async () => {
      const started = Date.now();
      const err = await rejection(bus.request('t.nobody', 'x', { timeoutMs: 5000 }));
      expect(Date.now() - started).toBeLessThan(2000);
      expect(err.retryable).toBe(true);
      expect(err.dependencyCode).toBe('503');
      expect(err.message).toContain('t.nobody');
    });

    it('rejects with a retryable timeout error naming the subject when the reply is late', async () => {
      const served = other.serve('t.slow', { queue: 'q' }, () => new Promise((r) => setTimeout(() => r('late'), 800)));
      await served.ready;
      try {
        const err = await rejection(bus.request('t.slow', 'x', { timeoutMs: 150 }));
        expect(err.retryable).toBe(true);
        expect(err.dependencyCode).toBe('TIMEOUT');
        expect(err.message).toBe('request to t.slow timed out after 150 ms');
      } finally {
        await served.stop();
      }
    });

    it('replies with an error when the handler throws instead of leaving the requester to time out', async () => {
      const served = other.serve('t.throws', { queue: 'q' }, async () => {
        throw new Error('disk on fire');
      });
      await served.ready;
      try {
        const started = Date.now();
        const err = await rejection(bus.request('t.throws', 'x', { timeoutMs: 5000 }));
        expect(Date.now() - started).toBeLessThan(2000);
        expect(err.message).toBe('responder on t.throws failed: disk on fire');
        expect(err.dependencyCode).toBe('HANDLER_FAILED');
        expect(err.retryable).toBe(true);
      } finally {
        await served.stop();
      }
    });

    it("carries a thrown error's code and retryable to the requester", async () => {
      const served = other.serve('t.refuses', { queue: 'q' }, async () => {
        throw Object.assign(new Error('bad\ninput'), { code: 'INPUT_INVALID', retryable: false });
      });
      await served.ready;
      try {
        const err = await rejection(bus.request('t.refuses', 'x', { timeoutMs: 5000 }));
        expect(err).toMatchObject({ dependencyCode: 'INPUT_INVALID', retryable: false });
        expect(err.message).toBe('responder on t.refuses failed: bad\ninput');
      } finally {
        await served.stop();
      }
    });

    it('answers BUSY past maxInFlight instead of queueing', async () => {
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const served = other.serve('t.busy', { queue: 'q', maxInFlight: 1 }, async () => {
        await gate;
        return 'done';
      });
      await served.ready;
      try {
        const first = bus.request('t.busy', '1', { timeoutMs: 5000 });
        await new Promise((r) => setTimeout(r, 100));
        const err = await rejection(bus.request('t.busy', '2', { timeoutMs: 5000 }));
        expect(err).toMatchObject({ dependencyCode: 'BUSY', retryable: true });
        release();
        expect(text(await first)).toBe('done');
      } finally {
        release();
        await served.stop();
      }
    });

    it('stop answers the requests in flight, then no one serves the subject', async () => {
      const served = other.serve('t.stop', { queue: 'q' }, () => new Promise((r) => setTimeout(() => r('ok'), 300)));
      await served.ready;
      const pending = bus.request('t.stop', 'x', { timeoutMs: 5000 });
      await new Promise((r) => setTimeout(r, 50));
      await served.stop();
      await served.stop();
      expect(text(await pending)).toBe('ok');
      expect((await rejection(bus.request('t.stop', 'x', { timeoutMs: 2000 }))).dependencyCode).toBe('503');
    });
  });

  describe('kv', () => {
    it('creates the bucket idempotently, also from two connections at once', async () => {
      const [a, b] = await Promise.all([
        bus.kv('t_kv_idem', { ttlMs: 60_000 }),
        other.kv('t_kv_idem', { ttlMs: 60_000 }),
      ]);
      await a.put('k', 'v');
      expect(text((await b.get('k'))!.value)).toBe('v');
      const again = await bus.kv('t_kv_idem', { ttlMs: 60_000 });
      expect(text((await again.get('k'))!.value)).toBe('v');
    });

    it('create, update and delete compare revisions; a lost race is a non-retryable conflict', async () => {
      const kv = await bus.kv('t_kv_cas', { ttlMs: 60_000, history: 5 });
      const r1 = await kv.create('lock', 'a');
      const conflict = await rejection(kv.create('lock', 'b'));
      expect(conflict).toMatchObject({ retryable: false, dependencyCode: '10071' });
      expect(conflict.message).toContain('t_kv_cas/lock');

      const r2 = await kv.update('lock', 'a2', r1);
      expect(r2).toBeGreaterThan(r1);
      expect(await rejection(kv.update('lock', 'x', r1))).toMatchObject({ dependencyCode: '10071' });
      expect(await kv.get('lock')).toMatchObject({ key: 'lock', revision: r2 });

      await expect(kv.delete('lock', { previousSeq: r1 })).rejects.toBeInstanceOf(DependencyError);
      await kv.delete('lock', { previousSeq: r2 });
      expect(await kv.get('lock')).toBeNull();
      // A deleted key can be created again.
      expect(await kv.create('lock', 'c')).toBeGreaterThan(r2);
      expect(await kv.get('missing')).toBeNull();
      await kv.delete('missing');
    });

    it('expires entries after ttlMs', async () => {
      const kv = await bus.kv('t_kv_ttl', { ttlMs: 1000 });
      await kv.put('k', 'v');
      expect(await kv.get('k')).not.toBeNull();
      const deadline = Date.now() + 5000;
      while ((await kv.get('k')) !== null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      expect(await kv.get('k')).toBeNull();
    });

    it('serves as the audit lease bucket', async () => {
      const kv = await bus.kv('t_kv_lease', { ttlMs: 3000 });
      const lock = createKvAuditLock({ bucket: kv, ttlMs: 3000, logger: silentLogger() });
      const release = await lock.acquire();
      expect(await kv.get('audit-writer')).not.toBeNull();
      await release();
      expect(await kv.get('audit-writer')).toBeNull();
    });
  });
});
