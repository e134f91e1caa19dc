import 'reflect-metadata';
import { buildSchema, type GraphQLError, parse, specifiedRules, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { aliasLimitRule } from './aliases.ts';
import { createOperationCost, operationCost } from './cost.ts';
import { depthLimitRule } from './depth.ts';
import { createRateLimiter } from './rate-limit.ts';

const schema = buildSchema(`
  type Query { node: Node, items(first: Int): ItemConnection!, name: String }
  type Node { child: Node, name: String, items(first: Int): ItemConnection! }
  type ItemConnection { nodes: [Item!]! }
  type Item { id: String, name: String, sub(first: Int): ItemConnection! }
`);

const check = (query: string, rules = [depthLimitRule(10), aliasLimitRule(30)]): readonly GraphQLError[] =>
  validate(schema, parse(query), [...specifiedRules, ...rules]);
const nest = (depth: number) => `{ node { ${'child { '.repeat(depth - 2)}name${' }'.repeat(depth - 2)} } }`;

describe('depthLimitRule', () => {
  it('accepts a query at the limit and refuses one level more', () => {
    expect(check(nest(10))).toEqual([]);
    const [error] = check(nest(11));
    expect(error?.message).toBe('operation nests 11 levels deep; the limit is 10');
    expect(error?.extensions.code).toBe('QUERY_TOO_DEEP');
  });

  it('counts depth through fragments and inline fragments', () => {
    const q = `query Deep { node { ...A } }
      fragment A on Node { child { ... on Node { child { ...B } } } }
      fragment B on Node { ${'child { '.repeat(8)}name${' }'.repeat(8)} }`;
    expect(check(q)[0]?.message).toBe('operation Deep nests 12 levels deep; the limit is 10');
  });

  it('refuses a fragment cycle cleanly without looping', () => {
    const errors = check(
      '{ node { ...A } } fragment A on Node { child { ...B } } fragment B on Node { child { ...A } }',
    );
    expect(errors.map((e) => e.message)).toContain('Cannot spread fragment "A" within itself via "B".');
  });

  it('lets the standard introspection query through but not a deep one', async () => {
    const { getIntrospectionQuery } = await import('graphql');
    expect(check(getIntrospectionQuery())).toEqual([]);
    const deep = `{ __schema { types { ${'fields { type { '.repeat(8)}name${' } }'.repeat(8)} } } }`;
    expect(check(deep)[0]?.extensions.code).toBe('QUERY_TOO_DEEP');
  });
});

describe('aliasLimitRule', () => {
  it('refuses more aliases than the limit', () => {
    const aliases = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: name`).join(' ')} }`;
    expect(check(aliases(30))).toEqual([]);
    const [error] = check(aliases(31));
    expect(error?.message).toBe('the query uses 31 aliases; the limit is 30');
    expect(error?.extensions.code).toBe('TOO_MANY_ALIASES');
  });
});

describe('operationCost', () => {
  const cost = (query: string, variables?: Record<string, unknown>, maxCost = 1_000_000) =>
    operationCost({ schema, document: parse(query), variables, maxCost });

  it('costs 1 per field and first × child for connections (default page 20)', () => {
    expect(cost('{ name }')).toBe(1);
    expect(cost('{ items(first: 10) { nodes { id name } } }')).toBe(1 + 10 * 3);
    expect(cost('{ items { nodes { id } } }')).toBe(1 + 20 * 2);
    expect(cost('query Q($n: Int) { items(first: $n) { nodes { id } } }', { n: 5 })).toBe(1 + 5 * 2);
  });

  it('multiplies nested connections and refuses a cost bomb', () => {
    const bomb = '{ items(first: 100) { nodes { sub(first: 100) { nodes { sub(first: 100) { nodes { id } } } } } } }';
    expect(() => cost(bomb, undefined, 5000)).toThrow(/the query costs \d+ points; the limit is 5000/);
    try {
      cost(bomb, undefined, 5000);
    } catch (err) {
      expect((err as GraphQLError).extensions.code).toBe('QUERY_TOO_COSTLY');
    }
  });

  it('refuses a first outside 1..100 as BAD_USER_INPUT before execution', () => {
    for (const first of [0, 101, 1_000_000]) {
      try {
        cost(`{ items(first: ${first}) { nodes { id } } }`);
        expect.unreachable();
      } catch (err) {
        expect((err as GraphQLError).extensions.code).toBe('BAD_USER_INPUT');
        expect((err as GraphQLError).message).toBe(`first must be an integer from 1 to 100 (got ${first})`);
      }
    }
  });
});

describe('createOperationCost', () => {
  it('answers as operationCost, per document and variables, and still refuses what is too costly', () => {
    const cost = createOperationCost();
    const doc = parse('query Q($n: Int) { items(first: $n) { nodes { id } } }');
    const of = (variables: Record<string, unknown>, maxCost = 1_000_000) =>
      cost({ schema, document: doc, variables, operationName: 'Q', maxCost });
    expect(of({ n: 5 })).toBe(1 + 5 * 2);
    expect(of({ n: 5 })).toBe(1 + 5 * 2);
    expect(of({ n: 50 })).toBe(1 + 50 * 2);
    expect(() => of({ n: 100 }, 100)).toThrow(/the limit is 100/);
    expect(() => of({ n: 100 }, 100)).toThrow(/the limit is 100/);
    expect(() => of({ n: 0 })).toThrow(/first must be an integer/);
  });
});

describe('createRateLimiter', () => {
  it('spends points per key and refills them continuously', () => {
    let now = 1_000_000;
    const limiter = createRateLimiter({ pointsPerMinute: 600, clock: () => now });
    expect(limiter.consume('a', 500)).toMatchObject({ allowed: true, limit: 600, remaining: 100 });
    const refused = limiter.consume('a', 200);
    expect(refused).toMatchObject({ allowed: false, remaining: 100, retryAfterSec: 10 });
    expect(limiter.consume('b', 600).allowed).toBe(true); // another key has its own bucket
    now += 10_000; // 10 points per second
    expect(limiter.consume('a', 200)).toMatchObject({ allowed: true, remaining: 0 });
    expect(limiter.consume('a', 0).resetAtSec).toBe(Math.ceil((now + 60_000) / 1000));
  });

  it('allows everything when pointsPerMinute is 0', () => {
    const limiter = createRateLimiter({ pointsPerMinute: 0 });
    expect(limiter.consume('a', 1e9).allowed).toBe(true);
  });
});
