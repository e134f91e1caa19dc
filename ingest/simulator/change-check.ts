import { z } from 'zod';
import type { Resource } from './catalog-types.ts';
import {
  type ChangeBook,
  canonicalPrincipal,
  factorAt,
  inWindow,
  isK8sIdentity,
  type PlatformChange,
  platformChangeSchema,
  ROLLBACK_INCIDENT_KINDS,
  scalesWithService,
  sizedResource,
} from './changes.ts';
import { roundTo } from './load.ts';
import type { Model } from './model.ts';

/** Hours in an average month, for monthly costs. @default 730 */
const HOURS_PER_MONTH = 730;

/** Whether a change can be applied: the parsed change, or what is wrong with it. */
export interface ChangeCheck {
  /** The change with defaults filled in, when it parsed. */
  change?: PlatformChange;
  /** Empty when the change can be applied. */
  problems: string[];
  /** True when a change with the same key and content is already applied (applying it is a no-op). */
  replay: boolean;
}

/** A resource as a change leaves it at one instant. */
export interface ResourceState {
  kind: 'resource';
  resourceId: string;
  name: string;
  type: string;
  service: string;
  state: 'running' | 'stopped';
  /** Product of the capacity multipliers in effect (scale-ups, rightsizes); 1 as built. */
  capacityFactor: number;
  provisionedVcpu: number | null;
  provisionedMemoryGib: number | null;
  /** On-demand cost billed per hour now: 0 while stopped. USD. */
  hourlyCostUsd: number;
  /** `hourlyCostUsd` × 730. USD. */
  monthlyCostUsd: number;
}

/** A service as a change leaves it at one instant. */
export interface ServiceState {
  kind: 'service';
  service: string;
  /** Product of the service-wide scale-ups in effect; 1 as built. */
  capacityFactor: number;
  /** Production VMs and k8s nodes, the compute a service-wide scale-up multiplies. */
  computeResources: string[];
  computeHourlyCostUsd: number;
  computeMonthlyCostUsd: number;
  /** Incidents a rollback would end: bad-deploy kinds started before that instant and still running. */
  activeIncidents: { id: string; kind: string; startMs: number; endMs: number }[];
}

/** A principal as a change leaves it at one instant. */
export interface PrincipalState {
  kind: 'principal';
  /** Canonical form: an assumed-role session is its role. */
  principal: string;
  /** Action patterns revoked and in effect. */
  revokedActions: string[];
  mfaEnforced: boolean;
}

/** The target of a change at one instant. */
export type TargetState = ResourceState | ServiceState | PrincipalState;

const resourceById = (model: Model, id: string): Resource | undefined =>
  model.catalog.resources.find((r) => r.id === id);

/** Checks a change against the platform and the changes already applied (in `book`). */
export function checkChange(model: Model, book: ChangeBook, input: unknown): ChangeCheck {
  const parsed = platformChangeSchema.safeParse(input);
  if (!parsed.success) return { problems: [z.prettifyError(parsed.error)], replay: false };
  const change = parsed.data;
  const existing = book.get(change.key);
  if (existing) {
    if (JSON.stringify(existing) === JSON.stringify(change)) return { change, problems: [], replay: true };
    return {
      change,
      problems: [`key ${change.key} already names a different change (${existing.kind})`],
      replay: false,
    };
  }
  return { change, problems: targetProblems(model, book, change), replay: false };
}

function targetProblems(model: Model, book: ChangeBook, c: PlatformChange): string[] {
  const services = new Set(model.catalog.services.map((s) => s.name));
  const unknownService = (name: string) => `service ${name} does not exist on the simulated platform`;
  const unknownResource = (id: string) => `resource ${id} does not exist on the simulated platform`;
  switch (c.kind) {
    case 'scale_up': {
      if (!services.has(c.service)) return [unknownService(c.service)];
      if (c.resource === undefined) return [];
      const r = resourceById(model, c.resource);
      if (!r) return [unknownResource(c.resource)];
      if (r.service !== c.service)
        return [`resource ${c.resource} belongs to ${r.service || 'no service'}, not ${c.service}`];
      return r.type === 'bucket' ? [`resource ${c.resource} is a bucket: it has no compute to scale`] : [];
    }
    case 'rightsize':
    case 'stop_idle': {
      const r = resourceById(model, c.resource);
      if (!r) return [unknownResource(c.resource)];
      if (r.type === 'bucket')
        return [`resource ${c.resource} is a bucket: it cannot be ${c.kind === 'rightsize' ? 'resized' : 'stopped'}`];
      if (c.kind === 'stop_idle' && inWindow(book.resourceStops.get(c.resource), c.atMs)) {
        return [`resource ${c.resource} is already stopped at ${new Date(c.atMs).toISOString()}`];
      }
      return [];
    }
    case 'revoke_access':
    case 'enforce_mfa': {
      const principal = canonicalPrincipal(c.principal);
      if (!model.principals.has(principal)) return [`principal ${c.principal} is not known to the simulated platform`];
      if (c.kind === 'enforce_mfa' && isK8sIdentity(principal)) {
        return [`principal ${c.principal} is a k8s identity: its audit events carry no MFA flag to enforce`];
      }
      if (c.kind === 'enforce_mfa' && principalState(book, principal, c.atMs).mfaEnforced) {
        return [`MFA is already enforced for ${c.principal}`];
      }
      return [];
    }
    case 'rollback_change':
      return services.has(c.service) ? [] : [unknownService(c.service)];
    case 'revert': {
      const target = book.get(c.reverts);
      if (!target) return [`change ${c.reverts} does not exist, so it cannot be reverted`];
      if (target.kind === 'revert') return [`change ${c.reverts} is itself a revert`];
      if (target.kind === 'rollback_change')
        return [`change ${c.reverts} is a rollback_change, which cannot be undone`];
      if (book.revertedAt(c.reverts) !== Number.POSITIVE_INFINITY) return [`change ${c.reverts} is already reverted`];
      if (c.atMs < target.atMs) return [`atMs must be >= the reverted change's atMs (got ${c.atMs} < ${target.atMs})`];
      return [];
    }
  }
}

/** The state at `tMs`, under the changes of `book`, of what `change` acts on (for a revert: what the
 *  reverted change acted on). */
export function targetState(model: Model, book: ChangeBook, change: PlatformChange, tMs: number): TargetState {
  const c = change.kind === 'revert' ? (book.get(change.reverts) ?? change) : change;
  switch (c.kind) {
    case 'scale_up':
      return c.resource === undefined
        ? serviceState(model, book, c.service, tMs)
        : resourceState(model, book, c.resource, tMs);
    case 'rollback_change':
      return serviceState(model, book, c.service, tMs);
    case 'rightsize':
    case 'stop_idle':
      return resourceState(model, book, c.resource, tMs);
    case 'revoke_access':
    case 'enforce_mfa':
      return principalState(book, canonicalPrincipal(c.principal), tMs);
    case 'revert':
      throw new Error(`change ${c.reverts} does not exist`);
  }
}

function resourceState(model: Model, book: ChangeBook, id: string, tMs: number): ResourceState {
  const r = resourceById(model, id) as Resource;
  const k = factorAt(book.resourceCapacity.get(id), tMs);
  const stopped = inWindow(book.resourceStops.get(id), tMs);
  const sized = sizedResource(r, k, stopped);
  return {
    kind: 'resource',
    resourceId: id,
    name: r.name,
    type: r.type,
    service: r.service,
    state: stopped ? 'stopped' : 'running',
    capacityFactor: k,
    provisionedVcpu: sized.provisionedVcpu,
    provisionedMemoryGib: sized.provisionedMemoryGib,
    hourlyCostUsd: sized.hourlyCost,
    monthlyCostUsd: roundTo(sized.hourlyCost * HOURS_PER_MONTH, 2),
  };
}

function serviceState(model: Model, book: ChangeBook, service: string, tMs: number): ServiceState {
  const computes = model.catalog.resources.filter((r) => r.service === service && scalesWithService(r));
  const hourly = computes.reduce((sum, r) => sum + resourceState(model, book, r.id, tMs).hourlyCostUsd, 0);
  const active = model.incidents
    .overlapping(tMs, tMs + 1, book.rollbacks)
    .filter((i) => i.service === service && ROLLBACK_INCIDENT_KINDS.has(i.kind) && i.startMs < tMs);
  return {
    kind: 'service',
    service,
    capacityFactor: factorAt(book.serviceCapacity.get(service), tMs),
    computeResources: computes.map((r) => r.id),
    computeHourlyCostUsd: roundTo(hourly, 6),
    computeMonthlyCostUsd: roundTo(hourly * HOURS_PER_MONTH, 2),
    activeIncidents: active.map((i) => ({ id: i.id, kind: i.kind, startMs: i.startMs, endMs: i.endMs })),
  };
}

function principalState(book: ChangeBook, principal: string, tMs: number): PrincipalState {
  const windows = (book.principalAccess.get(principal) ?? []).filter((w) => tMs >= w.fromMs && tMs < w.untilMs);
  return {
    kind: 'principal',
    principal,
    revokedActions: windows.filter((w) => w.kind === 'revoke').flatMap((w) => w.patterns),
    mfaEnforced: windows.some((w) => w.kind === 'mfa'),
  };
}
