import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEmbeddedWarehouse } from '../../core/warehouse/index.ts';
import { cliEnv, ROOT, runAegis } from '../harness/cli.ts';
import { startTestNats, tempDir } from '../harness/index.ts';
import { waitFor } from '../harness/telemetry.ts';

const FORMATS = fileURLToPath(new URL('../../../shared/formats/', import.meta.url));
const PROM_SAMPLE = join(FORMATS, 'prometheus/prometheus/metrics-test.prom');
const FALCO_DIR = join(FORMATS, 'k8s-audit/falco');
const CLOUDTRAIL_SAMPLE = join(FORMATS, 'cloudtrail/opentelemetry-collector-contrib/cloudtrail_log.json');
const hasSamples = existsSync(FORMATS);

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('aegis CLI', () => {
  let data: ReturnType<typeof tempDir>;
  beforeAll(() => {
    data = tempDir('aegis-cli-');
  });
  afterAll(() => data?.remove());

  it.skipIf(!hasSamples)('checks a Prometheus file and prints a JSON summary', async () => {
    const run = await runAegis(['ingest', '--check', '--json', '-f', 'prom', PROM_SAMPLE], {
      AEGIS_DATA_DIR: data.path,
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout) as { check: boolean; accepted: number; rejected: number; files: unknown[] };
    expect(summary).toMatchObject({ format: 'prom', check: true, rejected: 0 });
    expect(summary.accepted).toBeGreaterThan(0);
    expect(summary.files).toHaveLength(1);
  });

  it.skipIf(!hasSamples)('exits 1 and prints the reason when a k8s audit record is malformed', async () => {
    const files = readdirSync(FALCO_DIR)
      .filter((f) => f.endsWith('.json'))
      .map((f) => join(FALCO_DIR, f));
    const run = await runAegis(['ingest', '--check', '-f', 'k8s-audit', ...files], { AEGIS_DATA_DIR: data.path });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/total: [\d,]+ accepted, 1 rejected/);
    expect(run.stdout).toMatch(/kind must be "Event" \(got 0\)/);
    expect(run.stdout).toContain('checked only, nothing published');
  });

  it('exits 2 on an unknown format', async () => {
    const run = await runAegis(['ingest', '-f', 'bogus', 'x'], { AEGIS_DATA_DIR: data.path });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/'bogus' is invalid/);
  });

  it('exits 2 when a file is missing', async () => {
    const missing = join(data.path, 'no-such-file.prom');
    const run = await runAegis(['ingest', '-f', 'prom', missing], { AEGIS_DATA_DIR: data.path });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`cannot read ${missing}`);
  });

  describe('with a running NATS', () => {
    let nats: Awaited<ReturnType<typeof startTestNats>>;
    beforeAll(async () => {
      nats = await startTestNats();
    });
    afterAll(async () => nats?.stop());

    it.skipIf(!hasSamples)('publishes CloudTrail events to aegis.telemetry.access.cloudtrail', async () => {
      const subject = 'aegis.telemetry.access.cloudtrail';
      const before = (await nats.bus.read('TELEMETRY', 10_000, subject)).length;
      const run = await runAegis(['ingest', '--json', '-f', 'cloudtrail', CLOUDTRAIL_SAMPLE], {
        AEGIS_DATA_DIR: data.path,
        AEGIS_NATS_URL: nats.server.url,
      });
      expect(run.code).toBe(0);
      const summary = JSON.parse(run.stdout) as {
        check: boolean;
        accepted: number;
        files: { published?: { messages: number } }[];
      };
      expect(summary.check).toBe(false);
      expect(summary.accepted).toBeGreaterThan(0);
      expect(summary.files[0]!.published?.messages).toBeGreaterThan(0);
      const messages = await nats.bus.read('TELEMETRY', 10_000, subject);
      expect(messages.length).toBe(before + summary.files[0]!.published!.messages);
      const records = messages
        .slice(before)
        .reduce((n, m) => n + JSON.parse(Buffer.from(m.data).toString()).data.records.length, 0);
      expect(records).toBe(summary.accepted);
      // It joined the given server rather than starting its own.
      expect(existsSync(join(data.path, 'run', 'nats.json'))).toBe(false);
    });
  });

  it('assesses the platform on demand and prints the assessment as JSON', { timeout: 120_000 }, async () => {
    const dir = tempDir('aegis-cli-assess-');
    try {
      const run = await runAegis(['assess', '--format', 'json'], { AEGIS_DATA_DIR: dir.path, AEGIS_LOG_LEVEL: 'warn' });
      expect(run.code, run.stderr).toBe(0);
      const out = JSON.parse(run.stdout);
      // Nothing is stored yet: every criterion lacks evidence but SLO coverage, so the level is 1.
      expect(out.maturity).toMatchObject({ level: 1, name: 'reactive' });
      expect(out.maturity.criteria.length).toBeGreaterThan(10);
      expect(out.scores.some((s: { dimension: string }) => s.dimension === 'health')).toBe(true);
      const bad = await runAegis(['assess', '--format', 'yaml'], { AEGIS_DATA_DIR: dir.path });
      expect(bad.code).toBe(2);
    } finally {
      dir.remove();
    }
  });

  it('starts every role, reports row counts and stops cleanly on SIGINT', { timeout: 120_000 }, async () => {
    const dir = tempDir('aegis-cli-start-');
    const child = spawn(
      process.execPath,
      ['bin/aegis.js', 'start', '--backfill-days', '0', '--status-interval-sec', '1'],
      { cwd: ROOT, env: cliEnv({ AEGIS_DATA_DIR: dir.path, AEGIS_OTLP_PORT: '0', AEGIS_LOG_LEVEL: 'warn' }) },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    const runFile = join(dir.path, 'run', 'nats.json');
    let natsPid: number | undefined;
    try {
      await waitFor(() => stdout.includes('Ctrl-C stops AEGIS cleanly') || child.exitCode !== null, 90_000);
      expect(child.exitCode, stderr).toBeNull();
      expect(stdout).toContain('embedded mode');
      expect(stdout).toMatch(/scorer {10}every 60 s: 24 services, 48 SLOs/);
      natsPid = Number(/nats-server child pid (\d+)/.exec(stdout)?.[1]);
      expect(natsPid).toBeGreaterThan(0);
      expect(isAlive(natsPid)).toBe(true);
      expect(JSON.parse(readFileSync(runFile, 'utf8'))).toMatchObject({ pid: natsPid, ownerPid: child.pid });
      await waitFor(() => /\d\d:\d\d:\d\d {2}rows {2}metrics [\d,]+/.test(stdout), 30_000);

      child.kill('SIGINT');
      const { code, signal } = await exited;
      expect(signal, stderr).toBeNull();
      expect(code, stderr).toBe(0);
      expect(stdout).toContain('stopped cleanly');
      expect(existsSync(runFile)).toBe(false);
      expect(isAlive(natsPid)).toBe(false);
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
      if (natsPid && isAlive(natsPid)) process.kill(natsPid, 'SIGKILL');
      dir.remove();
    }
  });

  it('resumes the simulated platform after a restart without storing any row twice', { timeout: 180_000 }, async () => {
    const dir = tempDir('aegis-cli-restart-');
    const config = join(dir.path, 'aegis.yaml');
    writeFileSync(config, 'simulator:\n  services: 3\n  backfillDays: 1\n  tickMs: 500\ncollectors:\n  otlpPort: 0\n');
    const env = { AEGIS_DATA_DIR: join(dir.path, 'data'), AEGIS_CONFIG: config, AEGIS_LOG_LEVEL: 'warn' };
    try {
      for (let run = 0; run < 2; run++) {
        const child = spawn(process.execPath, ['bin/aegis.js', 'start', '--status-interval-sec', '1'], {
          cwd: ROOT,
          env: cliEnv(env),
        });
        let stdout = '';
        child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
        const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
        try {
          await waitFor(
            () => /\d\d:\d\d:\d\d {2}rows {2}metrics [1-9]/.test(stdout) || child.exitCode !== null,
            120_000,
          );
        } finally {
          // SIGINT is the clean stop under test; it also ends the run when the wait failed.
          child.kill('SIGINT');
        }
        expect(await exited, stdout).toBe(0);
      }
      const warehouse = await openEmbeddedWarehouse({ path: join(dir.path, 'data', 'clickhouse'), database: 'aegis' });
      try {
        const [metrics] = await warehouse.query<{ n: number; u: number }>(
          'SELECT count() AS n, uniqExact(service, name, labels, ts) AS u FROM metrics',
        );
        const [cost] = await warehouse.query<{ n: number; u: number }>(
          'SELECT count() AS n, uniqExact(ResourceId, ChargePeriodStart) AS u FROM cost',
        );
        expect(metrics!.n).toBeGreaterThan(0);
        expect(metrics!.n).toBe(metrics!.u);
        expect(cost!.n).toBeGreaterThan(0);
        expect(cost!.n).toBe(cost!.u);
      } finally {
        await warehouse.close();
      }
      expect(existsSync(join(dir.path, 'data', 'simulator', 'ground-truth.jsonl'))).toBe(true);
    } finally {
      dir.remove();
    }
  });
});
