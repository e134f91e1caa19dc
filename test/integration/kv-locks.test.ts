import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKvLocks } from '../../control/locks.ts';
import { silentLogger } from '../../core/logger.ts';
import { startTestNats } from '../harness/index.ts';

describe('per-target locks in NATS KV (cluster mode)', () => {
  let nats: Awaited<ReturnType<typeof startTestNats>>;
  beforeAll(async () => {
    nats = await startTestNats();
  });
  afterAll(async () => {
    await nats?.stop();
  });

  it('gives a target to one replica at a time, across connections', async () => {
    const other = await nats.connect();
    try {
      const a = createKvLocks({
        bucket: await nats.bus.kv('test-locks', { ttlMs: 5000 }),
        ttlMs: 5000,
        logger: silentLogger(),
      });
      const b = createKvLocks({
        bucket: await other.kv('test-locks', { ttlMs: 5000 }),
        ttlMs: 5000,
        logger: silentLogger(),
      });
      const held = await a.acquire('target.arn:aws:ec2:us-east-1:1:instance/i-1');
      expect(held).toBeDefined();
      expect(await b.acquire('target.arn:aws:ec2:us-east-1:1:instance/i-1', 200)).toBeUndefined();
      expect(await b.acquire('target.checkout-api')).toBeDefined();
      await held!();
      expect(await b.acquire('target.arn:aws:ec2:us-east-1:1:instance/i-1')).toBeDefined();
    } finally {
      await other.close();
    }
  });

  it('frees the lock of a holder that died once the bucket TTL passes', async () => {
    const bucket = await nats.bus.kv('test-locks-ttl', { ttlMs: 1000 });
    // A holder that never renews or releases: its entry is written once and left.
    await bucket.create('target.orphan', 'crashed-holder');
    const locks = createKvLocks({ bucket, ttlMs: 1000, logger: silentLogger(), retryMs: 50 });
    expect(await locks.acquire('target.orphan', 100)).toBeUndefined();
    expect(await locks.acquire('target.orphan', 3000)).toBeDefined();
  });
});
