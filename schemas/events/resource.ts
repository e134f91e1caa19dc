import { z } from 'zod';
import { name, optText, stringMap, timestampMs } from './common.ts';

export const resourceStates = ['running', 'stopped', 'terminated'] as const;

const ratio = z.number().min(0).max(1).nullable().default(null);
const nonNegative = z.number().min(0).refine(Number.isFinite, { error: 'must be finite' }).nullable().default(null);

/** An inventory snapshot of one resource: who owns it, how it is tagged, what it uses and costs. */
export const resourceEventSchema = z.object({
  ts: timestampMs,
  resource_id: name(1024),
  resource_type: name(128),
  /** Catalog service it belongs to; '' when uncatalogued ("shadow"). */
  service: optText(256),
  /** Owning team; '' when unowned. */
  owner: optText(256),
  env: optText(64),
  region: optText(64),
  state: z.enum(resourceStates),
  tags: stringMap.default({}),
  /** Average CPU and memory utilisation over the snapshot interval, 0–1. */
  cpu_utilization: ratio,
  memory_utilization: ratio,
  provisioned_vcpu: nonNegative,
  provisioned_memory_gib: nonNegative,
  /** On-demand cost per hour in `currency`. */
  hourly_cost: nonNegative,
  currency: optText(8),
});
export type ResourceEvent = z.output<typeof resourceEventSchema>;
export type ResourceEventInput = z.input<typeof resourceEventSchema>;
