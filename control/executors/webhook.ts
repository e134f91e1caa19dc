import { createHmac, timingSafeEqual } from 'node:crypto';
import { DependencyError, messageOf } from '../../core/errors.ts';
import { backoffMs, sleep } from '../../core/lifecycle.ts';
import {
  describeIssue,
  type ExecutionRequest,
  type ExecutionResult,
  type Executor,
  executionRequestSchema,
  executionResultSchema,
  refused,
} from './types.ts';

/** Unix seconds at which the sender signed the body. */
export const TIMESTAMP_HEADER = 'X-Aegis-Timestamp';
/** `v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`; several comma-separated entries are allowed
 *  (a sender signing with an old and a new secret during a rotation). */
export const SIGNATURE_HEADER = 'X-Aegis-Signature';
/** The request's `idempotencyKey`: the receiver answers a repeat with the first response. */
export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';
/** Set to `true` by the receiver on an answer repeated for a known idempotency key. */
export const REPLAYED_HEADER = 'Idempotent-Replayed';
/** Largest gap between the sender's timestamp and the receiver's clock, in seconds. @default 300 */
export const DEFAULT_TOLERANCE_SEC = 300;
/** User-Agent of the webhook executor; the number is the signing protocol's version. */
export const WEBHOOK_USER_AGENT = 'aegis-webhook/1';

const SIGNATURE_PREFIX = 'v1=';
/** Largest 2xx body read, in bytes: an ExecutionResult is small. */
const MAX_RESPONSE_BYTES = 1024 * 1024;
/** Characters of a refusal's body kept in the result. */
const EXCERPT_CHARS = 300;

/** The `X-Aegis-Signature` value for `body` sent at `timestampSec`: `v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`.
 *  @example signWebhook('s3cret', 1767225600, '{"actionId":"a"}') // 'v1=9f…' */
export function signWebhook(secret: string, timestampSec: number | string, body: string | Uint8Array): string {
  return SIGNATURE_PREFIX + hmacHex(secret, String(timestampSec), body);
}

/** Why {@link verifyWebhook} refused a delivery. */
export type WebhookRejection =
  | 'missing_timestamp'
  | 'bad_timestamp'
  | 'stale_timestamp'
  | 'missing_signature'
  | 'bad_signature';

/** Parameters of {@link verifyWebhook}: the raw header values and the raw body, as received. */
export interface VerifyWebhookParams {
  /** Accepted secrets (more than one during a rotation). */
  secret: string | readonly string[];
  timestamp: string | undefined;
  signature: string | undefined;
  body: string | Uint8Array;
  /** @default 300 */
  toleranceSec?: number;
  /** The receiver's clock, unix seconds. @default now */
  nowSec?: number;
}

/** Checks a delivery's timestamp (within `toleranceSec` of now, either way) and signature (any `v1=`
 *  entry made with any accepted secret, compared in constant time). */
export function verifyWebhook(
  params: VerifyWebhookParams,
): { ok: true } | { ok: false; reason: WebhookRejection; message: string } {
  const tolerance = params.toleranceSec ?? DEFAULT_TOLERANCE_SEC;
  const now = params.nowSec ?? Math.floor(Date.now() / 1000);
  if (!params.timestamp) return fail('missing_timestamp', `${TIMESTAMP_HEADER} is missing`);
  if (!/^\d{1,12}$/.test(params.timestamp))
    return fail('bad_timestamp', `${TIMESTAMP_HEADER} must be unix seconds (got ${params.timestamp.slice(0, 40)})`);
  const skew = Math.abs(now - Number(params.timestamp));
  if (skew > tolerance)
    return fail(
      'stale_timestamp',
      `${TIMESTAMP_HEADER} is ${skew} s from the receiver's clock (tolerance ${tolerance} s)`,
    );
  if (!params.signature) return fail('missing_signature', `${SIGNATURE_HEADER} is missing`);
  const given = params.signature
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.startsWith(SIGNATURE_PREFIX))
    .map((s) => s.slice(SIGNATURE_PREFIX.length))
    .filter((hex) => /^[0-9a-f]{64}$/i.test(hex))
    .map((hex) => Buffer.from(hex, 'hex'));
  const secrets = typeof params.secret === 'string' ? [params.secret] : params.secret;
  for (const secret of secrets) {
    const expected = Buffer.from(hmacHex(secret, params.timestamp, params.body), 'hex');
    if (given.some((g) => timingSafeEqual(g, expected))) return { ok: true };
  }
  return fail('bad_signature', `${SIGNATURE_HEADER} matches no accepted secret for this timestamp and body`);
}

/** Parameters of {@link createWebhookExecutor}. */
export interface WebhookExecutorParams {
  /** Names the executor `webhook:<name>`. */
  name: string;
  url: string;
  /** Shared HMAC secret. */
  secret: string;
  /** Action types this endpoint carries out. */
  types: string[];
  /** One attempt's limit (connect, send, response and body), in milliseconds. */
  timeoutMs: number;
  /** Further attempts after the first on a network error, a timeout, 408, 429 or 5xx; 0 tries once. */
  retries: number;
  /** First backoff, in milliseconds; it doubles per attempt, with jitter. @default 200 */
  retryInitialMs?: number;
  /** Backoff ceiling, in milliseconds. @default 5000 */
  retryMaxMs?: number;
  /** Longest `Retry-After` honoured, in milliseconds; a longer one ends the retries. @default 30000 */
  maxRetryAfterMs?: number;
  /** Epoch milliseconds, for the signed timestamp and the request deadline. @default Date.now */
  clock?: () => number;
  /** Jitter source. @default Math.random */
  random?: () => number;
}

/** Runs actions by a signed HTTP POST of the request JSON to `url` (headers: `Content-Type`,
 *  `User-Agent`, {@link TIMESTAMP_HEADER}, {@link SIGNATURE_HEADER}, {@link IDEMPOTENCY_KEY_HEADER}).
 *  - 2xx: the body must be an ExecutionResult (the answer, `ok` either way); anything else rejects
 *    with a non-retryable `DependencyError` (a protocol error: the change may have been made).
 *  - 3xx (not followed) and 4xx other than 408/429: the receiver refused; resolves `ok: false` with the
 *    status and a body excerpt in `summary` and `details`, without retrying.
 *  - network error, timeout, 408, 429, 5xx: retried with backoff and jitter (`Retry-After` honoured)
 *    while attempts and the request deadline last, each attempt freshly signed with the same
 *    Idempotency-Key; then rejects with a retryable `DependencyError` (outcome unknown).
 *  A request that is invalid or already past its deadline resolves `ok: false` unsent.
 *  @example const hook = createWebhookExecutor({ name: 'ops', url, secret, types: ['scale_up'], timeoutMs: 5000, retries: 3 }); */
export function createWebhookExecutor(params: WebhookExecutorParams): Executor {
  const now = params.clock ?? Date.now;
  const types = new Set(params.types);
  const name = `webhook:${params.name}`;
  const initialMs = params.retryInitialMs ?? 200;
  const maxMs = params.retryMaxMs ?? 5000;
  const maxRetryAfterMs = params.maxRetryAfterMs ?? 30_000;
  const retries = Math.max(0, Math.floor(params.retries));
  const failure = (message: string, code: string | number | undefined, cause?: unknown) =>
    new DependencyError(`${name} (${params.url}) ${message}`, {
      dependency: name,
      retryable: true,
      dependencyCode: code,
      cause,
    });

  return {
    name,
    supports: (type) => types.has(type),
    async run(request: ExecutionRequest, signal?: AbortSignal): Promise<ExecutionResult> {
      signal?.throwIfAborted();
      const parsed = executionRequestSchema.safeParse(request);
      if (!parsed.success) return refused(`invalid request: ${describeIssue(parsed.error)}`);
      const body = JSON.stringify(parsed.data);
      let last: { message: string; code: string | number | undefined; cause?: unknown } | undefined;
      let attempts = 0;
      let stopped = 'no attempts left';
      for (let attempt = 0; attempt <= retries; attempt++) {
        const remainingMs = request.deadlineMs - now();
        if (remainingMs <= 0) {
          if (!last) return refused(`deadline passed ${-remainingMs} ms before sending; not sent`);
          stopped = 'deadline reached';
          break;
        }
        attempts++;
        const timestamp = Math.floor(now() / 1000);
        const timeout = AbortSignal.timeout(Math.max(1, Math.min(params.timeoutMs, remainingMs)));
        let retryAfterMs: number | undefined;
        try {
          const res = await fetch(params.url, {
            method: 'POST',
            body,
            redirect: 'manual',
            signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
            headers: {
              'Content-Type': 'application/json',
              'User-Agent': WEBHOOK_USER_AGENT,
              [TIMESTAMP_HEADER]: String(timestamp),
              [SIGNATURE_HEADER]: signWebhook(params.secret, timestamp, body),
              [IDEMPOTENCY_KEY_HEADER]: request.idempotencyKey,
            },
          });
          if (res.status >= 200 && res.status < 300) return parseResult(await readCapped(res, MAX_RESPONSE_BYTES));
          const excerpt = ((await readCapped(res, 64 * 1024).catch(() => '')) ?? '').slice(0, EXCERPT_CHARS);
          if (!isRetryableStatus(res.status)) {
            const where = res.status < 400 ? `redirected to ${res.headers.get('location') ?? '?'}, not followed` : '';
            return refused(`${name} refused: HTTP ${res.status}${where ? ` (${where})` : ''}: ${excerpt}`, {
              status: res.status,
              body: excerpt,
            });
          }
          last = { message: `HTTP ${res.status}: ${excerpt}`, code: res.status };
          retryAfterMs = parseRetryAfter(res.headers.get('retry-after'), now());
        } catch (err) {
          if (signal?.aborted) throw signal.reason;
          if (err instanceof DependencyError) throw err;
          const timedOut = timeout.aborted;
          last = timedOut
            ? { message: `timed out after ${params.timeoutMs} ms`, code: 'TIMEOUT', cause: err }
            : { message: `network error: ${networkMessage(err)}`, code: 'NETWORK', cause: err };
        }
        if (attempt === retries) break;
        if (retryAfterMs !== undefined && retryAfterMs > maxRetryAfterMs) {
          stopped = `Retry-After ${retryAfterMs} ms is over ${maxRetryAfterMs} ms`;
          break;
        }
        const waitMs = retryAfterMs ?? backoffMs(attempt, initialMs, maxMs, params.random);
        if (now() + waitMs >= request.deadlineMs) {
          stopped = 'deadline reached';
          break;
        }
        await sleep(waitMs, signal);
        signal?.throwIfAborted();
      }
      throw failure(`failed after ${attempts} attempt(s), ${stopped}: ${last!.message}`, last!.code, last!.cause);
    },
  };

  function parseResult(text: string | null): ExecutionResult {
    if (text === null) throw protocolError(`answered 2xx with a body over ${MAX_RESPONSE_BYTES} bytes`);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw protocolError(`answered 2xx with a body that is not JSON: ${text.slice(0, EXCERPT_CHARS)}`, err);
    }
    const parsed = executionResultSchema.safeParse(json);
    if (!parsed.success)
      throw protocolError(`answered 2xx with a body that is not an ExecutionResult: ${describeIssue(parsed.error)}`);
    return parsed.data;
  }

  function protocolError(message: string, cause?: unknown): DependencyError {
    return new DependencyError(`${name} (${params.url}) ${message}`, { dependency: name, retryable: false, cause });
  }
}

function hmacHex(secret: string, timestamp: string, body: string | Uint8Array): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
}

function fail(reason: WebhookRejection, message: string) {
  return { ok: false as const, reason, message };
}

function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** `Retry-After` in milliseconds from now: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/** The body as text, or null when it is larger than `maxBytes` (reading stops there). */
async function readCapped(res: Response, maxBytes: number): Promise<string | null> {
  if (!res.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** fetch reports `fetch failed` with the useful part (ECONNREFUSED…) in `cause`. */
function networkMessage(err: unknown): string {
  const cause = (err as { cause?: unknown })?.cause;
  return cause ? `${messageOf(err)} (${messageOf(cause)})` : messageOf(err);
}
