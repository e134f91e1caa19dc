import { describe, expect, it } from 'vitest';
import { parseDuration } from './duration.ts';
import { parseEntityRef, stringifyEntityRef } from './entity-ref.ts';

describe('parseDuration', () => {
  it.each([
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['28d', 28 * 86_400_000],
    ['1w', 7 * 86_400_000],
    ['1M', 30 * 86_400_000],
    ['1Q', 90 * 86_400_000],
    ['1Y', 365 * 86_400_000],
  ])('reads %s as %i ms', (text, ms) => {
    expect(parseDuration(text)).toMatchObject({ text, ms });
  });

  it.each(['28x', '0d', '1.5h', '-1d', '1 d', '1D', '', 28])('rejects %j with the accepted forms', (value) => {
    expect(parseDuration(value)).toMatch(/^must be a duration like 5m, 1h, 28d/);
  });
});

describe('parseEntityRef', () => {
  it('fills kind and namespace from context and prints the full ref', () => {
    expect(parseEntityRef('team-a', { defaultKind: 'Group' })).toEqual({
      kind: 'group',
      namespace: 'default',
      name: 'team-a',
    });
    expect(parseEntityRef('Component:ops/api', { defaultKind: 'group' })).toEqual({
      kind: 'component',
      namespace: 'ops',
      name: 'api',
    });
    expect(parseEntityRef('db', { defaultKind: 'resource', defaultNamespace: 'ops' })).toMatchObject({
      namespace: 'ops',
    });
    expect(stringifyEntityRef({ kind: 'Group', namespace: 'default', name: 'team-a' })).toBe('group:default/team-a');
  });

  it('says what is wrong with a ref it cannot read', () => {
    expect(parseEntityRef('payments-db')).toContain('needs a kind');
    expect(parseEntityRef('group:a/b/c')).toContain('is not an entity ref');
    expect(parseEntityRef('group:')).toContain('is not an entity ref');
  });
});
