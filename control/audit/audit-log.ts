import { DependencyError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import { counter, histogram, type Registry } from '../../core/metrics.ts';
import type { Warehouse } from '../../core/warehouse/index.ts';
import { type HashedFields, recordDigest } from './canonical.ts';
import { type ParsedEntry, parseAuditEntry } from './entry.ts';
import { type AuditKey, signDigest, type TrustedKeys, trustedKeysOf } from './keys.ts';
import { type AuditLock, type AuditLockRelease, createInProcessAuditLock } from './lock.ts';
import { AUDIT_COLUMNS, AUDIT_KINDS, type AuditEntry, type AuditRecord, GENESIS_HASH } from './record.ts';
import { auditTable, readAuditPages, readAuditTail } from './rows.ts';
import { checkRecord, checkSignature, checkWitnessedHead } from './verify.ts';
import { type AuditWitness, createWitnessPublisher } from './witness.ts';

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
  /** Where the durable head is recorded outside ClickHouse, so that deleting the newest records shows
   *  (`createFileAuditWitness`, `createKvAuditWitness`). Written in the background after each insert, the
   *  latest head winning; read after each lease acquisition, and a table that ends before the witnessed
   *  head is refused. Unset: no witness, and a truncated chain is extended without notice. */
  witness?: AuditWitness;
  /** The process registry: appended records, and the size and duration of each insert, go in it. */
  metrics?: Registry | undefined;
}

/** The audit writer. */
export interface AuditLog {
  /** Appends entries in order, contiguously (one insert, maybe shared with concurrent appends); resolves with the stored records once they are durable. */
  append(entries: readonly AuditEntry[]): Promise<AuditRecord[]>;
  /** The last record this writer knows to be durable, or undefined before the first append. */
  head(): { seq: number; hash: string } | undefined;
  /** Waits for the appends queued so far, then releases the lease; appends after it fail. Safe to call twice. */
  stop(): Promise<void>;
}

type Head = { seq: number; hash: string; signature: string };

interface Waiting {
  entries: ParsedEntry[];
  resolve: (records: AuditRecord[]) => void;
  reject: (err: unknown) => void;
}

/** A signed group on its way into the table. */
interface Batch {
  group: Waiting[];
  records: AuditRecord[];
  /** The records as JSONCompactEachRow text. */
  rows: string;
  /** The chain's head once this batch is durable. */
  tip: Head;
  /** Settles once the insert has; `done` then says how. */
  inserted?: Promise<void>;
  /** The insert's outcome: `err` undefined once the rows are durable. */
  done?: { err: unknown };
}

/** Largest number of entries in one append (one insert). */
export const MAX_APPEND_ENTRIES = 10_000;

/** Smallest group the pipeline cuts off for an insert of its own while others wait: below this an extra
 *  insert (a part, and the engine's CPU) costs more than the overlap gains. */
const MIN_GROUP_ENTRIES = 64;

/** Creates the audit writer of one chain. Appends are serialized in-process and, across processes, by
 *  `lock`: after each acquisition the head is re-read from the table and its signature checked, so a lease
 *  that changed hands never forks the chain and the writer never extends a record it cannot vouch for.
 *  @example const audit = createAuditLog({ warehouse, key, logger, witness: createFileAuditWitness(file) });
 *  await audit.append([{ kind: 'action.proposed', actor: 'agent:a', subject: 'act-1', payload: { scale: 3 } }]); */
export function createAuditLog(params: AuditLogParams): AuditLog {
  const { warehouse, key, logger } = params;
  const table = auditTable(params.table);
  const lock = params.lock ?? createInProcessAuditLock();
  const trusted = params.trustedKeys ?? trustedKeysOf(key.publicKey);
  const clock = params.clock ?? Date.now;
  const leaseIdleMs = params.leaseIdleMs ?? 1000;
  const witness = params.witness;
  const publisher = witness ? createWitnessPublisher(witness, logger) : undefined;
  const m = params.metrics && auditMetrics(params.metrics);
  /** Durable head; undefined while it must be re-read (no lease, or an insert whose outcome is unknown). */
  let head: Head | undefined;
  /** Head including the signed batch in flight: what the next group is signed on. */
  let tip: Head | undefined;
  let release: AuditLockRelease | undefined;
  let idleTimer: NodeJS.Timeout | undefined;
  const waiting: Waiting[] = [];
  let flushing: Promise<void> | undefined;
  /** Wakes the flush loop while it waits on an insert: there is an append to sign. */
  let wake: (() => void) | undefined;
  let state: 'running' | 'stopped' = 'running';
  // Running estimates (EWMA) of an insert's duration and of signing one entry, in milliseconds: they size
  // the groups so that signing the next one hides behind the insert in flight.
  let insertMs = 10;
  let signMsPerEntry = 0.1;

  async function dropLease(): Promise<void> {
    if (idleTimer) clearTimeout(idleTimer);
    idleTimer = undefined;
    const r = release;
    release = undefined;
    head = undefined; // another writer may append while we do not hold the lease
    tip = undefined;
    // The witness write of our last head lands before the next holder's first (latest wins across replicas).
    await publisher?.settled();
    await r?.();
  }

  async function adoptHead(): Promise<Head> {
    const [last, before] = await readAuditTail(warehouse, 2, table);
    const cannot = (why: string) =>
      new DependencyError(`audit log head cannot be extended: ${why}; run \`aegis audit verify\``, {
        dependency: 'clickhouse',
        retryable: false,
      });
    const found: Head = last
      ? { seq: last.seq, hash: last.hash, signature: last.signature }
      : { seq: 0, hash: GENESIS_HASH, signature: '' };
    if (last) {
      const prev = before
        ? { seq: before.seq, hash: before.hash, signature: before.signature }
        : { seq: 0, hash: GENESIS_HASH, signature: '' };
      const broken = checkRecord(last, prev, trusted) ?? checkSignature(last, trusted);
      if (broken) throw cannot(broken.message);
    }
    // Extending a truncated chain would bury the truncation under new records (and overwrite the witness).
    const witnessed = await witness?.read();
    if (witnessed && witnessed.seq > 0) {
      let atSeq: string | undefined;
      if (witnessed.seq === found.seq) atSeq = found.hash;
      else if (witnessed.seq < found.seq)
        for await (const page of readAuditPages(warehouse, { table, fromSeq: witnessed.seq, toSeq: witnessed.seq }))
          atSeq = page[0]?.hash;
      const broken = checkWitnessedHead(witnessed, found.seq, atSeq);
      if (broken) throw cannot(`${broken.message} (witness ${witness!.location})`);
    }
    logger.debug({ seq: found.seq, keyId: last?.keyId }, 'audit head adopted');
    return found;
  }

  /** Signs a group on top of `on` and encodes its rows, without touching `tip` (the caller advances it). */
  function sign(group: Waiting[], on: Head): Batch {
    const t0 = performance.now();
    let { seq, hash, signature } = on;
    const now = clock();
    const keyId = key.keyId;
    const records: AuditRecord[] = [];
    let rows = '';
    for (const w of group)
      for (const e of w.entries) {
        const fields: HashedFields = {
          seq: seq + 1,
          ts: e.ts ?? now,
          kind: e.kind,
          actor: e.actor,
          subject: e.subject,
          payload: e.payload,
          prevHash: hash,
          prevSignature: signature,
          keyId,
        };
        const digest = recordDigest(fields);
        const record = fields as AuditRecord;
        record.hash = digest.toString('hex');
        record.signature = signDigest(key, digest);
        records.push(record);
        // JSONCompactEachRow in AUDIT_COLUMNS order. kind is one of AUDIT_KINDS, hashes are hex, the key id
        // hex and the signature base64: none needs escaping; the rest goes through JSON.stringify.
        rows += `[${record.seq},${record.ts},"${record.kind}",${JSON.stringify(record.actor)},${JSON.stringify(record.subject)},${JSON.stringify(record.payload)},"${record.prevHash}","${record.hash}","${keyId}","${record.signature}"]\n`;
        ({ seq, hash, signature } = record);
      }
    signMsPerEntry = ewma(signMsPerEntry, (performance.now() - t0) / records.length);
    return { group, records, rows, tip: { seq, hash, signature } };
  }

  function insert(batch: Batch): Promise<unknown> {
    const t0 = performance.now();
    return warehouse
      .insert(table, Buffer.from(batch.rows), { format: 'JSONCompactEachRow', columns: AUDIT_COLUMNS })
      .then(
        () => {
          const ms = performance.now() - t0;
          insertMs = ewma(insertMs, ms);
          if (m) {
            m.insertSeconds.observe({ outcome: 'ok' }, ms / 1000);
            m.insertRecords.observe(batch.records.length);
            for (const r of batch.records) m.appended.inc({ kind: r.kind });
          }
          return undefined;
        },
        (err: unknown) => {
          m?.insertSeconds.observe({ outcome: 'failed' }, (performance.now() - t0) / 1000);
          return err ?? new Error('audit insert failed');
        },
      );
  }

  /** Entries per insert: at most MAX_APPEND_ENTRIES and about what can be signed during one insert, so the
   *  next group's signing hides behind the insert in flight; not below MIN_GROUP_ENTRIES. */
  function groupLimit(): number {
    return Math.min(MAX_APPEND_ENTRIES, Math.max(MIN_GROUP_ENTRIES, Math.floor(insertMs / signMsPerEntry)));
  }

  /** Takes waiting appends in call order while they fit in `room` entries (an append is never split; a
   *  lone one larger than the room is taken when `first`). */
  function takeGroup(room: number, first: boolean): Waiting[] {
    const group: Waiting[] = [];
    let size = 0;
    while (waiting.length > 0 && ((first && group.length === 0) || size + waiting[0]!.entries.length <= room)) {
      const w = waiting.shift()!;
      size += w.entries.length;
      group.push(w);
    }
    return group;
  }

  // Group commit, pipelined. Appends that arrive while an insert is in flight are signed at once, on top
  // of the records in flight, into the next batch; the next batch is inserted when the one before is
  // durable. Inserts stay in chain order, one at a time, never with a gap. Signing is sequential by
  // construction (each hash covers the previous signature), so overlapping it with the engine's insert
  // is the parallelism there is. A batch is capped near what can be signed during one insert: a burst
  // larger than that goes out in two inserts that overlap, instead of one that waits for all of it.
  async function flushLoop(): Promise<void> {
    let inFlight: Batch | undefined;
    let next: Batch | undefined;
    while (waiting.length > 0 || inFlight || next) {
      // Let callers whose last append just resolved queue their next one first, so the group is whole
      // rather than one entry followed by everyone else.
      await new Promise<void>((resolve) => setImmediate(resolve));
      const room = groupLimit() - (next?.records.length ?? 0);
      const group = waiting.length > 0 ? takeGroup(room, next === undefined) : [];
      if (group.length > 0) {
        try {
          if (!inFlight && !next) {
            if (idleTimer) clearTimeout(idleTimer);
            idleTimer = undefined;
            if (!release) release = await lock.acquire();
            head ??= await adoptHead();
            tip = head;
          }
          const signed = sign(group, tip!);
          tip = signed.tip;
          if (next) {
            next.group.push(...signed.group);
            next.records.push(...signed.records);
            next.rows += signed.rows;
            next.tip = signed.tip;
          } else next = signed;
        } catch (err) {
          for (const w of group) w.reject(err);
          if (!inFlight && !next) await dropLease();
        }
      }
      if (inFlight) {
        if (!inFlight.done) {
          // Wait for the insert, or for an append to sign meanwhile.
          const batch = inFlight;
          await new Promise<void>((resolve) => {
            wake = resolve;
            void batch.inserted!.then(() => resolve());
          });
          wake = undefined;
          if (!inFlight.done) continue;
        }
        const failed = inFlight.done.err;
        if (failed === undefined) {
          head = inFlight.tip;
          settle(inFlight);
          publisher?.publish({ seq: head.seq, hash: head.hash });
        } else {
          for (const w of inFlight.group) w.reject(failed);
          // The batch signed on top of the failed one must not be inserted: back to the front of the
          // queue, to be signed again on the head as re-read under a fresh lease. Whether the failed
          // insert landed is unknown, so both the head and the lease are forgotten.
          if (next) waiting.unshift(...next.group);
          next = undefined;
          await dropLease();
        }
        inFlight = undefined;
      }
      if (next) {
        inFlight = next;
        next = undefined;
        const batch = inFlight;
        batch.inserted = insert(batch).then((err) => {
          batch.done = { err };
        });
      }
    }
    flushing = undefined;
    if (release) {
      if (leaseIdleMs === 0) await dropLease();
      else idleTimer = setTimeout(() => void dropLease(), leaseIdleMs).unref();
    }
  }

  function settle(batch: Batch): void {
    let at = 0;
    for (const w of batch.group) {
      w.resolve(batch.records.slice(at, at + w.entries.length));
      at += w.entries.length;
    }
  }

  return {
    async append(entries) {
      if (state === 'stopped') throw new Error('audit log is stopped');
      if (entries.length > MAX_APPEND_ENTRIES)
        throw new RangeError(`append takes at most ${MAX_APPEND_ENTRIES} entries (got ${entries.length})`);
      if (entries.length === 0) return [];
      // Validate and encode before queueing: a bad entry fails its own call and delays nobody.
      const parsed = entries.map(parseAuditEntry);
      return new Promise<AuditRecord[]>((resolve, reject) => {
        waiting.push({ entries: parsed, resolve, reject });
        flushing ??= flushLoop();
        wake?.();
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

/** The audit writer's metrics: records made durable by kind, and each insert's size and duration. */
function auditMetrics(registry: Registry) {
  const m = {
    appended: counter(registry, {
      name: 'aegis_audit_records_appended_total',
      help: 'Audit records appended (durable in ClickHouse), by kind',
      labelNames: ['kind'],
    }),
    insertRecords: histogram(registry, {
      name: 'aegis_audit_insert_records',
      help: 'Audit records per insert (appends from concurrent callers are grouped into one insert)',
      buckets: [1, 2, 5, 10, 50, 100, 500, 1000, 5000, 10_000],
    }),
    insertSeconds: histogram(registry, {
      name: 'aegis_audit_insert_duration_seconds',
      help: 'Duration of one audit insert into ClickHouse, in seconds, by outcome (ok, failed)',
      labelNames: ['outcome'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    }),
  };
  // Every series from 0: a kind never appended still shows, and rates over it are defined.
  for (const kind of AUDIT_KINDS) m.appended.inc({ kind }, 0);
  for (const outcome of ['ok', 'failed']) m.insertSeconds.zero({ outcome });
  return m;
}

/** Exponentially weighted moving average: recent samples count most, one outlier little. */
function ewma(avg: number, sample: number): number {
  return Number.isFinite(sample) ? avg * 0.8 + sample * 0.2 : avg;
}
