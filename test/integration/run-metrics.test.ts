import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTelemetryPublisher } from '../../ingest/publisher.ts';
import { cliEnv, ROOT } from '../harness/cli.ts';
import { freePort, startTestNats, tempDir } from '../harness/index.ts';
import { makePoints, waitFor } from '../harness/telemetry.ts';

const POINTS = 120;

/** `fetch` that answers undefined instead of throwing while the server is not up (yet, or any more). */
const tryFetch = (url: string) => fetch(url).catch(() => undefined);

describe('aegis run ingest-writer', () => {
  let nats: Awaited<ReturnType<typeof startTestNats>>;
  const dir = tempDir('aegis-run-metrics-');
  beforeAll(async () => {
    nats = await startTestNats();
  });
  afterAll(async () => {
    await nats?.stop();
    dir.remove();
  });

  it('serves /healthz, /readyz and /metrics on its metrics port, and closes it on stop', {
    timeout: 120_000,
  }, async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const env = cliEnv({
      AEGIS_DATA_DIR: dir.path,
      AEGIS_NATS_URL: nats.server.url,
      AEGIS_METRICS_PORT: String(port),
      AEGIS_LOG_LEVEL: 'info',
    });
    const child = spawn(process.execPath, ['bin/aegis.js', 'run', 'ingest-writer'], { cwd: ROOT, env });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.stdout.resume();
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    try {
      await waitFor(
        async () => child.exitCode !== null || (await tryFetch(`${base}/readyz`))?.status === 200,
        90_000,
        250,
      );
      expect(child.exitCode, stderr).toBeNull();
      const health = await fetch(`${base}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.text()).toBe('ok\n');
      const ready = (await (await fetch(`${base}/readyz`)).json()) as { ready: boolean; checks: { name: string }[] };
      expect(ready.ready).toBe(true);
      expect(ready.checks.map((c) => c.name).sort()).toEqual(['clickhouse', 'components', 'nats']);
      expect(stderr).toContain('health and metrics listening');

      await createTelemetryPublisher({ bus: nats.bus, source: 'runtest' }).publish('metrics', makePoints(POINTS));
      let text = '';
      await waitFor(
        async () => {
          text = (await (await tryFetch(`${base}/metrics`))?.text()) ?? '';
          return text.includes(`aegis_ingest_rows_total{table="metrics"} ${POINTS}`);
        },
        30_000,
        250,
      );
      expect(text).toMatch(/^aegis_ingest_lag_seconds_count 1$/m);
      expect(text).toMatch(/^aegis_ingest_batch_rows_sum\{trigger="timer"\} 120$/m);
      expect(text).toContain('aegis_ingest_consumer_pending_messages{stream="TELEMETRY",consumer="ingest-writer"}');

      child.kill('SIGINT');
      const { code, signal } = await exited;
      expect(signal, stderr).toBeNull();
      expect(code, stderr).toBe(0);
      expect(await tryFetch(`${base}/healthz`)).toBeUndefined();
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    }
  });
});
