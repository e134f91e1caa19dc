import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createApiKeyStore } from '../../api/auth/index.ts';
import { createActionEventStore } from '../../control/actions/events.ts';
import { createKvAuditWitness, readTrustedKeys, trustFileOf, verifyAuditLog } from '../../control/audit/index.ts';
import { buildController } from '../../control/components.ts';
import { serveExecutor } from '../../control/executors/nats.ts';
import type { ExecutionRequest, Executor } from '../../control/executors/types.ts';
import { aegisConfigSchema } from '../../core/config/index.ts';
import { silentLogger } from '../../core/logger.ts';
import { migrate, openEmbeddedWarehouse, type Warehouse } from '../../core/warehouse/index.ts';
import { simulatedPlatformConfig } from '../../ingest/components.ts';
import { createTelemetryPublisher } from '../../ingest/publisher.ts';
import { createPlatform, HOUR_MS } from '../../ingest/simulator/index.ts';
import { createIngestWriter } from '../../ingest/writer/index.ts';
import { loadDefinitions } from '../../scoring/service/definitions.ts';
import { cliEnv, ROOT } from '../harness/cli.ts';
import { freePort, startTestNats, TEST_WRITER_CONFIG, tempDir } from '../harness/index.ts';
import { fingerprint, METRIC_ROWS_SQL, makePoints, waitFor, writerDrained } from '../harness/telemetry.ts';

/** How long a role may take here from SIGTERM to exit: less than the 30 s each component may take, so a
 *  stop that waits for its deadline instead of finishing its work fails. */
const EXIT_WITHIN_MS = 20_000;

/** One `aegis run <role>` child process, its output, and its exit. */
interface RoleProcess {
  child: ChildProcess;
  /** Everything written so far: JSON log lines (stderr) and any stdout. */
  output(): string;
  /** Resolves when a log line's `msg` matches. */
  logged(msg: RegExp, timeoutMs?: number): Promise<void>;
  /** Sends SIGTERM and resolves with the exit code, failing when the process outlives `EXIT_WITHIN_MS`. */
  terminate(): Promise<number | null>;
  /** SIGKILL if still running (test cleanup). */
  kill(): Promise<void>;
}

/** Starts `node bin/aegis.js run <role>` with `env` on top of a clean environment. */
function runRole(role: string, env: Record<string, string>): RoleProcess {
  // None of the shell's AEGIS_* (AEGIS_CLICKHOUSE_URL above all: each role uses the embedded engine under its data dir).
  const childEnv = cliEnv({ AEGIS_LOG_LEVEL: 'info', ...env });
  const child = spawn(process.execPath, ['bin/aegis.js', 'run', role], { cwd: ROOT, env: childEnv });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (out += c));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const messages = () =>
    out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => (JSON.parse(l) as { msg?: string }).msg ?? '');
  return {
    child,
    output: () => out,
    async logged(msg, timeoutMs = 60_000) {
      await waitFor(() => messages().some((m) => msg.test(m)) || child.exitCode !== null, timeoutMs, 20);
      if (!messages().some((m) => msg.test(m))) throw new Error(`${role} exited before logging ${msg}:\n${out}`);
    },
    async terminate() {
      child.kill('SIGTERM');
      const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), EXIT_WITHIN_MS).unref());
      const code = await Promise.race([exited, timeout]);
      if (code === 'timeout') throw new Error(`${role} did not exit within ${EXIT_WITHIN_MS} ms of SIGTERM:\n${out}`);
      return code;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

/** Opens a role's embedded store in this process, runs `fn`, and closes it so the role can open it. */
async function withStore<T>(dataDir: string, fn: (wh: Warehouse) => Promise<T>): Promise<T> {
  const wh = await openEmbeddedWarehouse({ path: join(dataDir, 'clickhouse'), database: 'aegis' });
  try {
    await migrate(wh);
    return await fn(wh);
  } finally {
    await wh.close();
  }
}

/** The `n` column of a one-row query. */
async function count(wh: Warehouse, sql: string, params?: Record<string, unknown>): Promise<number> {
  const [row] = await wh.query<{ n: number | string }>(sql, params);
  return Number(row?.n ?? 0);
}

/** A POST to the API's /graphql with its headers and the first bytes of `body` sent: in flight until
 *  `sendRest()`. */
function partialPost(
  port: number,
  token: string,
  body: string,
): { answer: Promise<{ status: number; text: string }>; sendRest: () => void } {
  const bytes = Buffer.from(body);
  const req = request({
    host: '127.0.0.1',
    port,
    path: '/graphql',
    method: 'POST',
    agent: false,
    headers: { 'content-type': 'application/json', 'content-length': bytes.length, authorization: `Bearer ${token}` },
  });
  const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
  });
  req.write(bytes.subarray(0, 10));
  return { answer, sendRest: () => req.end(bytes.subarray(10)) };
}

/** An OTLP/JSON gauge request of `service` with one data point per entry of `points`. */
function otlpGauge(service: string, points: Record<string, unknown>[]): string {
  return JSON.stringify({
    resourceMetrics: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeMetrics: [{ metrics: [{ name: 'queue_depth', unit: '1', gauge: { dataPoints: points } }] }],
      },
    ],
  });
}

const decode = (data: Uint8Array) => JSON.parse(Buffer.from(data).toString('utf8'));

describe('graceful shutdown: SIGTERM with work in flight loses nothing', () => {
  let nats: Awaited<ReturnType<typeof startTestNats>>;
  const dir = tempDir('aegis-shutdown-');
  const running: RoleProcess[] = [];

  /** A role of its own data dir and config file, against the test nats-server. */
  function role(name: string, dataDir: string, yaml = ''): RoleProcess {
    mkdirSync(dataDir, { recursive: true });
    const config = join(dataDir, 'aegis.yaml');
    writeFileSync(config, yaml);
    const p = runRole(name, {
      AEGIS_DATA_DIR: dataDir,
      AEGIS_CONFIG: config,
      AEGIS_NATS_URL: nats.server.url,
      // No health/metrics server: its fixed default port would clash with other tests on this host.
      AEGIS_METRICS_PORT: '0',
    });
    running.push(p);
    return p;
  }

  beforeAll(async () => {
    nats = await startTestNats();
  });
  afterAll(async () => {
    for (const p of running) await p.kill();
    await nats?.stop();
    dir.remove();
  });

  it('ingest-writer: a writer stopped mid-stream and a second one store every record exactly once', async () => {
    const dataDir = join(dir.path, 'writer');
    await withStore(dataDir, async () => undefined);
    await nats.bus.purge('TELEMETRY');
    // Small batches: the first writer is stopped between inserts, with batches queued and in flight.
    // A short ack-wait: messages NATS delivered as the first writer unsubscribed (never seen by it, so
    // neither acked nor nak'd) come back to the second one after it rather than after a minute.
    const yaml = 'writer:\n  maxBatchRows: 2000\n  flushIntervalMs: 200\n  ackWaitMs: 2000\n';
    const points = makePoints(30_000, 'shutdown-writer');
    const publisher = createTelemetryPublisher({ bus: nats.bus, source: 'test', batchRecords: 500 });
    const first = role('ingest-writer', dataDir, yaml);
    await first.logged(/ingest-writer running/);

    // Publish in slices while the writer consumes; SIGTERM lands a third of the way through, and the
    // rest is published while it stops and after it exited.
    const SLICE = 1000;
    let terminated: Promise<number | null> | undefined;
    for (let start = 0; start < points.length; start += SLICE) {
      await publisher.publish('metrics', points.slice(start, start + SLICE));
      if (start === 10 * SLICE) terminated = first.terminate();
      await new Promise((r) => setTimeout(r, 30));
    }
    expect(await terminated, first.output()).toBe(0);
    const left = await nats.bus.consumerPending('TELEMETRY', 'ingest-writer');
    expect(left.pending, 'records published after the stop wait for the next writer').toBeGreaterThan(0);
    // Everything it acked is stored, and nothing it did not ack: the stop wrote its batches, then acked.
    const storedByFirst = await withStore(dataDir, async (wh) => count(wh, 'SELECT count() AS n FROM metrics'));
    const messages = points.length / 500;
    expect(storedByFirst).toBeGreaterThan(0);
    expect(storedByFirst).toBe((messages - left.pending - left.ackPending) * 500);

    const second = role('ingest-writer', dataDir, yaml);
    await second.logged(/ingest-writer running/);
    await waitFor(() => writerDrained(nats.bus, 'ingest-writer'), 30_000);
    expect(await second.terminate(), second.output()).toBe(0);

    await withStore(dataDir, async (wh) => {
      const rows = await wh.query<Parameters<typeof fingerprint>[0][number]>(METRIC_ROWS_SQL);
      expect(rows.length).toBe(points.length);
      expect(await count(wh, "SELECT uniqExact(labels['i']) AS n FROM metrics")).toBe(points.length);
      expect(fingerprint(rows)).toBe(fingerprint(points.map((p) => ({ ...p, labels: p.labels ?? {} }))));
    });
  }, 90_000);

  it('collector: every OTLP request answered 200 is on the stream; later ones are refused, not dropped', async () => {
    const port = await freePort();
    const collector = role(
      'collector',
      join(dir.path, 'collector'),
      `collectors:\n  otlpHost: 127.0.0.1\n  otlpPort: ${port}\n`,
    );
    await collector.logged(/collector running/);
    await nats.bus.purge('TELEMETRY');

    // Eight senders post requests of 20 points each, one after another, before, during and after the
    // stop; each request's points carry its number, to find them on the stream.
    const outcomes = new Map<number, string>();
    let next = 0;
    let exited = false;
    const send = async (req: number): Promise<string> => {
      const nowNs = `${Date.now()}000000`;
      const points = Array.from({ length: 20 }, (_, p) => ({
        asDouble: p,
        timeUnixNano: nowNs,
        attributes: [
          { key: 'req', value: { stringValue: String(req) } },
          { key: 'p', value: { stringValue: String(p) } },
        ],
      }));
      try {
        const res = await fetch(`http://127.0.0.1:${port}/v1/metrics`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: otlpGauge('shutdown-collector', points),
        });
        await res.text();
        return String(res.status);
      } catch (err) {
        const cause = (err as { cause?: { code?: string } }).cause;
        return cause?.code ?? String(err);
      }
    };
    const sender = async () => {
      let refusedAfterExit = 0;
      while (refusedAfterExit < 3) {
        const req = next++;
        const outcome = await send(req);
        outcomes.set(req, outcome);
        if (exited) refusedAfterExit++;
      }
    };
    const senders = Promise.all(Array.from({ length: 8 }, sender));
    await waitFor(() => [...outcomes.values()].filter((o) => o === '200').length >= 40, 30_000, 10);
    const code = await collector.terminate();
    exited = true;
    await senders;
    expect(code, collector.output()).toBe(0);

    const stored = new Set<string>();
    for (const m of await nats.bus.read('TELEMETRY', 100_000, 'aegis.telemetry.metrics.otlp'))
      for (const r of decode(m.data).data.records as { labels: Record<string, string> }[])
        stored.add(`${r.labels.req}/${r.labels.p}`);
    const accepted = [...outcomes].filter(([, o]) => o === '200').map(([req]) => req);
    const refused = [...outcomes].filter(([, o]) => o !== '200');
    expect(accepted.length).toBeGreaterThanOrEqual(40);
    for (const req of accepted)
      for (let p = 0; p < 20; p++) expect(stored.has(`${req}/${p}`), `request ${req}`).toBe(true);
    // Refused cleanly: 503, or a connection refused or closed before any answer; never a timeout or a 500.
    // A refused request was not half taken either: none of its points is on the stream.
    for (const [req, o] of refused) {
      expect(o, `request ${req}`).toMatch(/^(503|ECONNREFUSED|ECONNRESET|UND_ERR_SOCKET)$/);
      expect(stored.has(`${req}/0`), `request ${req} (${o})`).toBe(false);
    }
    expect(refused.filter(([, o]) => o === 'ECONNREFUSED').length).toBeGreaterThan(0);
  }, 60_000);

  it('simulator: stopped during the backfill and restarted, it publishes every record exactly once', async () => {
    const dataDir = join(dir.path, 'simulator');
    const yaml = 'simulator:\n  seed: 11\n  services: 3\n  teams: 3\n  backfillDays: 2\n  tickMs: 600000\n';
    const checkpointFile = join(dataDir, 'simulator', 'checkpoint.json');
    const checkpoint = () =>
      existsSync(checkpointFile)
        ? (JSON.parse(readFileSync(checkpointFile, 'utf8')) as { firstMs: number; generatedUntilMs: number })
        : undefined;
    await nats.bus.purge('TELEMETRY');

    const first = role('simulator', dataDir, yaml);
    await first.logged(/simulator running/);
    await waitFor(() => checkpoint() !== undefined, 30_000, 20);
    expect(await first.terminate(), first.output()).toBe(0);
    const stoppedAt = checkpoint()!;
    expect(stoppedAt.generatedUntilMs, 'stopped before the backfill ended').toBeLessThan(Date.now() - 2 * HOUR_MS);

    const restartedAt = Date.now();
    const second = role('simulator', dataDir, yaml);
    await waitFor(() => (checkpoint()?.generatedUntilMs ?? 0) >= restartedAt - 60_000, 60_000);
    expect(await second.terminate(), second.output()).toBe(0);

    const { firstMs, generatedUntilMs } = checkpoint()!;
    expect(firstMs).toBe(stoppedAt.firstMs);
    const config = aegisConfigSchema.parse({ simulator: { seed: 11, services: 3, teams: 3 } });
    const expected = createPlatform(simulatedPlatformConfig(config)).generate(firstMs, generatedUntilMs);
    const messages = await nats.bus.read('TELEMETRY', 100_000);
    for (const [kind, records] of Object.entries(expected)) {
      const published = messages
        .filter((m) => m.subject === `aegis.telemetry.${kind}.simulator`)
        .flatMap((m) => (decode(m.data).data.records as unknown[]).map((r) => JSON.stringify(r)));
      expect(published.length, kind).toBe(records.length);
      expect(published.sort(), kind).toEqual((records as unknown[]).map((r) => JSON.stringify(r)).sort());
    }
  }, 90_000);

  it('scorer: stopped during a pass, it finishes the pass, saves detector state, and stores no partial pass', async () => {
    const dataDir = join(dir.path, 'scorer');
    // A day of the simulated platform, stored by a writer in this process before the role opens the store.
    await nats.bus.purge('TELEMETRY');
    const config = aegisConfigSchema.parse({ simulator: { seed: 5, services: 3, teams: 3 } });
    const nowMs = Math.floor(Date.now() / HOUR_MS) * HOUR_MS;
    const generated = createPlatform(simulatedPlatformConfig(config)).generate(nowMs - 24 * HOUR_MS, nowMs);
    await withStore(dataDir, async (wh) => {
      const writer = createIngestWriter(
        { ...TEST_WRITER_CONFIG, durable: 'scorer-seed' },
        { bus: nats.bus, warehouse: wh, logger: silentLogger() },
      );
      await writer.start();
      const publisher = createTelemetryPublisher({ bus: nats.bus, source: 'simulator' });
      for (const [kind, records] of Object.entries(generated)) await publisher.publish(kind as never, records as never);
      await waitFor(() => writerDrained(nats.bus, 'scorer-seed'), 30_000);
      await writer.stop();
      expect(await count(wh, 'SELECT count() AS n FROM metrics')).toBe(generated.metrics.length);
    });

    const passesDone = (p: RoleProcess) => p.output().split('"msg":"scoring pass done"').length - 1;
    const first = role('scorer', dataDir);
    // The first pass starts with the role: SIGTERM lands while it runs.
    await first.logged(/scorer running/);
    expect(passesDone(first), 'SIGTERM landed after the pass').toBe(0);
    expect(await first.terminate(), first.output()).toBe(0);
    expect(passesDone(first), 'the pass in flight finished').toBe(1);
    expect(existsSync(join(dataDir, 'models', 'anomaly', 'watcher.json')), 'detector state saved').toBe(true);

    const second = role('scorer', dataDir);
    await second.logged(/scoring pass done/);
    expect(await second.terminate(), second.output()).toBe(0);

    await withStore(dataDir, async (wh) => {
      const passes = await wh.query<{ pass_id: string; rows: number; distinct: number; maturity: number }>(
        `SELECT pass_id, count() AS rows, uniqExact(dimension, scope, subject) AS distinct,
           countIf(dimension = 'maturity') AS maturity FROM scores GROUP BY pass_id`,
      );
      expect(passes.length).toBe(passesDone(first) + passesDone(second));
      for (const p of passes) {
        expect(Number(p.maturity), p.pass_id).toBe(1);
        expect(Number(p.rows), p.pass_id).toBe(Number(p.distinct));
      }
      expect(await count(wh, 'SELECT count() AS n FROM slo_status')).toBe(
        await count(wh, 'SELECT uniqExact(pass_id, slo) AS n FROM slo_status'),
      );
    });
  }, 120_000);

  it('controller: stopped while an action executes, the action succeeds once and the audit chain verifies', async () => {
    const dataDir = join(dir.path, 'controller');
    const yaml =
      'simulator:\n  enabled: false\ncontrol:\n  sweepIntervalSec: 1\n  natsExecutorTypes: [scale_up]\n' +
      '  automation:\n    types:\n      scale_up: auto\n';
    mkdirSync(dataDir, { recursive: true });
    // An agent in this process: slow to execute, so the stop lands mid-call; idempotent by key.
    const calls: ExecutionRequest[] = [];
    const results = new Map<string, { ok: boolean; summary: string; details: Record<string, unknown> }>();
    const agent: Executor = {
      name: 'slow-agent',
      supports: (type) => type === 'scale_up',
      async run(req) {
        calls.push(req);
        const done = results.get(req.idempotencyKey);
        if (done) return { ...done, replayed: true };
        if (req.mode === 'execute') await new Promise((r) => setTimeout(r, 3000));
        const result = { ok: true, summary: `${req.mode} ${req.target.service}`, details: {}, undo: { factor: 0.5 } };
        results.set(req.idempotencyKey, result);
        return { ...result, replayed: false };
      },
    };
    const served = serveExecutor({ bus: nats.bus, executor: agent, types: ['scale_up'] });
    await served.ready;

    try {
      // Proposed and approved (by policy: low impact, by the owning team) before the role starts.
      const config = aegisConfigSchema.parse({ dataDir, nats: { url: nats.server.url } });
      const catalog = loadDefinitions(config).catalog;
      const actionId = await withStore(dataDir, async (wh) => {
        const controller = await buildController(config, {
          warehouse: wh,
          bus: nats.bus,
          logger: silentLogger(),
          catalog: () => catalog,
          schedule: false,
        });
        await controller.start();
        const view = await controller.actions.propose(
          { type: 'scale_up', target: { service: 'checkout-worker' }, params: { factor: 2 }, reason: 'shutdown test' },
          { id: 'dan', kind: 'human', roles: [], team: 'checkout' },
        );
        await controller.stop();
        expect(view.state).toBe('approved');
        return view.id;
      });

      const first = role('controller', dataDir, yaml);
      await waitFor(() => calls.some((c) => c.mode === 'execute') || first.child.exitCode !== null, 60_000, 20);
      expect(await first.terminate(), first.output()).toBe(0);

      // Restarted, it finds nothing left to do, or resumes with the same idempotency key.
      const second = role('controller', dataDir, yaml);
      await second.logged(/controller running/);
      await new Promise((r) => setTimeout(r, 2500)); // two sweeps
      expect(await second.terminate(), second.output()).toBe(0);

      const executes = calls.filter((c) => c.mode === 'execute');
      expect(executes.length).toBeGreaterThanOrEqual(1);
      expect(new Set(executes.map((c) => c.idempotencyKey))).toEqual(new Set([`${actionId}:execute`]));
      expect(results.size).toBe(2); // one dry run and one execution took effect
      // The chain verifies up to the head the writer last witnessed in NATS KV: no gap, no lost tail.
      const head = await createKvAuditWitness({ bucket: await nats.bus.kv('aegis-audit-head', { ttlMs: 0 }) }).read();
      expect(head).toBeDefined();
      const trusted = readTrustedKeys(trustFileOf({ dataDir }));
      await withStore(dataDir, async (wh) => {
        const events = await createActionEventStore(wh).history(actionId);
        expect(events.map((e) => e.event)).toEqual(['proposed', 'decided', 'dry_run', 'started', 'succeeded']);
        const verified = await verifyAuditLog(wh, trusted, { signatures: 'all', expectedHead: head! });
        expect(verified).toMatchObject({ ok: true, headSeq: head!.seq });
        expect(verified.records).toBeGreaterThanOrEqual(events.length);
      });
    } finally {
      await served.stop();
    }
  }, 120_000);

  it('api: a query in flight gets its answer, subscriptions close with 1001, new connections are refused, a stalled request is cut at the deadline', async () => {
    const dataDir = join(dir.path, 'api');
    const port = await freePort();
    const token = await withStore(dataDir, async (wh) => {
      const keys = createApiKeyStore(wh, { cacheMs: 0 });
      return (await keys.create({ name: 'shutdown', role: 'admin' })).token;
    });
    const api = role(
      'api',
      dataDir,
      `simulator:\n  enabled: false\napi:\n  host: 127.0.0.1\n  port: ${port}\n  shutdownTimeoutMs: 3000\n`,
    );
    await api.logged(/api running/);
    const base = `127.0.0.1:${port}`;

    // A subscription, open and acknowledged.
    const ws = new WebSocket(`ws://${base}/graphql`, 'graphql-transport-ws');
    const wsClosed = new Promise<{ code: number; reason: string }>((resolve) =>
      ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
    await new Promise<void>((resolve, reject) => {
      ws.once('error', reject);
      ws.on('open', () =>
        ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })),
      );
      ws.on('message', (data) => {
        if (JSON.parse(data.toString()).type !== 'connection_ack') return;
        ws.send(
          JSON.stringify({
            id: '1',
            type: 'subscribe',
            payload: { query: 'subscription { actionUpdated { actionId } }' },
          }),
        );
        resolve();
      });
    });

    // Two queries in flight: headers and part of the body sent. The first sends the rest once the stop
    // has begun and must get its answer; the second never does and is cut at the API's shutdown timeout.
    const query = '{ viewer { keyId role } platform { latestScores { dimension } } }';
    const inFlight = partialPost(port, token, JSON.stringify({ query }));
    const stalled = partialPost(port, token, JSON.stringify({ query }));
    await new Promise((r) => setTimeout(r, 300));

    const terminated = api.terminate();
    terminated.catch(() => undefined); // awaited below; a failure before that must not go unhandled
    expect(await wsClosed).toMatchObject({ code: 1001 });
    // New connections are refused from now on.
    await waitFor(
      async () => {
        const outcome = await fetch(`http://${base}/healthz`).then(
          (r) => String(r.status),
          (err: { cause?: { code?: string } }) => err.cause?.code ?? 'error',
        );
        return outcome === 'ECONNREFUSED';
      },
      5000,
      20,
    );
    inFlight.sendRest();
    const { status, text } = await inFlight.answer;
    expect(status, text).toBe(200);
    const reply = JSON.parse(text) as { data?: { viewer: { role: string } }; errors?: unknown[] };
    expect(reply.errors).toBeUndefined();
    expect(reply.data?.viewer.role).toBe('ADMIN');
    await expect(stalled.answer).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(await terminated, api.output()).toBe(0);
  }, 90_000);
});
