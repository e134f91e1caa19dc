import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runFile } from '../runtime.ts';

/** The embedded `nats-server` an `aegis start` advertises under the data directory. */
export interface AdvertisedNats {
  url: string;
  /** The nats-server child. */
  pid: number;
  /** The AEGIS process that started it. */
  ownerPid: number;
}

/** The embedded nats-server advertised in `<dataDir>/run/nats.json` when both it and the AEGIS process
 *  that started it are alive, else undefined. Only reads: unlike `openRuntime`, it never stops a server
 *  left behind by a crashed owner. */
export function advertisedNats(dataDir: string): AdvertisedNats | undefined {
  const entry = readJson(runFile(dataDir)) as Partial<AdvertisedNats> | undefined;
  if (typeof entry?.url !== 'string' || typeof entry.pid !== 'number' || typeof entry.ownerPid !== 'number')
    return undefined;
  return isAlive(entry.pid) && isAlive(entry.ownerPid) ? (entry as AdvertisedNats) : undefined;
}

/** The live process other than this one that has the embedded ClickHouse engine at `path` open, or
 *  undefined. The engine writes `<path>/status` ("PID: n") and locks it while open; a second process
 *  cannot open the directory ("Cannot lock file …/status") but does no harm trying. A clean close removes
 *  the file; after a crash it stays behind naming a dead pid, and the lock is gone with the process. */
export function embeddedEngineHolder(path: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(join(path, 'status'), 'utf8');
  } catch {
    return undefined;
  }
  const pid = Number(/^PID:\s*(\d+)/m.exec(text)?.[1]);
  return Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid) ? pid : undefined;
}

/** `nats-server --version` of the executable embedded mode starts: its version and where it was found,
 *  or `found: false` when it is not on PATH. */
export function natsServerVersion(
  bin: string,
  timeoutMs: number,
): Promise<{ found: true; version: string } | { found: false; error: string }> {
  return new Promise((resolve) => {
    execFile(bin, ['--version'], { timeout: timeoutMs }, (err, stdout, stderr) => {
      if (err) {
        const code = (err as NodeJS.ErrnoException).code;
        resolve({
          found: false,
          error: code === 'ENOENT' ? `${bin} not found on PATH` : `${bin} --version failed: ${err.message}`,
        });
        return;
      }
      const text = `${stdout}${stderr}`.trim();
      resolve({ found: true, version: /v?(\d+\.\d+\.\d+\S*)/.exec(text)?.[1] ?? text });
    });
  });
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
