import { readFileSync } from 'node:fs';
import { type AegisConfig, loadConfig } from '../core/config/index.ts';
import { AegisError, ConfigError, messageOf, UsageError } from '../core/errors.ts';
import type { Component } from '../core/lifecycle.ts';
import { createLogger, type Logger } from '../core/logger.ts';

/** Version from package.json. */
export const VERSION: string = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;

/** Options every command takes. */
export interface GlobalOptions {
  config?: string;
  dataDir?: string;
  logLevel?: string;
}

/** Loads the configuration with command-line values on top. */
export function loadCliConfig(options: GlobalOptions, overrides: Record<string, unknown> = {}): AegisConfig {
  return loadConfig({
    ...(options.config ? { file: options.config } : {}),
    overrides: {
      ...(options.dataDir ? { dataDir: options.dataDir } : {}),
      ...(options.logLevel ? { logLevel: options.logLevel } : {}),
      ...overrides,
    },
  });
}

/** Loads the configuration with command-line values on top, and a logger for it. */
export function setup(
  options: GlobalOptions,
  overrides: Record<string, unknown> = {},
): { config: AegisConfig; logger: Logger } {
  const config = loadCliConfig(options, overrides);
  return { config, logger: createLogger({ level: config.logLevel, name: 'aegis' }) };
}

/** Exit codes: 0 success, 1 failure or rejected input, 2 usage error. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/** Prints an error the way a user can act on it and returns the exit code. */
export function reportError(err: unknown): number {
  if (err instanceof UsageError) {
    process.stderr.write(`aegis: ${err.message}\n`);
    return EXIT.usage;
  }
  if (err instanceof ConfigError) {
    process.stderr.write(`aegis: ${err.message}\n`);
    return EXIT.failure;
  }
  if (err instanceof AegisError) {
    process.stderr.write(`aegis: ${err.message} [${err.code}]\n`);
    return EXIT.failure;
  }
  process.stderr.write(
    `aegis: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : messageOf(err)}\n`,
  );
  return EXIT.failure;
}

/** Resolves on the first SIGINT or SIGTERM; a second one exits at once. */
export function untilSignal(onSecond?: () => void): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let received = false;
    const handler = (signal: NodeJS.Signals) => {
      if (received) {
        onSecond?.();
        process.stderr.write('\naegis: second signal, exiting without a clean stop\n');
        process.exit(130);
      }
      received = true;
      resolve(signal);
    };
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
  });
}

/** Stops components in order (intake first, writers last), each with a deadline. */
export async function stopAll(components: readonly Component[], logger: Logger, deadlineMs = 30_000): Promise<void> {
  for (const c of components) {
    try {
      await c.stop({ deadlineMs });
    } catch (err) {
      logger.error({ component: c.name, err: messageOf(err) }, 'stop failed');
    }
  }
}

/** `1234567` → `1,234,567`. */
export const fmt = (n: number): string => n.toLocaleString('en-US');
