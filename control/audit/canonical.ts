import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { InputError } from '../../core/errors.ts';
import type { AuditRecord } from './record.ts';

/** RFC 8785 (JCS) canonical JSON of `value`; refuses what JSON cannot carry (NaN, lone surrogates, undefined). */
export function canonicalJson(value: unknown): string {
  let text: string | undefined;
  try {
    text = canonicalize(value);
  } catch (err) {
    throw new InputError(`audit payload is not canonical-JSON encodable: ${(err as Error).message}`, { cause: err });
  }
  if (text === undefined) throw new InputError('audit payload must be a JSON value (got undefined)');
  return text;
}

/** The fields a record hash covers: all of a record but its own hash and signature; `payload` is
 *  canonical JSON text. */
export type HashedFields = Omit<AuditRecord, 'hash' | 'signature'>;

/** Canonical JSON of the hashed fields with the payload as its parsed value, assembled without parsing it.
 *  Equal to `canonicalize({...f, payload: JSON.parse(f.payload)})` whenever `payload` is canonical (the
 *  writer guarantees it; tests compare against the library). Verification rehashes a million records,
 *  so this avoids parsing and re-encoding every payload: the stored bytes are hashed as they are, and an
 *  edited payload (canonical or not) changes the hash. Keys in RFC 8785 order (UTF-16 code units). */
export function canonicalRecord(f: HashedFields): string {
  // Strings go through JSON.stringify, which is RFC 8785's string encoding; seq and ts are safe integers.
  return `{"actor":${JSON.stringify(f.actor)},"keyId":${JSON.stringify(f.keyId)},"kind":${JSON.stringify(f.kind)},"payload":${f.payload},"prevHash":${JSON.stringify(f.prevHash)},"prevSignature":${JSON.stringify(f.prevSignature)},"seq":${f.seq},"subject":${JSON.stringify(f.subject)},"ts":${f.ts}}`;
}

/** SHA-256 of the canonical record, as bytes (what is signed). */
export function recordDigest(f: HashedFields): Buffer {
  return createHash('sha256').update(canonicalRecord(f)).digest();
}
