import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical.ts';
import { parseAuditEntry } from './entry.ts';
import { type AuditEntry, auditEntrySchema } from './record.ts';

const base = { kind: 'policy.decided', actor: 'agent:a', subject: 'act-1', payload: { b: [1, 'x', null, true], a: 2 } };

/** What the schema path makes of an entry: the parsed entry with its payload encoded, or the error text. */
function viaSchema(e: unknown): unknown {
  try {
    const entry = auditEntrySchema.parse(e);
    return { ...entry, payload: canonicalJson(entry.payload) };
  } catch (err) {
    return `${(err as Error).name}: ${(err as Error).message}`;
  }
}

function viaParse(e: unknown): unknown {
  try {
    return parseAuditEntry(e as AuditEntry);
  } catch (err) {
    return `${(err as Error).name}: ${(err as Error).message}`;
  }
}

const nullProto = Object.assign(Object.create(null) as object, base);
class Custom {
  x = 1;
}
// A hole: index 1 is never set.
const sparse: number[] = [1];
sparse[2] = 3;
const withSymbol = { ...base, payload: { a: 1, [Symbol('s')]: 2 } };
const protoKey = { ...base, payload: JSON.parse('{"__proto__": {"x": 1}, "a": 1}') };

describe('parseAuditEntry', () => {
  it.each([
    ['the common shape', base],
    ['a ts', { ...base, ts: 1_700_000_000_000 }],
    ['ts undefined', { ...base, ts: undefined }],
    ['ts -0', { ...base, ts: -0 }],
    ['a scalar payload', { ...base, payload: 'text' }],
    ['a null payload', { ...base, payload: null }],
    ['a null-prototype entry', nullProto],
    ['a null-prototype payload', { ...base, payload: Object.assign(Object.create(null) as object, { z: 1, a: [] }) }],
    ['unicode keys in UTF-16 order', { ...base, payload: { é: 1, e: 2, '𝄞': 3, '\uffff': 4 } }],
    ['a lone surrogate', { ...base, payload: { s: '\ud800' } }],
    ['a __proto__ key', protoKey],
    ['a symbol key', withSymbol],
    ['a class instance', { ...base, payload: new Custom() }],
    ['a Date', { ...base, payload: { at: new Date(0) } }],
    ['a hole', { ...base, payload: sparse }],
    ['NaN', { ...base, payload: { n: Number.NaN } }],
    ['Infinity', { ...base, payload: [Number.POSITIVE_INFINITY] }],
    ['undefined inside', { ...base, payload: { u: undefined } }],
    ['a function', { ...base, payload: { f: () => 1 } }],
    ['a toJSON method', { ...base, payload: { toJSON: () => 'x' } }],
    ['no payload', { kind: 'rollback', actor: 'a', subject: 's' }],
    ['an unknown kind', { ...base, kind: 'nope' }],
    ['an empty actor', { ...base, actor: '' }],
    ['a numeric subject', { ...base, subject: 7 }],
    ['an extra key', { ...base, extra: 1 }],
    ['a fractional ts', { ...base, ts: 1.5 }],
    ['a negative ts', { ...base, ts: -1 }],
    ['an unsafe ts', { ...base, ts: 2 ** 60 }],
    ['a string ts', { ...base, ts: '1' }],
    ['an array entry', [base]],
    ['null', null],
    ['a deep payload', { ...base, payload: JSON.parse(`${'['.repeat(40)}1${']'.repeat(40)}`) }],
  ])('treats %s exactly as the schema does', (_name, e) => {
    expect(viaParse(e)).toEqual(viaSchema(e));
  });

  it('encodes the payload as RFC 8785 canonical JSON', () => {
    expect(parseAuditEntry(base as AuditEntry)).toEqual({
      kind: 'policy.decided',
      actor: 'agent:a',
      subject: 'act-1',
      payload: '{"a":2,"b":[1,"x",null,true]}',
    });
  });
});
