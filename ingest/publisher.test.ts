import { describe, expect, it } from 'vitest';
import { envelopeSchema } from '../schemas/index.ts';
import { encodeTelemetryBatch } from './publisher.ts';

const point = (value: number) => ({ ts: Date.now(), service: 'svc', name: 'up', kind: 'gauge' as const, value });

describe('encodeTelemetryBatch', () => {
  it('encodes a CloudEvents envelope carrying the records, on the subject of its kind and source', () => {
    const batch = encodeTelemetryBatch('metrics', 'otlp', [point(1), point(2)]);
    expect(batch.subject).toBe('aegis.telemetry.metrics.otlp');
    const envelope = envelopeSchema.parse(JSON.parse(batch.payload));
    expect(envelope).toMatchObject({ id: batch.id, subject: batch.subject, type: 'dev.aegis.telemetry.metrics.v1' });
    expect((envelope.data as { records: unknown[] }).records.map((r) => (r as { value: number }).value)).toEqual([
      1, 2,
    ]);
  });

  it('gives the same batch the same id at any time, and other records another id', async () => {
    const records = [point(1)];
    const first = encodeTelemetryBatch('metrics', 'otlp', records);
    await new Promise((r) => setTimeout(r, 5));
    expect(encodeTelemetryBatch('metrics', 'otlp', records).id).toBe(first.id);
    expect(encodeTelemetryBatch('metrics', 'otlp', [point(2)]).id).not.toBe(first.id);
    expect(encodeTelemetryBatch('metrics', 'scrape', records).id).not.toBe(first.id);
  });
});
