import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { messageOf } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import {
  describeIssue,
  type ExecutionRequest,
  type ExecutionResult,
  executionRequestSchema,
  executionResultSchema,
  refused,
} from './types.ts';
import {
  DEFAULT_TOLERANCE_SEC,
  IDEMPOTENCY_KEY_HEADER,
  REPLAYED_HEADER,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  verifyWebhook,
  type WebhookRejection,
} from './webhook.ts';

/** Carries out one verified, valid request. A throw answers 500 and forgets the key, so a retry runs it again. */
export type WebhookHandler = (request: ExecutionRequest) => Promise<ExecutionResult>;

/** Parameters of {@link createWebhookReceiver}. */
export interface WebhookReceiverParams {
  /** Accepted secrets (more than one during a rotation). */
  secret: string | readonly string[];
  /** Largest gap between the sender's timestamp and this clock, in seconds. @default 300 */
  toleranceSec?: number;
  handler: WebhookHandler;
  /** 0 picks a free port. @default 0 */
  port?: number;
  /** @default 127.0.0.1 */
  host?: string;
  /** Largest request body, in bytes; past it the answer is 413. @default 1048576 */
  maxBodyBytes?: number;
  /** Idempotency keys remembered, oldest forgotten first. @default 10000 */
  maxRememberedKeys?: number;
  /** How long a key's answer is remembered, in milliseconds; at least twice the tolerance. @default 86400000 */
  rememberMs?: number;
  /** Epoch milliseconds. @default Date.now */
  clock?: () => number;
  logger?: Logger;
}

/** A running {@link createWebhookReceiver}. */
export interface WebhookReceiver {
  /** Listens; resolves with the base URL (`http://127.0.0.1:41234`). */
  start(): Promise<string>;
  /** The base URL once started. */
  readonly url: string | undefined;
  /** Stops accepting, lets the requests in flight finish; safe twice and before start. */
  stop(): Promise<void>;
}

/** Error codes of the receiver's JSON error body `{ "error": { "code", "message", "field"? } }`. */
export type WebhookErrorCode =
  | WebhookRejection
  | 'method_not_allowed'
  | 'body_too_large'
  | 'not_json'
  | 'invalid_request'
  | 'idempotency_key_mismatch'
  | 'idempotency_key_reused'
  | 'handler_failed';

interface Answer {
  status: number;
  body: unknown;
  /** Repeats the first answer for its idempotency key. */
  replayed?: boolean;
}

interface Remembered {
  bodyHash: string;
  atMs: number;
  answer: Promise<Answer>;
}

/** The reference receiver of {@link createWebhookExecutor}'s deliveries, on node:http. Any path; per request:
 *  405 unless POST; 413 past `maxBodyBytes`; 401 `{ error: { code, message } }` for a missing, malformed or
 *  stale timestamp (against replays) or a signature that does not match; 400 for a body that is not JSON,
 *  fails the request schema (`field` names the first bad one) or whose `idempotencyKey` differs from the
 *  Idempotency-Key header; then a key seen before gets the first answer again (`replayed: true`, header
 *  `Idempotent-Replayed: true`; a delivery racing the first waits for it), or 422 when that key came with
 *  another body; a request past its `deadlineMs` gets `ok: false` unhandled; otherwise 200 with the
 *  handler's ExecutionResult, or 500 when it throws or answers something else.
 *  Keys live in memory only: a restart forgets them, so the handler should still be idempotent by key.
 *  @example const rx = createWebhookReceiver({ secret, handler: (r) => simulator.run(r) }); const url = await rx.start(); */
export function createWebhookReceiver(params: WebhookReceiverParams): WebhookReceiver {
  const tolerance = params.toleranceSec ?? DEFAULT_TOLERANCE_SEC;
  const now = params.clock ?? Date.now;
  const maxBodyBytes = params.maxBodyBytes ?? 1024 * 1024;
  const maxKeys = params.maxRememberedKeys ?? 10_000;
  // A key forgotten inside the tolerance window would let a captured delivery run twice.
  const rememberMs = Math.max(params.rememberMs ?? 86_400_000, 2 * tolerance * 1000);
  const seen = new Map<string, Remembered>();
  let server: Server | undefined;
  let url: string | undefined;
  let stopping: Promise<void> | undefined;

  const error = (status: number, code: WebhookErrorCode, message: string, field?: string): Answer => ({
    status,
    body: { error: { code, message, ...(field === undefined ? {} : { field }) } },
  });

  async function answer(req: IncomingMessage): Promise<Answer> {
    if (req.method !== 'POST') return error(405, 'method_not_allowed', `${req.method} is not allowed; use POST`);
    const raw = await readBody(req, maxBodyBytes);
    if (raw === null) return error(413, 'body_too_large', `body is larger than ${maxBodyBytes} bytes`);
    const verdict = verifyWebhook({
      secret: params.secret,
      timestamp: header(req, TIMESTAMP_HEADER),
      signature: header(req, SIGNATURE_HEADER),
      body: raw,
      toleranceSec: tolerance,
      nowSec: Math.floor(now() / 1000),
    });
    if (!verdict.ok) return error(401, verdict.reason, verdict.message);

    let json: unknown;
    try {
      json = JSON.parse(raw.toString('utf8'));
    } catch {
      return error(400, 'not_json', 'body is not JSON');
    }
    const parsed = executionRequestSchema.safeParse(json);
    if (!parsed.success) {
      const field = parsed.error.issues[0]?.path.map(String).join('.');
      return error(400, 'invalid_request', `invalid request: ${describeIssue(parsed.error)}`, field);
    }
    const request = parsed.data;
    const key = header(req, IDEMPOTENCY_KEY_HEADER) ?? request.idempotencyKey;
    if (key !== request.idempotencyKey)
      return error(
        400,
        'idempotency_key_mismatch',
        `${IDEMPOTENCY_KEY_HEADER} ${key} differs from the body's idempotencyKey ${request.idempotencyKey}`,
      );

    const bodyHash = createHash('sha256').update(raw).digest('hex');
    forgetOld();
    const known = seen.get(key);
    if (known) {
      if (known.bodyHash !== bodyHash)
        return error(422, 'idempotency_key_reused', `${IDEMPOTENCY_KEY_HEADER} ${key} was used with another body`);
      const first = await known.answer;
      return first.status === 200
        ? { status: 200, body: { ...(first.body as object), replayed: true }, replayed: true }
        : first;
    }
    const lateMs = now() - request.deadlineMs;
    if (lateMs > 0)
      return { status: 200, body: refused(`deadline passed ${lateMs} ms before the receiver got it; not started`) };
    const run = handle(request);
    seen.set(key, { bodyHash, atMs: now(), answer: run });
    const result = await run;
    // Only a handled answer is remembered: after a failure the outcome is unknown and a retry runs again.
    if (result.status !== 200) seen.delete(key);
    return result;
  }

  async function handle(request: ExecutionRequest): Promise<Answer> {
    try {
      const result = executionResultSchema.safeParse(await params.handler(request));
      if (!result.success)
        return error(500, 'handler_failed', `handler answered no ExecutionResult: ${describeIssue(result.error)}`);
      return { status: 200, body: result.data };
    } catch (err) {
      params.logger?.warn({ actionId: request.actionId, err: messageOf(err) }, 'webhook handler failed');
      return error(500, 'handler_failed', messageOf(err));
    }
  }

  function forgetOld(): void {
    const cutoff = now() - rememberMs;
    for (const [key, entry] of seen) {
      if (entry.atMs >= cutoff && seen.size < maxKeys) break;
      seen.delete(key);
    }
  }

  function respond(res: ServerResponse, a: Answer): void {
    const body = JSON.stringify(a.body);
    res.writeHead(a.status, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(body),
      ...(a.status === 405 ? { Allow: 'POST' } : {}),
      ...(a.replayed ? { [REPLAYED_HEADER]: 'true' } : {}),
    });
    res.end(body);
  }

  return {
    get url() {
      return url;
    },
    async start() {
      if (url) return url;
      const s = createServer((req, res) => {
        answer(req).then(
          (a) => respond(res, a),
          (err: unknown) => {
            params.logger?.error({ err: messageOf(err) }, 'webhook receiver failed');
            if (!res.headersSent) respond(res, error(500, 'handler_failed', messageOf(err)));
            else res.destroy();
          },
        );
      });
      server = s;
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(params.port ?? 0, params.host ?? '127.0.0.1', () => {
          s.off('error', reject);
          resolve();
        });
      });
      const { address, family, port } = s.address() as AddressInfo;
      url = `http://${family === 'IPv6' ? `[${address}]` : address}:${port}`;
      return url;
    },
    stop() {
      stopping ??= new Promise<void>((resolve) => {
        if (!server) return resolve();
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      return stopping;
    },
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v.join(',') : v;
}

/** The raw body, or null past `maxBytes` (the rest is discarded). */
function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) over = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(over ? null : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
