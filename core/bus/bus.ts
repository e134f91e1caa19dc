/** A message taken from a durable consumer; the consumer of it must ack, nak or term it. */
export interface BusMessage {
  readonly subject: string;
  readonly data: Uint8Array;
  /** Stream sequence: unique and increasing within the stream. */
  readonly seq: number;
  /** 1 on first delivery. */
  readonly deliveryCount: number;
  readonly redelivered: boolean;
  /** When the stream stored the message (its JetStream timestamp), epoch milliseconds. */
  readonly publishedAtMs?: number;
  /** Processed: never deliver again. */
  ack(): void;
  /** Not processed: deliver again after `delayMs` (default: the consumer's backoff). */
  nak(delayMs?: number): void;
  /** Still being processed: restart the ack-wait timer. */
  working(): void;
}

/** Settings of a durable pull consumer shared by every replica that names it. */
export interface DurableConsumerParams {
  stream: string;
  durable: string;
  filterSubjects?: string[];
  /** Deliveries before the server gives up on a message. */
  maxDeliver: number;
  ackWaitMs: number;
  /** Redelivery delays after a nak or an ack timeout, in milliseconds (NATS `backoff`). */
  backoffMs?: number[];
  /** Most unacked messages in flight across replicas: the backpressure bound. */
  maxAckPending: number;
}

/** Messages of a durable consumer, pulled as they are iterated. */
export interface DurableConsumer extends AsyncIterable<BusMessage> {
  /** Stops pulling; iteration ends. Unacked messages are redelivered later (to any replica). */
  stop(): Promise<void>;
}

/** Options of one publish. */
export interface PublishOptions {
  /** Sets `Nats-Msg-Id`: a republish with the same id inside the duplicate window is dropped. */
  msgId?: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

/** The stream's answer to a publish. */
export interface PublishAck {
  stream: string;
  seq: number;
  /** The message id had been seen already; nothing was stored. */
  duplicate: boolean;
}

/** Options of {@link Bus.request}. */
export interface RequestOptions {
  /** How long to wait for the reply, in milliseconds; past it the request rejects (retryable). */
  timeoutMs: number;
}

/** Answers one request of {@link Bus.serve}: the reply body. A thrown error becomes an error reply. */
export type ServeHandler = (data: Uint8Array, subject: string) => Promise<Uint8Array | string>;

/** Options of {@link Bus.serve}. */
export interface ServeOptions {
  /** Queue group: each request goes to one member of the group (load balancing across replicas). */
  queue: string;
  /** Most requests handled at once by this subscription; past it a request gets a `BUSY` error reply
   *  (retryable) instead of queueing without bound. @default 256 */
  maxInFlight?: number;
}

/** A running {@link Bus.serve} subscription. */
export interface Served {
  /** Resolves once the server has the subscription (a connection flush): requests sent after it,
   *  from any connection, find this responder. Rejects with `DependencyError` when the flush fails. */
  readonly ready: Promise<void>;
  /** Drains the subscription (no new requests) and waits for the requests in flight to be answered. */
  stop(): Promise<void>;
}

/** NATS micro convention: a reply carrying this header is an error, its value the message. */
export const SERVICE_ERROR_HEADER = 'Nats-Service-Error';
/** NATS micro convention: the error's status, `500` (handler failed) or `503` (busy). */
export const SERVICE_ERROR_CODE_HEADER = 'Nats-Service-Error-Code';

/** Body of an error reply of {@link Bus.serve}, sent with the {@link SERVICE_ERROR_HEADER} headers. */
export interface ServeErrorReply {
  error: {
    /** The thrown error's `code` when it has a string one (an AegisError's), `BUSY`, or `HANDLER_FAILED`. */
    code: string;
    message: string;
    /** The thrown error's `retryable` when it says, otherwise true: the requester cannot know what happened. */
    retryable: boolean;
  };
}

/** Options of {@link Bus.kv}. */
export interface KvBucketOptions {
  /** Age after which an entry expires (the bucket's max age), in milliseconds; 0 keeps entries for ever. */
  ttlMs: number;
  /** Revisions kept per key. @default 1 */
  history?: number;
}

/** One entry of a {@link KvBucket}. */
export interface KvEntry {
  key: string;
  value: Uint8Array;
  /** Revision to pass to `update` / `delete({ previousSeq })`. */
  revision: number;
}

/** A NATS KV bucket with compare-and-set writes. Fits `LeaseBucket` of control/audit/kv-lock.ts.
 *  Failures reject with `DependencyError`; a lost compare-and-set (`create` on a live key, `update` or
 *  `delete` with a stale revision) has `retryable: false` and `dependencyCode` `'10071'` (JetStream's
 *  "wrong last sequence"), which callers may match to tell a conflict from an outage. */
export interface KvBucket {
  readonly bucket: string;
  /** Writes `key` only when it is absent (or deleted); resolves with the revision. */
  create(key: string, data: Uint8Array | string): Promise<number>;
  /** Writes `key` only when its latest revision is still `revision`. */
  update(key: string, data: Uint8Array | string, revision: number): Promise<number>;
  /** Writes `key` whatever it holds. */
  put(key: string, data: Uint8Array | string): Promise<number>;
  /** Deletes `key` (only at `previousSeq` when given). Deleting a missing key succeeds. */
  delete(key: string, opts?: { previousSeq?: number }): Promise<void>;
  /** The live entry of `key`, or null when absent, deleted or expired. */
  get(key: string): Promise<KvEntry | null>;
}

/** Options of {@link Bus.tail}. */
export interface TailParams {
  /** Subjects to follow; wildcards (`*`, `>`) allowed. */
  subjects: string[];
  /** Start after this stream sequence (a reader's last one, to resume without gaps or duplicates).
   *  Unset: only messages published from now on. A sequence the stream no longer holds (retention
   *  dropped it) or has not reached is refused with an InputError. */
  afterSeq?: number;
}

/** One message of a {@link Tail}. */
export interface TailMessage {
  /** Stream sequence: the reader's cursor. */
  seq: number;
  subject: string;
  data: Uint8Array;
}

/** A stream followed in order from a position; nothing to ack. Iterate once. */
export interface Tail extends AsyncIterable<TailMessage> {
  readonly stream: string;
  /** The first stream sequence it can deliver. */
  readonly startSeq: number;
  /** Stops following and removes its consumer; iteration ends. Safe to call twice. */
  stop(): Promise<void>;
}

/** The message bus: JetStream streams, publishing and durable consumers. Only `core/` implements it. */
export interface Bus {
  /** Server URL(s) in use. */
  readonly servers: string;
  /** Creates or updates TELEMETRY, DEADLETTER and EVENTS; safe to call on every start. */
  ensureStreams(): Promise<void>;
  publish(subject: string, payload: Uint8Array | string, options?: PublishOptions): Promise<PublishAck>;
  consume(params: DurableConsumerParams): Promise<DurableConsumer>;
  /** A durable consumer's backlog: not yet delivered, delivered but unacked, redelivered. */
  consumerPending(
    stream: string,
    durable: string,
  ): Promise<{ pending: number; ackPending: number; redelivered: number }>;
  /** Messages currently held by a stream. */
  streamMessages(stream: string): Promise<number>;
  /** Reads up to `max` messages of a stream from its start, optionally only those on one subject
   *  (inspection and tests; leaves no consumer behind). */
  read(
    stream: string,
    max: number,
    filterSubject?: string,
  ): Promise<{ subject: string; seq: number; data: Uint8Array; headers: Record<string, string> }[]>;
  /** Follows a stream in order (an ordered consumer): messages on `subjects` after `afterSeq`, or from
   *  now on, until `stop()` (or `return()` on its iterator). Resolves once the consumer exists. */
  tail(stream: string, params: TailParams): Promise<Tail>;
  /** Removes every message of a stream (operator maintenance and tests). */
  purge(stream: string): Promise<void>;
  /** Core NATS request/reply: resolves with the reply body. Rejects with a retryable `DependencyError`
   *  naming the subject when nobody listens (`dependencyCode` `'503'`) or no reply came in time
   *  (`'TIMEOUT'`), and with one built from the reply when the responder sent a {@link ServeErrorReply}
   *  (`dependencyCode` its `error.code`). */
  request(subject: string, payload: Uint8Array | string, options: RequestOptions): Promise<Uint8Array>;
  /** Answers requests on `subject` (wildcards allowed) in a queue group with `handler`'s result. A
   *  handler that throws gets a {@link ServeErrorReply} sent back, so the requester never waits out its
   *  timeout for it. Messages without a reply subject are dropped. */
  serve(subject: string, options: ServeOptions, handler: ServeHandler): Served;
  /** Opens KV bucket `bucket`, creating it when missing (safe to call from every replica at once). An
   *  existing bucket keeps its settings: `ttlMs`/`history` apply only at creation. */
  kv(bucket: string, options: KvBucketOptions): Promise<KvBucket>;
  /** Flushes and closes the connection; `drain: false` just closes it (the server is already gone). */
  close(options?: { drain?: boolean }): Promise<void>;
}
