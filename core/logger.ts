import { type Logger, pino } from 'pino';

export type { Logger };

/** Structured logger (pino) on stderr, so stdout stays for command output. Pretty when stderr is a
 *  terminal, JSON lines otherwise (for log shippers).
 *  @example const log = createLogger({ level: 'info', name: 'ingest-writer' }); */
export function createLogger(params: { level?: string; name?: string; pretty?: boolean } = {}): Logger {
  const pretty = params.pretty ?? process.stderr.isTTY === true;
  const options = { level: params.level ?? 'info', ...(params.name ? { name: params.name } : {}) };
  if (!pretty) return pino(options, pino.destination({ fd: 2, sync: false }));
  return pino({
    ...options,
    transport: {
      target: 'pino-pretty',
      options: { destination: 2, colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' },
    },
  });
}

/** A logger that drops everything, for tests and library callers that pass none. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
