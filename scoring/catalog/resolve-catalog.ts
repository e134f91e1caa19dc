import {
  BUDGET_ANNOTATION,
  DEFAULT_TIER,
  ENV_ANNOTATION,
  ENVS_ANNOTATION,
  parseTier,
  RESOURCE_ID_ANNOTATION,
  TIER_ANNOTATION,
  TIER_LABEL,
} from './annotations.ts';
import type { ParsedEntity } from './catalog.ts';
import type {
  Catalog,
  CatalogEntity,
  CatalogResource,
  CatalogService,
  CatalogSystem,
  CatalogTeam,
  Tier,
} from './catalog-types.ts';
import { parseEntityRef, refKey, stringifyEntityRef } from './entity-ref.ts';
import type { Problems } from './problems.ts';

const ENV_RE = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/** Checks the references between entities and builds the plain catalog; problems go to `problems`.
 *  References to `invalid` refs (entities that failed their own checks) are not reported twice. */
export function resolveCatalog(
  parsed: ParsedEntity[],
  problems: Problems,
  invalid: ReadonlySet<string> = new Set(),
): Catalog {
  const byKey = new Map<string, ParsedEntity>();
  const entities: ParsedEntity[] = [];
  for (const e of parsed) {
    const first = byKey.get(refKey(e.ref));
    if (first) {
      problem(
        problems,
        e,
        ['metadata', 'name'],
        `is defined twice; first at ${first.doc.locate(['metadata', 'name'])}`,
      );
      continue;
    }
    byKey.set(refKey(e.ref), e);
    entities.push(e);
  }

  /** Resolves one ref field, reporting an unreadable ref, a wrong kind or a missing target. */
  const target = (
    e: ParsedEntity,
    path: PropertyKey[],
    raw: string,
    kinds: string[] | null,
    defaultKind?: string,
  ): ParsedEntity | undefined => {
    const ref = parseEntityRef(raw, { defaultKind, defaultNamespace: e.envelope.metadata.namespace });
    if (typeof ref === 'string') return void problem(problems, e, path, ref);
    const full = stringifyEntityRef(ref);
    if (kinds && !kinds.includes(ref.kind)) {
      return void problem(problems, e, path, `must name a ${kinds.join(' or ')} (got ${full})`);
    }
    const found = byKey.get(refKey(full));
    if (!found && !invalid.has(refKey(full))) problem(problems, e, path, `${full} is not defined in the catalog`);
    return found;
  };
  const targets = (e: ParsedEntity, field: string, kinds: string[] | null, defaultKind?: string) =>
    ((e.spec[field] as string[] | undefined) ?? []).map((raw, i) =>
      target(e, ['spec', field, i], raw, kinds, defaultKind),
    );
  const one = (e: ParsedEntity, field: string, kinds: string[], defaultKind: string) => {
    const raw = e.spec[field] as string | undefined;
    return raw === undefined ? undefined : target(e, ['spec', field], raw, kinds, defaultKind);
  };

  const teams: CatalogTeam[] = [];
  const systems: CatalogSystem[] = [];
  const services: CatalogService[] = [];
  const resourceEntities: ParsedEntity[] = [];
  for (const e of entities) {
    const tier = tierOf(e, problems);
    const { metadata } = e.envelope;
    const source = e.doc.locate(['metadata', 'name']);
    switch (e.envelope.kind) {
      case 'Component': {
        const owner = one(e, 'owner', ['group', 'user'], 'group');
        const system = one(e, 'system', ['system'], 'system');
        one(e, 'subcomponentOf', ['component'], 'component');
        targets(e, 'providesApis', ['api'], 'api');
        targets(e, 'consumesApis', ['api'], 'api');
        // Backstage gives dependsOn/dependencyOf no default kind: the ref must say what it names.
        const dependsOn = targets(e, 'dependsOn', null);
        targets(e, 'dependencyOf', null);
        services.push({
          ref: e.ref,
          name: metadata.name,
          namespace: metadata.namespace,
          title: metadata.title ?? metadata.name,
          description: metadata.description ?? '',
          owner: owner?.envelope.metadata.name ?? '',
          ownerRef: owner?.ref ?? '',
          tier: tier.tier,
          tierSource: tier.source,
          lifecycle: e.spec.lifecycle as string,
          type: e.spec.type as string,
          system: system?.envelope.metadata.name ?? null,
          envs: envsOf(e, problems),
          dependsOn: dependsOn.flatMap((d) => (d ? [d.ref] : [])),
          tags: metadata.tags,
          labels: metadata.labels,
          source,
        });
        break;
      }
      case 'Resource':
        resourceEntities.push(e);
        break;
      case 'System': {
        const owner = one(e, 'owner', ['group', 'user'], 'group');
        const domain = one(e, 'domain', ['domain'], 'domain');
        systems.push({
          ref: e.ref,
          name: metadata.name,
          namespace: metadata.namespace,
          description: metadata.description ?? '',
          owner: owner?.envelope.metadata.name ?? '',
          ownerRef: owner?.ref ?? '',
          domain: domain?.envelope.metadata.name ?? null,
          source,
        });
        break;
      }
      case 'Group': {
        const parent = one(e, 'parent', ['group'], 'group');
        const children = targets(e, 'children', ['group'], 'group');
        const profile = e.spec.profile as { displayName?: string } | undefined;
        const budget = metadata.annotations[BUDGET_ANNOTATION];
        const budgetUsd = budget === undefined ? null : Number(budget);
        if (budgetUsd !== null && !(Number.isFinite(budgetUsd) && budgetUsd > 0)) {
          problem(
            problems,
            e,
            ['metadata', 'annotations', BUDGET_ANNOTATION],
            `must be a positive number of USD (got ${JSON.stringify(budget)})`,
          );
        }
        teams.push({
          ref: e.ref,
          name: metadata.name,
          namespace: metadata.namespace,
          displayName: profile?.displayName ?? metadata.title ?? metadata.name,
          type: e.spec.type as string,
          parent: parent?.envelope.metadata.name ?? null,
          children: children.flatMap((c) => (c ? [c.envelope.metadata.name] : [])),
          // Members are not checked against User entities: users usually come from the identity
          // provider's ingestion, not from these files.
          members: (e.spec.members as string[]).map((m) => m.slice(m.lastIndexOf('/') + 1).replace(/^user:/i, '')),
          budgetMonthlyUsd: budgetUsd !== null && Number.isFinite(budgetUsd) && budgetUsd > 0 ? budgetUsd : null,
          source,
        });
        break;
      }
      case 'Domain':
      case 'API':
        one(e, 'owner', ['group', 'user'], 'group');
        break;
      case 'User':
        targets(e, 'memberOf', ['group'], 'group');
        break;
      case 'Location':
        break;
    }
  }
  const resources = resolveResources(resourceEntities, entities, services, target, targets, problems);
  return buildCatalog({
    services,
    teams,
    systems,
    resources,
    entities: entities.map(
      (e): CatalogEntity => ({
        ref: e.ref,
        kind: e.envelope.kind,
        name: e.envelope.metadata.name,
        namespace: e.envelope.metadata.namespace,
        source: e.doc.locate(['metadata', 'name']),
      }),
    ),
  });
}

type Target = (
  e: ParsedEntity,
  path: PropertyKey[],
  raw: string,
  kinds: string[] | null,
  defaultKind?: string,
) => ParsedEntity | undefined;
type Targets = (
  e: ParsedEntity,
  field: string,
  kinds: string[] | null,
  defaultKind?: string,
) => (ParsedEntity | undefined)[];

function resolveResources(
  resourceEntities: ParsedEntity[],
  all: ParsedEntity[],
  services: CatalogService[],
  target: Target,
  targets: Targets,
  problems: Problems,
): CatalogResource[] {
  // A resource serves the component it is a dependencyOf, or else one that dependsOn it.
  const dependedOnBy = new Map<string, ParsedEntity>();
  for (const e of all) {
    if (e.envelope.kind !== 'Component') continue;
    for (const raw of e.spec.dependsOn as string[]) {
      const ref = parseEntityRef(raw, { defaultNamespace: e.envelope.metadata.namespace });
      if (typeof ref !== 'string' && !dependedOnBy.has(refKey(ref))) dependedOnBy.set(refKey(ref), e);
    }
  }
  const byId = new Map<string, ParsedEntity>();
  const out: CatalogResource[] = [];
  for (const e of resourceEntities) {
    const { metadata } = e.envelope;
    const owner = target(e, ['spec', 'owner'], e.spec.owner as string, ['group', 'user'], 'group');
    const ownSystem =
      e.spec.system === undefined
        ? undefined
        : target(e, ['spec', 'system'], e.spec.system as string, ['system'], 'system');
    targets(e, 'dependsOn', null);
    const dependencyOf = targets(e, 'dependencyOf', null);
    const service =
      dependencyOf.find((d) => d?.envelope.kind === 'Component') ?? dependedOnBy.get(refKey(e.ref)) ?? undefined;
    const id = metadata.annotations[RESOURCE_ID_ANNOTATION];
    const idPath = ['metadata', 'annotations', RESOURCE_ID_ANNOTATION];
    if (id === undefined || id === '') {
      problem(
        problems,
        e,
        idPath,
        `is required on a Resource: its cloud id (ARN), the join key with cost and inventory`,
      );
    } else {
      const first = byId.get(id);
      if (first) problem(problems, e, idPath, `${JSON.stringify(id)} is already the id of ${first.ref}`);
      else byId.set(id, e);
    }
    const env = metadata.annotations[ENV_ANNOTATION];
    if (env !== undefined && !ENV_RE.test(env)) {
      problem(
        problems,
        e,
        ['metadata', 'annotations', ENV_ANNOTATION],
        `must be an environment name like "production" (got ${JSON.stringify(env)})`,
      );
    }
    out.push({
      ref: e.ref,
      id: id ?? '',
      name: metadata.name,
      type: e.spec.type as string,
      service: service?.envelope.metadata.name ?? null,
      owner: owner?.envelope.metadata.name ?? '',
      ownerRef: owner?.ref ?? '',
      system: ownSystem?.envelope.metadata.name ?? services.find((s) => s.ref === service?.ref)?.system ?? null,
      env: env ?? null,
      tags: metadata.tags,
      source: e.doc.locate(['metadata', 'name']),
    });
  }
  return out;
}

function tierOf(e: ParsedEntity, problems: Problems): { tier: Tier; source: CatalogService['tierSource'] } {
  const { labels, annotations } = e.envelope.metadata;
  const fromLabel = check(e, problems, ['metadata', 'labels', TIER_LABEL], labels[TIER_LABEL]);
  const fromAnnotation = check(e, problems, ['metadata', 'annotations', TIER_ANNOTATION], annotations[TIER_ANNOTATION]);
  if (fromLabel && fromAnnotation && fromLabel !== fromAnnotation) {
    problem(
      problems,
      e,
      ['metadata', 'annotations', TIER_ANNOTATION],
      `says ${fromAnnotation} but label ${TIER_LABEL} says ${fromLabel}; keep one`,
    );
  }
  if (fromLabel) return { tier: fromLabel, source: 'label' };
  if (fromAnnotation) return { tier: fromAnnotation, source: 'annotation' };
  return { tier: DEFAULT_TIER, source: 'default' };
}

function check(e: ParsedEntity, problems: Problems, path: string[], value: string | undefined): Tier | undefined {
  if (value === undefined) return undefined;
  const tier = parseTier(value);
  if (!tier) problem(problems, e, path, `must be tier-1, tier-2, tier-3 or 1, 2, 3 (got ${JSON.stringify(value)})`);
  return tier;
}

function envsOf(e: ParsedEntity, problems: Problems): string[] {
  const raw = e.envelope.metadata.annotations[ENVS_ANNOTATION];
  if (raw === undefined) return [];
  const envs = raw.split(',').map((s) => s.trim());
  const bad = envs.filter((env) => !ENV_RE.test(env));
  if (bad.length > 0) {
    problem(
      problems,
      e,
      ['metadata', 'annotations', ENVS_ANNOTATION],
      `must be comma-separated environment names like "production,staging" (got ${JSON.stringify(raw)})`,
    );
    return [];
  }
  return envs;
}

function problem(problems: Problems, e: ParsedEntity, path: PropertyKey[], message: string): void {
  problems.add({ where: e.doc.locate(path), entity: e.ref, field: path.join('.'), message });
}

/** The catalog's data plus its lookup helpers. */
function buildCatalog(data: Omit<Catalog, 'serviceByName' | 'resourceById' | 'teamOf'>): Catalog {
  const services = new Map<string, CatalogService>();
  for (const s of data.services) {
    services.set(refKey(s.ref), s);
    // Bare names resolve in the default namespace first, as Backstage refs do.
    if (s.namespace === 'default' || !services.has(s.name.toLowerCase())) services.set(s.name.toLowerCase(), s);
  }
  const resources = new Map(data.resources.map((r) => [r.id, r]));
  const teams = new Map(data.teams.map((t) => [refKey(t.ref), t]));
  const serviceByName = (nameOrRef: string) => services.get(nameOrRef.toLowerCase());
  return {
    ...data,
    serviceByName,
    resourceById: (id) => resources.get(id),
    teamOf(service) {
      const s = typeof service === 'string' ? serviceByName(service) : service;
      return s ? teams.get(refKey(s.ownerRef)) : undefined;
    },
  };
}
