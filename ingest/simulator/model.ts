import type { Catalog, Resource, Service } from './catalog-types.ts';
import { ChangeBook, knownPrincipals } from './changes.ts';
import type { SimulatorConfig } from './config.ts';
import type { ResourceEffect } from './effects.ts';
import { IncidentBook } from './incidents.ts';
import { clamp, loadFactor } from './load.ts';
import { hashInts, hashNormal, hashString } from './random.ts';

/** A service with the hash keys of its noise series, computed once. */
export interface ServiceModel {
  service: Service;
  index: number;
  /** One key per noise channel: requests, errors, p50, p99, saturation, and two rounding draws. */
  keys: { req: number; err: number; p50: number; p99: number; sat: number; roundReq: number; roundErr: number };
}

/** A resource with its noise keys and the daily phase of the service it serves. */
export interface ResourceModel {
  resource: Resource;
  phaseHours: number;
  keys: { cpu: number; mem: number; cost: number };
}

/** Everything the generators share: parsed config, catalog, incidents and a counter cache. */
export interface Model {
  config: SimulatorConfig;
  catalog: Catalog;
  incidents: IncidentBook;
  services: ServiceModel[];
  resources: ResourceModel[];
  /** Every principal the access generator can emit, canonical (see `canonicalPrincipal`). */
  principals: ReadonlySet<string>;
  /** Changes applied by actions, compiled for lookup; replaced (not mutated) when one is added. */
  changes: ChangeBook;
  /** Cumulative counters at hour boundaries, keyed `service index:bucket`. A cache only: every
   *  entry equals what summing the increments again would give, so it never changes output. */
  counterCheckpoints: Map<string, [number, number]>;
}

/** Builds the shared model for a parsed config and its catalog. */
export function buildModel(config: SimulatorConfig, catalog: Catalog): Model {
  const seed = config.seed;
  const key = (name: string, channel: number) => hashInts(seed, hashString(name), channel);
  const services = catalog.services.map((service, index) => ({
    service,
    index,
    keys: {
      req: key(service.name, 1),
      err: key(service.name, 2),
      p50: key(service.name, 3),
      p99: key(service.name, 4),
      sat: key(service.name, 5),
      roundReq: key(service.name, 6),
      roundErr: key(service.name, 7),
    },
  }));
  const phase = new Map(catalog.services.map((s) => [s.name, s.profile.phaseHours]));
  const resources = catalog.resources.map((resource) => ({
    resource,
    phaseHours: phase.get(resource.service) ?? 0,
    keys: { cpu: key(resource.id, 11), mem: key(resource.id, 12), cost: key(resource.id, 13) },
  }));
  return {
    config,
    catalog,
    incidents: new IncidentBook(config, catalog),
    services,
    resources,
    principals: new Set(knownPrincipals(catalog)),
    changes: new ChangeBook(catalog),
    counterCheckpoints: new Map(),
  };
}

/** CPU and memory utilisation of a compute resource during metric bucket `bucket`, 0–1. */
export function utilizationAt(
  m: ResourceModel,
  tMs: number,
  bucket: number,
  effect: ResourceEffect,
): { cpu: number; memory: number } {
  const r = m.resource;
  const nCpu = hashNormal(m.keys.cpu, bucket);
  const nMem = hashNormal(m.keys.mem, bucket);
  const idleLevel = effect.idleLevel ?? (r.idle ? r.cpuBase : null);
  if (idleLevel !== null) {
    // Idle means under 5 % on both axes, whatever the noise.
    return {
      cpu: clamp(idleLevel * (1 + 0.2 * nCpu), 0.001, 0.049),
      memory: clamp((r.idle ? r.memoryBase : idleLevel * 1.2) * (1 + 0.05 * nMem), 0.001, 0.049),
    };
  }
  // Shadow resources serve no catalogued traffic, so they have no daily cycle.
  const load = r.catalogued ? loadFactor(tMs, m.phaseHours) : 1;
  return {
    cpu: clamp(r.cpuBase * load * (1 + 0.1 * nCpu), 0.001, 1),
    memory: clamp((effect.leakMemory ?? r.memoryBase) + 0.01 * nMem, 0.001, 1),
  };
}

/** Utilisation after a change multiplied the resource's capacity by `k`: the same work on more (or
 *  less) capacity. Returns the input itself for k = 1, so unchanged resources stay bit-identical. */
export function scaledUtilization(u: { cpu: number; memory: number }, k: number): { cpu: number; memory: number } {
  return k === 1 ? u : { cpu: clamp(u.cpu / k, 0.001, 1), memory: clamp(u.memory / k, 0.001, 1) };
}
