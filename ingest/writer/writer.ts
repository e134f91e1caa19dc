import type { Bus, BusMessage, DurableConsumer } from '../../core/bus/index.ts';
import type { WriterConfig } from '../../core/config/index.ts';
import { messageOf } from '../../core/errors.ts';
import { backoffMs, type Component, type ComponentState, sleep } from '../../core/lifecycle.ts';
import type { Logger } from '../../core/logger.ts';
import { cachedSample, counter, gauge, histogram, type Registry } from '../../core/metrics.ts';
import type { Warehouse } from '../../core/warehouse/index.ts';
import type { TelemetryKind } from '../../schemas/index.ts';
import { Batch, dedupToken, type FlushTrigger, type Segment } from './batch.ts';
import { deadLetterMessage, deadLetterRecords } from './dead-letter.ts';
import { decodeTelemetryMessage, type MessageRejectionCode, TABLES } from './decode.ts';

/** The `reason` label of `aegis_ingest_rejected_total`: a bounded set of classes. */
export type RejectReason = MessageRejectionCode | 'invalid_record' | 'max_deliveries';

/** Every {@link RejectReason}: each series starts at 0, so a rate over it is defined before the first reject. */
const REJECT_REASONS: readonly RejectReason[] = [
  'invalid_record',
  'bad_subject',
  'bad_encoding',
  'bad_envelope',
  'max_deliveries',
];
const FLUSH_TRIGGERS: readonly FlushTrigger[] = ['rows', 'timer', 'stop'];

/** What the writer needs from outside. */
export interface IngestWriterDeps {
  bus: Bus;
  warehouse: Warehouse;
  logger: Logger;
  metrics?: Registry;
  now?: () => number;
  /** Test and benchmark seam: runs after a batch is inserted and before its messages are acked. */
  afterInsert?: (batch: { seqs: number[]; rows: number }) => Promise<void> | void;
}

/** Running totals of one writer. */
export interface IngestWriterStats {
  messages: number;
  rowsInserted: Record<string, number>;
  rowsSkippedAsAlreadyStored: number;
  recordsRejected: number;
  messagesDeadLettered: number;
  flushes: Record<FlushTrigger, number>;
  storeErrors: number;
}

/** The ingest writer: TELEMETRY → ClickHouse, acking only after the rows are stored. */
export interface IngestWriter extends Component {
  stats(): IngestWriterStats;
}

/** Creates the ingest writer: it consumes TELEMETRY through a durable consumer shared by all
 *  replicas, validates, batches by rows and time, inserts, and acks after the insert.
 *  @example const writer = createIngestWriter(config.writer, { bus, warehouse, logger }); await writer.start(); */
export function createIngestWriter(config: WriterConfig, deps: IngestWriterDeps): IngestWriter {
  return new IngestWriterImpl(config, deps);
}

class IngestWriterImpl implements IngestWriter {
  readonly name = 'ingest-writer';
  state: ComponentState = 'idle';
  private consumer: DurableConsumer | undefined;
  private loop: Promise<void> | undefined;
  private current: Batch;
  /** Batches cut and not yet written, oldest first; each write starts after the previous one. */
  private readonly queued: Promise<void>[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly abort = new AbortController();
  private readonly now: () => number;
  private readonly totals: IngestWriterStats = {
    messages: 0,
    rowsInserted: {},
    rowsSkippedAsAlreadyStored: 0,
    recordsRejected: 0,
    messagesDeadLettered: 0,
    flushes: { rows: 0, timer: 0, stop: 0 },
    storeErrors: 0,
  };
  private readonly m;

  constructor(
    private readonly config: WriterConfig,
    private readonly deps: IngestWriterDeps,
  ) {
    this.now = deps.now ?? Date.now;
    this.current = new Batch(this.now());
    const r = deps.metrics;
    this.m = r && {
      rows: counter(r, {
        name: 'aegis_ingest_rows_total',
        help: 'Rows inserted into ClickHouse by table',
        labelNames: ['table'],
      }),
      rejected: counter(r, {
        name: 'aegis_ingest_rejected_total',
        help: 'Records (invalid_record) and whole messages (bad_subject, bad_encoding, bad_envelope, max_deliveries) sent to the dead-letter stream, by reason class',
        labelNames: ['reason'],
      }),
      flushes: counter(r, {
        name: 'aegis_ingest_flushes_total',
        help: 'Batches written, by the trigger that fired',
        labelNames: ['trigger'],
      }),
      batchRows: histogram(r, {
        name: 'aegis_ingest_batch_rows',
        help: 'Rows per written batch, by the trigger that cut it (rows, timer, stop)',
        labelNames: ['trigger'],
        buckets: [10, 100, 1000, 10_000, 50_000, 100_000, 200_000, 500_000],
      }),
      lag: histogram(r, {
        name: 'aegis_ingest_lag_seconds',
        help: 'Seconds from JetStream storing a telemetry message to its rows being inserted into ClickHouse, one observation per message',
        buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800],
      }),
      storeErrors: counter(r, { name: 'aegis_ingest_store_errors_total', help: 'Failed insert attempts (retried)' }),
    };
    if (this.m) {
      for (const reason of REJECT_REASONS) this.m.rejected.inc({ reason }, 0);
      for (const trigger of FLUSH_TRIGGERS) {
        this.m.flushes.inc({ trigger }, 0);
        this.m.batchRows.zero({ trigger });
      }
    }
    if (r) this.registerConsumerGauges(r);
  }

  /** Backlog gauges read from JetStream's consumer info when scraped (cached, with a timeout: a slow or
   *  gone NATS drops the series instead of hanging the scrape). */
  private registerConsumerGauges(r: Registry): void {
    const labels = { stream: 'TELEMETRY', consumer: this.config.durable };
    const sample = cachedSample(() => this.deps.bus.consumerPending(labels.stream, labels.consumer));
    gauge(r, {
      name: 'aegis_ingest_consumer_pending_messages',
      help: 'Messages of the stream not yet delivered to the durable consumer (JetStream num_pending), read on scrape',
      labelNames: ['stream', 'consumer'],
      async collect() {
        const p = await sample();
        if (p) this.set(labels, p.pending);
        else this.reset();
      },
    });
    gauge(r, {
      name: 'aegis_ingest_consumer_ack_pending_messages',
      help: 'Messages delivered to the durable consumer and not yet acked (JetStream num_ack_pending), read on scrape',
      labelNames: ['stream', 'consumer'],
      async collect() {
        const p = await sample();
        if (p) this.set(labels, p.ackPending);
        else this.reset();
      },
    });
  }

  stats(): IngestWriterStats {
    return structuredClone(this.totals);
  }

  async start(): Promise<void> {
    if (this.state !== 'idle') return;
    const ackWaitMs = this.config.ackWaitMs;
    this.consumer = await this.deps.bus.consume({
      stream: 'TELEMETRY',
      durable: this.config.durable,
      maxDeliver: this.config.maxDeliver,
      ackWaitMs,
      // After a crash, unacked messages come back after ack-wait; later redeliveries wait longer.
      backoffMs: [ackWaitMs, ackWaitMs * 2, ackWaitMs * 4].slice(0, this.config.maxDeliver - 1),
      maxAckPending: this.config.maxAckPending,
    });
    this.state = 'running';
    this.timer = setInterval(() => this.onTimer(), Math.max(50, Math.floor(this.config.flushIntervalMs / 4)));
    this.loop = this.run().catch((err) => {
      this.state = 'failed';
      this.deps.logger.error({ err: messageOf(err) }, 'ingest writer stopped on an error');
    });
  }

  async stop(options: { deadlineMs?: number } = {}): Promise<void> {
    if (this.state === 'idle' || this.state === 'stopped' || this.state === 'stopping') {
      if (this.state === 'idle') this.state = 'stopped';
      return;
    }
    this.state = 'stopping';
    // Past the deadline, give up retrying: unacked messages are redelivered to the next writer.
    const deadline = setTimeout(() => this.abort.abort(), options.deadlineMs ?? 30_000);
    clearInterval(this.timer);
    await this.consumer?.stop();
    await this.loop;
    this.cut('stop');
    await this.queued[this.queued.length - 1];
    clearTimeout(deadline);
    this.state = 'stopped';
  }

  private async run(): Promise<void> {
    for await (const message of this.consumer!) {
      await this.handle(message);
      if (this.current.rows >= this.config.maxBatchRows) this.cut('rows');
      // Hold at most one batch being written and one waiting: memory stays bounded, and the store
      // always has the next batch ready when it finishes one.
      while (this.queued.length > 1) await this.queued[0];
    }
  }

  private async handle(message: BusMessage): Promise<void> {
    this.totals.messages++;
    if (message.deliveryCount >= this.config.maxDeliver) {
      // The last delivery NATS will make: keep it in the dead-letter stream rather than lose it.
      await this.deadLetter(
        message,
        'max_deliveries',
        `delivered ${message.deliveryCount} times without being stored (max ${this.config.maxDeliver})`,
      );
      return;
    }
    const decoded = decodeTelemetryMessage(message.subject, message.data, message.seq);
    if ('reason' in decoded) {
      await this.deadLetter(message, decoded.code, decoded.reason);
      return;
    }
    if (decoded.rejected.length > 0) {
      this.totals.recordsRejected += decoded.rejected.length;
      this.m?.rejected.inc({ reason: 'invalid_record' satisfies RejectReason }, decoded.rejected.length);
      this.deps.logger.warn(
        {
          subject: message.subject,
          seq: message.seq,
          rejected: decoded.rejected.length,
          first: decoded.rejected[0]?.reason,
        },
        'records rejected to the dead-letter stream',
      );
      if (!(await this.tryDeadLetter(message, () => deadLetterRecords(this.deps.bus, message, decoded.rejected))))
        return;
    }
    this.current.add(message, decoded.kind, decoded.rows);
  }

  private async deadLetter(message: BusMessage, code: RejectReason, reason: string): Promise<void> {
    this.totals.messagesDeadLettered++;
    this.m?.rejected.inc({ reason: code });
    this.deps.logger.warn({ subject: message.subject, seq: message.seq, code, reason }, 'message dead-lettered');
    if (await this.tryDeadLetter(message, () => deadLetterMessage(this.deps.bus, message, reason))) message.ack();
  }

  /** Publishes to the dead-letter stream; when that fails the message is left for redelivery (naked)
   *  rather than acked, so nothing is lost, and the writer goes on. */
  private async tryDeadLetter(message: BusMessage, publish: () => Promise<void>): Promise<boolean> {
    try {
      await publish();
      return true;
    } catch (err) {
      this.deps.logger.error(
        { seq: message.seq, err: messageOf(err) },
        'cannot dead-letter; the message will be redelivered',
      );
      message.nak(this.config.retryMaxMs);
      return false;
    }
  }

  private onTimer(): void {
    if (!this.current.empty && this.now() - this.current.startedAt >= this.config.flushIntervalMs) this.cut('timer');
  }

  /** Swaps the filling batch out and queues it for writing after the one in flight. */
  private cut(trigger: FlushTrigger): void {
    if (this.current.empty) return;
    const batch = this.current;
    this.current = new Batch(this.now());
    const previous = this.queued[this.queued.length - 1] ?? Promise.resolve();
    const write: Promise<void> = previous
      .then(() => this.write(batch, trigger))
      // Not acked: its messages come back after ack-wait. The chain must go on for later batches.
      .catch((err) =>
        this.deps.logger.error(
          { err: messageOf(err), trigger, firstSeq: batch.messages[0]?.seq, lastSeq: batch.messages.at(-1)?.seq },
          'batch not written',
        ),
      )
      // A block body: shift() returns this very promise, and finally() would wait for it.
      .finally(() => {
        this.queued.shift();
      });
    this.queued.push(write);
  }

  private async write(batch: Batch, trigger: FlushTrigger): Promise<void> {
    const keepAlive = setInterval(
      () => {
        for (const m of batch.messages) m.working();
      },
      Math.max(1000, Math.floor(this.config.ackWaitMs / 3)),
    );
    try {
      for (const [kind, segments] of batch.segments) {
        const stored = await this.withRetry(() => this.insertTable(kind, segments), TABLES[kind].table);
        if (stored === undefined) return; // stopping past the deadline: leave the batch unacked
      }
      if (this.m) {
        const insertedAt = this.now();
        for (const m of batch.messages)
          if (m.publishedAtMs !== undefined) this.m.lag.observe(Math.max(0, insertedAt - m.publishedAtMs) / 1000);
      }
      await this.deps.afterInsert?.({ seqs: batch.messages.map((m) => m.seq), rows: batch.rows });
      for (const m of batch.messages) m.ack();
      this.totals.flushes[trigger]++;
      this.m?.flushes.inc({ trigger });
      this.m?.batchRows.observe({ trigger }, batch.rows);
      this.deps.logger.debug(
        {
          trigger,
          rows: batch.rows,
          messages: batch.messages.length,
          firstSeq: batch.messages[0]?.seq,
          lastSeq: batch.messages.at(-1)?.seq,
        },
        'batch written and acked',
      );
    } finally {
      clearInterval(keepAlive);
    }
  }

  /** Inserts one table's rows, first dropping redelivered messages whose rows are already stored. */
  private async insertTable(kind: TelemetryKind, segments: Segment[]): Promise<number> {
    const { table, insert } = TABLES[kind];
    const keep = await this.withoutStored(table, segments);
    if (keep.length === 0) return 0;
    const payload = Buffer.from(`${keep.map((s) => s.rows.join('\n')).join('\n')}\n`);
    const rows = keep.reduce((n, s) => n + s.rows.length, 0);
    await this.deps.warehouse.insert(table, payload, { ...insert, dedupToken: dedupToken(table, keep) });
    this.totals.rowsInserted[table] = (this.totals.rowsInserted[table] ?? 0) + rows;
    this.m?.rows.inc({ table }, rows);
    return rows;
  }

  /** Drops the segments of redelivered messages whose rows are already stored (inserted before a
   *  crash or a lost ack). Only redelivered messages can be, so only they are looked up. */
  private async withoutStored(table: string, segments: Segment[]): Promise<Segment[]> {
    const redelivered = segments.filter((s) => s.redelivered).map((s) => s.seq);
    if (redelivered.length === 0) return segments;
    const rows = await this.deps.warehouse.query<{ seq: number }>(
      `SELECT DISTINCT _seq AS seq FROM ${table} WHERE _seq IN {seqs:Array(UInt64)}`,
      { seqs: redelivered },
    );
    const stored = new Set(rows.map((r) => Number(r.seq)));
    if (stored.size === 0) return segments;
    const dropped = segments.filter((s) => stored.has(s.seq));
    this.totals.rowsSkippedAsAlreadyStored += dropped.reduce((n, s) => n + s.rows.length, 0);
    this.deps.logger.info(
      { table, messages: dropped.length },
      'redelivered messages already stored; not inserted again',
    );
    return segments.filter((s) => !stored.has(s.seq));
  }

  /** Retries while the store fails, with backoff and jitter; undefined when aborted by stop(). */
  private async withRetry<T>(fn: () => Promise<T>, table: string): Promise<T | undefined> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        this.totals.storeErrors++;
        this.m?.storeErrors.inc();
        if (this.abort.signal.aborted) return undefined;
        const waitMs = backoffMs(attempt, this.config.retryInitialMs, this.config.retryMaxMs);
        this.deps.logger.warn(
          { table, attempt: attempt + 1, waitMs, err: messageOf(err) },
          'insert failed; holding the batch unacked and retrying',
        );
        await sleep(waitMs, this.abort.signal);
        if (this.abort.signal.aborted) return undefined;
      }
    }
  }
}
