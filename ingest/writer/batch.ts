import type { BusMessage } from '../../core/bus/index.ts';

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
  readonly segments = new Map<string, Segment[]>();
  readonly messages: BusMessage[] = [];
  rows = 0;
  readonly startedAt: number;

  constructor(now: number) {
    this.startedAt = now;
  }

  /** Adds a message; its rows (possibly none) go to `table`. */
  add(message: BusMessage, table: string | undefined, rows: string[]): void {
    this.messages.push(message);
    if (!table || rows.length === 0) return;
    const list = this.segments.get(table) ?? [];
    if (list.length === 0) this.segments.set(table, list);
    list.push({ seq: message.seq, redelivered: message.redelivered, rows });
    this.rows += rows.length;
  }

  get empty(): boolean {
    return this.messages.length === 0;
  }
}

/** Deterministic deduplication token of one table's insert: the same messages give the same token,
 *  so an insert retried after an error is stored once. */
export function dedupToken(table: string, segments: Segment[]): string {
  const seqs = segments.map((s) => s.seq);
  const rows = segments.reduce((n, s) => n + s.rows.length, 0);
  return `${table}:${Math.min(...seqs)}-${Math.max(...seqs)}:${seqs.length}:${rows}`;
}
