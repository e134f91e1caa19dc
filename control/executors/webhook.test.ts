import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DependencyError } from '../../core/errors.ts';
import type { ExecutionRequest, ExecutionResult } from './types.ts';
import {
  createWebhookExecutor,
  parseRetryAfter,
  signWebhook,
  verifyWebhook,
  WEBHOOK_USER_AGENT,
  type WebhookExecutorParams,
} from './webhook.ts';
import { createWebhookReceiver, type WebhookReceiver } from './webhook-receiver.ts';

const SECRET = 'whsec_test';

const request = (over: Partial<ExecutionRequest> = {}): ExecutionRequest => ({
  actionId: 'act-1',
  type: 'scale_up',
  mode: 'execute',
  target: { kind: 'service', name: 'checkout', service: 'checkout', owner: 'team-pay', tier: '1', env: 'prod' },
  params: { replicas: 4 },
  idempotencyKey: 'act-1:execute',
  deadlineMs: Date.now() + 60_000,
  ...over,
});

const done: ExecutionResult = {
  ok: true,
  summary: 'scaled',
  details: { to: 4 },
  undo: { replicas: 2 },
  replayed: false,
};

const nowSec = () => Math.floor(Date.now() / 1000);

/** Things to close after each test. */
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanup.splice(0).map((f) => f()));
});

/** A plain HTTP server answering with `respond`, recording each request. */
async function rawServer(
  respond: (req: IncomingMessage, body: string, res: ServerResponse, n: number) => void,
): Promise<{ url: string; seen: { headers: IncomingMessage['headers']; body: string; atMs: number }[] }> {
  const seen: { headers: IncomingMessage['headers']; body: string; atMs: number }[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (c: string) => (body += c));
    req.on('end', () => {
      seen.push({ headers: req.headers, body, atMs: Date.now() });
      respond(req, body, res, seen.length);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanup.push(
    () =>
      new Promise((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, seen };
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers }).end(JSON.stringify(body));
}

async function startReceiver(
  handler: (r: ExecutionRequest) => Promise<ExecutionResult>,
  over: Partial<Parameters<typeof createWebhookReceiver>[0]> = {},
): Promise<{ receiver: WebhookReceiver; url: string }> {
  const receiver = createWebhookReceiver({ secret: SECRET, handler, ...over });
  const url = await receiver.start();
  cleanup.push(() => receiver.stop());
  return { receiver, url };
}

const executor = (url: string, over: Partial<WebhookExecutorParams> = {}) =>
  createWebhookExecutor({
    name: 'ops',
    url,
    secret: SECRET,
    types: ['scale_up'],
    timeoutMs: 2000,
    retries: 3,
    retryInitialMs: 10,
    retryMaxMs: 50,
    ...over,
  });

/** POSTs `body` signed as given (for the receiver's refusals). */
async function post(url: string, body: string, opts: { secret?: string; timestamp?: number; key?: string } = {}) {
  const ts = opts.timestamp ?? nowSec();
  const res = await fetch(url, {
    method: 'POST',
    body,
    headers: {
      'Content-Type': 'application/json',
      'X-Aegis-Timestamp': String(ts),
      'X-Aegis-Signature': signWebhook(opts.secret ?? SECRET, ts, body),
      ...(opts.key ? { 'Idempotency-Key': opts.key } : {}),
    },
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, headers: res.headers };
}

describe('signWebhook / verifyWebhook', () => {
  const body = '{"a":1}';

  it('signs v1=hex HMAC-SHA256 of "<timestamp>.<body>"', () => {
    const hex = createHmac('sha256', SECRET).update(`1767225600.${body}`).digest('hex');
    expect(signWebhook(SECRET, 1767225600, body)).toBe(`v1=${hex}`);
    expect(signWebhook(SECRET, '1767225600', Buffer.from(body))).toBe(`v1=${hex}`);
  });

  it('accepts a fresh, correctly signed body, also among several signatures or secrets', () => {
    const ts = String(nowSec());
    const sig = signWebhook(SECRET, ts, body);
    expect(verifyWebhook({ secret: SECRET, timestamp: ts, signature: sig, body })).toEqual({ ok: true });
    const rotated = `${signWebhook('old', ts, body)}, ${sig}`;
    expect(verifyWebhook({ secret: SECRET, timestamp: ts, signature: rotated, body }).ok).toBe(true);
    expect(verifyWebhook({ secret: ['new', SECRET], timestamp: ts, signature: sig, body }).ok).toBe(true);
  });

  it('refuses a tampered body, a wrong secret, a stale or future timestamp and missing headers', () => {
    const ts = nowSec();
    const sig = signWebhook(SECRET, ts, body);
    const check = (p: Partial<Parameters<typeof verifyWebhook>[0]>) =>
      verifyWebhook({ secret: SECRET, timestamp: String(ts), signature: sig, body, ...p });
    expect(check({ body: '{"a":2}' })).toMatchObject({ ok: false, reason: 'bad_signature' });
    expect(check({ secret: 'other' })).toMatchObject({ ok: false, reason: 'bad_signature' });
    expect(check({ signature: 'v1=zz' })).toMatchObject({ ok: false, reason: 'bad_signature' });
    expect(check({ signature: sig.replace('v1=', 'v0=') })).toMatchObject({ ok: false, reason: 'bad_signature' });
    expect(check({ nowSec: ts + 301 })).toMatchObject({ ok: false, reason: 'stale_timestamp' });
    expect(check({ nowSec: ts - 301 })).toMatchObject({ ok: false, reason: 'stale_timestamp' });
    expect(check({ nowSec: ts + 300 }).ok).toBe(true);
    expect(check({ timestamp: `${ts}.5` })).toMatchObject({ ok: false, reason: 'bad_timestamp' });
    expect(check({ timestamp: undefined })).toMatchObject({ ok: false, reason: 'missing_timestamp' });
    expect(check({ signature: undefined })).toMatchObject({ ok: false, reason: 'missing_signature' });
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('2', 0)).toBe(2000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4000)).toBe(6000);
    expect(parseRetryAfter('soon', 0)).toBeUndefined();
    expect(parseRetryAfter(null, 0)).toBeUndefined();
  });
});

describe('webhook executor and receiver', () => {
  it('delivers a signed request that the receiver verifies and answers', async () => {
    const handled: ExecutionRequest[] = [];
    const { url } = await startReceiver(async (r) => {
      handled.push(r);
      return done;
    });
    const exec = executor(url);
    expect(exec.name).toBe('webhook:ops');
    expect(exec.supports('scale_up')).toBe(true);
    expect(exec.supports('stop_idle')).toBe(false);
    const req = request();
    expect(await exec.run(req)).toEqual(done);
    expect(handled).toEqual([req]);
  });

  it('sends the JSON body with the signing, idempotency and client headers', async () => {
    const server = await rawServer((_req, _body, res) => json(res, 200, done));
    const req = request();
    await executor(server.url).run(req);
    const [{ headers, body }] = server.seen as [(typeof server.seen)[0]];
    expect(JSON.parse(body)).toEqual(req);
    expect(headers['content-type']).toBe('application/json');
    expect(headers['user-agent']).toBe(WEBHOOK_USER_AGENT);
    expect(headers['idempotency-key']).toBe('act-1:execute');
    const ts = Number(headers['x-aegis-timestamp']);
    expect(Math.abs(ts - nowSec())).toBeLessThanOrEqual(1);
    expect(headers['x-aegis-signature']).toBe(signWebhook(SECRET, ts, body));
  });

  it('signs with the injected clock', async () => {
    const server = await rawServer((_req, _body, res) => json(res, 200, done));
    const fixed = Date.UTC(2026, 0, 1);
    await executor(server.url, { clock: () => fixed }).run(request({ deadlineMs: fixed + 60_000 }));
    expect(server.seen[0]!.headers['x-aegis-timestamp']).toBe(String(fixed / 1000));
  });

  it('the receiver answers 401 with a reason for a tampered body, a wrong secret or a stale timestamp', async () => {
    let calls = 0;
    const { url } = await startReceiver(async () => {
      calls++;
      return done;
    });
    const body = JSON.stringify(request());
    const ts = nowSec();
    const tampered = await fetch(url, {
      method: 'POST',
      body: body.replace('"replicas":4', '"replicas":40'),
      headers: { 'X-Aegis-Timestamp': String(ts), 'X-Aegis-Signature': signWebhook(SECRET, ts, body) },
    });
    expect(tampered.status).toBe(401);
    expect(await tampered.json()).toMatchObject({ error: { code: 'bad_signature' } });
    expect(await post(url, body, { secret: 'wrong' })).toMatchObject({
      status: 401,
      body: { error: { code: 'bad_signature' } },
    });
    const stale = await post(url, body, { timestamp: ts - 301 });
    expect(stale).toMatchObject({ status: 401, body: { error: { code: 'stale_timestamp' } } });
    expect((stale.body.error as { message: string }).message).toMatch(/tolerance 300 s/);
    const unsigned = await fetch(url, { method: 'POST', body });
    expect(unsigned.status).toBe(401);
    expect(await unsigned.json()).toMatchObject({ error: { code: 'missing_timestamp' } });
    expect(calls).toBe(0);
  });

  it('the receiver answers 400 naming the field for an invalid request, and 405 for a GET', async () => {
    const { url } = await startReceiver(async () => done);
    const bad = { ...request(), mode: 'yolo' };
    expect(await post(url, JSON.stringify(bad))).toMatchObject({
      status: 400,
      body: { error: { code: 'invalid_request', field: 'mode' } },
    });
    expect(await post(url, '{nope')).toMatchObject({ status: 400, body: { error: { code: 'not_json' } } });
    expect(await post(url, JSON.stringify(request()), { key: 'other' })).toMatchObject({
      status: 400,
      body: { error: { code: 'idempotency_key_mismatch' } },
    });
    const get = await fetch(url);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
  });

  it('the receiver answers 413 past maxBodyBytes', async () => {
    const { url } = await startReceiver(async () => done, { maxBodyBytes: 100 });
    expect(await post(url, JSON.stringify(request()))).toMatchObject({
      status: 413,
      body: { error: { code: 'body_too_large' } },
    });
  });

  it('retries after a 503 and succeeds', async () => {
    const server = await rawServer((_req, _body, res, n) =>
      n === 1 ? json(res, 503, { error: 'warming up' }) : json(res, 200, done),
    );
    expect(await executor(server.url).run(request())).toEqual(done);
    expect(server.seen).toHaveLength(2);
    // Each attempt is signed afresh with the same key.
    expect(server.seen.map((s) => s.headers['idempotency-key'])).toEqual(['act-1:execute', 'act-1:execute']);
  });

  it('honours Retry-After on a 429', async () => {
    const server = await rawServer((_req, _body, res, n) =>
      n === 1 ? json(res, 429, { error: 'slow down' }, { 'Retry-After': '1' }) : json(res, 200, done),
    );
    expect(await executor(server.url).run(request())).toEqual(done);
    expect(server.seen[1]!.atMs - server.seen[0]!.atMs).toBeGreaterThanOrEqual(950);
  });

  it('gives up at once when Retry-After is longer than maxRetryAfterMs', async () => {
    const server = await rawServer((_req, _body, res) => json(res, 503, {}, { 'Retry-After': '120' }));
    const err = await executor(server.url, { maxRetryAfterMs: 1000 })
      .run(request())
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DependencyError);
    expect((err as Error).message).toMatch(
      /failed after 1 attempt\(s\), Retry-After 120000 ms is over 1000 ms: HTTP 503/,
    );
    expect(server.seen).toHaveLength(1);
  });

  it('answers ok:false for a 4xx, with the status and a body excerpt, without retrying', async () => {
    const server = await rawServer((_req, _body, res) => json(res, 403, { error: 'not in this account' }));
    const result = await executor(server.url).run(request());
    expect(result).toMatchObject({ ok: false, details: { status: 403, body: '{"error":"not in this account"}' } });
    expect(result.summary).toBe('webhook:ops refused: HTTP 403: {"error":"not in this account"}');
    expect(server.seen).toHaveLength(1);
  });

  it('answers ok:false for a 401 from the receiver when the secrets differ', async () => {
    const { url } = await startReceiver(async () => done);
    const result = await executor(url, { secret: 'wrong' }).run(request());
    expect(result.ok).toBe(false);
    expect(result.details).toMatchObject({ status: 401 });
    expect(result.summary).toContain('bad_signature');
  });

  it('rejects after the retries when every attempt times out', async () => {
    const server = await rawServer(() => undefined); // never answers
    const started = Date.now();
    const err = await executor(server.url, { timeoutMs: 100, retries: 2 })
      .run(request())
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DependencyError);
    expect(err).toMatchObject({ retryable: true, dependencyCode: 'TIMEOUT', dependency: 'webhook:ops' });
    expect((err as Error).message).toMatch(/failed after 3 attempt\(s\), no attempts left: timed out after 100 ms$/);
    expect(server.seen).toHaveLength(3);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('rejects after the retries on a network error', async () => {
    const server = await rawServer(() => undefined);
    const closed = server.url;
    await cleanup.pop()!();
    const err = await executor(closed, { retries: 1 })
      .run(request())
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ retryable: true, dependencyCode: 'NETWORK' });
    expect((err as Error).message).toMatch(/failed after 2 attempt\(s\).*ECONNREFUSED/);
  });

  it('rejects without retrying when a 2xx body is not an ExecutionResult', async () => {
    const server = await rawServer((_req, _body, res) => json(res, 200, { status: 'accepted' }));
    const err = await executor(server.url)
      .run(request())
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DependencyError);
    expect(err).toMatchObject({ retryable: false });
    expect((err as Error).message).toMatch(/not an ExecutionResult: ok: /);
    expect(server.seen).toHaveLength(1);
  });

  it('does not send a request past its deadline, and stops retrying at it', async () => {
    const server = await rawServer((_req, _body, res) => json(res, 503, {}));
    expect(await executor(server.url).run(request({ deadlineMs: Date.now() - 1 }))).toMatchObject({ ok: false });
    expect(server.seen).toHaveLength(0);
    const err = await executor(server.url, { retries: 100, retryInitialMs: 100, retryMaxMs: 100, random: () => 1 })
      .run(request({ deadlineMs: Date.now() + 300 }))
      .catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/deadline reached: HTTP 503/);
    // Waits of 100 ms: attempts at about 0, 100 and 200 ms; the next would start past the deadline.
    expect(server.seen.length).toBeGreaterThanOrEqual(2);
    expect(server.seen.length).toBeLessThanOrEqual(4);
  });

  it('a repeated delivery with the same key is handled once and answered as a replay', async () => {
    let calls = 0;
    const { url } = await startReceiver(async () => {
      calls++;
      return done;
    });
    const exec = executor(url);
    const req = request();
    expect(await exec.run(req)).toEqual(done);
    expect(await exec.run(req)).toEqual({ ...done, replayed: true });
    const again = await post(url, JSON.stringify(req));
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(calls).toBe(1);
    // Same key, different body: refused, not replayed.
    expect(await post(url, JSON.stringify({ ...req, params: { replicas: 9 } }))).toMatchObject({
      status: 422,
      body: { error: { code: 'idempotency_key_reused' } },
    });
  });

  it('a retry after a timeout waits for the first delivery instead of handling it again', async () => {
    let calls = 0;
    const { url } = await startReceiver(async () => {
      calls++;
      await new Promise((r) => setTimeout(r, 400));
      return done;
    });
    // The first attempt times out at 300 ms; the second arrives while the handler still runs.
    const result = await executor(url, { timeoutMs: 300, retries: 3 }).run(request());
    expect(result).toEqual({ ...done, replayed: true });
    expect(calls).toBe(1);
  });

  it('a handler that throws answers 500, is retried, and runs again', async () => {
    let calls = 0;
    const { url } = await startReceiver(async () => {
      if (++calls === 1) throw new Error('cloud API hiccup');
      return done;
    });
    expect(await executor(url).run(request())).toEqual(done);
    expect(calls).toBe(2);
  });

  it('answers ok:false unhandled for a request past its deadline', async () => {
    let calls = 0;
    const { url } = await startReceiver(
      async () => {
        calls++;
        return done;
      },
      // The receiver's clock is 10 s ahead, still within the timestamp tolerance.
      { clock: () => Date.now() + 10_000 },
    );
    const result = await executor(url).run(request({ deadlineMs: Date.now() + 5000 }));
    expect(result.ok).toBe(false);
    expect(result.summary).toMatch(/^deadline passed \d+ ms before the receiver got it; not started$/);
    expect(calls).toBe(0);
  });

  it('rejects with the abort reason when the caller aborts', async () => {
    const server = await rawServer(() => undefined);
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error('controller stopping')), 50);
    await expect(executor(server.url).run(request(), ac.signal)).rejects.toThrow('controller stopping');
    expect(server.seen).toHaveLength(1);
  });

  it('the receiver stops twice and before start', async () => {
    const idle = createWebhookReceiver({ secret: SECRET, handler: async () => done });
    await idle.stop();
    const { receiver, url } = await startReceiver(async () => done);
    expect(receiver.url).toBe(url);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await executor(url).run(request());
    await receiver.stop();
    await receiver.stop();
  });
});
