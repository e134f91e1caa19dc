import { stringify } from 'yaml';
import type { Service, Catalog as SimulatorCatalog, Tier } from '../../ingest/simulator/index.ts';
import {
  BUDGET_ANNOTATION,
  ENV_ANNOTATION,
  ENVS_ANNOTATION,
  RESOURCE_ID_ANNOTATION,
  TIER_LABEL,
} from './annotations.ts';

/** A file to write, path relative to the repository root. */
export interface GeneratedFile {
  path: string;
  text: string;
}

/** The command that rewrites the checked-in examples; quoted in headers and test failures. */
export const REGENERATE_COMMAND = 'node bin/run-ts.js scoring/catalog/write-examples.ts';

/** Availability target per tier: share of requests that must not fail. */
export const AVAILABILITY_TARGETS: Record<Tier, number> = { 'tier-1': 0.9995, 'tier-2': 0.999, 'tier-3': 0.995 };
/** Latency objective: share of one-minute slices whose p99 must stay under the threshold. */
export const LATENCY_TARGET = 0.99;
/** Latency threshold as a multiple of the service's healthy p99: room for the daily peak, not for an incident. */
export const LATENCY_HEADROOM = 1.6;

const HEADER = `# Generated from the simulator's default config by scoring/catalog/generate.ts.\n# Do not edit: regenerate with \`${REGENERATE_COMMAND}\`.\n`;
const API_VERSION = 'backstage.io/v1alpha1';

const yamlDocs = (docs: object[]) => HEADER + docs.map((d) => stringify(d, { lineWidth: 0 })).join('---\n');

/** A team's monthly budget: its resources' on-demand cost for a month plus 10 %, rounded up to
 *  $100, so that only a cost drift or new spend pushes the month-end forecast over it. */
export function teamBudget(resources: readonly { hourlyCost: number }[]): number {
  const monthly = resources.reduce((sum, r) => sum + r.hourlyCost, 0) * 730;
  return Math.max(100, Math.ceil((monthly * 1.1) / 100) * 100);
}

/** Backstage files for the simulated estate: `catalog/<team>.yaml` holding the team's Group,
 *  Systems, Components and catalogued Resources. Shadow resources (`catalogued: false`) are left
 *  out on purpose: finding them is what joining inventory to the catalog is for. */
export function catalogFiles(catalog: SimulatorCatalog): GeneratedFile[] {
  return catalog.teams.map((team) => {
    const services = catalog.services.filter((s) => s.owner === team.name);
    const resources = catalog.resources.filter((r) => r.catalogued && r.owner === team.name);
    const systems = [...new Set(services.map((s) => s.system))];
    const docs: object[] = [
      {
        apiVersion: API_VERSION,
        kind: 'Group',
        metadata: {
          name: team.name,
          title: team.displayName,
          annotations: { [BUDGET_ANNOTATION]: String(teamBudget(resources)) },
        },
        spec: { type: 'team', profile: { displayName: team.displayName }, children: [], members: team.members },
      },
      ...systems.map((system) => ({
        apiVersion: API_VERSION,
        kind: 'System',
        metadata: { name: system, description: `Services of the ${team.displayName.toLowerCase()} team` },
        spec: { owner: `group:${team.name}` },
      })),
      ...services.map((s) => ({
        apiVersion: API_VERSION,
        kind: 'Component',
        metadata: {
          name: s.name,
          description: s.description,
          labels: { [TIER_LABEL]: s.tier },
          annotations: { [ENVS_ANNOTATION]: s.envs.join(',') },
          tags: [s.region],
        },
        spec: {
          type: 'service',
          lifecycle: s.lifecycle,
          owner: `group:${s.owner}`,
          system: s.system,
          dependsOn: resources.filter((r) => r.service === s.name).map((r) => `resource:${r.name}`),
        },
      })),
      ...resources.map((r) => ({
        apiVersion: API_VERSION,
        kind: 'Resource',
        metadata: {
          name: r.name,
          annotations: { [RESOURCE_ID_ANNOTATION]: r.id, [ENV_ANNOTATION]: r.env },
          tags: [r.type, r.region],
        },
        spec: {
          type: r.type,
          owner: `group:${r.owner}`,
          system: catalog.services.find((s) => s.name === r.service)?.system,
          dependencyOf: [`component:${r.service}`],
        },
      })),
    ];
    return { path: `catalog/${team.name}.yaml`, text: yamlDocs(docs) };
  });
}

/** OpenSLO files for the simulated services: `slos/<service>.yaml` with an availability SLO
 *  (error ratio, Occurrences, 28 d rolling, target by tier) and a latency SLO (p99 under a
 *  threshold above the healthy p99, one-minute Timeslices, 99 %). */
export function sloFiles(catalog: SimulatorCatalog): GeneratedFile[] {
  return catalog.services.map((s) => ({
    path: `slos/${s.name}.yaml`,
    text: yamlDocs([availabilitySlo(s), latencySlo(s)]),
  }));
}

const aegisMetric = (metric: string, labels?: Record<string, string>) => ({
  metricSource: { type: 'aegis', spec: labels ? { metric, labels } : { metric } },
});
const rolling28d = [{ duration: '28d', isRolling: true }];

function availabilitySlo(s: Service): object {
  const target = AVAILABILITY_TARGETS[s.tier];
  return {
    apiVersion: 'openslo/v1',
    kind: 'SLO',
    metadata: { name: `${s.name}-availability`, displayName: `${s.name} availability` },
    spec: {
      description: `Share of ${s.name} requests that succeed (${s.tier})`,
      service: s.name,
      indicator: {
        metadata: { name: `${s.name}-error-ratio`, displayName: `${s.name} error ratio` },
        spec: {
          ratioMetric: {
            counter: true,
            bad: aegisMetric('http_request_errors_total'),
            total: aegisMetric('http_requests_total'),
          },
        },
      },
      timeWindow: rolling28d,
      budgetingMethod: 'Occurrences',
      objectives: [{ displayName: `${percent(target)} % of requests succeed`, target }],
    },
  };
}

function latencySlo(s: Service): object {
  const threshold = latencyThresholdSeconds(s);
  return {
    apiVersion: 'openslo/v1',
    kind: 'SLO',
    metadata: { name: `${s.name}-latency`, displayName: `${s.name} p99 latency` },
    spec: {
      description: `Minutes in which ${s.name}'s p99 latency stays at or under ${threshold} s (${s.tier})`,
      service: s.name,
      indicator: {
        metadata: { name: `${s.name}-p99-latency`, displayName: `${s.name} p99 latency` },
        spec: { thresholdMetric: aegisMetric('http_request_duration_seconds', { quantile: '0.99' }) },
      },
      timeWindow: rolling28d,
      budgetingMethod: 'Timeslices',
      objectives: [
        {
          displayName: `p99 <= ${threshold} s in ${percent(LATENCY_TARGET)} % of minutes`,
          op: 'lte',
          value: threshold,
          target: LATENCY_TARGET,
          // The simulator writes one p99 point a minute, so a slice is good when its point is.
          timeSliceTarget: 0.95,
          timeSliceWindow: '1m',
        },
      ],
    },
  };
}

/** The latency threshold of a service: healthy p99 × headroom, rounded up to two significant digits. */
export function latencyThresholdSeconds(s: Service): number {
  const x = s.profile.p50Seconds * s.profile.p99Ratio * LATENCY_HEADROOM;
  const step = 10 ** (Math.floor(Math.log10(x)) - 1);
  return Number((Math.ceil(x / step - 1e-9) * step).toPrecision(2));
}

const percent = (fraction: number) => Number((fraction * 100).toPrecision(6));
