import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { printApiSchema } from './schema/index.ts';

/** Regenerates `api/schema.graphql` from the code: `node bin/run-ts.js api/write-schema.ts`. */
const file = fileURLToPath(new URL('./schema.graphql', import.meta.url));
writeFileSync(file, await printApiSchema());
process.stdout.write(`wrote ${file}\n`);
