import { createHash } from 'node:crypto';
import type { BusMessage } from '../../core/bus/index.ts';
import type { TelemetryKind } from '../../schemas/index.ts';

/** Rows of one message, kept apart so a redelivered message can be dropped whole if already stored. */
export interface Segment {
  seq: number;
  redelivered: boolean;
  rows: string[];
}

/** What fired a flush. */
export type FlushTrigger = 'rows' | 'timer' | 'stop';

/** Messages taken from the stream and the rows they carry, per table, until written and acked. */
export class Batch {
  /** Segments by telemetry kind (one raw table each). */
  readonly segments = new Map<TelemetryKind, Segment[]>();
  readonly messages: BusMessage[] = [];
  rows = 0;
  readonly startedAt: number;

  constructor(now: number) {
    this.startedAt = now;
  }

  /** Adds a message; its rows (possibly none) go to the table of `kind`. */
  add(message: BusMessage, kind: TelemetryKind, rows: string[]): void {
    this.messages.push(message);
    if (rows.length === 0) return;
    const list = this.segments.get(kind) ?? [];
    if (list.length === 0) this.segments.set(kind, list);
    list.push({ seq: message.seq, redelivered: message.redelivered, rows });
    this.rows += rows.length;
  }

  get empty(): boolean {
    return this.messages.length === 0;
  }
}

/** Deterministic deduplication token of one table's insert: the same set of messages gives the same
 *  token, so an insert retried after an error is stored once; any other set gives another token
 *  (the hash covers every sequence, not just the range: sets with gaps differ inside one range). */
export function dedupToken(table: string, segments: Segment[]): string {
  const seqs = segments.map((s) => s.seq).sort((a, b) => a - b);
  const digest = createHash('sha256').update(seqs.join(',')).digest('hex').slice(0, 24);
  return `${table}:${seqs[0]}-${seqs[seqs.length - 1]}:${seqs.length}:${digest}`;
}
