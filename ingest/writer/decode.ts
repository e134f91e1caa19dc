import type { z } from 'zod';
import type { InsertOptions } from '../../core/warehouse/index.ts';
import {
  envelopeSchema,
  kindOfSubject,
  type MetricPoint,
  recordSchemas,
  type TelemetryBatch,
  type TelemetryKind,
} from '../../schemas/index.ts';
import type { Rejection } from '../parsers/types.ts';
import { rejectionFromZod } from '../parsers/validate.ts';
import { fastMetricRow, METRIC_COLUMNS, maxTimestampNow, metricRow } from './metric-rows.ts';

/** A telemetry message turned into rows for its table. */
export interface DecodedMessage {
  kind: TelemetryKind;
  /** Source token of the subject (`aegis.telemetry.<kind>.<source>`), stored in the `source` column. */
  source: string;
  /** One row per valid record, in the format of `TABLES[kind]`, with `source` and `_seq` added. */
  rows: string[];
  /** Records that failed validation, with their original JSON. */
  rejected: (Rejection & { record: unknown })[];
}

/** Classes of refused messages, for the `reason` label of `aegis_ingest_rejected_total` (a bounded set:
 *  the free-text reason goes to the log and the dead-letter headers). */
export type MessageRejectionCode = 'bad_subject' | 'bad_encoding' | 'bad_envelope';

/** Why a whole message was refused. */
export interface MessageRejection {
  code: MessageRejectionCode;
  reason: string;
}

/** The raw table of each kind and the row format the writer inserts into it. Metrics, the bulk of
 *  the volume, go as arrays (JSONCompactEachRow): smaller to build and faster for ClickHouse to read. */
export const TABLES: Record<TelemetryKind, { table: string; insert: InsertOptions }> = {
  metrics: { table: 'metrics', insert: { format: 'JSONCompactEachRow', columns: METRIC_COLUMNS } },
  cost: { table: 'cost', insert: { format: 'JSONEachRow' } },
  access: { table: 'access', insert: { format: 'JSONEachRow' } },
  resources: { table: 'resources', insert: { format: 'JSONEachRow' } },
};

// One strict decoder for every message: invalid UTF-8 throws instead of becoming U+FFFD.
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes and validates one TELEMETRY message. Never throws: a message that cannot be read at all is
 *  a MessageRejection; bad records inside a readable message are listed in `rejected`. */
export function decodeTelemetryMessage(
  subject: string,
  data: Uint8Array,
  seq: number,
): DecodedMessage | MessageRejection {
  const kind = kindOfSubject(subject);
  if (!kind)
    return {
      code: 'bad_subject',
      reason: `subject ${subject} is not aegis.telemetry.<metrics|cost|access|resources>.<source>`,
    };
  let json: unknown;
  try {
    json = JSON.parse(UTF8.decode(data));
  } catch (err) {
    return { code: 'bad_encoding', reason: `message is not UTF-8 JSON: ${(err as Error).message}` };
  }
  const envelope = envelopeSchema.safeParse(json);
  if (!envelope.success)
    return {
      code: 'bad_envelope',
      reason: `not a CloudEvents 1.0 envelope: ${rejectionFromZod(envelope.error, 'envelope').reason}`,
    };
  // Untrusted until checked: `records` may be anything.
  const records = (envelope.data.data as Partial<Record<keyof TelemetryBatch, unknown>> | null)?.records;
  if (!Array.isArray(records)) return { code: 'bad_envelope', reason: 'data.records must be an array of records' };

  const source = subject.split('.').slice(3).join('.') || 'unknown';
  const decoded: DecodedMessage = { kind, source, rows: [], rejected: [] };
  const schema = recordSchemas[kind] as z.ZodType;
  const sourceJson = JSON.stringify(source);
  const maxTs = maxTimestampNow();
  for (let i = 0; i < records.length; i++) {
    if (kind === 'metrics') {
      const fast = fastMetricRow(records[i], sourceJson, seq, maxTs);
      if (fast !== undefined) {
        decoded.rows.push(fast);
        continue;
      }
    }
    const result = schema.safeParse(records[i]);
    if (!result.success) {
      decoded.rejected.push({ ...rejectionFromZod(result.error, `records[${i}]`), record: records[i] });
    } else if (kind === 'metrics') {
      decoded.rows.push(metricRow(result.data as MetricPoint, sourceJson, seq));
    } else {
      const row = result.data as Record<string, unknown>;
      row.source = source;
      row._seq = seq;
      decoded.rows.push(JSON.stringify(row));
    }
  }
  return decoded;
}
