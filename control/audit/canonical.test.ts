import canonicalize from 'canonicalize';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../core/errors.ts';
import { canonicalJson, canonicalRecord } from './canonical.ts';

describe('canonical encoding', () => {
  it('follows RFC 8785: sorted keys, no whitespace, ES number form', () => {
    expect(canonicalJson({ b: [1e21, 0.1, -0], a: { d: null, c: 'é\n' } })).toBe(
      '{"a":{"c":"é\\n","d":null},"b":[1e+21,0.1,0]}',
    );
  });

  it('refuses what JSON cannot carry', () => {
    expect(() => canonicalJson({ x: Number.NaN })).toThrow(InputError);
    expect(() => canonicalJson(undefined)).toThrow(/must be a JSON value/);
  });

  it('assembles the record encoding exactly as the library canonicalizes it', () => {
    const text = fc.string({ unit: 'grapheme', maxLength: 12 });
    fc.assert(
      fc.property(
        fc.record({
          seq: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
          ts: fc.integer({ min: 0, max: 4_102_444_800_000 }),
          kind: text,
          actor: text,
          subject: text,
          payload: fc.jsonValue(),
          prevHash: fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 64, maxLength: 64 }),
          prevSignature: fc.base64String({ maxLength: 88 }),
          keyId: fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 16, maxLength: 16 }),
        }),
        (r) => {
          const payload = canonicalJson(r.payload);
          expect(canonicalRecord({ ...r, payload })).toBe(canonicalize({ ...r, payload: JSON.parse(payload) }));
        },
      ),
      { numRuns: 300 },
    );
  });
});
