import { describe, expect, it } from 'vitest';
import { compileWhen } from './cel.ts';

/** The action types `when` is guarded on, as a sorted list, or null. */
function guard(when: string): string[] | null {
  const compiled = compileWhen(when);
  if (!compiled.ok) throw new Error(compiled.message);
  return compiled.actionTypes ? [...compiled.actionTypes].sort() : null;
}

describe('compileWhen', () => {
  it('finds the action types of == and in guards among the top-level conjuncts', () => {
    expect(guard('action.type == "scale"')).toEqual(['scale']);
    expect(guard('"restart" == action.type && target.tier == "tier-1"')).toEqual(['restart']);
    expect(guard('target.env == "production" && action.type in ["scale", "rightsize"]')).toEqual([
      'rightsize',
      'scale',
    ]);
  });

  it('intersects several guards', () => {
    expect(guard('action.type in ["a", "b"] && action.type in ["b", "c"]')).toEqual(['b']);
    expect(guard('action.type == "a" && action.type == "b"')).toEqual([]);
  });

  it('gives no guard where the type test is not a plain conjunct', () => {
    expect(guard('action.type == "a" || action.type == "b"')).toBeNull();
    expect(guard('action.type != "rollback_change"')).toBeNull();
    expect(guard('!(action.type == "a")')).toBeNull();
    expect(guard('context.freeze')).toBeNull();
  });

  it('rejects unknown fields and variables at compile time with their offset', () => {
    expect(compileWhen('target.teir == "tier-1"')).toMatchObject({
      ok: false,
      message: 'No such key: teir',
      offset: 7,
    });
    expect(compileWhen('request.user == "x"')).toMatchObject({ ok: false, message: 'Unknown variable: request' });
  });

  it('accepts dyn params and rejects a non-bool result type', () => {
    expect(compileWhen('action.params.force').ok).toBe(true);
    expect(compileWhen('target.tier')).toMatchObject({ ok: false, message: 'must be a bool expression (got string)' });
  });
});
