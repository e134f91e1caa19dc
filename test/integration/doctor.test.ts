import { spawn } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../cli/doctor/index.ts';
import { runDoctor } from '../../cli/doctor/index.ts';
import { loadOrCreateAuditKey } from '../../control/audit/index.ts';
import { type AegisConfig, loadConfig } from '../../core/config/index.ts';
import { migrate, openEmbeddedWarehouse, type Warehouse } from '../../core/warehouse/index.ts';
import { ROOT, runAegis } from '../harness/cli.ts';
import { freePort, startTestNats, TEST_STREAMS, tempDir } from '../harness/index.ts';

const MIGRATIONS = join(ROOT, 'schemas', 'clickhouse');

/** The settings the test NATS streams were made with, so the streams match the configuration. */
const STREAM_YAML = `nats:
  telemetryMaxAgeHours: ${TEST_STREAMS.telemetryMaxAgeHours}
  retainDays: ${TEST_STREAMS.retainDays}
  duplicateWindowSec: ${TEST_STREAMS.duplicateWindowSec}
`;

const byName = (results: CheckResult[], name: string) => results.find((r) => r.name === name)!;

describe('aegis doctor', () => {
  let nats: Awaited<ReturnType<typeof startTestNats>>;
  let data: ReturnType<typeof tempDir>;
  let warehouse: Warehouse;
  let silent: Server;

  /** The configuration of the healthy set-up: the test NATS, the embedded engine under `data`. */
  const configWith =
    (overrides: Record<string, unknown> = {}, env: Record<string, string> = {}) =>
    (): AegisConfig =>
      loadConfig({
        env: { AEGIS_NATS_URL: nats.server.url, AEGIS_DATA_DIR: data.path, ...env },
        cwd: ROOT,
        overrides: {
          'nats.telemetryMaxAgeHours': TEST_STREAMS.telemetryMaxAgeHours,
          'nats.retainDays': TEST_STREAMS.retainDays,
          'nats.duplicateWindowSec': TEST_STREAMS.duplicateWindowSec,
          ...overrides,
        },
      });

  const doctor = (params: Partial<Parameters<typeof runDoctor>[0]> = {}) =>
    runDoctor({ loadConfig: configWith(), configSource: 'test', warehouse, timeoutMs: 3000, ...params });

  beforeAll(async () => {
    nats = await startTestNats();
    data = tempDir('aegis-doctor-');
    // The ingest writer's durable consumer, as the writer creates it with the default writer.* settings.
    const config = configWith()();
    // Created and stopped without reading: the durable stays, as the writer leaves it.
    const consumer = await nats.bus.consume({
      stream: 'TELEMETRY',
      durable: config.writer.durable,
      maxDeliver: config.writer.maxDeliver,
      ackWaitMs: config.writer.ackWaitMs,
      maxAckPending: config.writer.maxAckPending,
    });
    await consumer.stop();
    warehouse = await openEmbeddedWarehouse({ path: join(data.path, 'clickhouse'), database: 'aegis' });
    await migrate(warehouse);
    loadOrCreateAuditKey({ dataDir: data.path });
    // Accepts connections and never answers: a server that hangs.
    silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    silent?.close();
    await warehouse?.close(); // safe twice
    await nats?.stop();
    data?.remove();
  });

  it('reports every check ok on a healthy set-up', async () => {
    const results = await doctor();
    expect(results.map((r) => r.name)).toEqual([
      'config',
      'nats',
      'clickhouse',
      'migrations',
      'clock',
      'disk',
      'audit key',
      'audit head',
      'admin key',
      'policies',
    ]);
    for (const r of results) expect(r, r.name).toMatchObject({ status: 'ok' });
    expect(byName(results, 'nats').detail).toContain('JetStream on');
    expect(byName(results, 'clickhouse').detail).toMatch(/embedded engine \(chdb\) \d+\.\d+/);
    expect(byName(results, 'clock').detail).toMatch(/^local clock vs ClickHouse [+-]\d+ ms/);
  });

  it('fails the nats check when NATS refuses connections, with the fix', async () => {
    const results = await doctor({ loadConfig: configWith({}, { AEGIS_NATS_URL: 'nats://127.0.0.1:1' }) });
    const r = byName(results, 'nats');
    expect(r.status).toBe('fail');
    expect(r.detail).toContain('nats://127.0.0.1:1');
    expect(r.fix).toContain('AEGIS_NATS_URL');
    // The rest of the report still comes back, and the witness (kept in NATS KV) is reported as unread.
    expect(byName(results, 'migrations').status).toBe('ok');
    expect(byName(results, 'audit head').detail).toContain('NATS could not be read');
  });

  it('says "timed out" instead of hanging on a server that never answers', async () => {
    const { port } = silent.address() as { port: number };
    const started = Date.now();
    const results = await doctor({
      loadConfig: configWith({}, { AEGIS_NATS_URL: `nats://127.0.0.1:${port}` }),
      timeoutMs: 500,
    });
    expect(Date.now() - started).toBeLessThan(10_000);
    const r = byName(results, 'nats');
    expect(r.status).toBe('fail');
    expect(r.detail).toMatch(/timed out|timeout/i);
  });

  it('fails the nats check when the server runs without JetStream', async () => {
    const port = await freePort();
    const plain = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
    try {
      const url = `nats://127.0.0.1:${port}`;
      let r: CheckResult | undefined;
      // The server takes a moment to listen; a refused connection is retried.
      for (let i = 0; i < 50 && !r?.detail.includes('JetStream'); i++) {
        r = byName(await doctor({ loadConfig: configWith({}, { AEGIS_NATS_URL: url }) }), 'nats');
        if (!r.detail.includes('JetStream')) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(r!.status).toBe('fail');
      expect(r!.detail).toMatch(new RegExp(`^NATS \\d+\\.\\d+\\.\\d+ at ${url}: JetStream is not enabled$`));
      expect(r!.fix).toContain('-js');
    } finally {
      plain.kill();
    }
  });

  it('names a pending migration and says aegis migrate', async () => {
    const dir = join(data.path, 'migrations-pending');
    cpSync(MIGRATIONS, dir, { recursive: true });
    writeFileSync(
      join(dir, '999_doctor_probe.sql'),
      'CREATE TABLE IF NOT EXISTS doctor_probe (x UInt8) ENGINE = Memory;\n',
    );
    const r = byName(await doctor({ migrationsDir: dir }), 'migrations');
    expect(r.status).toBe('fail');
    expect(r.detail).toMatch(/^1 pending: 999_doctor_probe \(\d+ of \d+ applied\)$/);
    expect(r.fix).toBe('run aegis migrate');
  });

  it('fails on a migration whose file changed after it was applied', async () => {
    const dir = join(data.path, 'migrations-changed');
    cpSync(MIGRATIONS, dir, { recursive: true });
    const file = join(dir, '003_scoring.sql');
    writeFileSync(file, `${readFileSync(file, 'utf8')}\n-- edited after it was applied\n`);
    const r = byName(await doctor({ migrationsDir: dir }), 'migrations');
    expect(r.status).toBe('fail');
    expect(r.detail).toMatch(
      /^003_scoring was changed after it was applied \(file [0-9a-f]{12}, applied [0-9a-f]{12}\)$/,
    );
    expect(r.fix).toContain('new NNN_name.sql migration');
  });

  it('fails the audit key check on a key file with mode 0644 and says chmod 600', async () => {
    const file = join(data.path, 'keys', 'audit-ed25519.pem');
    chmodSync(file, 0o644);
    try {
      const r = byName(await doctor(), 'audit key');
      expect(r.status).toBe('fail');
      expect(r.detail).toContain('mode 0644');
      expect(r.fix).toBe(`chmod 600 ${file}`);
    } finally {
      chmodSync(file, 0o600);
    }
  });

  it('fails the policies check on a bad policy file, naming file and line', async () => {
    const dir = join(data.path, 'bad-policies');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'bad.yaml'),
      'apiVersion: aegis/v1\nkind: PolicySet\nmetadata:\n  name: bad\nspec:\n  rules:\n    - id: r1\n      effect: maybe\n      when: "true"\n',
    );
    const r = byName(await doctor({ loadConfig: configWith({ 'control.policyDir': dir }) }), 'policies');
    expect(r.status).toBe('fail');
    expect(r.detail).toContain(`${join(dir, 'bad.yaml')}:8:`);
    expect(r.detail).toContain('rule r1: effect');
  });

  it('warns past 1 s of clock skew and fails past 30 s (injected local clock)', async () => {
    const behind = (ms: number) => () => Date.now() - ms;
    const warn = byName(await doctor({ now: behind(5000) }), 'clock');
    expect(warn.status).toBe('warn');
    expect(warn.detail).toMatch(/ClickHouse \+5(\.0)? s/);
    const fail = byName(await doctor({ now: behind(45_000) }), 'clock');
    expect(fail.status).toBe('fail');
    expect(fail.fix).toContain('NTP');
  });

  it('fails the audit head check when the witness is ahead of the audit table (deleted records)', async () => {
    const bucket = await nats.bus.kv('aegis-audit-head', { ttlMs: 0 });
    await bucket.put('audit-head', JSON.stringify({ seq: 5, hash: 'ab'.repeat(32) }));
    try {
      const r = byName(await doctor(), 'audit head');
      expect(r.status).toBe('fail');
      expect(r.detail).toContain('the witness says the chain reached seq 5');
      expect(r.fix).toContain('aegis audit verify');
    } finally {
      await bucket.delete('audit-head');
    }
    expect(byName(await doctor(), 'audit head').status).toBe('ok');
  });

  it('reports a bad aegis.yaml with its line and runs nothing else', async () => {
    const file = join(data.path, 'bad.yaml');
    writeFileSync(file, 'clickhouse:\n  requestTimeoutMs: soon\n');
    const results = await doctor({ loadConfig: () => loadConfig({ file, env: {}, cwd: ROOT }) });
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ name: 'config', status: 'fail' });
    expect(results[0]!.detail).toContain(`${file}:2:`);
  });

  it('says who holds the embedded engine and skips what needs it', async () => {
    // The engine marks its data directory with the pid of the process that has it open; this test process
    // holds `data`, and plays the running `aegis start` by advertising its nats-server the way
    // core/runtime.ts does.
    expect(readFileSync(join(data.path, 'clickhouse', 'status'), 'utf8')).toMatch(
      new RegExp(`^PID: ${process.pid}$`, 'm'),
    );
    const other = tempDir('aegis-doctor-held-');
    try {
      mkdirSync(join(other.path, 'clickhouse'));
      mkdirSync(join(other.path, 'run'));
      // A live process that is not this one: the test nats-server stands in for the holder.
      writeFileSync(join(other.path, 'clickhouse', 'status'), `PID: ${nats.server.pid}\nStarted at: now\n`);
      writeFileSync(
        join(other.path, 'run', 'nats.json'),
        JSON.stringify({ url: nats.server.url, pid: nats.server.pid, ownerPid: nats.server.pid }),
      );
      const results = await runDoctor({
        loadConfig: configWith({}, { AEGIS_NATS_URL: '', AEGIS_DATA_DIR: other.path }),
        configSource: 'test',
      });
      const natsCheck = byName(results, 'nats');
      expect(natsCheck.status).toBe('ok');
      expect(natsCheck.detail).toContain(`started by aegis pid ${nats.server.pid}`);
      expect(natsCheck.detail).toContain('JetStream on');
      expect(byName(results, 'clickhouse')).toMatchObject({ status: 'ok' });
      expect(byName(results, 'clickhouse').detail).toContain(
        `in use by the running aegis start (pid ${nats.server.pid})`,
      );
      expect(byName(results, 'migrations')).toMatchObject({ status: 'warn' });
      expect(byName(results, 'migrations').detail).toMatch(/^skipped: the embedded engine is open in/);
      expect(byName(results, 'migrations').fix).toContain(`stop aegis start (pid ${nats.server.pid})`);
      expect(byName(results, 'clock').status).toBe('ok');
    } finally {
      other.remove();
    }
  });

  describe('as a command', () => {
    let env: Record<string, string>;

    beforeAll(async () => {
      // The command opens the engine itself: release it (one process at a time).
      await warehouse.close();
      writeFileSync(join(data.path, 'aegis.yaml'), STREAM_YAML);
      env = { AEGIS_DATA_DIR: data.path, AEGIS_NATS_URL: nats.server.url, AEGIS_CONFIG: join(data.path, 'aegis.yaml') };
    });

    it('exits 0 and prints the JSON report when all is well', async () => {
      const run = await runAegis(['doctor', '--json'], env);
      expect(run.code, run.stdout + run.stderr).toBe(0);
      const report = JSON.parse(run.stdout) as { status: string; checks: CheckResult[] };
      expect(report.status).toBe('ok');
      expect(report.checks).toHaveLength(10);
      expect(report.checks.filter((c) => c.status !== 'ok')).toEqual([]);
    });

    it('exits soon after its timeouts when both servers accept connections and never answer', async () => {
      const { port } = silent.address() as { port: number };
      const started = Date.now();
      const run = await runAegis(['doctor', '--timeout-sec', '1'], {
        ...env,
        AEGIS_NATS_URL: `nats://127.0.0.1:${port}`,
        AEGIS_CLICKHOUSE_URL: `http://127.0.0.1:${port}`,
      });
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/^✗ nats +NATS at nats:\/\/127\.0\.0\.1:\d+ timed out after 1 s$/m);
      expect(run.stdout).toMatch(/^✗ clickhouse +opening ClickHouse timed out after 1 s$/m);
      // Process start-up (tsx, the engine library) takes seconds here; the peers would hold on for ever.
      expect(Date.now() - started).toBeLessThan(30_000);
    });

    it('exits 1 with a ✗ line and the fix when a check fails', async () => {
      const file = join(data.path, 'keys', 'audit-ed25519.pem');
      chmodSync(file, 0o644);
      try {
        const run = await runAegis(['doctor'], env);
        expect(run.code).toBe(1);
        expect(run.stdout).toMatch(/^✓ config /m);
        expect(run.stdout).toMatch(/^✗ audit key +.*mode 0644/m);
        expect(run.stdout).toContain(`fix: chmod 600 ${file}`);
        expect(run.stdout).toMatch(/10 checks: 9 ok, 0 warnings, 1 failed/);
      } finally {
        chmodSync(file, 0o600);
      }
    });
  });
});
