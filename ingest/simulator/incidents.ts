import type { Catalog, Resource, Service } from './catalog-types.ts';
import { ROLLBACK_INCIDENT_KINDS } from './changes.ts';
import { type IncidentKind, riskyAccessKinds, type SimulatorConfig } from './config.ts';
import { DAY_MS, HOUR_MS } from './load.ts';
import { createRandom, hashInts, type Random } from './random.ts';

/** One injected incident: what went wrong, where, when, and how badly. The ground truth. */
export interface Incident {
  /** Stable id: `sim-<utc day>-<target>-<n>`. */
  id: string;
  kind: IncidentKind;
  /** Affected service (for resource incidents: the resource's owning service). */
  service?: string;
  /** Affected resource ARN (slow leak, cost drift, idle resource). */
  resource?: string;
  /** Acting principal (risky access). */
  principal?: string;
  /** Half-open window [startMs, endMs), epoch ms. */
  startMs: number;
  endMs: number;
  /** Set when a `rollback_change` ended the incident early (then `endMs` is the rollback's time):
   *  the end it was drawn with, which still sets the pace of progressive effects before the cut. */
  plannedEndMs?: number;
  /** Size, in the kind's unit: see `INCIDENT_SPECS[kind].magnitude`. */
  magnitude: number;
  description: string;
}

interface Spec {
  /** Relative frequency among enabled kinds of the same family. */
  weight: number;
  /** Duration bounds, ms. */
  durationMs: [number, number];
  /** Magnitude bounds and what the number means. */
  magnitude: [number, number];
  unit: string;
}

const MIN = 60_000;
/** How each kind of incident is drawn. */
export const INCIDENT_SPECS: Record<IncidentKind, Spec> = {
  latency_spike: { weight: 3, durationMs: [10 * MIN, 90 * MIN], magnitude: [3, 8], unit: 'p99 multiplier' },
  error_spike: { weight: 3, durationMs: [5 * MIN, 60 * MIN], magnitude: [0.05, 0.35], unit: 'added error ratio' },
  level_shift: { weight: 1, durationMs: [12 * HOUR_MS, 72 * HOUR_MS], magnitude: [1.3, 2], unit: 'latency multiplier' },
  slow_leak: { weight: 1.2, durationMs: [6 * HOUR_MS, 48 * HOUR_MS], magnitude: [0.9, 0.98], unit: 'memory reached' },
  cost_drift: { weight: 1, durationMs: [2 * DAY_MS, 6 * DAY_MS], magnitude: [0.3, 1.5], unit: 'cost increase at end' },
  idle_resource: { weight: 0.8, durationMs: [2 * DAY_MS, 5 * DAY_MS], magnitude: [0.01, 0.04], unit: 'utilisation' },
  root_use: { weight: 1, durationMs: [5 * MIN, 30 * MIN], magnitude: [2, 6], unit: 'events' },
  privileged_without_mfa: { weight: 1, durationMs: [10 * MIN, 60 * MIN], magnitude: [3, 10], unit: 'events' },
  privilege_escalation: { weight: 1, durationMs: [5 * MIN, 30 * MIN], magnitude: [3, 8], unit: 'events' },
  access_sprawl: { weight: 1, durationMs: [HOUR_MS, 4 * HOUR_MS], magnitude: [25, 60], unit: 'resources touched' },
};
/** The longest any incident lasts: how far back to look for incidents still running. */
const MAX_DURATION_MS = Math.max(...Object.values(INCIDENT_SPECS).map((s) => s.durationMs[1]));
const RESOURCE_KINDS: ReadonlySet<IncidentKind> = new Set(['slow_leak', 'cost_drift', 'idle_resource']);
const RISKY: ReadonlySet<IncidentKind> = new Set(riskyAccessKinds);

/** Finds the incidents of a platform; each UTC day's draw is a pure function of (seed, day). */
export class IncidentBook {
  private readonly opsKinds: IncidentKind[];
  private readonly riskyKinds: IncidentKind[];
  private readonly resourcesByService = new Map<string, Resource[]>();
  // A cache only: a day's incidents are recomputed identically when evicted.
  private readonly days = new Map<number, Incident[]>();
  /** Rollback instants per service (see `ChangeBook.rollbacks`); set by the platform. */
  rollbacks: ReadonlyMap<string, readonly number[]> = new Map();

  constructor(
    private readonly config: SimulatorConfig,
    private readonly catalog: Catalog,
  ) {
    this.opsKinds = config.incidentKinds.filter((k) => !RISKY.has(k));
    this.riskyKinds = config.incidentKinds.filter((k) => RISKY.has(k));
    for (const r of catalog.resources) {
      if (!r.catalogued) continue;
      const list = this.resourcesByService.get(r.service) ?? [];
      list.push(r);
      this.resourcesByService.set(r.service, list);
    }
  }

  /** Every incident overlapping [fromMs, toMs), ordered by start then id, as ended early by the
   *  rollbacks (`this.rollbacks` unless others are given, for a preview). */
  overlapping(fromMs: number, toMs: number, rollbacks = this.rollbacks): Incident[] {
    const out: Incident[] = [];
    const firstDay = Math.floor((fromMs - MAX_DURATION_MS) / DAY_MS);
    const lastDay = Math.floor((toMs - 1) / DAY_MS);
    for (let day = firstDay; day <= lastDay; day++) {
      for (const drawn of this.day(day)) {
        const inc = rollbacks.size > 0 ? cutByRollback(drawn, rollbacks) : drawn;
        if (inc.startMs < toMs && inc.endMs > fromMs) out.push(inc);
      }
    }
    return out.sort((a, b) => a.startMs - b.startMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  private day(day: number): Incident[] {
    const cached = this.days.get(day);
    if (cached) return cached;
    const incidents: Incident[] = [];
    const opsPerDay = this.config.incidentsPerServicePerWeek / 7;
    if (this.opsKinds.length > 0 && opsPerDay > 0) {
      this.catalog.services.forEach((service, i) => {
        const rnd = createRandom(hashInts(this.config.seed, 0x0b5, day, i));
        const n = rnd.poisson(opsPerDay);
        for (let j = 0; j < n; j++) {
          const inc = this.opsIncident(service, day, j, rnd);
          if (inc) incidents.push(inc);
        }
      });
    }
    const riskyPerDay = this.config.riskyAccessPerWeek / 7;
    if (this.riskyKinds.length > 0 && riskyPerDay > 0) {
      const rnd = createRandom(hashInts(this.config.seed, 0x215c, day));
      const n = rnd.poisson(riskyPerDay);
      for (let j = 0; j < n; j++) incidents.push(this.riskyIncident(day, j, rnd));
    }
    if (this.days.size >= 64) this.days.delete(this.days.keys().next().value as number);
    this.days.set(day, incidents);
    return incidents;
  }

  private opsIncident(service: Service, day: number, j: number, rnd: Random): Incident | undefined {
    const kind = pickWeighted(this.opsKinds, rnd);
    const { startMs, endMs, magnitude } = this.window(kind, day, rnd);
    const id = `sim-${day}-${service.name}-${j}`;
    if (!RESOURCE_KINDS.has(kind)) {
      return {
        id,
        kind,
        service: service.name,
        startMs,
        endMs,
        magnitude,
        description: describe(kind, service.name, magnitude),
      };
    }
    const candidates = (this.resourcesByService.get(service.name) ?? []).filter(
      (r) => (kind === 'cost_drift' || r.type !== 'bucket') && !r.idle,
    );
    // Draw anyway so the stream does not depend on whether a target exists.
    const pickIndex = rnd.next();
    const resource = candidates[Math.floor(pickIndex * candidates.length)];
    if (!resource) return undefined;
    return {
      id,
      kind,
      service: service.name,
      resource: resource.id,
      startMs,
      endMs,
      magnitude,
      description: describe(kind, `${resource.name} (${service.name})`, magnitude),
    };
  }

  private riskyIncident(day: number, j: number, rnd: Random): Incident {
    const kind = pickWeighted(this.riskyKinds, rnd);
    const { startMs, endMs, magnitude } = this.window(kind, day, rnd);
    const account = this.catalog.accounts.production;
    const team = rnd.pick(this.catalog.teams);
    const user = rnd.pick(team.members);
    const service = rnd.pick(this.catalog.services.filter((s) => s.owner === team.name));
    let principal = `arn:aws:iam::${account}:user/${user}`;
    if (kind === 'root_use') principal = `arn:aws:iam::${account}:root`;
    // Half of the sprawls come from a workload role rather than a person.
    if (kind === 'access_sprawl' && rnd.chance(0.5))
      principal = `arn:aws:sts::${account}:assumed-role/${service.name}-app/${service.name}`;
    const attributed = kind === 'root_use' ? {} : { service: service.name };
    return {
      id: `sim-${day}-access-${j}`,
      kind,
      ...attributed,
      principal,
      startMs,
      endMs,
      magnitude,
      description: describe(kind, principal, magnitude),
    };
  }

  private window(kind: IncidentKind, day: number, rnd: Random): { startMs: number; endMs: number; magnitude: number } {
    const spec = INCIDENT_SPECS[kind];
    const step = this.config.metricIntervalMs;
    const startMs = day * DAY_MS + Math.floor(rnd.next() * (DAY_MS / step)) * step;
    const duration = Math.ceil(rnd.between(spec.durationMs[0], spec.durationMs[1]) / step) * step;
    const raw = rnd.between(spec.magnitude[0], spec.magnitude[1]);
    const magnitude =
      spec.unit === 'events' || spec.unit === 'resources touched' ? Math.round(raw) : Math.round(raw * 1000) / 1000;
    return { startMs, endMs: startMs + duration, magnitude };
  }
}

/** The incident as a rollback of its service left it: a rollback strictly inside its window (the
 *  bad deploy was live before it) ends it there. Returns the cached object when nothing cuts it. */
function cutByRollback(inc: Incident, rollbacks: ReadonlyMap<string, readonly number[]>): Incident {
  if (inc.service === undefined || !ROLLBACK_INCIDENT_KINDS.has(inc.kind)) return inc;
  const cuts = rollbacks.get(inc.service);
  if (!cuts) return inc;
  // Ascending, so the first one inside the window is the one that ends it.
  const cut = cuts.find((c) => c > inc.startMs && c < inc.endMs);
  return cut === undefined ? inc : { ...inc, endMs: cut, plannedEndMs: inc.endMs };
}

function pickWeighted(kinds: readonly IncidentKind[], rnd: Random): IncidentKind {
  const total = kinds.reduce((sum, k) => sum + INCIDENT_SPECS[k].weight, 0);
  let r = rnd.next() * total;
  for (const k of kinds) {
    r -= INCIDENT_SPECS[k].weight;
    if (r < 0) return k;
  }
  return kinds[kinds.length - 1] as IncidentKind;
}

function describe(kind: IncidentKind, target: string, m: number): string {
  switch (kind) {
    case 'latency_spike':
      return `p99 latency of ${target} rises ${m}x`;
    case 'error_spike':
      return `error ratio of ${target} rises by ${Math.round(m * 100)} points`;
    case 'level_shift':
      return `latency of ${target} steps up ${m}x and stays there`;
    case 'slow_leak':
      return `memory of ${target} creeps up to ${Math.round(m * 100)} % until it restarts`;
    case 'cost_drift':
      return `hourly cost of ${target} drifts up to +${Math.round(m * 100)} %`;
    case 'idle_resource':
      return `${target} sits idle at about ${Math.round(m * 1000) / 10} % utilisation`;
    case 'root_use':
      return `root account used for ${m} actions`;
    case 'privileged_without_mfa':
      return `${target} performs ${m} privileged actions without MFA`;
    case 'privilege_escalation':
      return `${target} attaches AdministratorAccess to itself, then uses it (${m} actions)`;
    case 'access_sprawl':
      return `${target} touches ${m} resources it never used before`;
  }
}
