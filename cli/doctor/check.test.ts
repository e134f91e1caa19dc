import { describe, expect, it } from 'vitest';
import { CheckTimeoutError, exitCodeOf, formatBytes, guarded, result, withTimeout, worstOf } from './check.ts';
import { formatReport, reportJson } from './format.ts';

describe('withTimeout', () => {
  it('rejects with "timed out" when the work takes too long', async () => {
    const never = () => new Promise<never>(() => undefined);
    await expect(withTimeout('NATS at nats://x:4222', 50, never)).rejects.toThrow(
      new CheckTimeoutError('NATS at nats://x:4222 timed out after 50 ms'),
    );
  });

  it('returns the result of work that finishes in time', async () => {
    await expect(withTimeout('x', 1000, async () => 42)).resolves.toBe(42);
  });
});

describe('guarded', () => {
  it('turns a thrown error into a failed check', async () => {
    const r = await guarded('disk', async () => {
      throw new Error('EACCES: permission denied');
    });
    expect(r).toEqual({ name: 'disk', status: 'fail', detail: 'EACCES: permission denied' });
  });
});

describe('exit code and report', () => {
  const ok = result('config', 'ok', 'loaded');
  const warn = result('audit key', 'warn', 'no key yet', 'aegis start generates it');
  const fail = result('migrations', 'fail', '1 pending: 007_x\nsecond line', 'run aegis migrate');

  it('exits 0 on warnings alone and 1 on any failure', () => {
    expect(exitCodeOf([ok, warn])).toBe(0);
    expect(exitCodeOf([ok, warn, fail])).toBe(1);
    expect(worstOf([ok])).toBe('ok');
    expect(worstOf([ok, warn])).toBe('warn');
    expect(worstOf([warn, fail])).toBe('fail');
  });

  it('prints one marked line per check, the fix under it, and a summary', () => {
    const text = formatReport([ok, warn, fail]);
    expect(text.split('\n')).toEqual([
      '✓ config      loaded',
      '! audit key   no key yet',
      '              fix: aegis start generates it',
      '✗ migrations  1 pending: 007_x',
      '              second line',
      '              fix: run aegis migrate',
      '',
      '3 checks: 1 ok, 1 warning, 1 failed',
      '',
    ]);
  });

  it('prints the JSON report with the overall status and no empty fix', () => {
    const json = JSON.parse(reportJson([ok, warn]));
    expect(json).toEqual({ status: 'warn', checks: [ok, warn] });
    expect('fix' in json.checks[0]).toBe(false);
  });

  it('formats sizes in binary units', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(5 * 1024 ** 3)).toBe('5.0 GiB');
  });
});
