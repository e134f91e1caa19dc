import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { messageOf } from '../../core/errors.ts';
import type { Component, ComponentState } from '../../core/lifecycle.ts';
import type { Logger } from '../../core/logger.ts';
import { parseOtlpMetricsJson } from '../parsers/index.ts';
import type { TelemetryPublisher } from '../publisher.ts';

/** How long stop() lets in-flight requests finish when the caller gives no deadline, in milliseconds. */
const DEFAULT_STOP_DEADLINE_MS = 10_000;

/** Parameters of {@link createOtlpReceiver}. */
export interface OtlpReceiverParams {
  host: string;
  /** 0 picks a free port (see `address()` after start). */
  port: number;
  maxBodyBytes: number;
  publisher: TelemetryPublisher;
  logger: Logger;
}

/** The OTLP/HTTP metrics receiver. */
export interface OtlpReceiver extends Component {
  /** `http://host:port` once started. */
  address(): string;
}

/** Creates an OTLP/HTTP receiver for `POST /v1/metrics` with the JSON encoding. Accepted points are
 *  published before the response, so a 200 means they are durable in JetStream. Rejected points
 *  are reported in `partialSuccess` as the OTLP spec asks.
 *  @example const rx = createOtlpReceiver({ host: '127.0.0.1', port: 4318, maxBodyBytes: 16 << 20, publisher, logger }); */
export function createOtlpReceiver(params: OtlpReceiverParams): OtlpReceiver {
  let server: Server | undefined;
  let state: ComponentState = 'idle';
  return {
    name: 'otlp-receiver',
    get state() {
      return state;
    },
    address() {
      const a = server?.address() as AddressInfo | null | undefined;
      return a ? `http://${params.host}:${a.port}` : '';
    },
    async start() {
      if (state !== 'idle') return;
      server = createServer((req, res) => {
        // A request on a kept-alive connection after stop() began: refused, and the connection closed.
        if (state !== 'running') {
          res.setHeader('connection', 'close');
          return reply(res, 503, { code: 14, message: 'the receiver is shutting down; retry later' });
        }
        handle(req, res, params).catch((err) => {
          params.logger.error({ err: messageOf(err) }, 'otlp request failed');
          if (!res.headersSent) reply(res, 503, { code: 14, message: 'telemetry could not be queued; retry later' });
        });
      });
      await new Promise<void>((resolve, reject) => {
        server!.once('error', (err: NodeJS.ErrnoException) =>
          reject(
            err.code === 'EADDRINUSE'
              ? new Error(
                  `OTLP receiver: port ${params.port} on ${params.host} is in use; set AEGIS_OTLP_PORT (0 disables the receiver)`,
                )
              : err,
          ),
        );
        server!.listen(params.port, params.host, () => resolve());
      });
      state = 'running';
    },
    async stop(options = {}) {
      if (state !== 'running') {
        state = 'stopped';
        return;
      }
      state = 'stopping';
      // Stop accepting; in-flight requests finish (and publish) before close resolves. Kept-alive
      // connections would hold it open as long as clients send: they are closed as they go idle, and
      // any left at the deadline are cut: unanswered, so senders retry, and message ids drop a retry
      // of points that were published.
      const closed = new Promise<void>((resolve) => server!.close(() => resolve()));
      const sweep = setInterval(() => server!.closeIdleConnections(), 50);
      const cut = setTimeout(() => server!.closeAllConnections(), options.deadlineMs ?? DEFAULT_STOP_DEADLINE_MS);
      await closed;
      clearInterval(sweep);
      clearTimeout(cut);
      state = 'stopped';
    },
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, params: OtlpReceiverParams): Promise<void> {
  if (req.url?.split('?')[0] !== '/v1/metrics')
    return reply(res, 404, { code: 5, message: 'only /v1/metrics is served here' });
  if (req.method !== 'POST') return reply(res, 405, { code: 12, message: 'use POST' });
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json')
    return reply(res, 415, {
      code: 3,
      message: `content-type ${type || '(none)'} is not supported; send OTLP/JSON (application/json)`,
    });
  if (req.headers['content-encoding'] && req.headers['content-encoding'] !== 'identity')
    return reply(res, 415, {
      code: 3,
      message: `content-encoding ${req.headers['content-encoding']} is not supported`,
    });

  const declaredBytes = Number(req.headers['content-length'] ?? 0);
  const body = declaredBytes > params.maxBodyBytes ? undefined : await readBody(req, params.maxBodyBytes);
  if (body === undefined) {
    // The rest of the body is discarded unread; closing afterwards stops a sender that keeps going.
    res.setHeader('connection', 'close');
    return reply(res, 413, { code: 3, message: `request body exceeds ${params.maxBodyBytes} bytes` });
  }

  const outcome = parseOtlpMetricsJson(body, { inputName: 'POST /v1/metrics' });
  const whole = outcome.rejected.find((r) => r.location === 'file');
  if (whole) return reply(res, 400, { code: 3, message: whole.reason });
  if (outcome.records.length > 0) await params.publisher.publish('metrics', outcome.records);

  const rejected = outcome.rejected.length;
  if (rejected > 0) params.logger.warn({ rejected, first: outcome.rejected[0] }, 'otlp points rejected');
  reply(res, 200, {
    partialSuccess:
      rejected > 0
        ? {
            rejectedDataPoints: String(rejected),
            errorMessage: outcome.rejected
              .slice(0, 5)
              .map((r) => `${r.location}: ${r.reason}`)
              .join('; '),
          }
        : {},
  });
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        // Not req.destroy(): that closes the socket before the 413 reaches the sender.
        chunks.length = 0;
        req.removeAllListeners('data');
        req.resume();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
