import { describe, expect, it } from 'vitest';
import { cachedSample, createMetricsRegistry, gauge } from './metrics.ts';

describe('cachedSample', () => {
  it('reuses a value for ttlMs and shares one read between concurrent callers', async () => {
    let t = 0;
    let reads = 0;
    const sample = cachedSample(async () => ++reads, { ttlMs: 1000, now: () => t });
    expect(await Promise.all([sample(), sample()])).toEqual([1, 1]);
    t = 999;
    expect(await sample()).toBe(1);
    t = 1000;
    expect(await sample()).toBe(2);
    expect(reads).toBe(2);
  });

  it('gives undefined when the read fails or outlasts timeoutMs', async () => {
    const failing = cachedSample(async () => Promise.reject(new Error('down')), { ttlMs: 0 });
    expect(await failing()).toBeUndefined();
    const hanging = cachedSample(() => new Promise<number>(() => undefined), { timeoutMs: 50 });
    const t0 = Date.now();
    expect(await hanging()).toBeUndefined();
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  it('drives a gauge collected on scrape, which drops its series when the read fails', async () => {
    const registry = createMetricsRegistry();
    let up = true;
    const sample = cachedSample(async () => (up ? 7 : Promise.reject(new Error('down'))), { ttlMs: 0 });
    gauge(registry, {
      name: 'aegis_test_backlog_messages',
      help: 'Backlog.',
      labelNames: ['consumer'],
      async collect() {
        const v = await sample();
        if (v === undefined) this.reset();
        else this.set({ consumer: 'w' }, v);
      },
    });
    expect(await registry.metrics()).toContain('aegis_test_backlog_messages{consumer="w"} 7');
    up = false;
    expect(await registry.metrics()).not.toContain('aegis_test_backlog_messages{');
  });
});
