import type { JetStreamClient } from '@nats-io/jetstream';
import { type KV, Kvm } from '@nats-io/kv';
import {
  type Msg,
  type NatsConnection,
  headers as natsHeaders,
  RequestError,
  TimeoutError,
} from '@nats-io/transport-node';
import { DependencyError, messageOf } from '../errors.ts';
import type { Logger } from '../logger.ts';
import {
  type KvBucket,
  type KvBucketOptions,
  type RequestOptions,
  SERVICE_ERROR_CODE_HEADER,
  SERVICE_ERROR_HEADER,
  type Served,
  type ServeErrorReply,
  type ServeHandler,
  type ServeOptions,
} from './bus.ts';
import { wrap } from './nats-errors.ts';

// Request/reply, queue-group serving and KV buckets over one NATS connection (the Bus's RPC side).

/** Core NATS request/reply; see `Bus.request`. */
export async function natsRequest(
  nc: NatsConnection,
  subject: string,
  payload: Uint8Array | string,
  options: RequestOptions,
): Promise<Uint8Array> {
  let reply: Msg;
  try {
    reply = await nc.request(subject, payload, { timeout: options.timeoutMs });
  } catch (err) {
    throw requestError(err, subject, options.timeoutMs);
  }
  const failed = reply.headers?.get(SERVICE_ERROR_HEADER);
  if (failed) throw serveErrorOf(reply, subject);
  return reply.data;
}

/** Queue-group responder; see `Bus.serve`. */
export function natsServe(
  nc: NatsConnection,
  subject: string,
  options: ServeOptions,
  handler: ServeHandler,
  logger?: Logger,
): Served {
  const maxInFlight = options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
  const inFlight = new Set<Promise<void>>();
  const answer = async (msg: Msg): Promise<void> => {
    let body: Uint8Array | string;
    let hdrs: ReturnType<typeof natsHeaders> | undefined;
    try {
      body = await handler(msg.data, msg.subject);
    } catch (err) {
      logger?.warn({ subject: msg.subject, err: messageOf(err) }, 'bus handler failed');
      [hdrs, body] = errorReply(err, 'HANDLER_FAILED', '500');
    }
    try {
      msg.respond(body, hdrs ? { headers: hdrs } : undefined);
    } catch (err) {
      // The connection closed while the handler ran; the requester times out and may retry.
      logger?.warn({ subject: msg.subject, err: messageOf(err) }, 'bus reply not sent');
    }
  };
  const sub = subscribe(nc, subject, {
    queue: options.queue,
    callback: (err, msg) => {
      if (err) {
        logger?.error({ subject, err: messageOf(err) }, 'bus serve subscription failed');
        return;
      }
      if (!msg.reply) {
        logger?.debug({ subject: msg.subject }, 'bus serve dropped a message without a reply subject');
        return;
      }
      if (inFlight.size >= maxInFlight) {
        const [hdrs, body] = errorReply(
          Object.assign(new Error(`${subject} is busy: ${maxInFlight} requests in flight`), { code: 'BUSY' }),
          'BUSY',
          '503',
        );
        msg.respond(body, { headers: hdrs });
        return;
      }
      const p = answer(msg).finally(() => inFlight.delete(p));
      inFlight.add(p);
    },
  });
  let stopped: Promise<void> | undefined;
  const ready = nc.flush().catch((err) => {
    throw wrap(err, `cannot subscribe to ${subject}`);
  });
  // A caller that never awaits `ready` must not get an unhandled rejection from it.
  ready.catch(() => undefined);
  return {
    ready,
    stop: () => {
      stopped ??= (async () => {
        if (!sub.isClosed() && !nc.isClosed()) await sub.drain().catch(() => undefined);
        // Drain delivers what was already received; the replies of those still being handled follow.
        await Promise.allSettled([...inFlight]);
      })();
      return stopped;
    },
  };
}

function subscribe(nc: NatsConnection, subject: string, opts: Parameters<NatsConnection['subscribe']>[1]) {
  try {
    return nc.subscribe(subject, opts);
  } catch (err) {
    // A closed connection or an invalid subject: a caller's mistake or an outage, reported as ours.
    throw wrap(err, `cannot subscribe to ${subject}`);
  }
}

/** Opens (creating when missing) a KV bucket; see `Bus.kv`. */
export async function openKvBucket(js: JetStreamClient, bucket: string, options: KvBucketOptions): Promise<KvBucket> {
  const kvm = new Kvm(js);
  const config = { ttl: options.ttlMs, history: options.history ?? 1 };
  let kv: KV;
  try {
    // Kvm.create reads the stream first and adds it only when missing, so it is idempotent; two
    // replicas racing to add the same config both succeed.
    kv = await kvm.create(bucket, config);
  } catch (err) {
    throw wrap(err, `cannot open KV bucket ${bucket}`);
  }
  return natsKvBucket(bucket, kv);
}

/** @default 256 */
const DEFAULT_MAX_IN_FLIGHT = 256;

function requestError(err: unknown, subject: string, timeoutMs: number): DependencyError {
  if (err instanceof RequestError && err.isNoResponders())
    return new DependencyError(`no responders on ${subject}: nothing subscribes to it`, {
      dependency: 'nats',
      retryable: true,
      dependencyCode: 503,
      cause: err,
    });
  if (err instanceof TimeoutError)
    return new DependencyError(`request to ${subject} timed out after ${timeoutMs} ms`, {
      dependency: 'nats',
      retryable: true,
      dependencyCode: 'TIMEOUT',
      cause: err,
    });
  const e = wrap(err, `request to ${subject} failed`);
  // A request that never got an answer may be tried again whatever the reason.
  return e.retryable ? e : new DependencyError(e.message, { dependency: 'nats', retryable: true, cause: err });
}

/** The headers and body of a {@link ServeErrorReply}. */
function errorReply(err: unknown, fallbackCode: string, status: string): [ReturnType<typeof natsHeaders>, string] {
  const code = (err as { code?: unknown })?.code;
  const retryable = (err as { retryable?: unknown })?.retryable;
  const reply: ServeErrorReply = {
    error: {
      code: typeof code === 'string' ? code : fallbackCode,
      message: messageOf(err),
      retryable: typeof retryable === 'boolean' ? retryable : true,
    },
  };
  const hdrs = natsHeaders();
  // Header values cannot hold line breaks.
  hdrs.set(SERVICE_ERROR_HEADER, reply.error.message.replace(/[\r\n]+/g, ' ') || reply.error.code);
  hdrs.set(SERVICE_ERROR_CODE_HEADER, status);
  return [hdrs, JSON.stringify(reply)];
}

function serveErrorOf(reply: Msg, subject: string): DependencyError {
  let error: Partial<ServeErrorReply['error']> = {};
  try {
    error = (JSON.parse(new TextDecoder().decode(reply.data)) as ServeErrorReply).error ?? {};
  } catch {
    // A responder of another kind (NATS micro): the headers are all there is.
  }
  const message = typeof error.message === 'string' ? error.message : reply.headers!.get(SERVICE_ERROR_HEADER);
  return new DependencyError(`responder on ${subject} failed: ${message}`, {
    dependency: 'nats',
    retryable: typeof error.retryable === 'boolean' ? error.retryable : true,
    dependencyCode: typeof error.code === 'string' ? error.code : reply.headers!.get(SERVICE_ERROR_CODE_HEADER),
  });
}

function natsKvBucket(bucket: string, kv: KV): KvBucket {
  const op = async <T>(what: string, key: string, f: () => Promise<T>): Promise<T> => {
    try {
      return await f();
    } catch (err) {
      throw wrap(err, `cannot ${what} ${bucket}/${key}`);
    }
  };
  return {
    bucket,
    create: (key, data) => op('create', key, () => kv.create(key, data)),
    update: (key, data, revision) => op('update', key, () => kv.update(key, data, revision)),
    put: (key, data) => op('put', key, () => kv.put(key, data)),
    delete: (key, opts) =>
      op('delete', key, () => kv.delete(key, opts?.previousSeq === undefined ? {} : { previousSeq: opts.previousSeq })),
    get: (key) =>
      op('read', key, async () => {
        const e = await kv.get(key);
        if (e?.operation !== 'PUT') return null;
        return { key: e.key, value: e.value, revision: e.revision };
      }),
  };
}
