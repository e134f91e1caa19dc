import { describe, expect, it } from 'vitest';
import { createInProcessLocks } from './locks.ts';

describe('in-process locks', () => {
  it('gives a key to one holder at a time and frees it on release', async () => {
    const locks = createInProcessLocks();
    const release = await locks.acquire('target.a');
    expect(release).toBeDefined();
    expect(await locks.acquire('target.a')).toBeUndefined();
    expect(await locks.acquire('target.b')).toBeDefined();
    await release!();
    await release!(); // twice is harmless
    expect(await locks.acquire('target.a')).toBeDefined();
  });

  it('waits up to waitMs for a held key', async () => {
    const locks = createInProcessLocks();
    const release = (await locks.acquire('k'))!;
    setTimeout(() => void release(), 20);
    const t0 = Date.now();
    expect(await locks.acquire('k', 1000)).toBeDefined();
    expect(Date.now() - t0).toBeLessThan(900);
    expect(await locks.acquire('k', 30)).toBeUndefined();
  });
});

describe('in-process locks, waiting', () => {
  it('leaves no timer behind once a waiter gets the key', async () => {
    const locks = createInProcessLocks();
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    const release = (await locks.acquire('k'))!;
    setTimeout(() => void release(), 10);
    expect(await locks.acquire('k', 60_000)).toBeDefined();
    expect(timers()).toBe(before);
  });

  it('waits for as long as it takes with Infinity, without an overflowing timer', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      const locks = createInProcessLocks();
      const release = (await locks.acquire('k'))!;
      setTimeout(() => void release(), 20);
      expect(await locks.acquire('k', Number.POSITIVE_INFINITY)).toBeDefined();
      await new Promise((r) => setImmediate(r));
      expect(warnings).not.toContain('TimeoutOverflowWarning');
    } finally {
      process.off('warning', onWarning);
    }
  });
});
