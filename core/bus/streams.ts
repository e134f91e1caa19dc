import type { StreamConfig } from '@nats-io/jetstream';

/** Stream names and the subjects each holds (see DESIGN.md, "Events on NATS"). */
const STREAMS = {
  TELEMETRY: ['aegis.telemetry.>'],
  DEADLETTER: ['aegis.deadletter.>'],
  EVENTS: ['aegis.insights.>', 'aegis.recommendations.>', 'aegis.actions.>', 'aegis.audit'],
} as const;

/** Retention and replication of the streams. */
export interface StreamSettings {
  replicas: number;
  telemetryMaxAgeHours: number;
  retainDays: number;
  duplicateWindowSec: number;
}

/** JetStream durations are nanoseconds. */
export const NS_PER_MS = 1_000_000;

/** The JetStream configuration of each stream. */
export function streamConfigs(settings: StreamSettings): (Partial<StreamConfig> & { name: string })[] {
  const duplicate_window = settings.duplicateWindowSec * 1000 * NS_PER_MS;
  const days = settings.retainDays * 24 * 3600 * 1000 * NS_PER_MS;
  return [
    {
      name: 'TELEMETRY',
      subjects: [...STREAMS.TELEMETRY],
      max_age: settings.telemetryMaxAgeHours * 3600 * 1000 * NS_PER_MS,
      duplicate_window,
    },
    { name: 'DEADLETTER', subjects: [...STREAMS.DEADLETTER], max_age: days, duplicate_window },
    { name: 'EVENTS', subjects: [...STREAMS.EVENTS], max_age: days, duplicate_window },
  ].map((s) => ({ ...s, num_replicas: settings.replicas, storage: 'file' as StreamConfig['storage'] }));
}
