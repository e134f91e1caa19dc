import { createHash } from 'node:crypto';
import type { Bus } from '../core/bus/index.ts';
import {
  createEnvelope,
  type TelemetryBatch,
  type TelemetryKind,
  type TelemetryRecordInput,
  telemetryEventType,
  telemetrySubject,
} from '../schemas/index.ts';

/** What a publish call sent. */
export interface PublishResult {
  messages: number;
  records: number;
  /** Messages JetStream had already stored (same id within the duplicate window): not stored twice. */
  duplicates: number;
}

/** Publishes telemetry records as CloudEvents batch messages on `aegis.telemetry.<kind>.<source>`. */
export interface TelemetryPublisher {
  readonly source: string;
  publish<K extends TelemetryKind>(kind: K, records: readonly TelemetryRecordInput<K>[]): Promise<PublishResult>;
}

/** Parameters of {@link createTelemetryPublisher}. */
export interface TelemetryPublisherParams {
  bus: Bus;
  /** Source token: `simulator`, `otlp`, `prometheus`, `file` … */
  source: string;
  /** Records per message. @default 500 */
  batchRecords?: number;
  /** Publishes awaiting their ack at once. @default 64 */
  maxInFlight?: number;
}

/** One telemetry batch ready to publish. */
export interface EncodedBatch {
  subject: string;
  /** `Nats-Msg-Id` and CloudEvents id: a hash of the subject and the records. */
  id: string;
  payload: string;
}

/** Encodes records as one CloudEvents batch message. The id hashes the subject and the records (not
 *  the envelope's `time`), so the same batch always gets the same id; the records are serialised once,
 *  for the hash and the payload alike. */
export function encodeTelemetryBatch<K extends TelemetryKind>(
  kind: K,
  source: string,
  records: readonly TelemetryRecordInput<K>[],
): EncodedBatch {
  const subject = telemetrySubject(kind, source);
  const data: TelemetryBatch<K> = { records: records as TelemetryRecordInput<K>[] };
  const body = JSON.stringify(data);
  const id = createHash('sha256').update(subject).update('\n').update(body).digest('hex').slice(0, 32);
  const envelope = createEnvelope({
    id,
    source: `aegis/${source}`,
    type: telemetryEventType(kind),
    subject,
    data: undefined,
  });
  // The envelope without data ends in `}`: splice the already serialised data in before it.
  const head = JSON.stringify(envelope);
  return { subject, id, payload: `${head.slice(0, -1)},"data":${body}}` };
}

/** Creates a publisher. Message ids hash the subject and the records, so a retried publish of the
 *  same batch is dropped by JetStream's duplicate window instead of being stored twice.
 *  @example await createTelemetryPublisher({ bus, source: 'otlp' }).publish('metrics', points); */
export function createTelemetryPublisher(params: TelemetryPublisherParams): TelemetryPublisher {
  const batchRecords = params.batchRecords ?? 500;
  const maxInFlight = params.maxInFlight ?? 64;
  return {
    source: params.source,
    async publish(kind, records) {
      const result: PublishResult = { messages: 0, records: 0, duplicates: 0 };
      const inFlight = new Set<Promise<void>>();
      let failure: unknown;
      for (let start = 0; start < records.length; start += batchRecords) {
        const chunk = records.slice(start, start + batchRecords);
        const { subject, id, payload } = encodeTelemetryBatch(kind, params.source, chunk);
        const p = params.bus.publish(subject, payload, { msgId: id }).then((ack) => {
          result.messages++;
          result.records += chunk.length;
          if (ack.duplicate) result.duplicates++;
        });
        const tracked: Promise<void> = p
          .catch((err) => {
            failure ??= err;
          })
          .finally(() => inFlight.delete(tracked));
        inFlight.add(tracked);
        if (inFlight.size >= maxInFlight) await Promise.race(inFlight);
        if (failure !== undefined) break;
      }
      await Promise.all(inFlight);
      if (failure !== undefined) throw failure;
      return result;
    },
  };
}
