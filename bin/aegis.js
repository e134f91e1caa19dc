#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so `npx aegis` works right after `npm ci` with no build step.
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

// The project's tsconfig whatever the working directory: the API's decorators need its settings.
register({ tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) });
await import('../cli/main.ts');
