import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { DependencyError } from '../errors.ts';
import type { Logger } from '../logger.ts';

/** A `nats-server -js` child process. */
export interface EmbeddedNatsServer {
  /** Client URL, e.g. `nats://127.0.0.1:41235`. */
  readonly url: string;
  readonly pid: number;
  /** The server has exited (stopped, or killed with the terminal's process group on Ctrl-C). */
  readonly exited: boolean;
  /** Stops the server (SIGTERM, then SIGKILL after `graceMs`) and waits for it to exit. */
  stop(graceMs?: number): Promise<void>;
}

/** Parameters of {@link startNatsServer}. */
export interface StartNatsServerParams {
  /** Executable to run. @default nats-server */
  bin?: string;
  /** JetStream store directory, created when missing. */
  storeDir: string;
  /** Client port; 0 lets the server pick a free one. @default 0 */
  port?: number;
  /** How long to wait for the server to listen, in milliseconds. @default 15000 */
  startTimeoutMs?: number;
  logger?: Logger;
}

const INSTALL_HINT =
  'AEGIS embedded mode starts `nats-server -js` from PATH. Install it (Debian/Ubuntu: `apt-get install -y nats-server`; ' +
  'or download from https://github.com/nats-io/nats-server/releases), or point AEGIS_NATS_URL at a running NATS with JetStream.';

/** Starts `nats-server -js` on loopback with its store under `storeDir` and resolves once it
 *  accepts clients.
 *  @example const nats = await startNatsServer({ storeDir: './data/nats' }); */
export function startNatsServer(params: StartNatsServerParams): Promise<EmbeddedNatsServer> {
  const bin = params.bin ?? 'nats-server';
  mkdirSync(params.storeDir, { recursive: true });
  // -1 asks nats-server for a random free port; the chosen one is read from its log line.
  const port = params.port && params.port > 0 ? String(params.port) : '-1';
  const args = ['-js', '-sd', params.storeDir, '-a', '127.0.0.1', '-p', port, '-m', '0'];
  const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });

  return new Promise((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new DependencyError(`nats-server did not start within ${params.startTimeoutMs ?? 15_000} ms:\n${tail(log)}`, {
          dependency: 'nats-server',
          retryable: false,
        }),
      );
    }, params.startTimeoutMs ?? 15_000);
    const fail = (err: Error) => {
      clearTimeout(timer);
      const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
      reject(
        new DependencyError(
          missing ? `${bin} was not found on PATH. ${INSTALL_HINT}` : `cannot start ${bin}: ${err.message}`,
          {
            dependency: 'nats-server',
            retryable: false,
            cause: err,
          },
        ),
      );
    };
    child.once('error', fail);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(
        new DependencyError(`nats-server exited at start (code ${code}, signal ${signal}):\n${tail(log)}`, {
          dependency: 'nats-server',
          retryable: false,
        }),
      );
    });
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      if (log.length < 64_000) log += chunk;
      const match = /Listening for client connections on [^\s:]+:(\d+)/.exec(log);
      if (match && /Server is ready/.test(log)) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        child.stderr!.removeAllListeners('data');
        child.stderr!.resume();
        const url = `nats://127.0.0.1:${match[1]}`;
        params.logger?.debug({ url, pid: child.pid, storeDir: params.storeDir }, 'nats-server started');
        resolve({
          url,
          pid: child.pid!,
          get exited() {
            return child.exitCode !== null || child.signalCode !== null;
          },
          stop: (graceMs) => stopChild(child, graceMs ?? 10_000),
        });
      }
    });
  });
}

function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(killer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

function tail(text: string): string {
  return text.split('\n').slice(-8).join('\n');
}
