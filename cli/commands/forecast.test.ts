import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticHourly } from '../../models/forecast/synthetic.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node bin/aegis.js forecast …args` to completion. */
function forecast(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env };
    delete env.AEGIS_CONFIG;
    const child = spawn(process.execPath, ['bin/aegis.js', 'forecast', ...args], { cwd: ROOT, env });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const pad = (n: number) => String(n).padStart(2, '0');

describe('aegis forecast', () => {
  let dir: string;
  let good: string;
  let bad: string;
  let short: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'aegis-forecast-'));
    // 14 days of hourly values in the `2014-04-01 00:00:00` style, from 2014-04-01.
    const values = syntheticHourly({ points: 24 * 14, seed: 11 });
    const rows = values.map((v, t) => `2014-04-${pad(1 + Math.floor(t / 24))} ${pad(t % 24)}:00:00,${v.toFixed(3)}`);
    good = join(dir, 'good.csv');
    writeFileSync(good, `timestamp,value\n${rows.join('\n')}\n`);
    const broken = [...rows];
    broken[15] = '2014-04-01 15:00:00,n/a';
    bad = join(dir, 'bad.csv');
    writeFileSync(bad, `timestamp,value\n${broken.join('\n')}\n`);
    short = join(dir, 'short.csv');
    writeFileSync(short, `timestamp,value\n${rows.slice(0, 6).join('\n')}\n`);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes timestamp,yhat,lower,upper for N future steps and the chosen model to stderr', async () => {
    const run = await forecast(['--input', good, '--horizon', '30', '--level', '90']);
    expect(run.stderr).toMatch(
      /^model: \S+ backtest MASE \d+\.\d{3} \(\d+ origins, seasonal-naive scale m=24; 90% interval/,
    );
    expect(run.stderr).toMatch(/seasonal-naive\[24\]\s+\d+\.\d{3}/);
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toBe('timestamp,yhat,lower,upper');
    expect(lines).toHaveLength(31);
    expect(lines[1]!.startsWith('2014-04-15 00:00:00,')).toBe(true);
    expect(lines[30]!.startsWith('2014-04-16 05:00:00,')).toBe(true);
    for (const line of lines.slice(1)) {
      const [, yhat, lower, upper] = line.split(',').map(Number);
      expect(lower).toBeLessThanOrEqual(yhat!);
      expect(upper).toBeGreaterThanOrEqual(yhat!);
    }
  });

  it('exits 2 naming the line of a non-numeric value', async () => {
    const run = await forecast(['--input', bad, '--horizon', '5']);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`aegis: ${bad}: line 17: value must be a number (got "n/a")\n`);
    expect(run.stdout).toBe('');
  });

  it('exits 2 naming the option when the horizon is not a positive integer', async () => {
    const run = await forecast(['--input', good, '--horizon', '2.5']);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('aegis: --horizon must be a positive integer (got "2.5")\n');
  });

  it('exits 2 when there are too few points to forecast', async () => {
    const run = await forecast(['--input', short, '--horizon', '12']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/too few points to forecast 12 steps/);
  });
});
