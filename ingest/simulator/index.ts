/** The simulated platform: a deterministic estate (teams, services, resources) and its metrics,
 *  FOCUS cost, access and inventory telemetry, with injected incidents as ground truth, and the
 *  changes actions make to it (scale-ups, resizes, stops, revocations, MFA, rollbacks). */
export { ADMIN_POLICY_ARN } from './access-risky.ts';
export { buildCatalog } from './catalog.ts';
export type {
  Catalog,
  Env,
  Lifecycle,
  Resource,
  ResourceType,
  Service,
  ServiceProfile,
  Team,
  Tier,
} from './catalog-types.ts';
export type {
  ChangeCheck,
  PrincipalState,
  ResourceState,
  ServiceState,
  TargetState,
} from './change-check.ts';
export {
  canonicalPrincipal,
  MAX_SCALE_UP_FACTOR,
  MIN_RIGHTSIZE_FACTOR,
  type PlatformChange,
  type PlatformChangeInput,
  type PlatformChangeKind,
  platformChangeKinds,
  platformChangeSchema,
} from './changes.ts';
export {
  type IncidentKind,
  incidentKinds,
  parseSimulatorConfig,
  riskyAccessKinds,
  type SimulatorConfig,
  type SimulatorConfigInput,
  simulatorConfigSchema,
} from './config.ts';
export { FOCUS_SERVICES } from './cost.ts';
export { writeGroundTruth } from './ground-truth.ts';
export { INCIDENT_SPECS, type Incident } from './incidents.ts';
export { DAY_MS, HOUR_MS, WEEK_MS } from './load.ts';
export { createPlatform, type GenerateResult, type Platform } from './simulator.ts';
