import 'reflect-metadata';
import { parse, specifiedRules, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { parseApiConfig } from '../config.ts';
import { aliasLimitRule } from '../limits/aliases.ts';
import { operationCost } from '../limits/cost.ts';
import { depthLimitRule } from '../limits/depth.ts';
import { buildApiSchema } from '../schema/index.ts';

// The page's script is plain JavaScript for the browser; imported by URL, it needs no type declarations.
const queries = (await import(new URL('./queries.js', import.meta.url).href)) as Record<string, unknown>;
const operations = Object.entries(queries).filter((e): e is [string, string] => typeof e[1] === 'string');

describe('the overview page operations', () => {
  it('are valid against the schema and within the default depth, alias and cost limits', async () => {
    const schema = await buildApiSchema();
    const limits = parseApiConfig({});
    expect(operations.map(([name]) => name).sort()).toEqual(
      ['APPROVE', 'AUDIT_QUERY', 'CONTROL_QUERY', 'REJECT', 'SUMMARY_QUERY', 'VIEWER_QUERY'].sort(),
    );
    for (const [name, text] of operations) {
      const document = parse(text);
      const rules = [...specifiedRules, depthLimitRule(limits.maxDepth), aliasLimitRule(limits.maxAliases)];
      expect(
        validate(schema, document, rules).map((e) => e.message),
        name,
      ).toEqual([]);
      const variables = { id: 'act-1', reason: 'r' }; // what the mutations require
      const cost = operationCost({ schema, document, variables, maxCost: limits.maxCost });
      expect(cost, name).toBeLessThanOrEqual(limits.maxCost);
    }
  });
});
