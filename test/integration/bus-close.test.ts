import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('bus close', () => {
  it('lets the process exit when nats-server stopped before the bus closed', async () => {
    const child = spawn(process.execPath, ['bin/run-ts.js', 'test/fixtures/bus-close-exit.ts'], { cwd: ROOT });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    // A client left reconnecting to a server that is gone would keep the process alive for ever.
    const outcome = await Promise.race([exited, new Promise((r) => setTimeout(() => r('still running'), 20_000))]);
    if (outcome === 'still running') child.kill('SIGKILL');
    expect(outcome).toBe(0);
    expect(stdout).toBe('closed\n');
  }, 40_000);
});
