#!/usr/bin/env node
// chdb lists one optional engine package per platform, but only linux-x64 is on the
// registry mirror here, so npm leaves the others out of the lock and `npm ci` then fails
// with "Missing: @chdb/lib-darwin-arm64 from lock file". Adding the absent optional entries
// (no `resolved`, so nothing is downloaded on other platforms) makes the lock complete.
// Re-run after bumping chdb: `npm run fix-lock`.
import { readFileSync, writeFileSync } from 'node:fs';

const LOCK = new URL('../package-lock.json', import.meta.url);
const PLATFORMS = {
  '@chdb/lib-darwin-arm64': { os: ['darwin'], cpu: ['arm64'] },
  '@chdb/lib-darwin-x64': { os: ['darwin'], cpu: ['x64'] },
  '@chdb/lib-linux-arm64-gnu': { os: ['linux'], cpu: ['arm64'] },
  '@chdb/lib-linux-x64-gnu': { os: ['linux'], cpu: ['x64'] },
};

const lock = JSON.parse(readFileSync(LOCK, 'utf8'));
const chdb = lock.packages['node_modules/chdb'];
if (!chdb) throw new Error('chdb is not in package-lock.json; run npm install first');
let added = 0;
for (const [name, platform] of Object.entries(PLATFORMS)) {
  const key = `node_modules/${name}`;
  const version = chdb.optionalDependencies?.[name];
  if (!version || lock.packages[key]) continue;
  lock.packages[key] = { version, ...platform, optional: true };
  added++;
}
if (added > 0) {
  lock.packages = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => a.localeCompare(b)));
  writeFileSync(LOCK, `${JSON.stringify(lock, null, 2)}\n`);
}
console.log(`fix-lock: ${added} optional chdb platform entr${added === 1 ? 'y' : 'ies'} added`);
