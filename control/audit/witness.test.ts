import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/logger.ts';
import { tempDir } from '../../test/harness/index.ts';
import {
  type AuditHead,
  type AuditWitness,
  createFileAuditWitness,
  createKvAuditWitness,
  createWitnessPublisher,
  witnessFileOf,
} from './witness.ts';

const hash = (c: string) => c.repeat(64);

describe('file audit witness', () => {
  const dir = tempDir('aegis-witness-');
  afterAll(() => dir.remove());

  it('reads nothing before the first write, then the latest head; leaves no temp file behind', async () => {
    const file = witnessFileOf({ dataDir: dir.path });
    expect(file).toBe(join(dir.path, 'keys', 'audit-head.json'));
    const witness = createFileAuditWitness(file);
    expect(await witness.read()).toBeUndefined();
    await witness.write({ seq: 7, hash: hash('a') });
    await witness.write({ seq: 9, hash: hash('b') });
    expect(await witness.read()).toEqual({ seq: 9, hash: hash('b') });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ seq: 9, hash: hash('b') });
    expect(readdirSync(join(dir.path, 'keys'))).toEqual(['audit-head.json']);
  });

  it('refuses a file that is not a head, naming it', async () => {
    const file = join(dir.path, 'bad.json');
    writeFileSync(file, '{"seq": "12"}');
    await expect(createFileAuditWitness(file).read()).rejects.toThrow(
      `audit head witness ${file} is not {"seq": <record number>, "hash": <64 hex digits>}`,
    );
  });
});

describe('KV audit witness', () => {
  it('puts the head under one key and reads it back', async () => {
    const store = new Map<string, Uint8Array>();
    const bucket = {
      bucket: 'aegis-audit-head',
      async put(k: string, data: string) {
        store.set(k, new TextEncoder().encode(data));
        return store.size;
      },
      async get(k: string) {
        const value = store.get(k);
        return value ? { value } : null;
      },
    };
    const witness = createKvAuditWitness({ bucket });
    expect(witness.location).toBe('NATS KV aegis-audit-head/audit-head');
    expect(await witness.read()).toBeUndefined();
    await witness.write({ seq: 3, hash: hash('c') });
    expect(await witness.read()).toEqual({ seq: 3, hash: hash('c') });
  });
});

describe('witness publisher', () => {
  /** A witness whose writes wait until released, recording what was written. */
  function slowWitness() {
    const written: AuditHead[] = [];
    const pending: (() => void)[] = [];
    let failing = false;
    const witness: AuditWitness = {
      location: 'slow',
      async read() {
        return written.at(-1);
      },
      async write(head) {
        await new Promise<void>((resolve) => pending.push(resolve));
        if (failing) throw new Error('down');
        written.push(head);
      },
    };
    return {
      witness,
      written,
      release: () => pending.shift()?.(),
      fail: (on: boolean) => (failing = on),
    };
  }

  it('keeps one write in flight and writes only the latest head after it', async () => {
    const slow = slowWitness();
    const publisher = createWitnessPublisher(slow.witness, silentLogger());
    publisher.publish({ seq: 1, hash: hash('1') });
    publisher.publish({ seq: 2, hash: hash('2') });
    publisher.publish({ seq: 3, hash: hash('3') });
    slow.release();
    await new Promise((r) => setImmediate(r));
    slow.release();
    await publisher.settled();
    expect(slow.written.map((h) => h.seq)).toEqual([1, 3]);
  });

  it('survives a failed write and writes the next head', async () => {
    const slow = slowWitness();
    const publisher = createWitnessPublisher(slow.witness, silentLogger());
    slow.fail(true);
    publisher.publish({ seq: 1, hash: hash('1') });
    slow.release();
    await publisher.settled();
    slow.fail(false);
    publisher.publish({ seq: 2, hash: hash('2') });
    slow.release();
    await publisher.settled();
    expect(slow.written.map((h) => h.seq)).toEqual([2]);
  });
});
