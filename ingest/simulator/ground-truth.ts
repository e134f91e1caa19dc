import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Incident } from './incidents.ts';

/** Writes incidents as JSON lines (one incident per line), creating the parent directory. */
export async function writeGroundTruth(path: string, incidents: readonly Incident[]): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, incidents.map((inc) => `${JSON.stringify(inc)}\n`).join(''), 'utf8');
}
