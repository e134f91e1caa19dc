import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiError,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  jetstream,
  jetstreamManager,
} from '@nats-io/jetstream';
import { type KV, Kvm } from '@nats-io/kv';
import {
  connect,
  type Msg,
  type NatsConnection,
  headers as natsHeaders,
  RequestError,
  TimeoutError,
} from '@nats-io/transport-node';
import { DependencyError, messageOf } from '../errors.ts';
import type { Logger } from '../logger.ts';
import {
  type Bus,
  type BusMessage,
  type DurableConsumer,
  type DurableConsumerParams,
  type KvBucket,
  type KvBucketOptions,
  type PublishAck,
  type PublishOptions,
  type RequestOptions,
  SERVICE_ERROR_CODE_HEADER,
  SERVICE_ERROR_HEADER,
  type Served,
  type ServeErrorReply,
  type ServeHandler,
  type ServeOptions,
} from './bus.ts';
import { NS_PER_MS, type StreamSettings, streamConfigs } from './streams.ts';

/** Parameters of {@link connectBus}. */
export interface ConnectBusParams {
  servers: string;
  streams: StreamSettings;
  /** Connection name shown by the server (`aegis-ingest-writer`). */
  name?: string;
  logger?: Logger;
}

/** Connects to NATS JetStream.
 *  @example const bus = await connectBus({ servers: nats.url, streams }); await bus.ensureStreams(); */
export async function connectBus(params: ConnectBusParams): Promise<Bus> {
  let nc: NatsConnection;
  try {
    nc = await connect({
      servers: params.servers.split(',').map((s) => s.trim()),
      name: params.name ?? 'aegis',
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
    });
  } catch (err) {
    throw new DependencyError(`cannot connect to NATS at ${params.servers}: ${messageOf(err)}`, {
      dependency: 'nats',
      retryable: true,
      cause: err,
    });
  }
  const jsm = await jetstreamManager(nc);
  return new NatsBus(params, nc, jetstream(nc), jsm);
}

class NatsBus implements Bus {
  readonly servers: string;
  constructor(
    private readonly params: ConnectBusParams,
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
  ) {
    this.servers = params.servers;
  }

  async ensureStreams(): Promise<void> {
    for (const config of streamConfigs(this.params.streams)) {
      const name = config.name!;
      try {
        await this.jsm.streams.info(name);
        await this.jsm.streams.update(name, config);
      } catch (err) {
        if (!(err instanceof JetStreamApiError && err.code === 10059)) throw wrap(err, `cannot update stream ${name}`);
        await this.jsm.streams.add(config).catch((e) => {
          throw wrap(e, `cannot create stream ${name}`);
        });
      }
    }
  }

  async publish(subject: string, payload: Uint8Array | string, options: PublishOptions = {}): Promise<PublishAck> {
    const hdrs = options.headers ? natsHeaders() : undefined;
    for (const [k, v] of Object.entries(options.headers ?? {})) hdrs!.set(k, v);
    try {
      const ack = await this.js.publish(subject, payload, {
        ...(options.msgId ? { msgID: options.msgId } : {}),
        ...(hdrs ? { headers: hdrs } : {}),
        timeout: options.timeoutMs ?? 10_000,
      });
      return { stream: ack.stream, seq: ack.seq, duplicate: ack.duplicate };
    } catch (err) {
      throw wrap(err, `cannot publish to ${subject}`);
    }
  }

  async consume(params: DurableConsumerParams): Promise<DurableConsumer> {
    const config = {
      durable_name: params.durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      max_deliver: params.maxDeliver,
      ack_wait: params.ackWaitMs * NS_PER_MS,
      max_ack_pending: params.maxAckPending,
      ...(params.backoffMs?.length ? { backoff: params.backoffMs.map((ms) => ms * NS_PER_MS) } : {}),
      // nats-server 2.9 (Debian 12) knows only the single filter_subject.
      ...(params.filterSubjects?.length === 1 ? { filter_subject: params.filterSubjects[0] } : {}),
      ...(params.filterSubjects && params.filterSubjects.length > 1 ? { filter_subjects: params.filterSubjects } : {}),
    };
    try {
      // add is idempotent for an identical config; update applies changed settings of an existing one.
      await this.jsm.consumers.add(params.stream, config).catch(async (err) => {
        if (err instanceof JetStreamApiError && err.code === 10148)
          return this.jsm.consumers.update(params.stream, params.durable, config);
        throw err;
      });
      const consumer = await this.js.consumers.get(params.stream, params.durable);
      // Ack-wait runs from delivery, not from when the loop reads a message: keep the client-side
      // buffer small so messages do not wait there long enough to be redelivered under load, and
      // so that several replicas share the work.
      const messages = await consumer.consume({ max_messages: Math.min(256, params.maxAckPending) });
      return {
        async *[Symbol.asyncIterator]() {
          for await (const m of messages) yield toBusMessage(m);
        },
        async stop() {
          await messages.close();
        },
      };
    } catch (err) {
      throw wrap(err, `cannot consume ${params.stream}/${params.durable}`);
    }
  }

  async consumerPending(stream: string, durable: string) {
    const info = await this.jsm.consumers.info(stream, durable).catch((err) => {
      throw wrap(err, `cannot read consumer ${stream}/${durable}`);
    });
    return { pending: info.num_pending, ackPending: info.num_ack_pending, redelivered: info.num_redelivered };
  }

  async streamMessages(stream: string): Promise<number> {
    const info = await this.jsm.streams.info(stream).catch((err) => {
      throw wrap(err, `cannot read stream ${stream}`);
    });
    return info.state.messages;
  }

  async read(stream: string, max: number, filterSubject?: string) {
    const out: { subject: string; seq: number; data: Uint8Array; headers: Record<string, string> }[] = [];
    const total = await this.streamMessages(stream);
    if (total === 0) return out;
    // An ordered consumer filters with filter_subjects, which nats-server 2.9 lacks: filter here.
    const consumer = await this.js.consumers.get(stream);
    const messages = await consumer.fetch({ max_messages: total, expires: 2000 });
    for await (const m of messages) {
      if (filterSubject === undefined || m.subject === filterSubject) {
        const headers: Record<string, string> = {};
        for (const [k, v] of m.headers ?? []) headers[k] = v.join(',');
        out.push({ subject: m.subject, seq: m.seq, data: m.data, headers });
      }
      if (out.length >= max || m.info.pending === 0) break;
    }
    await consumer.delete().catch(() => undefined);
    return out;
  }

  async purge(stream: string): Promise<void> {
    await this.jsm.streams.purge(stream).catch((err) => {
      throw wrap(err, `cannot purge stream ${stream}`);
    });
  }

  async request(subject: string, payload: Uint8Array | string, options: RequestOptions): Promise<Uint8Array> {
    let reply: Msg;
    try {
      reply = await this.nc.request(subject, payload, { timeout: options.timeoutMs });
    } catch (err) {
      throw requestError(err, subject, options.timeoutMs);
    }
    const failed = reply.headers?.get(SERVICE_ERROR_HEADER);
    if (failed) throw serveErrorOf(reply, subject);
    return reply.data;
  }

  serve(subject: string, options: ServeOptions, handler: ServeHandler): Served {
    const maxInFlight = options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
    const inFlight = new Set<Promise<void>>();
    const logger = this.params.logger;
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
    const sub = this.subscribe(subject, {
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
    const ready = this.nc.flush().catch((err) => {
      throw wrap(err, `cannot subscribe to ${subject}`);
    });
    // A caller that never awaits `ready` must not get an unhandled rejection from it.
    ready.catch(() => undefined);
    return {
      ready,
      stop: () => {
        stopped ??= (async () => {
          if (!sub.isClosed() && !this.nc.isClosed()) await sub.drain().catch(() => undefined);
          // Drain delivers what was already received; the replies of those still being handled follow.
          await Promise.allSettled([...inFlight]);
        })();
        return stopped;
      },
    };
  }

  private subscribe(subject: string, opts: Parameters<NatsConnection['subscribe']>[1]) {
    try {
      return this.nc.subscribe(subject, opts);
    } catch (err) {
      // A closed connection or an invalid subject: a caller's mistake or an outage, reported as ours.
      throw wrap(err, `cannot subscribe to ${subject}`);
    }
  }

  async kv(bucket: string, options: KvBucketOptions): Promise<KvBucket> {
    const kvm = new Kvm(this.js);
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

  async close(): Promise<void> {
    if (this.nc.isClosed()) return;
    await this.nc.drain().catch(async (err) => {
      this.params.logger?.warn({ err: messageOf(err) }, 'nats drain failed');
      // A failed drain leaves the client reconnecting for ever (Ctrl-C in a terminal also stops the
      // embedded nats-server, which shares the process group), and that would keep the process alive.
      await this.nc.close().catch(() => undefined);
    });
  }
}

function toBusMessage(m: JsMsg): BusMessage {
  return {
    subject: m.subject,
    data: m.data,
    seq: m.seq,
    deliveryCount: m.info.deliveryCount,
    redelivered: m.redelivered,
    ack: () => m.ack(),
    nak: (delayMs) => m.nak(delayMs),
    working: () => m.working(),
  };
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

function wrap(err: unknown, what: string): DependencyError {
  if (err instanceof DependencyError) return err;
  const code = err instanceof JetStreamApiError ? err.code : (err as { code?: string | number })?.code;
  // API errors (bad config, not found) will fail again; timeouts and disconnects may not.
  const retryable = !(err instanceof JetStreamApiError);
  return new DependencyError(`${what}: ${messageOf(err)}`, {
    dependency: 'nats',
    retryable,
    dependencyCode: code,
    cause: err,
  });
}
