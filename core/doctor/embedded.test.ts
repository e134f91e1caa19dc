import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { advertisedNats, embeddedEngineHolder, natsServerVersion } from './embedded.ts';

let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

function dirWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'aegis-doctor-embedded-'));
  dirs.push(dir);
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  return dir;
}

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

describe('embeddedEngineHolder', () => {
  it('names the live process in the engine status file', () => {
    const dir = dirWith({ status: `PID: ${process.ppid}\nStarted at: 2026-01-01 00:00:00\nRevision: 1\n` });
    expect(embeddedEngineHolder(dir)).toBe(process.ppid);
  });

  it('ignores this process, a dead one (a crash left the file) and a missing file', async () => {
    expect(embeddedEngineHolder(dirWith({ status: `PID: ${process.pid}\n` }))).toBeUndefined();
    expect(embeddedEngineHolder(dirWith({ status: `PID: ${await deadPid()}\n` }))).toBeUndefined();
    expect(embeddedEngineHolder(dirWith({}))).toBeUndefined();
  });
});

describe('advertisedNats', () => {
  it('returns the advertised server only while it and its owner live', async () => {
    const entry = { url: 'nats://127.0.0.1:4222', pid: process.ppid, ownerPid: process.pid };
    expect(advertisedNats(dirWith({ 'run/nats.json': JSON.stringify(entry) }))).toEqual(entry);
    const dead = { ...entry, ownerPid: await deadPid() };
    expect(advertisedNats(dirWith({ 'run/nats.json': JSON.stringify(dead) }))).toBeUndefined();
    expect(advertisedNats(dirWith({ 'run/nats.json': '{not json' }))).toBeUndefined();
  });
});

describe('natsServerVersion', () => {
  it('says when the executable is not on PATH', async () => {
    expect(await natsServerVersion('aegis-no-such-nats-server', 3000)).toEqual({
      found: false,
      error: 'aegis-no-such-nats-server not found on PATH',
    });
  });

  it('reads the version of the nats-server on PATH', async () => {
    const v = await natsServerVersion('nats-server', 3000);
    expect(v).toMatchObject({ found: true, version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
  });
});
