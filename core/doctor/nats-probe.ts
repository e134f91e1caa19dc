import { JetStreamApiError, type JetStreamManager, jetstreamManager, type StreamConfig } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { wrap } from '../bus/nats-errors.ts';
// Deep import: the expected stream settings are the bus's own, not a copy that could drift from them.
import { type StreamSettings, streamConfigs } from '../bus/streams.ts';

/** The settings of a stream that `ensureStreams` sets, as JetStream reports them. */
export type StreamSettingsView = Pick<
  StreamConfig,
  'subjects' | 'max_age' | 'duplicate_window' | 'num_replicas' | 'storage'
>;

/** One stream as found: its settings and message count, or missing. */
export type StreamProbe =
  | { name: string; found: false; expected: StreamSettingsView }
  | { name: string; found: true; expected: StreamSettingsView; actual: StreamSettingsView; messages: number };

/** A durable consumer's backlog and the settings a writer gives it. */
export interface ConsumerProbe {
  pending: number;
  ackPending: number;
  redelivered: number;
  maxAckPending: number;
  ackWaitMs: number;
  maxDeliver: number;
}

/** What {@link probeNats} found on a NATS server. */
export interface NatsProbe {
  /** Server version from its INFO, e.g. `2.9.10`. */
  version: string;
  /** JetStream answers for this account. */
  jetstream: boolean;
  /** Server clock from a JetStream API answer (nats-server 2.10+ stamps them; 2.9 does not), epoch ms. */
  serverTimeMs?: number;
  /** Local clock at the moment the answer carrying `serverTimeMs` arrived and the round trip it took. */
  localTimeMs?: number;
  roundTripMs?: number;
  streams: StreamProbe[];
  /** The durable consumer, or undefined when it does not exist (no writer has run on this stream). */
  consumer?: ConsumerProbe;
  /** The value of the KV key asked for, or null when the bucket or the key is missing. */
  kvValue?: string | null;
}

/** Parameters of {@link probeNats}. */
export interface NatsProbeParams {
  servers: string;
  /** Connect and per-request timeout, in milliseconds. */
  timeoutMs: number;
  /** The configured stream settings, to compare with what the server holds. */
  streams: StreamSettings;
  /** Stream and durable consumer whose backlog to read. */
  consumer: { stream: string; durable: string };
  /** A KV key to read without creating its bucket (the audit head witness in cluster mode). */
  kv?: { bucket: string; key: string };
}

/** Connects once (no reconnect) and reads what `aegis doctor` judges: version, JetStream, the streams'
 *  settings, a durable consumer's backlog and optionally one KV value. Changes nothing on the server.
 *  Rejects with a DependencyError when the server cannot be reached or JetStream fails. */
export async function probeNats(params: NatsProbeParams): Promise<NatsProbe> {
  let nc: NatsConnection;
  try {
    nc = await connect({
      servers: params.servers.split(',').map((s) => s.trim()),
      name: 'aegis-doctor',
      timeout: params.timeoutMs,
      reconnect: false,
      maxReconnectAttempts: 0,
    });
  } catch (err) {
    throw wrap(err, `cannot connect to NATS at ${params.servers}`);
  }
  try {
    const version = nc.info?.version ?? 'unknown';
    let jsm: JetStreamManager;
    try {
      jsm = await jetstreamManager(nc, { timeout: params.timeoutMs });
    } catch (err) {
      if (nc.info?.jetstream === false || /not enabled/i.test(String(err)))
        return { version, jetstream: false, streams: [] };
      throw err;
    }
    const probe: NatsProbe = { version, jetstream: true, streams: [] };
    for (const expected of streamConfigs(params.streams)) {
      const want = view(expected);
      const sent = Date.now();
      const info = await jsm.streams.info(expected.name).catch(notFoundAs(undefined));
      if (!info) {
        probe.streams.push({ name: expected.name, found: false, expected: want });
        continue;
      }
      probe.streams.push({
        name: expected.name,
        found: true,
        expected: want,
        actual: view(info.config),
        messages: info.state.messages,
      });
      const stamped = (info as { ts?: string }).ts;
      if (stamped && probe.serverTimeMs === undefined) {
        probe.localTimeMs = Date.now();
        probe.roundTripMs = probe.localTimeMs - sent;
        probe.serverTimeMs = Date.parse(stamped);
      }
    }
    const c = await jsm.consumers.info(params.consumer.stream, params.consumer.durable).catch(notFoundAs(undefined));
    if (c)
      probe.consumer = {
        pending: c.num_pending,
        ackPending: c.num_ack_pending,
        redelivered: c.num_redelivered,
        maxAckPending: c.config.max_ack_pending ?? -1,
        ackWaitMs: Math.round((c.config.ack_wait ?? 0) / 1_000_000),
        maxDeliver: c.config.max_deliver ?? -1,
      };
    if (params.kv) {
      // Read the bucket's stream directly: opening it through the KV API would create a missing bucket.
      const msg = await jsm.streams
        .getMessage(`KV_${params.kv.bucket}`, { last_by_subj: `$KV.${params.kv.bucket}.${params.kv.key}` })
        .catch(notFoundAs(null));
      const op = msg?.header?.get('KV-Operation');
      probe.kvValue = msg && !op ? new TextDecoder().decode(msg.data) : null;
    }
    return probe;
  } catch (err) {
    throw wrap(err, `NATS at ${params.servers}`);
  } finally {
    await nc.close().catch(() => undefined);
  }
}

function view(c: Partial<StreamConfig>): StreamSettingsView {
  return {
    subjects: [...(c.subjects ?? [])],
    max_age: c.max_age ?? 0,
    duplicate_window: c.duplicate_window ?? 0,
    num_replicas: c.num_replicas ?? 1,
    storage: c.storage ?? ('file' as StreamConfig['storage']),
  };
}

/** Turns JetStream's "not found" answers (stream 10059, consumer 10014, message 10037) into `value`. */
function notFoundAs<T>(value: T) {
  return (err: unknown): T => {
    if (err instanceof JetStreamApiError && [10059, 10014, 10037].includes(err.code)) return value;
    if ((err as { name?: string })?.name?.endsWith('NotFoundError')) return value;
    throw err;
  };
}
