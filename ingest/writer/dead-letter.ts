import type { Bus } from '../../core/bus/index.ts';
import { createEnvelope } from '../../schemas/index.ts';
import type { Rejection } from '../parsers/types.ts';

/** Subject of messages the ingest writer refuses. */
export const WRITER_DEADLETTER_SUBJECT = 'aegis.deadletter.ingest-writer';

/** Dead-letters a whole message: its original bytes, with the reason and origin in headers. */
export async function deadLetterMessage(
  bus: Bus,
  original: { subject: string; seq: number; data: Uint8Array },
  reason: string,
): Promise<void> {
  await bus.publish(WRITER_DEADLETTER_SUBJECT, original.data, {
    msgId: `dlq:telemetry:${original.seq}`,
    headers: {
      'Aegis-Reason': reason.slice(0, 1000),
      'Aegis-Original-Subject': original.subject,
      'Aegis-Original-Seq': String(original.seq),
    },
  });
}

/** Dead-letters the rejected records of a message whose other records were stored. */
export async function deadLetterRecords(
  bus: Bus,
  original: { subject: string; seq: number },
  rejected: (Rejection & { record: unknown })[],
): Promise<void> {
  const envelope = createEnvelope({
    id: `dlq:telemetry:${original.seq}:records`,
    source: 'aegis/ingest-writer',
    type: 'dev.aegis.deadletter.records.v1',
    subject: original.subject,
    data: { original_subject: original.subject, original_seq: original.seq, rejected },
  });
  await bus.publish(WRITER_DEADLETTER_SUBJECT, JSON.stringify(envelope), {
    msgId: envelope.id,
    headers: {
      'Aegis-Reason': `${rejected.length} record(s) rejected; first: ${rejected[0]?.reason ?? ''}`.slice(0, 1000),
      'Aegis-Original-Subject': original.subject,
      'Aegis-Original-Seq': String(original.seq),
    },
  });
}
