/** Rewrites the checked-in `catalog/` and `slos/` examples from the simulator's default config:
 *  `node bin/run-ts.js scoring/catalog/write-examples.ts`. Removes stale generated files first. */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCatalog, parseSimulatorConfig } from '../../ingest/simulator/index.ts';
import { catalogFiles, sloFiles } from './generate.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const simulated = buildCatalog(parseSimulatorConfig());
for (const dir of ['catalog', 'slos']) {
  mkdirSync(join(root, dir), { recursive: true });
  // Only YAML is ours to replace; anything else someone put there stays.
  for (const name of readdirSync(join(root, dir))) if (/\.ya?ml$/.test(name)) rmSync(join(root, dir, name));
}
const files = [...catalogFiles(simulated), ...sloFiles(simulated)];
for (const file of files) writeFileSync(join(root, file.path), file.text);
console.log(`wrote ${files.length} files under catalog/ and slos/`);
