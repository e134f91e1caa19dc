import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/errors.ts';
import { loadCatalog } from './catalog.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Writes `files` (path → text) under a fresh temporary directory and returns it. */
function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'aegis-catalog-'));
  dirs.push(dir);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

function failure(dir: string): string {
  try {
    loadCatalog(dir);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected the catalog to be rejected');
}

const GROUP = `apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: payments
  title: Payments team
spec:
  type: team
  children: []
  members: [alice, user:default/bob]
`;
const SYSTEM = `apiVersion: backstage.io/v1alpha1
kind: System
metadata:
  name: payments-platform
spec:
  owner: payments
`;
const COMPONENT = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: payments-api
  description: Takes payments
  labels:
    tier: "1"
  annotations:
    aegis.io/envs: production, staging
  tags: [java]
spec:
  type: service
  lifecycle: production
  owner: group:payments
  system: payments-platform
  dependsOn: [resource:payments-db]
`;
const RESOURCE = `apiVersion: backstage.io/v1beta1
kind: Resource
metadata:
  name: payments-db
  annotations:
    aegis.io/resource-id: arn:aws:rds:eu-west-1:123456789012:db:payments-db
    aegis.io/env: production
  tags: [db]
spec:
  type: db
  owner: payments
`;
const VALID = [GROUP, SYSTEM, COMPONENT, RESOURCE].join('---\n');

describe('loadCatalog', () => {
  it('loads a multi-document catalog and resolves owners, tiers, systems and resources', () => {
    const dir = tree({
      'payments.yaml': VALID,
      // Subdirectories are read too, and .yml counts.
      'more/search.yml': `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: search-api
  annotations:
    aegis.io/tier: tier-2
spec:
  type: service
  lifecycle: experimental
  owner: payments
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: search-web
spec:
  type: website
  lifecycle: production
  owner: user:default/alice
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata:
  name: alice
spec:
  memberOf: [payments]
---
`,
      'README.md': 'not yaml, not read',
    });
    const catalog = loadCatalog(dir);
    expect(catalog.teams).toHaveLength(1);
    expect(catalog.teams[0]).toMatchObject({
      name: 'payments',
      displayName: 'Payments team',
      members: ['alice', 'bob'],
    });
    expect(catalog.systems[0]).toMatchObject({ name: 'payments-platform', owner: 'payments' });
    const api = catalog.serviceByName('payments-api');
    expect(api).toMatchObject({
      ref: 'component:default/payments-api',
      owner: 'payments',
      ownerRef: 'group:default/payments',
      tier: 'tier-1',
      tierSource: 'label',
      lifecycle: 'production',
      system: 'payments-platform',
      envs: ['production', 'staging'],
      description: 'Takes payments',
      dependsOn: ['resource:default/payments-db'],
    });
    expect(catalog.serviceByName('search-api')).toMatchObject({
      tier: 'tier-2',
      tierSource: 'annotation',
      system: null,
    });
    expect(catalog.serviceByName('search-web')).toMatchObject({
      tier: 'tier-3',
      tierSource: 'default',
      owner: 'alice',
    });
    expect(catalog.serviceByName('component:default/search-api')?.name).toBe('search-api');
    expect(catalog.teamOf('payments-api')?.name).toBe('payments');
    expect(catalog.teamOf('search-web')).toBeUndefined();
    expect(catalog.resourceById('arn:aws:rds:eu-west-1:123456789012:db:payments-db')).toMatchObject({
      name: 'payments-db',
      type: 'db',
      service: 'payments-api',
      owner: 'payments',
      system: 'payments-platform',
      env: 'production',
      tags: ['db'],
    });
    expect(catalog.resourceById('arn:aws:ec2:eu-west-1:123456789012:instance/i-0shadow')).toBeUndefined();
    expect(catalog.entities.map((e) => e.kind)).toEqual([
      'Component',
      'Component',
      'User',
      'Group',
      'System',
      'Component',
      'Resource',
    ]);
    expect(catalog.entities[0]?.source).toBe(`${join(dir, 'more/search.yml')}:4:3`);
  });

  it('resolves a resource to the component it is a dependencyOf', () => {
    const resource = RESOURCE.replace(
      '  owner: payments\n',
      '  owner: payments\n  dependencyOf: [component:payments-api]\n',
    );
    const component = COMPONENT.replace('  dependsOn: [resource:payments-db]\n', '');
    const catalog = loadCatalog(tree({ 'c.yaml': [GROUP, SYSTEM, component, resource].join('---\n') }));
    expect(catalog.resources[0]?.service).toBe('payments-api');
  });

  const file = 'team.yaml';
  it.each([
    {
      what: 'a YAML syntax error',
      text: `${GROUP}---\n${COMPONENT.replace('  lifecycle: production', '  lifecycle: [production')}`,
      line: 24,
      entity: 'component:default/payments-api',
      field: 'spec.lifecycle.0',
      says: 'YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]',
    },
    {
      what: 'a missing spec.owner',
      text: `${GROUP}---\n${SYSTEM}---\n${COMPONENT.replace('  owner: group:payments\n', '')}`,
      line: 28,
      entity: 'component:default/payments-api',
      field: 'spec.owner',
      says: 'is required',
    },
    {
      what: 'an owner group that does not exist',
      text: `${GROUP}---\n${SYSTEM}---\n${COMPONENT.replace('group:payments', 'group:paymnets')}`,
      line: 31,
      entity: 'component:default/payments-api',
      field: 'spec.owner',
      says: 'group:default/paymnets is not defined in the catalog',
    },
    {
      what: 'an owner of the wrong kind',
      text: `${GROUP}---\n${SYSTEM}---\n${COMPONENT.replace('group:payments', 'system:payments-platform')}`,
      line: 31,
      entity: 'component:default/payments-api',
      field: 'spec.owner',
      says: 'must name a group or user (got system:default/payments-platform)',
    },
    {
      what: 'a system that does not exist',
      text: `${GROUP}---\n${COMPONENT.replace('payments-platform', 'payments-platfrom')}`,
      line: 25,
      entity: 'component:default/payments-api',
      field: 'spec.system',
      says: 'system:default/payments-platfrom is not defined in the catalog',
    },
    {
      what: 'a bad tier',
      text: `${GROUP}---\n${SYSTEM}---\n${COMPONENT.replace('tier: "1"', 'tier: gold')}`,
      line: 24,
      entity: 'component:default/payments-api',
      field: 'metadata.labels.tier',
      says: 'must be tier-1, tier-2, tier-3 or 1, 2, 3 (got "gold")',
    },
    {
      what: 'an unquoted numeric tier',
      text: `${GROUP}---\n${SYSTEM}---\n${COMPONENT.replace('tier: "1"', 'tier: 1')}`,
      line: 24,
      entity: 'component:default/payments-api',
      field: 'metadata.labels.tier',
      says: 'must be a string; quote it in YAML ("1")',
    },
    {
      what: 'a duplicate entity',
      text: `${GROUP}---\n${GROUP.replace('Payments team', 'Again')}`,
      line: 14,
      entity: 'group:default/payments',
      field: 'metadata.name',
      says: `is defined twice; first at`,
    },
    {
      what: 'a Resource without its cloud id',
      text: `${GROUP}---\n${RESOURCE.replace(/ {4}aegis\.io\/resource-id: .*\n/, '')}`,
      line: 15,
      entity: 'resource:default/payments-db',
      field: 'metadata.annotations.aegis.io/resource-id',
      says: 'is required on a Resource',
    },
    {
      what: 'a Resource that is a dependencyOf a missing component',
      text: `${GROUP}---\n${RESOURCE}  dependencyOf: [component:payments-ap]\n`,
      line: 22,
      entity: 'resource:default/payments-db',
      field: 'spec.dependencyOf.0',
      says: 'component:default/payments-ap is not defined in the catalog',
    },
    {
      what: 'a dependsOn ref without a kind',
      text: `${GROUP}---\n${SYSTEM}---\n${COMPONENT.replace('resource:payments-db', 'payments-db')}---\n${RESOURCE}`,
      line: 33,
      entity: 'component:default/payments-api',
      field: 'spec.dependsOn.0',
      says: '"payments-db" needs a kind here, as in "resource:payments-db"',
    },
    {
      what: 'a bad entity name',
      text: `${GROUP.replace('name: payments', 'name: payments--team')}`,
      line: 4,
      entity: 'group:default/payments--team',
      field: 'metadata.name',
      says: 'must be 1-63 characters of [a-zA-Z0-9]',
    },
    {
      what: 'an unknown kind',
      text: GROUP.replace('kind: Group', 'kind: Team'),
      line: 2,
      entity: 'team:default/payments',
      field: 'kind',
      says: 'must be one of',
    },
    {
      what: 'an unknown apiVersion',
      text: GROUP.replace('backstage.io/v1alpha1', 'backstage.io/v2'),
      line: 1,
      entity: 'group:default/payments',
      field: 'apiVersion',
      says: 'must be one of "backstage.io/v1alpha1", "backstage.io/v1beta1" (got "backstage.io/v2")',
    },
  ])('rejects $what, naming file, line, entity and field', ({ text, line, entity, field, says }) => {
    const dir = tree({ [file]: text });
    const message = failure(dir);
    expect(message, message).toContain(`${join(dir, file)}:${line}:`);
    expect(message, message).toContain(`${entity}: ${field}: ${says}`);
  });

  it('collects every problem of every file into one error', () => {
    const dir = tree({
      'a.yaml': COMPONENT.replace('group:payments', 'group:nobody'),
      'b.yaml': RESOURCE.replace('type: db', 'type: ""'),
    });
    const message = failure(dir);
    const lines = message.split('\n').map((line) => line.replace(dir, '<dir>'));
    expect(lines).toEqual([
      'invalid catalog in <dir> (3 problems):',
      '  <dir>/a.yaml:14:3: component:default/payments-api: spec.owner: group:default/nobody is not defined in the catalog',
      '  <dir>/a.yaml:15:3: component:default/payments-api: spec.system: system:default/payments-platform is not defined in the catalog',
      '  <dir>/b.yaml:10:3: resource:default/payments-db: spec.type: must not be empty',
    ]);
  });

  it('does not report references to an entity that is itself invalid', () => {
    const dir = tree({ 'c.yaml': [GROUP.replace('  children: []\n', ''), SYSTEM].join('---\n') });
    const message = failure(dir);
    expect(message, message).toContain('group:default/payments: spec.children: is required');
    expect(message, message).not.toContain('not defined');
  });

  it('rejects a directory that does not exist or holds no YAML', () => {
    expect(() => loadCatalog('/nonexistent/aegis-catalog')).toThrow(
      /directory \/nonexistent\/aegis-catalog does not exist/,
    );
    expect(() => loadCatalog(tree({ 'notes.txt': 'x' }))).toThrow(/holds no \*\.yaml or \*\.yml files/);
  });

  it('reads a team budget from its annotation and rejects one that is not a positive number', () => {
    const withBudget = (value: string) =>
      [
        GROUP.replace(
          '  title: Payments team\n',
          `  title: Payments team\n  annotations:\n    aegis.io/monthly-budget-usd: "${value}"\n`,
        ),
        SYSTEM,
        COMPONENT,
        RESOURCE,
      ].join('---\n');
    expect(loadCatalog(tree({ 'c.yaml': withBudget('2500') })).teams[0]?.budgetMonthlyUsd).toBe(2500);
    expect(loadCatalog(tree({ 'c.yaml': VALID })).teams[0]?.budgetMonthlyUsd).toBeNull();
    const message = failure(tree({ 'c.yaml': withBudget('lots') }));
    expect(message).toMatch(
      /c\.yaml:\d+:\d+: group:default\/payments: metadata\.annotations\.aegis\.io\/monthly-budget-usd: must be a positive number of USD \(got "lots"\)/,
    );
  });
});
