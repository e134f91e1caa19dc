import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repository root, where `bin/aegis.js` lives. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** What a finished CLI run printed and how it exited. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Environment for the CLI: the test's own, less every `AEGIS_*` variable it does not set itself, so a
 *  server URL or config file of the shell running the tests never leaks in. */
export function cliEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const key of Object.keys(env)) if (key.startsWith('AEGIS_') && !(key in extra)) delete env[key];
  return env;
}

/** Runs `node bin/aegis.js …args` to completion. */
export function runAegis(args: string[], env: Record<string, string>): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/aegis.js', ...args], { cwd: ROOT, env: cliEnv(env) });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}
