import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildSchema, lexicographicSortSchema, printSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { printApiSchema } from './schema/index.ts';

describe('api/schema.graphql', () => {
  it('matches the schema the code builds', async () => {
    const file = fileURLToPath(new URL('./schema.graphql', import.meta.url));
    // Compared as schemas, not as text: a formatter may lay the file out its own way.
    const checkedIn = `${printSchema(lexicographicSortSchema(buildSchema(readFileSync(file, 'utf8'))))}\n`;
    const built = await printApiSchema();
    expect(
      built === checkedIn,
      'api/schema.graphql is out of date: regenerate it with `node bin/run-ts.js api/write-schema.ts` and commit it',
    ).toBe(true);
  });
});
