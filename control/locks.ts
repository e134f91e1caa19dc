import { randomUUID } from 'node:crypto';
import type { Logger } from '../core/logger.ts';

/** The part of a NATS KV bucket a lock needs; core/bus's `KvBucket` fits it as is, so `control/`
 *  never imports the NATS client (core/bus owns the connection and hands the bucket in). The bucket's
 *  TTL (max age) must be set: it is what frees the lock of a holder that died without releasing. */
export interface LeaseBucket {
  /** Writes `k` only when it is absent (or deleted); resolves with the revision. */
  create(k: string, data: string): Promise<number>;
  /** Writes `k` only when its revision is still `version`. */
  update(k: string, data: string, version: number): Promise<number>;
  delete(k: string, opts?: { previousSeq?: number }): Promise<void>;
}

/** Releases a held lock; safe to call twice. */
export type Release = () => Promise<void>;

/** Named locks: one holder per key. In one process a map; across controller and API replicas a NATS
 *  KV bucket (cluster mode), so one action runs per target whichever replica executes it. */
export interface Locks {
  /** Takes `key`, waiting up to `waitMs` (0: one try; Infinity: until it is free); undefined when
   *  someone else still holds it. */
  acquire(key: string, waitMs?: number): Promise<Release | undefined>;
}

/** Locks for one process. */
export function createInProcessLocks(): Locks {
  const held = new Map<string, Promise<void>>();
  return {
    async acquire(key, waitMs = 0) {
      const deadline = Date.now() + waitMs;
      for (;;) {
        const current = held.get(key);
        if (!current) break;
        const left = deadline - Date.now();
        if (left <= 0) return undefined;
        if (left === Number.POSITIVE_INFINITY) {
          await current;
          continue;
        }
        // The timer is cleared once the key frees: a waiter that got it early leaves no timer behind.
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([current, new Promise((r) => (timer = setTimeout(r, left)))]);
        clearTimeout(timer);
      }
      let free!: () => void;
      held.set(key, new Promise<void>((resolve) => (free = resolve)));
      let released = false;
      return async () => {
        if (released) return;
        released = true;
        held.delete(key);
        free();
      };
    },
  };
}

/** Parameters of {@link createKvLocks}. */
export interface KvLocksParams {
  /** A KV bucket whose TTL (max age) frees the lock of a holder that died. */
  bucket: LeaseBucket;
  /** The bucket's TTL in milliseconds: a held lock is renewed every third of it. */
  ttlMs: number;
  logger: Logger;
  /** Wait between attempts while another replica holds a key, in milliseconds. @default 100 */
  retryMs?: number;
}

/** Locks in a NATS KV bucket: `create` succeeds for one holder only; the holder renews by revision;
 *  a crashed holder's key expires with the bucket's TTL. */
export function createKvLocks(params: KvLocksParams): Locks {
  const retryMs = params.retryMs ?? 100;
  // KV keys allow letters, digits and -_=./ only: anything else becomes _.
  const kvKey = (key: string) => key.replace(/[^A-Za-z0-9\-_=./]/g, '_');
  return {
    async acquire(key, waitMs = 0) {
      const k = kvKey(key);
      const holder = randomUUID();
      const deadline = Date.now() + waitMs;
      let revision: number;
      for (;;) {
        try {
          revision = await params.bucket.create(k, holder);
          break;
        } catch {
          if (Date.now() >= deadline) return undefined;
          await new Promise((r) => setTimeout(r, retryMs * (0.5 + Math.random())));
        }
      }
      let released = false;
      const renew = setInterval(
        () => {
          params.bucket.update(k, holder, revision).then(
            (r) => {
              revision = r;
            },
            (err: unknown) => params.logger.error({ key, err: String(err) }, 'lock renewal failed'),
          );
        },
        Math.max(1, Math.floor(params.ttlMs / 3)),
      ).unref();
      return async () => {
        if (released) return;
        released = true;
        clearInterval(renew);
        await params.bucket.delete(k, { previousSeq: revision }).catch(() => undefined);
      };
    },
  };
}
