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
