import { z } from 'zod';

/** CloudEvents 1.0 JSON envelope (structured mode). `id` doubles as the JetStream `Nats-Msg-Id`. */
export const envelopeSchema = z.object({
  specversion: z.literal('1.0', { error: 'specversion must be "1.0"' }),
  id: z.string().min(1).max(256),
  source: z.string().min(1).max(1024),
  type: z.string().min(1).max(256),
  time: z.iso.datetime({ offset: true }).optional(),
  subject: z.string().max(1024).optional(),
  datacontenttype: z.string().max(128).optional(),
  data: z.unknown(),
});
export type Envelope<T = unknown> = Omit<z.output<typeof envelopeSchema>, 'data'> & { data: T };

/** Build an envelope. `id` must be stable across retries so that JetStream deduplicates them. */
export function createEnvelope<T>(params: {
  id: string;
  source: string;
  type: string;
  subject?: string;
  data: T;
}): Envelope<T> {
  return {
    specversion: '1.0',
    id: params.id,
    source: params.source,
    type: params.type,
    time: new Date().toISOString(),
    ...(params.subject === undefined ? {} : { subject: params.subject }),
    datacontenttype: 'application/json',
    data: params.data,
  };
}
