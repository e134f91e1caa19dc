/** A message taken from a durable consumer; the consumer of it must ack, nak or term it. */
export interface BusMessage {
  readonly subject: string;
  readonly data: Uint8Array;
  /** Stream sequence: unique and increasing within the stream. */
  readonly seq: number;
  /** 1 on first delivery. */
  readonly deliveryCount: number;
  readonly redelivered: boolean;
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
  /** Removes every message of a stream (operator maintenance and tests). */
  purge(stream: string): Promise<void>;
  /** Flushes and closes the connection. */
  close(): Promise<void>;
}
