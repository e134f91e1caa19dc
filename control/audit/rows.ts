import type { Warehouse } from '../../core/warehouse/index.ts';
import type { AuditRecord } from './record.ts';

/** `audit_log` as it comes back from a read. */
export interface AuditRow {
  seq: number;
  ts: number;
  kind: string;
  actor: string;
  subject: string;
  payload: string;
  prev_hash: string;
  hash: string;
  key_id: string;
  signature: string;
}

/** Table name rule: tests verify tampered copies under other names; never user input. */
const TABLE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The columns read back, with ts as epoch milliseconds (what the hash covers). */
export const AUDIT_SELECT = `seq, toUnixTimestamp64Milli(ts) AS ts, kind, actor, subject, payload, prev_hash, hash, key_id, signature`;

/** Checks a table name before it is spliced into SQL (ClickHouse binds no identifiers in every driver). */
export function auditTable(table = 'audit_log'): string {
  if (!TABLE.test(table)) throw new Error(`audit table must be a plain identifier (got ${table})`);
  return table;
}

/** Records with `fromSeq <= seq <= toSeq` in seq order, `pageRows` at a time; keyset paging keeps every
 *  page one index range read however long the log. `prevSignature` is left empty: it is the previous
 *  row's `signature`, which the caller chains. */
export async function* readAuditPages(
  warehouse: Warehouse,
  options: { table?: string; fromSeq?: number; toSeq?: number; pageRows?: number } = {},
): AsyncGenerator<AuditRecord[]> {
  const table = auditTable(options.table);
  const pageRows = options.pageRows ?? 20_000;
  const to = options.toSeq ?? Number.MAX_SAFE_INTEGER;
  const fetch = (after: number) => {
    const rows = warehouse.query<AuditRow>(
      `SELECT ${AUDIT_SELECT} FROM ${table} WHERE seq > {after:UInt64} AND seq <= {to:UInt64} ORDER BY seq LIMIT {n:UInt32}`,
      { after, to, n: pageRows },
    );
    // Awaited below; this only keeps an abandoned prefetch (the caller stopped early) from being unhandled.
    rows.catch(() => undefined);
    return rows;
  };
  // `after` is exclusive; seq starts at 1, so 0 reads from the start.
  let next = fetch(Math.max(0, (options.fromSeq ?? 1) - 1));
  for (;;) {
    const rows = await next;
    if (rows.length === 0) return;
    const more = rows.length === pageRows;
    // The engine reads the next page on its own threads while the caller checks this one.
    if (more) next = fetch(Number(rows[rows.length - 1]!.seq));
    yield rows.map(toAuditRecord);
    if (!more) return;
  }
}

/** The last `n` records, newest first. */
export async function readAuditTail(warehouse: Warehouse, n: number, table?: string): Promise<AuditRecord[]> {
  const rows = await warehouse.query<AuditRow>(
    `SELECT ${AUDIT_SELECT} FROM ${auditTable(table)} ORDER BY seq DESC LIMIT {n:UInt32}`,
    { n },
  );
  return rows.map(toAuditRecord);
}

/** A record from its row; `prevSignature` is left empty (the previous row's `signature`). */
export function toAuditRecord(r: AuditRow): AuditRecord {
  return {
    seq: Number(r.seq),
    ts: Number(r.ts),
    kind: r.kind,
    actor: r.actor,
    subject: r.subject,
    payload: r.payload,
    prevHash: r.prev_hash,
    prevSignature: '',
    hash: r.hash,
    keyId: r.key_id,
    signature: r.signature,
  };
}
