import { randomUUID } from 'node:crypto';
import type { Logger } from '../../core/logger.ts';
import type { AuditLock, AuditLockRelease } from './lock.ts';

/** The part of a NATS KV bucket the lease needs; `@nats-io/kv`'s `KV` fits it as is, so `control/`
 *  never imports the NATS client (core/bus owns the connection and hands the bucket in). The bucket's
 *  `ttl` (max age) must be set: it is what frees the lease of a writer that died without releasing. */
export interface LeaseBucket {
  /** Writes `k` only when it is absent (or deleted); resolves with the revision. */
  create(k: string, data: string): Promise<number>;
  /** Writes `k` only when its revision is still `version`. */
  update(k: string, data: string, version: number): Promise<number>;
  delete(k: string, opts?: { previousSeq?: number }): Promise<void>;
}

/** Parameters of {@link createKvAuditLock}. */
export interface KvAuditLockParams {
  bucket: LeaseBucket;
  /** One key per chain. @default audit-writer */
  key?: string;
  /** The bucket's TTL, in milliseconds: the lease is renewed every third of it. */
  ttlMs: number;
  /** Wait between attempts while another replica holds the lease, in milliseconds. @default 200 */
  retryMs?: number;
  logger: Logger;
}

/** A writer lease across controller replicas in NATS KV: `create` succeeds for one replica only; the
 *  holder renews it by revision; a crashed holder's entry expires with the bucket TTL. Limits: a holder
 *  paused past the TTL may still write once after another replica took over. The writer re-reads the
 *  head after each acquisition, so that case shows up as a duplicate seq in `aegis audit verify`
 *  rather than passing silently. */
export function createKvAuditLock(params: KvAuditLockParams): AuditLock {
  const key = params.key ?? 'audit-writer';
  const retryMs = params.retryMs ?? 200;
  return {
    async acquire(): Promise<AuditLockRelease> {
      const holder = randomUUID();
      let revision: number;
      for (;;) {
        try {
          revision = await params.bucket.create(key, holder);
          break;
        } catch {
          // Held by another replica (or NATS briefly unavailable): try again shortly.
          await new Promise((r) => setTimeout(r, retryMs * (0.5 + Math.random())));
        }
      }
      let released = false;
      const renew = setInterval(
        () => {
          params.bucket.update(key, holder, revision).then(
            (r) => {
              revision = r;
            },
            (err: unknown) => params.logger.error({ key, err: String(err) }, 'audit writer lease renewal failed'),
          );
        },
        Math.max(1, Math.floor(params.ttlMs / 3)),
      ).unref();
      return async () => {
        if (released) return;
        released = true;
        clearInterval(renew);
        // Only our own revision is deleted: a lease that expired and moved on is left to its new holder.
        await params.bucket.delete(key, { previousSeq: revision }).catch(() => undefined);
      };
    },
  };
}
