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
import { connect, type NatsConnection, headers as natsHeaders } from '@nats-io/transport-node';
import { DependencyError, messageOf } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type {
  Bus,
  BusMessage,
  DurableConsumer,
  DurableConsumerParams,
  KvBucket,
  KvBucketOptions,
  PublishAck,
  PublishOptions,
  RequestOptions,
  Served,
  ServeHandler,
  ServeOptions,
  Tail,
  TailParams,
} from './bus.ts';
import { wrap } from './nats-errors.ts';
import { natsRequest, natsServe, openKvBucket } from './nats-rpc.ts';
import { natsTail } from './nats-tail.ts';
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
      let iterated = false;
      return {
        async *[Symbol.asyncIterator]() {
          iterated = true;
          for await (const m of messages) yield toBusMessage(m);
        },
        async stop() {
          // close() resolves once a reading loop reaches the end of the messages: with no loop it never
          // would, so a consumer nobody read is only stopped.
          if (iterated) await messages.close();
          else messages.stop();
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

  tail(stream: string, params: TailParams): Promise<Tail> {
    return natsTail(this.js, this.jsm, stream, params);
  }

  async purge(stream: string): Promise<void> {
    await this.jsm.streams.purge(stream).catch((err) => {
      throw wrap(err, `cannot purge stream ${stream}`);
    });
  }

  request(subject: string, payload: Uint8Array | string, options: RequestOptions): Promise<Uint8Array> {
    return natsRequest(this.nc, subject, payload, options);
  }

  serve(subject: string, options: ServeOptions, handler: ServeHandler): Served {
    return natsServe(this.nc, subject, options, handler, this.params.logger);
  }

  kv(bucket: string, options: KvBucketOptions): Promise<KvBucket> {
    return openKvBucket(this.js, bucket, options);
  }

  async close(options: { drain?: boolean } = {}): Promise<void> {
    if (this.nc.isClosed()) return;
    if (options.drain === false) return this.nc.close().catch(() => undefined);
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
    publishedAtMs: m.time.getTime(),
    ack: () => m.ack(),
    nak: (delayMs) => m.nak(delayMs),
    working: () => m.working(),
  };
}
