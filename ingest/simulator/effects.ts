import type { Incident } from './incidents.ts';

/** What the incidents running at one instant do to a service's signals. */
export interface ServiceEffect {
  p50Factor: number;
  p99Factor: number;
  /** Added to the healthy error ratio. */
  errorAdd: number;
  saturationFactor: number;
  saturationAdd: number;
}

/** What the incidents running at one instant do to a resource. */
export interface ResourceEffect {
  /** Memory utilisation forced by a leak, or null. */
  leakMemory: number | null;
  /** Utilisation level forced by an idle incident, or null. */
  idleLevel: number | null;
  /** Multiplier on billed cost. */
  costFactor: number;
}

const HEALTHY_SERVICE: ServiceEffect = {
  p50Factor: 1,
  p99Factor: 1,
  errorAdd: 0,
  saturationFactor: 1,
  saturationAdd: 0,
};
const HEALTHY_RESOURCE: ResourceEffect = { leakMemory: null, idleLevel: null, costFactor: 1 };

/** Progress through an incident's window, 0 at the start to 1 at the end. */
const progress = (inc: Incident, tMs: number) => (tMs - inc.startMs) / ((inc.plannedEndMs ?? inc.endMs) - inc.startMs);

/** Groups incidents by a key (service name or resource id), skipping those without one. */
export function indexBy(incidents: readonly Incident[], key: 'service' | 'resource'): Map<string, Incident[]> {
  const out = new Map<string, Incident[]>();
  for (const inc of incidents) {
    const k = inc[key];
    if (k === undefined || (key === 'service' && inc.resource !== undefined)) continue;
    const list = out.get(k) ?? [];
    list.push(inc);
    out.set(k, list);
  }
  return out;
}

/** Combined effect on a service at `tMs` of its (service-level) incidents. */
export function serviceEffectAt(incidents: readonly Incident[] | undefined, tMs: number): ServiceEffect {
  if (!incidents) return HEALTHY_SERVICE;
  let e = HEALTHY_SERVICE;
  for (const inc of incidents) {
    if (tMs < inc.startMs || tMs >= inc.endMs) continue;
    if (e === HEALTHY_SERVICE) e = { ...HEALTHY_SERVICE };
    if (inc.kind === 'latency_spike') {
      // The tail suffers most; the median moves a quarter as much, queues fill up.
      e.p99Factor *= inc.magnitude;
      e.p50Factor *= 1 + (inc.magnitude - 1) * 0.25;
      e.saturationAdd += 0.25;
    } else if (inc.kind === 'error_spike') {
      e.errorAdd += inc.magnitude;
    } else if (inc.kind === 'level_shift') {
      e.p50Factor *= inc.magnitude;
      e.p99Factor *= inc.magnitude;
      e.saturationFactor *= 1 + (inc.magnitude - 1) / 2;
    }
  }
  return e;
}

/** Combined effect on a resource at `tMs` of its incidents. */
export function resourceEffectAt(
  incidents: readonly Incident[] | undefined,
  tMs: number,
  memoryBase: number,
): ResourceEffect {
  if (!incidents) return HEALTHY_RESOURCE;
  let e = HEALTHY_RESOURCE;
  for (const inc of incidents) {
    if (tMs < inc.startMs || tMs >= inc.endMs) continue;
    if (e === HEALTHY_RESOURCE) e = { ...HEALTHY_RESOURCE };
    const p = progress(inc, tMs);
    if (inc.kind === 'slow_leak') {
      // Linear creep from the healthy level to the magnitude; the restart at endMs drops it back.
      const m = memoryBase + (Math.max(inc.magnitude, memoryBase) - memoryBase) * p;
      e.leakMemory = Math.max(e.leakMemory ?? 0, m);
    } else if (inc.kind === 'cost_drift') {
      // Cost returns to normal at endMs: someone noticed and fixed it.
      e.costFactor *= 1 + inc.magnitude * p;
    } else if (inc.kind === 'idle_resource') {
      e.idleLevel = inc.magnitude;
    }
  }
  return e;
}
