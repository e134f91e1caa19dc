import { z } from 'zod';
import { ConfigError } from '../../core/errors.ts';

/** Every kind of incident the simulator can inject. */
export const incidentKinds = [
  'latency_spike',
  'error_spike',
  'level_shift',
  'slow_leak',
  'cost_drift',
  'idle_resource',
  'root_use',
  'privileged_without_mfa',
  'privilege_escalation',
  'access_sprawl',
] as const;
/** One kind of injected incident. */
export type IncidentKind = (typeof incidentKinds)[number];

/** The risky-access kinds: they target a principal and show up in the access output. */
export const riskyAccessKinds = [
  'root_use',
  'privileged_without_mfa',
  'privilege_escalation',
  'access_sprawl',
] as const satisfies readonly IncidentKind[];

const HOUR_MS = 3_600_000;

const count = (key: string, min: number, max: number) =>
  z
    .number({ error: `${key} must be a number` })
    .int({ error: `${key} must be a whole number` })
    .min(min, { error: (i) => `${key} must be >= ${min} (got ${String(i.input)})` })
    .max(max, { error: (i) => `${key} must be <= ${max} (got ${String(i.input)})` });

const rate = (key: string) =>
  z
    .number({ error: `${key} must be a number` })
    .min(0, { error: (i) => `${key} must be >= 0 (got ${String(i.input)})` })
    .max(1000, { error: (i) => `${key} must be <= 1000 (got ${String(i.input)})` });

/** Simulator configuration: the shape of the platform and how often things go wrong. */
export const simulatorConfigSchema = z
  .object({
    /** Seed of everything: same config and seed give byte-identical output. @default 42 */
    seed: count('seed', 0, 0xffffffff).default(42),
    /** Number of catalogued services. @default 24 */
    services: count('services', 1, 1000).default(24),
    /** Number of owning teams; services are spread round-robin over them. @default 6 */
    teams: count('teams', 1, 100).default(6),
    /** Grid of metric points, ms. Must divide one hour so hourly and minute grids line up. @default 60000 */
    metricIntervalMs: count('metricIntervalMs', 1000, HOUR_MS).default(60_000),
    /** Mean number of operational incidents (latency, errors, shifts, leaks, cost drift, idle)
     *  started per service per week; 0 disables them. @default 3 */
    incidentsPerServicePerWeek: rate('incidentsPerServicePerWeek').default(3),
    /** Mean number of risky-access incidents per week across the platform; 0 disables them. @default 8 */
    riskyAccessPerWeek: rate('riskyAccessPerWeek').default(8),
    /** Kinds of incident that may be injected; the others never are. @default all */
    incidentKinds: z.array(z.enum(incidentKinds)).default([...incidentKinds]),
    /** Share of services that also run in `staging`, 0–1. @default 0.3 */
    stagingShare: z
      .number({ error: 'stagingShare must be a number' })
      .min(0, { error: 'stagingShare must be between 0 and 1' })
      .max(1, { error: 'stagingShare must be between 0 and 1' })
      .default(0.3),
    /** Uncatalogued ("shadow") resources: no service, no owner. @default 3 */
    shadowResources: count('shadowResources', 0, 1000).default(3),
    /** Catalogued resources that carry no tags (their cost rows have empty `Tags`). @default 4 */
    untaggedResources: count('untaggedResources', 0, 1000).default(4),
    /** Catalogued compute resources that are always idle (utilisation < 5 %). @default 3 */
    idleResources: count('idleResources', 0, 1000).default(3),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.teams > c.services) {
      ctx.addIssue({
        code: 'custom',
        path: ['teams'],
        message: `teams must be <= services (got ${c.teams} > ${c.services})`,
      });
    }
    if (HOUR_MS % c.metricIntervalMs !== 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['metricIntervalMs'],
        message: `metricIntervalMs must divide one hour (3600000) evenly (got ${c.metricIntervalMs})`,
      });
    }
  });

/** Parsed simulator configuration. */
export type SimulatorConfig = z.output<typeof simulatorConfigSchema>;
/** Simulator configuration as written: every field optional. */
export type SimulatorConfigInput = z.input<typeof simulatorConfigSchema>;

/** Parses simulator config, throwing a `ConfigError` that names each bad key. */
export function parseSimulatorConfig(input: unknown = {}): SimulatorConfig {
  const result = simulatorConfigSchema.safeParse(input);
  if (!result.success) {
    throw new ConfigError(`invalid simulator config:\n${z.prettifyError(result.error)}`, { cause: result.error });
  }
  return result.data;
}
