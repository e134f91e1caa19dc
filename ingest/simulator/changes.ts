import { z } from 'zod';
import type { Catalog, Resource } from './catalog-types.ts';
import { roundTo } from './load.ts';

/** Kinds of change an action can make to the simulated platform: one per recommendation type. */
export const platformChangeKinds = [
  'scale_up',
  'rightsize',
  'stop_idle',
  'revoke_access',
  'enforce_mfa',
  'rollback_change',
] as const;
/** One of {@link platformChangeKinds}. */
export type PlatformChangeKind = (typeof platformChangeKinds)[number];

/** Largest capacity multiplier a `scale_up` may ask for. @default 10 */
export const MAX_SCALE_UP_FACTOR = 10;
/** Smallest capacity share a `rightsize` may shrink to. @default 0.1 */
export const MIN_RIGHTSIZE_FACTOR = 0.1;
/** Incident kinds a `rollback_change` ends: the ones a bad deploy causes (a restart ends a leak). */
export const ROLLBACK_INCIDENT_KINDS: ReadonlySet<string> = new Set([
  'latency_spike',
  'error_spike',
  'level_shift',
  'slow_leak',
]);

const key = z.string().min(1, { error: 'key must not be empty' }).max(512);
const atMs = z
  .number({ error: 'atMs must be a number' })
  .int({ error: 'atMs must be whole epoch milliseconds' })
  .min(0, { error: 'atMs must be >= 0' })
  .refine(Number.isSafeInteger, { error: 'atMs must be a safe integer' });
const target = (what: string) => z.string().min(1, { error: `${what} must not be empty` });
const noParams = z.strictObject({}).default({});

/** A change to the simulated platform, effective from `atMs` (inclusive) until reverted. `key` is
 *  the idempotency key: applying a change whose key exists is a no-op when it is the same change. */
export const platformChangeSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    key,
    atMs,
    kind: z.literal('scale_up'),
    service: target('service'),
    /** Scale one resource of the service only (its utilisation and cost); unset scales the service. */
    resource: target('resource').optional(),
    params: z.strictObject({
      /** Capacity multiplier, > 1 and <= {@link MAX_SCALE_UP_FACTOR}. */
      factor: z
        .number({ error: 'factor must be a number' })
        .gt(1, { error: (i) => `factor must be > 1 (got ${String(i.input)})` })
        .max(MAX_SCALE_UP_FACTOR, {
          error: (i) => `factor must be <= ${MAX_SCALE_UP_FACTOR} (got ${String(i.input)})`,
        }),
    }),
  }),
  z.strictObject({
    key,
    atMs,
    kind: z.literal('rightsize'),
    resource: target('resource'),
    params: z
      .strictObject({
        /** Capacity kept, in [{@link MIN_RIGHTSIZE_FACTOR}, 1). @default 0.5 (the next size down) */
        factor: z
          .number({ error: 'factor must be a number' })
          .min(MIN_RIGHTSIZE_FACTOR, {
            error: (i) => `factor must be >= ${MIN_RIGHTSIZE_FACTOR} (got ${String(i.input)})`,
          })
          .lt(1, { error: (i) => `factor must be < 1 (got ${String(i.input)})` })
          .default(0.5),
      })
      .default({ factor: 0.5 }),
  }),
  z.strictObject({ key, atMs, kind: z.literal('stop_idle'), resource: target('resource'), params: noParams }),
  z.strictObject({
    key,
    atMs,
    kind: z.literal('revoke_access'),
    principal: target('principal'),
    params: z
      .strictObject({
        /** Action patterns revoked (`*` matches anything, case-insensitive like IAM). @default ['*'] */
        actions: z
          .array(z.string().min(1, { error: 'an action pattern must not be empty' }))
          .min(1, { error: 'actions must list at least one pattern (leave it out to revoke everything)' })
          .default(['*']),
      })
      .default({ actions: ['*'] }),
  }),
  z.strictObject({ key, atMs, kind: z.literal('enforce_mfa'), principal: target('principal'), params: noParams }),
  z.strictObject({ key, atMs, kind: z.literal('rollback_change'), service: target('service'), params: noParams }),
  /** Ends the effect of the change keyed `reverts` from this change's `atMs` on. */
  z.strictObject({ key, atMs, kind: z.literal('revert'), reverts: target('reverts'), params: noParams }),
]);
/** A validated platform change (defaults filled in). */
export type PlatformChange = z.output<typeof platformChangeSchema>;
/** A platform change as written: defaulted params may be left out. */
export type PlatformChangeInput = z.input<typeof platformChangeSchema>;

/** A span of time [fromMs, untilMs) a change is in effect; `untilMs` is Infinity until reverted. */
export interface ChangeWindow {
  fromMs: number;
  untilMs: number;
}
/** A capacity multiplier in effect over a window. */
export interface CapacityWindow extends ChangeWindow {
  factor: number;
}
/** An access change in effect over a window: denied actions, or MFA required. */
export interface AccessWindow extends ChangeWindow {
  kind: 'revoke' | 'mfa';
  /** For `revoke`: the revoked actions; matches everything for `mfa`. */
  actions: RegExp;
  patterns: readonly string[];
}

/** The principal an event or a change is about, as one key: an assumed-role session is its role
 *  (as the scorer counts it), and an IAM role ARN names the same role. */
export function canonicalPrincipal(principal: string): string {
  if (principal.startsWith('arn:aws:sts::')) {
    return principal.replace(/^(arn:aws:sts::[0-9]+:assumed-role\/[^/]+)\/.*$/, '$1');
  }
  const role = /^arn:aws:iam::([0-9]+):role\/(.+)$/.exec(principal);
  return role ? `arn:aws:sts::${role[1]}:assumed-role/${role[2]}` : principal;
}

/** Every principal the access generator can emit, canonical: root, IAM users, their k8s
 *  identities, workload and deployer roles, k8s service accounts. */
export function knownPrincipals(catalog: Catalog): string[] {
  const acct = catalog.accounts.production;
  const out = [`arn:aws:iam::${acct}:root`];
  for (const team of catalog.teams) {
    out.push(`arn:aws:sts::${acct}:assumed-role/${team.name}-deployer`);
    for (const m of team.members) out.push(`arn:aws:iam::${acct}:user/${m}`, `${m}@example.com`);
  }
  for (const s of catalog.services) {
    out.push(`arn:aws:sts::${acct}:assumed-role/${s.name}-app`, `system:serviceaccount:${s.owner}:${s.name}`);
  }
  return out;
}

/** k8s audit identities: their events carry no MFA flag, so MFA cannot be enforced on them here. */
export const isK8sIdentity = (principal: string) =>
  principal.startsWith('system:serviceaccount:') || principal.endsWith('@example.com');

const globToRegExp = (patterns: readonly string[]) =>
  new RegExp(
    `^(?:${patterns.map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')).join('|')})$`,
    'i',
  );

/** True when a compute resource follows its service's `scale_up`: production VMs and k8s nodes
 *  (databases and staging are scaled on their own). */
export const scalesWithService = (r: Resource) => r.env === 'production' && (r.type === 'vm' || r.type === 'k8s-node');

/** The changes of a platform and, compiled from them, per-target lookups the generators read once
 *  per call. Immutable: {@link ChangeBook.with} returns a new book. */
export class ChangeBook {
  /** Capacity multipliers per service (service-wide `scale_up`). */
  readonly serviceCapacity = new Map<string, CapacityWindow[]>();
  /** Capacity multipliers per resource id (`scale_up` of it or its service, `rightsize`). */
  readonly resourceCapacity = new Map<string, CapacityWindow[]>();
  /** Windows in which a resource is stopped. */
  readonly resourceStops = new Map<string, ChangeWindow[]>();
  /** Access changes per canonical principal. */
  readonly principalAccess = new Map<string, AccessWindow[]>();
  /** Rollback instants per service, ascending. */
  readonly rollbacks = new Map<string, number[]>();

  private readonly byKey: ReadonlyMap<string, PlatformChange>;
  /** The `atMs` of each reverted change's revert, by the reverted key. */
  private readonly reverts = new Map<string, number>();

  constructor(
    private readonly catalog: Catalog,
    private readonly list: readonly PlatformChange[] = [],
  ) {
    this.byKey = new Map(list.map((c) => [c.key, c]));
    this.compile();
  }

  /** Every change, in the order applied. */
  all(): readonly PlatformChange[] {
    return this.list;
  }

  /** The change with this key, if any. */
  get(key: string): PlatformChange | undefined {
    return this.byKey.get(key);
  }

  /** When the change keyed `key` stops having effect: its revert's `atMs`, or Infinity. */
  revertedAt(key: string): number {
    return this.reverts.get(key) ?? Number.POSITIVE_INFINITY;
  }

  /** A book with `change` added (the caller has checked it). */
  with(change: PlatformChange): ChangeBook {
    return new ChangeBook(this.catalog, [...this.list, change]);
  }

  private compile(): void {
    for (const c of this.list) if (c.kind === 'revert') this.reverts.set(c.reverts, c.atMs);
    // Sorted by time then key, so that products of factors do not depend on the order applied.
    const sorted = [...this.list].sort((a, b) => a.atMs - b.atMs || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const push = <T>(map: Map<string, T[]>, k: string, v: T) => {
      const list = map.get(k);
      if (list) list.push(v);
      else map.set(k, [v]);
    };
    for (const c of sorted) {
      const window = { fromMs: c.atMs, untilMs: this.revertedAt(c.key) };
      if (window.untilMs <= window.fromMs) continue;
      switch (c.kind) {
        case 'scale_up':
          if (c.resource !== undefined) {
            push(this.resourceCapacity, c.resource, { ...window, factor: c.params.factor });
            break;
          }
          push(this.serviceCapacity, c.service, { ...window, factor: c.params.factor });
          for (const r of this.catalog.resources) {
            if (r.service === c.service && scalesWithService(r)) {
              push(this.resourceCapacity, r.id, { ...window, factor: c.params.factor });
            }
          }
          break;
        case 'rightsize':
          push(this.resourceCapacity, c.resource, { ...window, factor: c.params.factor });
          break;
        case 'stop_idle':
          push(this.resourceStops, c.resource, window);
          break;
        case 'revoke_access':
          push(this.principalAccess, canonicalPrincipal(c.principal), {
            ...window,
            kind: 'revoke',
            actions: globToRegExp(c.params.actions),
            patterns: c.params.actions,
          });
          break;
        case 'enforce_mfa':
          push(this.principalAccess, canonicalPrincipal(c.principal), {
            ...window,
            kind: 'mfa',
            actions: /^/,
            patterns: ['*'],
          });
          break;
        case 'rollback_change':
          push(this.rollbacks, c.service, c.atMs);
          break;
        case 'revert':
          break;
      }
    }
  }
}

/** Product of the factors in effect at `tMs`; 1 without any. */
export function factorAt(windows: readonly CapacityWindow[] | undefined, tMs: number): number {
  if (!windows) return 1;
  let k = 1;
  for (const w of windows) if (tMs >= w.fromMs && tMs < w.untilMs) k *= w.factor;
  return k;
}

/** True when one of the windows covers `tMs`. */
export function inWindow(windows: readonly ChangeWindow[] | undefined, tMs: number): boolean {
  if (!windows) return false;
  for (const w of windows) if (tMs >= w.fromMs && tMs < w.untilMs) return true;
  return false;
}

/** A resource's provisioned size and on-demand hourly cost with capacity factor `k` in effect (0 an hour
 *  while stopped): what its inventory snapshot reports and a change preview shows. For k = 1 the
 *  catalogued values themselves, so unchanged resources stay bit-identical. */
export function sizedResource(
  r: Resource,
  k: number,
  stopped: boolean,
): { provisionedVcpu: number | null; provisionedMemoryGib: number | null; hourlyCost: number } {
  const size = (x: number | null) => (x === null || k === 1 ? x : roundTo(x * k, 4));
  return {
    provisionedVcpu: size(r.provisionedVcpu),
    provisionedMemoryGib: size(r.provisionedMemoryGib),
    hourlyCost: stopped ? 0 : k === 1 ? r.hourlyCost : roundTo(r.hourlyCost * k, 6),
  };
}

const FULL_USE = { capacity: 1, running: 1 };

/** Over [fromMs, toMs): the time-weighted capacity multiplier billed (0 while stopped), and the
 *  share of the span the resource ran. Exactly 1 and 1 when no change touches the span. */
export function usageOver(
  capacity: readonly CapacityWindow[] | undefined,
  stops: readonly ChangeWindow[] | undefined,
  fromMs: number,
  toMs: number,
): { capacity: number; running: number } {
  if (!capacity && !stops) return FULL_USE;
  const edges = [fromMs];
  for (const w of [...(capacity ?? []), ...(stops ?? [])]) {
    if (w.fromMs > fromMs && w.fromMs < toMs) edges.push(w.fromMs);
    if (w.untilMs > fromMs && w.untilMs < toMs) edges.push(w.untilMs);
  }
  if (edges.length === 1) {
    return inWindow(stops, fromMs) ? { capacity: 0, running: 0 } : { capacity: factorAt(capacity, fromMs), running: 1 };
  }
  edges.sort((a, b) => a - b).push(toMs);
  let billed = 0;
  let ran = 0;
  for (let i = 0; i + 1 < edges.length; i++) {
    const t = edges[i] as number;
    const span = (edges[i + 1] as number) - t;
    if (inWindow(stops, t)) continue;
    billed += factorAt(capacity, t) * span;
    ran += span;
  }
  return { capacity: billed / (toMs - fromMs), running: ran / (toMs - fromMs) };
}
