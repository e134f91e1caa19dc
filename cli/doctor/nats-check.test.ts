import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config/index.ts';
import type { NatsProbe, StreamProbe } from '../../core/doctor/index.ts';
import { checkNats, judgeNatsProbe, PENDING_WARN_MESSAGES, streamDrift } from './nats-check.ts';

const config = loadConfig({ env: {}, cwd: mkdtempSync(join(tmpdir(), 'aegis-doctor-')) });
const HOUR_NS = 3600 * 1e9;

function stream(name: string, subjects: string[], maxAgeNs: number, messages = 0): StreamProbe {
  const settings = { subjects, max_age: maxAgeNs, duplicate_window: 600e9, num_replicas: 1, storage: 'file' as const };
  return { name, found: true, expected: settings, actual: { ...settings }, messages };
}

/** A probe of a server set up exactly as the default configuration wants. */
function healthy(): NatsProbe {
  return {
    version: '2.9.10',
    jetstream: true,
    streams: [
      stream('TELEMETRY', ['aegis.telemetry.>'], 24 * HOUR_NS, 1200),
      stream('DEADLETTER', ['aegis.deadletter.>'], 168 * HOUR_NS),
      stream('EVENTS', ['aegis.insights.>'], 168 * HOUR_NS, 7),
    ],
    consumer: { pending: 3, ackPending: 1, redelivered: 0, maxAckPending: 1000, ackWaitMs: 60_000, maxDeliver: 10 },
  };
}

describe('judgeNatsProbe', () => {
  it('is ok with the streams as configured and shows the backlog', () => {
    const r = judgeNatsProbe(healthy(), config, 'nats://n:4222');
    expect(r.status).toBe('ok');
    expect(r.detail).toBe(
      'NATS 2.9.10 at nats://n:4222, JetStream on; messages TELEMETRY 1,200, DEADLETTER 0, EVENTS 7; "ingest-writer" 3 pending, 1 ack-pending',
    );
  });

  it('fails when JetStream is off', () => {
    const r = judgeNatsProbe({ version: '2.9.10', jetstream: false, streams: [] }, config, 'nats://n:4222');
    expect(r.status).toBe('fail');
    expect(r.fix).toContain('-js');
  });

  it('warns about a missing stream and says how it gets created', () => {
    const p = healthy();
    p.streams[1] = { name: 'DEADLETTER', found: false, expected: p.streams[1]!.expected };
    const r = judgeNatsProbe(p, config, 'nats://n:4222');
    expect(r.status).toBe('warn');
    expect(r.detail).toContain('stream DEADLETTER missing');
    expect(r.fix).toContain('creates the streams');
  });

  it('warns about a stream whose settings differ from the configuration', () => {
    const p = healthy();
    const t = p.streams[0] as Extract<StreamProbe, { found: true }>;
    t.actual = { ...t.actual, max_age: HOUR_NS, num_replicas: 3 };
    const r = judgeNatsProbe(p, config, 'nats://n:4222');
    expect(r.status).toBe('warn');
    expect(r.detail).toContain('stream TELEMETRY: max_age 1h (configured 1d), replicas 3 (configured 1)');
  });

  it('warns when the writer is behind', () => {
    const p = healthy();
    p.consumer = { ...p.consumer!, pending: PENDING_WARN_MESSAGES + 1 };
    const r = judgeNatsProbe(p, config, 'nats://n:4222');
    expect(r.status).toBe('warn');
    expect(r.detail).toContain('"ingest-writer" is behind: 10,001 pending');
    expect(r.fix).toContain('replicas');
  });

  it('warns when every ack slot of the writer is taken', () => {
    const p = healthy();
    p.consumer = { ...p.consumer!, ackPending: 1000 };
    expect(judgeNatsProbe(p, config, 'nats://n:4222').status).toBe('warn');
  });

  it('warns when the durable consumer does not exist yet', () => {
    const p = healthy();
    delete p.consumer;
    const r = judgeNatsProbe(p, config, 'nats://n:4222');
    expect(r.status).toBe('warn');
    expect(r.detail).toContain('no durable consumer "ingest-writer"');
    expect(r.fix).toContain('aegis run ingest-writer');
  });

  it('warns when the consumer settings differ from writer.*', () => {
    const p = healthy();
    p.consumer = { ...p.consumer!, ackWaitMs: 5000 };
    expect(judgeNatsProbe(p, config, 'nats://n:4222').detail).toContain('ack_wait 5000 ms (configured 60000)');
  });
});

describe('streamDrift', () => {
  it('compares subjects whatever their order', () => {
    const a = { subjects: ['x', 'y'], max_age: 0, duplicate_window: 0, num_replicas: 1, storage: 'file' as const };
    expect(streamDrift(a, { ...a, subjects: ['y', 'x'] })).toEqual([]);
    expect(streamDrift(a, { ...a, subjects: ['x'] })).toEqual(['subjects x (configured x y)']);
  });
});

describe('checkNats in embedded mode', () => {
  it('fails with how to install nats-server when it is not on PATH', async () => {
    const missing = loadConfig({
      env: {},
      cwd: tmpdir(),
      overrides: { 'nats.serverBin': 'aegis-no-such-nats-server' },
    });
    const { result, probe } = await checkNats(missing, 3000);
    expect(probe).toBeUndefined();
    expect(result.status).toBe('fail');
    expect(result.detail).toBe('embedded mode: aegis-no-such-nats-server not found on PATH');
    expect(result.fix).toContain('apt-get install -y nats-server');
  });

  it('is ok with nats-server on PATH and no aegis start running', async () => {
    const { result } = await checkNats(config, 3000);
    expect(result.status).toBe('ok');
    expect(result.detail).toMatch(/^embedded mode: nats-server v\d+\.\d+\.\d+ found; not running/);
  });
});
