import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger };

/** Fields never written out, whatever a caller logs: credentials that might ride along in an object. */
const REDACT_PATHS = ['authorization', '*.authorization', 'headers.authorization', '*.headers.authorization'];

/** Structured logger (pino) on stderr, so stdout stays for command output. Pretty when stderr is a
 *  terminal, JSON lines otherwise (for log shippers). `destination` sends JSON lines elsewhere (tests
 *  capture them in a stream).
 *  @example const log = createLogger({ level: 'info', name: 'ingest-writer' }); */
export function createLogger(
  params: { level?: string; name?: string; pretty?: boolean; destination?: DestinationStream } = {},
): Logger {
  const options = {
    level: params.level ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    ...(params.name ? { name: params.name } : {}),
  };
  if (params.destination) return pino(options, params.destination);
  const pretty = params.pretty ?? process.stderr.isTTY === true;
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
