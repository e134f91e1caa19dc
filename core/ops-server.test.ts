import { describe, expect, it } from 'vitest';
import { ConfigError } from './errors.ts';
import { silentLogger } from './logger.ts';
import { counter, createMetricsRegistry } from './metrics.ts';
import { createOpsServer, type OpsServerParams } from './ops-server.ts';

const params = (overrides: Partial<OpsServerParams> = {}): OpsServerParams => ({
  host: '127.0.0.1',
  port: 0,
  metrics: createMetricsRegistry(),
  checks: {},
  logger: silentLogger(),
  ...overrides,
});

describe('OpsServer', () => {
  it('stops before start, and twice', async () => {
    const ops = createOpsServer(params());
    await ops.stop();
    await ops.stop();
    expect(ops.state).toBe('stopped');
  });

  it('serves /healthz, /metrics and 404 elsewhere, then stops twice', async () => {
    const metrics = createMetricsRegistry();
    counter(metrics, { name: 'aegis_test_things_total', help: 'Things seen.' }).inc(3);
    const ops = createOpsServer(params({ metrics }));
    await ops.start();
    expect(ops.state).toBe('running');
    const health = await fetch(`${ops.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.text()).toBe('ok\n');
    const scrape = await fetch(`${ops.url}/metrics`);
    expect(scrape.headers.get('content-type')).toContain('text/plain');
    expect(await scrape.text()).toMatch(/^aegis_test_things_total 3$/m);
    expect((await fetch(`${ops.url}/nope`)).status).toBe(404);
    expect((await fetch(`${ops.url}/metrics`, { method: 'POST' })).status).toBe(405);
    await ops.stop();
    await ops.stop();
    expect(ops.state).toBe('stopped');
    await expect(fetch(`${ops.url}/healthz`)).rejects.toThrow();
  });

  it('is ready only when every check passes, and a hanging check times out', async () => {
    let natsUp = true;
    const ops = createOpsServer(
      params({
        checkTimeoutMs: 200,
        checks: {
          nats: async () => {
            if (!natsUp) throw new Error('connection refused to nats://10.0.0.1:4222');
          },
          clickhouse: () => new Promise<void>(() => undefined),
        },
      }),
    );
    await ops.start();
    try {
      const t0 = Date.now();
      const r = await fetch(`${ops.url}/readyz`);
      expect(Date.now() - t0).toBeLessThan(2000);
      expect(r.status).toBe(503);
      const body = (await r.json()) as { ready: boolean; checks: { name: string; ok: boolean; reason?: string }[] };
      expect(body.ready).toBe(false);
      expect(body.checks).toEqual([
        { name: 'nats', ok: true },
        { name: 'clickhouse', ok: false, reason: 'clickhouse is not ready' },
      ]);
      natsUp = false;
      const down = await (await fetch(`${ops.url}/readyz`)).text();
      // The reason names no host: the real error goes to the log only.
      expect(down).not.toContain('10.0.0.1');
    } finally {
      await ops.stop();
    }
    const ready = createOpsServer(params({ checks: { nats: async () => undefined } }));
    await ready.start();
    try {
      expect((await fetch(`${ready.url}/readyz`)).status).toBe(200);
    } finally {
      await ready.stop();
    }
  });

  it('fails start with a ConfigError naming metrics.port when the port is taken', async () => {
    const first = createOpsServer(params());
    await first.start();
    try {
      const second = createOpsServer(params({ port: first.port }));
      const err = await second.start().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toMatch(/^metrics\.port: cannot listen on 127\.0\.0\.1:\d+ \(EADDRINUSE\)/);
      expect(second.state).toBe('failed');
      await second.stop();
    } finally {
      await first.stop();
    }
  });
});
