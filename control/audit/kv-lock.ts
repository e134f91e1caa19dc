import type { Logger } from '../../core/logger.ts';
import { createKvLocks, type LeaseBucket } from '../locks.ts';
import type { AuditLock, AuditLockRelease } from './lock.ts';

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
  const locks = createKvLocks({ ...params, retryMs: params.retryMs ?? 200 });
  return {
    async acquire(): Promise<AuditLockRelease> {
      // Waits as long as another replica holds the lease: appends queue behind it.
      return (await locks.acquire(key, Number.POSITIVE_INFINITY))!;
    },
  };
}
