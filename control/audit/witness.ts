import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Logger } from '../../core/logger.ts';

/** A position in the chain: the record with this seq has this hash (seq 0: the empty chain). */
export interface AuditHead {
  seq: number;
  hash: string;
}

/** Where the writer records the head it last made durable, outside ClickHouse. Deleting the last records
 *  of the chain leaves a valid shorter chain; the witness is what tells `aegis audit verify` (and the
 *  writer, before it extends the chain) how far the chain had got. It protects against someone who can
 *  change the table but not the witness: the file lives beside the keys, the KV bucket in NATS. */
export interface AuditWitness {
  /** Where it is kept, for messages. */
  readonly location: string;
  /** The last head written, or undefined when none was (a new log, or a witness added later). */
  read(): Promise<AuditHead | undefined>;
  write(head: AuditHead): Promise<void>;
}

let tempFiles = 0;

/** The head witness file, under the data directory. */
export const DEFAULT_WITNESS_FILE = join('keys', 'audit-head.json');

/** The head witness file of a data directory (derived like {@link trustFileOf}). */
export function witnessFileOf(params: { dataDir: string }): string {
  return join(params.dataDir, DEFAULT_WITNESS_FILE);
}

/** The witness as a JSON file `{seq, hash, at}`, replaced atomically (temp file, then rename) so a reader
 *  never sees half a head. Not fsynced, like ClickHouse's parts (`fsync_after_insert` is off): after a
 *  host crash either may be behind the other, so a `truncated` verdict right after one needs judgement.
 *  @example const witness = createFileAuditWitness(witnessFileOf({ dataDir: config.dataDir })); */
export function createFileAuditWitness(file: string): AuditWitness {
  let dirReady = false;
  return {
    location: file,
    async read() {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw err;
      }
      return parseAuditHead(text, file);
    },
    async write(head) {
      if (!dirReady) {
        await mkdir(dirname(file), { recursive: true, mode: 0o700 });
        dirReady = true;
      }
      // A temp name of its own per write: two writes never share a half-written file.
      const temp = `${file}.${process.pid}.${++tempFiles}.tmp`;
      await writeFile(temp, `${JSON.stringify({ ...head, at: new Date().toISOString() })}\n`, { mode: 0o644 });
      await rename(temp, file);
    },
  };
}

/** The part of a NATS KV bucket the witness needs; core/bus's `KvBucket` fits it (control/ never imports
 *  NATS). The bucket must keep entries for ever (`ttlMs: 0`). */
export interface WitnessBucket {
  readonly bucket?: string;
  put(key: string, data: string): Promise<number>;
  get(key: string): Promise<{ value: Uint8Array } | null>;
}

/** The NATS KV bucket of the cluster's head witness (entries never expire). */
export const AUDIT_HEAD_BUCKET = 'aegis-audit-head';

/** The witness as one key of a NATS KV bucket, shared by the controller replicas (cluster mode).
 *  @example const witness = createKvAuditWitness({ bucket: await bus.kv('aegis-audit-head', { ttlMs: 0 }) }); */
export function createKvAuditWitness(params: { bucket: WitnessBucket; key?: string }): AuditWitness {
  const key = params.key ?? 'audit-head';
  const location = `NATS KV ${params.bucket.bucket ?? 'bucket'}/${key}`;
  return {
    location,
    async read() {
      const entry = await params.bucket.get(key);
      return entry ? parseAuditHead(new TextDecoder().decode(entry.value), location) : undefined;
    },
    async write(head) {
      await params.bucket.put(key, JSON.stringify({ ...head, at: new Date().toISOString() }));
    },
  };
}

/** Parses a witnessed head, naming where it came from when it is not one. */
export function parseAuditHead(text: string, location: string): AuditHead {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  const { seq, hash } = (value ?? {}) as Partial<AuditHead>;
  if (
    typeof seq !== 'number' ||
    !Number.isSafeInteger(seq) ||
    seq < 0 ||
    typeof hash !== 'string' ||
    !/^[0-9a-f]{64}$/.test(hash)
  )
    throw new Error(`audit head witness ${location} is not {"seq": <record number>, "hash": <64 hex digits>}`);
  return { seq, hash };
}

/** Writes heads to a witness in the background, the latest value winning: at most one write in flight,
 *  and heads made durable meanwhile collapse into the next write. So the witness costs appends nothing
 *  but a function call, and trails the table by at most the groups committed during one write. A failed
 *  write is logged and retried with the next head; the chain itself does not depend on it. */
export function createWitnessPublisher(witness: AuditWitness, logger: Logger) {
  let latest: AuditHead | undefined;
  let writtenSeq = -1;
  let writing: Promise<void> | undefined;
  let failing = false;

  async function drain(): Promise<void> {
    while (latest && latest.seq !== writtenSeq) {
      const head = latest;
      try {
        await witness.write(head);
        writtenSeq = head.seq;
        if (failing) logger.info({ witness: witness.location, seq: head.seq }, 'audit head witness written again');
        failing = false;
      } catch (err) {
        if (!failing)
          logger.error(
            { witness: witness.location, seq: head.seq, err: String(err) },
            'audit head witness write failed; deleting the newest records goes unnoticed until it succeeds',
          );
        failing = true;
        break;
      }
    }
    writing = undefined;
  }

  return {
    /** Records `head` as the newest durable head; returns at once. */
    publish(head: AuditHead): void {
      latest = head;
      writing ??= drain();
    },
    /** Resolves once the write in flight (if any) has settled. */
    settled(): Promise<void> {
      return writing ?? Promise.resolve();
    },
  };
}
