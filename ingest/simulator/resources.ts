import type { ResourceEventInput } from '../../schemas/index.ts';
import { factorAt, inWindow, sizedResource } from './changes.ts';
import { hoursEndingIn } from './cost.ts';
import { indexBy, resourceEffectAt } from './effects.ts';
import { HOUR_MS, roundTo } from './load.ts';
import { type Model, scaledUtilization, utilizationAt } from './model.ts';

/** Utilisation samples averaged per snapshot: every 5 minutes is plenty for an hourly mean. */
const SAMPLE_MS = 5 * 60_000;

/** One inventory snapshot per resource per hour, stamped at the end of the hour it averages
 *  (so ts ∈ [fromMs, toMs)). Shadow resources have no service or owner; buckets report no
 *  utilisation or compute capacity. Changes: capacity, `hourly_cost` and `state` are as of the
 *  snapshot's ts (a stopped resource is `stopped` and costs 0 an hour); utilisation averages the
 *  hour's samples, each scaled by the capacity factor then in effect, and 0 while stopped. */
export function generateResources(model: Model, fromMs: number, toMs: number): ResourceEventInput[] {
  const { first, end } = hoursEndingIn(fromMs, toMs);
  if (end <= first) return [];
  const byResource = indexBy(model.incidents.overlapping(first * HOUR_MS, end * HOUR_MS), 'resource');
  const stepMs = model.config.metricIntervalMs;
  const { resourceCapacity, resourceStops } = model.changes;
  const out: ResourceEventInput[] = [];
  for (let hour = first; hour < end; hour++) {
    const startMs = hour * HOUR_MS;
    for (const m of model.resources) {
      const r = m.resource;
      const capacity = resourceCapacity.get(r.id);
      const stops = resourceStops.get(r.id);
      let cpu: number | null = null;
      let memory: number | null = null;
      if (r.type !== 'bucket') {
        cpu = 0;
        memory = 0;
        const samples = HOUR_MS / SAMPLE_MS;
        for (let t = startMs; t < startMs + HOUR_MS; t += SAMPLE_MS) {
          // Sample the same per-bucket values the metrics carry, so the two agree.
          const bucket = Math.floor(t / stepMs);
          const ts = bucket * stepMs;
          if (inWindow(stops, ts)) continue;
          const u = scaledUtilization(
            utilizationAt(m, ts, bucket, resourceEffectAt(byResource.get(r.id), ts, r.memoryBase)),
            factorAt(capacity, ts),
          );
          cpu += u.cpu / samples;
          memory += u.memory / samples;
        }
      }
      const snapshotMs = startMs + HOUR_MS;
      const stopped = inWindow(stops, snapshotMs);
      const sized = sizedResource(r, factorAt(capacity, snapshotMs), stopped);
      out.push({
        ts: snapshotMs,
        resource_id: r.id,
        resource_type: r.type,
        service: r.service,
        owner: r.owner,
        env: r.env,
        region: r.region,
        state: stopped ? 'stopped' : 'running',
        tags: { ...r.tags },
        cpu_utilization: cpu === null ? null : roundTo(cpu, 4),
        memory_utilization: memory === null ? null : roundTo(memory, 4),
        provisioned_vcpu: sized.provisionedVcpu,
        provisioned_memory_gib: sized.provisionedMemoryGib,
        hourly_cost: sized.hourlyCost,
        currency: 'USD',
      });
    }
  }
  return out;
}
