/** The simulated estate's shapes: plain data, enough to write Backstage catalog-info files. */

/** Service tier as Backstage `spec.tier`-style annotations spell it. */
export type Tier = 'tier-1' | 'tier-2' | 'tier-3';
/** Backstage `spec.lifecycle`. */
export type Lifecycle = 'production' | 'experimental' | 'deprecated';
/** Deployment environment. */
export type Env = 'production' | 'staging';
/** Kinds of simulated resource. */
export type ResourceType = 'vm' | 'k8s-node' | 'db' | 'bucket';

/** An owning team (a Backstage `Group`). */
export interface Team {
  name: string;
  displayName: string;
  /** IAM user names of the team's engineers. */
  members: string[];
}

/** How a service behaves when nothing is wrong; the simulator's knobs, kept as plain data. */
export interface ServiceProfile {
  /** Requests per second at the average of the daily cycle. */
  baseRps: number;
  /** Share of requests that fail when healthy, 0–1. */
  errorRatio: number;
  /** Median latency at average load, seconds. */
  p50Seconds: number;
  /** p99 as a multiple of p50. */
  p99Ratio: number;
  /** Saturation at average load, 0–1. */
  saturationBase: number;
  /** Time of day (UTC) of the nightly restart that resets the service's counters, ms. */
  restartOffsetMs: number;
  /** Shift of this service's daily peak from 13:00 UTC, hours. */
  phaseHours: number;
}

/** A catalogued service (a Backstage `Component`). */
export interface Service {
  name: string;
  /** Owning team's name. */
  owner: string;
  tier: Tier;
  lifecycle: Lifecycle;
  system: string;
  envs: Env[];
  region: string;
  description: string;
  profile: ServiceProfile;
}

/** A cloud resource: provisioned capacity, cost, and how it is (or is not) governed. */
export interface Resource {
  /** ARN; the join key across cost, inventory, metrics and access. */
  id: string;
  name: string;
  type: ResourceType;
  /** Owning service; '' for shadow resources. */
  service: string;
  /** Owning team; '' for shadow resources. */
  owner: string;
  env: Env;
  region: string;
  account: string;
  /** Instance class (`m6i.large`, `db.r6g.large`) or `standard` for buckets. */
  instanceType: string;
  /** null for buckets, which have no compute. */
  provisionedVcpu: number | null;
  provisionedMemoryGib: number | null;
  /** On-demand cost per hour, USD. */
  hourlyCost: number;
  /** Listed in the service catalog; false for shadow resources. */
  catalogued: boolean;
  /** Carries the `team`/`service`/`env` tags; false for untagged resources. */
  tagged: boolean;
  /** Always idle (utilisation < 5 %): waste to be found. */
  idle: boolean;
  tags: Record<string, string>;
  /** Average CPU and memory utilisation when healthy, 0–1. */
  cpuBase: number;
  memoryBase: number;
}

/** The whole simulated estate, as plain data (enough to write Backstage catalog-info files). */
export interface Catalog {
  teams: Team[];
  services: Service[];
  resources: Resource[];
  /** AWS account id per environment. */
  accounts: Record<Env, string>;
}
