import {
  BUCKET_GIB_HOUR,
  FIRST_NAMES,
  REGIONS,
  SERVICE_SUFFIXES,
  SHADOW_WORDS,
  SIZES,
  type Size,
  TEAM_NAMES,
} from './catalog-data.ts';
import type { Catalog, Env, Lifecycle, Resource, ResourceType, Service, Team, Tier } from './catalog-types.ts';
import type { SimulatorConfig } from './config.ts';
import { createRandom, hashInts, type Random } from './random.ts';

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;
const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** Builds the estate for a config; a pure function of the config (and its seed). */
export function buildCatalog(config: SimulatorConfig): Catalog {
  const rnd = createRandom(hashInts(config.seed, 0xca7a10));
  const accounts: Record<Env, string> = {
    production: String(100_000_000_000 + (hashInts(config.seed, 1) % 899_999_999_999)),
    staging: String(100_000_000_000 + (hashInts(config.seed, 2) % 899_999_999_999)),
  };
  const teams = buildTeams(config.teams);
  const services = Array.from({ length: config.services }, (_, i) => buildService(i, config, teams, rnd));
  const resources: Resource[] = [];
  for (const service of services) resources.push(...serviceResources(service, accounts, rnd));
  markSubset(
    resources,
    config.idleResources,
    (r) => r.type !== 'bucket' && !r.idle,
    rnd,
    (r) => {
      r.idle = true;
      r.cpuBase = round(rnd.between(0.008, 0.03), 4);
      r.memoryBase = round(rnd.between(0.015, 0.04), 4);
    },
  );
  markSubset(
    resources,
    config.untaggedResources,
    (r) => r.tagged,
    rnd,
    (r) => {
      r.tagged = false;
      r.tags = {};
    },
  );
  for (let i = 0; i < config.shadowResources; i++) resources.push(shadowResource(i, accounts, teams, rnd));
  return { teams, services, resources, accounts };
}

function buildTeams(count: number): Team[] {
  return Array.from({ length: count }, (_, t) => {
    const base = TEAM_NAMES[t % TEAM_NAMES.length] as string;
    const name = t < TEAM_NAMES.length ? base : `${base}-${Math.floor(t / TEAM_NAMES.length) + 1}`;
    const members = [0, 1, 2].map((m) => {
      const n = t * 3 + m;
      const first = FIRST_NAMES[n % FIRST_NAMES.length] as string;
      return n < FIRST_NAMES.length ? first : `${first}${Math.floor(n / FIRST_NAMES.length) + 1}`;
    });
    return { name, displayName: capitalise(name.replace(/-/g, ' ')), members };
  });
}

function buildService(i: number, config: SimulatorConfig, teams: Team[], rnd: Random): Service {
  const team = teams[i % teams.length] as Team;
  const k = Math.floor(i / teams.length);
  const suffix = SERVICE_SUFFIXES[k % SERVICE_SUFFIXES.length] as string;
  const name =
    k < SERVICE_SUFFIXES.length
      ? `${team.name}-${suffix}`
      : `${team.name}-${suffix}-${Math.floor(k / SERVICE_SUFFIXES.length) + 1}`;
  const r = rnd.next();
  const tier: Tier = r < 0.3 ? 'tier-1' : r < 0.7 ? 'tier-2' : 'tier-3';
  const l = rnd.next();
  const lifecycle: Lifecycle = l < 0.8 ? 'production' : l < 0.92 ? 'experimental' : 'deprecated';
  const rps = tier === 'tier-1' ? [80, 300] : tier === 'tier-2' ? [20, 100] : [2, 30];
  return {
    name,
    owner: team.name,
    tier,
    lifecycle,
    system: `${team.name}-platform`,
    envs: rnd.chance(config.stagingShare) ? ['production', 'staging'] : ['production'],
    region: rnd.pick(REGIONS),
    description: `${capitalise(suffix)} of the ${team.displayName.toLowerCase()} domain`,
    profile: {
      baseRps: round(rnd.between(rps[0] as number, rps[1] as number), 1),
      errorRatio: round(rnd.between(0.001, 0.005), 5),
      p50Seconds: round(rnd.between(0.015, 0.12), 4),
      p99Ratio: round(rnd.between(3, 6), 2),
      saturationBase: round(rnd.between(0.25, 0.5), 3),
      // Nightly restarts between 02:00 and 05:00 UTC, on the minute.
      restartOffsetMs: (120 + rnd.int(0, 179)) * 60_000,
      phaseHours: round(rnd.between(-1, 1), 2),
    },
  };
}

function serviceResources(service: Service, accounts: Record<Env, string>, rnd: Random): Resource[] {
  const out: Resource[] = [];
  const computeType: ResourceType = rnd.chance(0.5) ? 'k8s-node' : 'vm';
  const dbChance = service.tier === 'tier-1' ? 0.8 : service.tier === 'tier-2' ? 0.5 : 0.3;
  for (const env of service.envs) {
    const computes = env === 'production' ? rnd.int(1, 3) : 1;
    for (let n = 1; n <= computes; n++) out.push(computeResource(service, env, computeType, n, accounts, rnd));
    if (env === 'production' && rnd.chance(dbChance)) out.push(computeResource(service, env, 'db', 1, accounts, rnd));
    if (env === 'production' && rnd.chance(0.5)) {
      const bucket = bucketResource(`${service.name}-prod`, service.region, accounts[env], rnd);
      out.push({
        ...bucket,
        service: service.name,
        owner: service.owner,
        env,
        catalogued: true,
        tagged: true,
        tags: { team: service.owner, service: service.name, env },
      });
    }
  }
  return out;
}

function computeResource(
  service: Service,
  env: Env,
  type: Exclude<ResourceType, 'bucket'>,
  n: number,
  accounts: Record<Env, string>,
  rnd: Random,
): Resource {
  const sizes = SIZES[type];
  // Staging runs on the smallest size; production picks any.
  const size = env === 'staging' ? (sizes[0] as Size) : rnd.pick(sizes);
  const account = accounts[env];
  const name = `${service.name}-${env === 'production' ? 'prod' : 'stg'}-${type === 'db' ? 'db' : type === 'vm' ? 'vm' : 'node'}-${n}`;
  const id =
    type === 'db'
      ? `arn:aws:rds:${service.region}:${account}:db:${name}`
      : `arn:aws:ec2:${service.region}:${account}:instance/i-0${rnd.hex(16)}`;
  return {
    id,
    name,
    type,
    service: service.name,
    owner: service.owner,
    env,
    region: service.region,
    account,
    instanceType: size.type,
    provisionedVcpu: size.vcpu,
    provisionedMemoryGib: size.memoryGib,
    hourlyCost: size.hourlyCost,
    catalogued: true,
    tagged: true,
    idle: false,
    tags: { team: service.owner, service: service.name, env },
    cpuBase: round(rnd.between(env === 'staging' ? 0.05 : 0.15, env === 'staging' ? 0.2 : 0.55), 4),
    memoryBase: round(rnd.between(0.3, 0.65), 4),
  };
}

/** A bucket with no owner yet; callers fill in ownership and tags. */
function bucketResource(prefix: string, region: string, account: string, rnd: Random): Resource {
  const name = `${prefix}-${rnd.hex(6)}`;
  const gib = rnd.int(200, 8000);
  return {
    id: `arn:aws:s3:::${name}`,
    name,
    type: 'bucket',
    service: '',
    owner: '',
    env: 'production',
    region,
    account,
    instanceType: 'standard',
    provisionedVcpu: null,
    provisionedMemoryGib: null,
    hourlyCost: round(gib * BUCKET_GIB_HOUR, 6),
    catalogued: false,
    tagged: false,
    idle: false,
    tags: {},
    cpuBase: 0,
    memoryBase: 0,
  };
}

function shadowResource(i: number, accounts: Record<Env, string>, teams: Team[], rnd: Random): Resource {
  const env: Env = rnd.chance(0.5) ? 'staging' : 'production';
  const word = rnd.pick(SHADOW_WORDS);
  const creator = rnd.pick(rnd.pick(teams).members);
  // Every third shadow resource is a forgotten bucket, the rest are hand-made VMs.
  if (i % 3 === 2) {
    const bucket = bucketResource(`${word}-${creator}`, 'us-east-1', accounts[env], rnd);
    return { ...bucket, env, tags: { Name: bucket.name } };
  }
  const size = rnd.pick(SIZES.vm);
  const region = rnd.pick(REGIONS);
  const name = `${word}-${creator}-${i + 1}`;
  return {
    id: `arn:aws:ec2:${region}:${accounts[env]}:instance/i-0${rnd.hex(16)}`,
    name,
    type: 'vm',
    service: '',
    owner: '',
    env,
    region,
    account: accounts[env],
    instanceType: size.type,
    provisionedVcpu: size.vcpu,
    provisionedMemoryGib: size.memoryGib,
    hourlyCost: size.hourlyCost,
    catalogued: false,
    tagged: false,
    idle: false,
    tags: { Name: name },
    cpuBase: round(rnd.between(0.03, 0.3), 4),
    memoryBase: round(rnd.between(0.1, 0.5), 4),
  };
}

/** Applies `mark` to `count` resources chosen at random among those `eligible` (fewer if short). */
function markSubset(
  resources: Resource[],
  count: number,
  eligible: (r: Resource) => boolean,
  rnd: Random,
  mark: (r: Resource) => void,
): void {
  const pool = resources.filter(eligible);
  for (let i = 0; i < count && pool.length > 0; i++) {
    const [chosen] = pool.splice(rnd.int(0, pool.length - 1), 1);
    if (chosen) mark(chosen);
  }
}
