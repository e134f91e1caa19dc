import type { z } from 'zod';
import { DependencyError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import type { Warehouse } from '../../core/warehouse/index.ts';
import { canonicalJson, recordDigest } from './canonical.ts';
import { type AuditKey, signDigest, type TrustedKeys, trustedKeysOf } from './keys.ts';
import { type AuditLock, type AuditLockRelease, createInProcessAuditLock } from './lock.ts';
import { AUDIT_COLUMNS, type AuditEntry, type AuditRecord, auditEntrySchema, GENESIS_HASH } from './record.ts';
import { auditTable, readAuditTail } from './rows.ts';
import { checkRecord, checkSignature } from './verify.ts';

/** Dependencies of {@link createAuditLog}. */
export interface AuditLogParams {
  warehouse: Warehouse;
  key: AuditKey;
  logger: Logger;
  /** The writer lease. @default an in-process lock (one process only) */
  lock?: AuditLock;
  /** Keys whose head record this writer will continue from. @default the writer's own key */
  trustedKeys?: TrustedKeys;
  /** Epoch milliseconds. @default Date.now */
  clock?: () => number;
  /** Keep the lease this long after the last append, in milliseconds, so a busy writer does not re-read
   *  the head for every batch; 0 releases after every append. @default 1000 */
  leaseIdleMs?: number;
  /** @default audit_log */
  table?: string;
}

/** The audit writer. */
export interface AuditLog {
  /** Appends entries in order, contiguously (one insert, maybe shared with concurrent appends); resolves with the stored records once they are durable. */
  append(entries: readonly AuditEntry[]): Promise<AuditRecord[]>;
  /** The last record this writer knows of, or undefined before the first append. */
  head(): { seq: number; hash: string } | undefined;
  /** Releases the lease; appends after it fail. Safe to call twice. */
  stop(): Promise<void>;
}

type ParsedEntry = Omit<z.output<typeof auditEntrySchema>, 'payload'> & { payload: string };

interface Waiting {
  entries: ParsedEntry[];
  resolve: (records: AuditRecord[]) => void;
  reject: (err: unknown) => void;
}

/** Largest number of entries in one append (one insert). */
export const MAX_APPEND_ENTRIES = 10_000;

/** Creates the audit writer of one chain. Appends are serialized in-process and, across processes, by
 *  `lock`: after each acquisition the head is re-read from the table and its signature checked, so a lease
 *  that changed hands never forks the chain and the writer never extends a record it cannot vouch for.
 *  @example const audit = createAuditLog({ warehouse, key, logger });
 *  await audit.append([{ kind: 'action.proposed', actor: 'agent:a', subject: 'act-1', payload: { scale: 3 } }]); */
export function createAuditLog(params: AuditLogParams): AuditLog {
  const { warehouse, key, logger } = params;
  const table = auditTable(params.table);
  const lock = params.lock ?? createInProcessAuditLock();
  const trusted = params.trustedKeys ?? trustedKeysOf(key.publicKey);
  const clock = params.clock ?? Date.now;
  const leaseIdleMs = params.leaseIdleMs ?? 1000;
  let head: { seq: number; hash: string; signature: string } | undefined;
  let release: AuditLockRelease | undefined;
  let idleTimer: NodeJS.Timeout | undefined;
  const waiting: Waiting[] = [];
  let flushing: Promise<void> | undefined;
  let state: 'running' | 'stopped' = 'running';

  const holdsLease = (): boolean => release !== undefined;

  async function dropLease(): Promise<void> {
    if (idleTimer) clearTimeout(idleTimer);
    idleTimer = undefined;
    const r = release;
    release = undefined;
    head = undefined; // another writer may append while we do not hold the lease
    await r?.();
  }

  async function adoptHead(): Promise<{ seq: number; hash: string; signature: string }> {
    const [last, before] = await readAuditTail(warehouse, 2, table);
    if (!last) return { seq: 0, hash: GENESIS_HASH, signature: '' };
    const prev = before
      ? { seq: before.seq, hash: before.hash, signature: before.signature }
      : { seq: 0, hash: GENESIS_HASH, signature: '' };
    const broken = checkRecord(last, prev, trusted) ?? checkSignature(last, trusted);
    if (broken)
      throw new DependencyError(`audit log head cannot be extended: ${broken.message}; run \`aegis audit verify\``, {
        dependency: 'clickhouse',
        retryable: false,
      });
    logger.debug({ seq: last.seq, keyId: last.keyId }, 'audit head adopted');
    return { seq: last.seq, hash: last.hash, signature: last.signature };
  }

  /** Signs and inserts one group of entries under the lease. */
  async function write(parsed: readonly ParsedEntry[]): Promise<AuditRecord[]> {
    if (idleTimer) clearTimeout(idleTimer);
    idleTimer = undefined;
    if (!release) {
      release = await lock.acquire();
      head = undefined;
    }
    try {
      head ??= await adoptHead();
      let { seq, hash, signature } = head;
      const now = clock();
      const records: AuditRecord[] = [];
      let payload = '';
      for (const e of parsed) {
        const fields = {
          seq: seq + 1,
          ts: e.ts ?? now,
          kind: e.kind,
          actor: e.actor,
          subject: e.subject,
          payload: e.payload,
          prevHash: hash,
          prevSignature: signature,
          keyId: key.keyId,
        };
        const digest = recordDigest(fields);
        const record: AuditRecord = { ...fields, hash: digest.toString('hex'), signature: signDigest(key, digest) };
        records.push(record);
        payload += `${JSON.stringify([
          record.seq,
          record.ts,
          record.kind,
          record.actor,
          record.subject,
          record.payload,
          record.prevHash,
          record.hash,
          record.keyId,
          record.signature,
        ])}\n`;
        ({ seq, hash, signature } = record);
      }
      await warehouse.insert(table, Buffer.from(payload), { format: 'JSONCompactEachRow', columns: AUDIT_COLUMNS });
      head = { seq, hash, signature };
      return records;
    } catch (err) {
      // Whether the insert landed is unknown: forget the head and the lease, and re-read both next time.
      await dropLease();
      throw err;
    }
  }

  // Group commit: appends that arrive while an insert is in flight go out together in the next one, so
  // concurrent callers share the per-insert cost (a part written per insert) and signing stays the limit.
  async function flushLoop(): Promise<void> {
    while (waiting.length > 0) {
      // Let callers whose last append just resolved queue their next one first, so the group is whole
      // rather than one entry followed by everyone else.
      await new Promise<void>((resolve) => setImmediate(resolve));
      const group: Waiting[] = [];
      let size = 0;
      while (waiting.length > 0 && (group.length === 0 || size + waiting[0]!.entries.length <= MAX_APPEND_ENTRIES)) {
        const w = waiting.shift()!;
        size += w.entries.length;
        group.push(w);
      }
      try {
        const records = await write(group.flatMap((w) => w.entries));
        let at = 0;
        for (const w of group) {
          w.resolve(records.slice(at, at + w.entries.length));
          at += w.entries.length;
        }
      } catch (err) {
        for (const w of group) w.reject(err);
      }
    }
    flushing = undefined;
    if (holdsLease()) {
      if (leaseIdleMs === 0) await dropLease();
      else idleTimer = setTimeout(() => void dropLease(), leaseIdleMs).unref();
    }
  }

  return {
    async append(entries) {
      if (state === 'stopped') throw new Error('audit log is stopped');
      if (entries.length > MAX_APPEND_ENTRIES)
        throw new RangeError(`append takes at most ${MAX_APPEND_ENTRIES} entries (got ${entries.length})`);
      if (entries.length === 0) return [];
      // Validate and encode before queueing: a bad entry fails its own call and delays nobody.
      const parsed = entries.map((e): ParsedEntry => {
        const entry = auditEntrySchema.parse(e);
        return { ...entry, payload: canonicalJson(entry.payload) };
      });
      return new Promise<AuditRecord[]>((resolve, reject) => {
        waiting.push({ entries: parsed, resolve, reject });
        flushing ??= flushLoop();
      });
    },
    head: () => (head ? { seq: head.seq, hash: head.hash } : undefined),
    async stop() {
      if (state === 'stopped') return;
      state = 'stopped';
      await flushing;
      await dropLease();
    },
  };
}
