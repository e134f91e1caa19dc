#!/usr/bin/env node
// Runs a TypeScript entry point (bench and scripts) through tsx: `node bin/run-ts.js FILE.ts [args]`.
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { register } from 'tsx/esm/api';

const [file, ...rest] = process.argv.slice(2);
if (!file) {
  console.error('usage: node bin/run-ts.js FILE.ts [args...]');
  process.exit(2);
}
process.argv = [process.argv[0], resolve(file), ...rest];
// The project's tsconfig whatever the working directory: the API's decorators need its settings.
register({ tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) });
await import(pathToFileURL(resolve(file)).href);
