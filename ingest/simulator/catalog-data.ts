import type { ResourceType } from './catalog-types.ts';

/** Team names, in the order teams are created. */
export const TEAM_NAMES = [
  'payments',
  'checkout',
  'identity',
  'search',
  'fulfillment',
  'notifications',
  'pricing',
  'inventory',
  'analytics',
  'messaging',
  'shipping',
  'loyalty',
];
/** Service names are `<team>-<suffix>`. */
export const SERVICE_SUFFIXES = [
  'api',
  'worker',
  'gateway',
  'ledger',
  'scheduler',
  'web',
  'events',
  'reporting',
  'cache',
  'sync',
];
/** User names handed out to team members. */
export const FIRST_NAMES = [
  'alice',
  'bob',
  'carol',
  'dan',
  'erin',
  'frank',
  'grace',
  'heidi',
  'ivan',
  'judy',
  'ken',
  'lena',
  'mallory',
  'nina',
  'oscar',
  'peggy',
  'quinn',
  'rupert',
  'sybil',
  'trent',
  'ursula',
  'victor',
  'wendy',
  'yusuf',
];
/** Regions services are placed in (weighted by repetition). */
export const REGIONS = ['eu-west-1', 'eu-west-1', 'us-east-1'];
/** Words in the names of shadow resources. */
export const SHADOW_WORDS = ['ml-experiment', 'load-test', 'poc', 'migration-tmp', 'debug', 'hackathon'];

/** An instance size: capacity and on-demand price. */
export interface Size {
  type: string;
  vcpu: number;
  memoryGib: number;
  hourlyCost: number;
}
/** Instance sizes per kind of compute resource, at on-demand eu-west-1-ish prices (USD per hour):
 *  close enough to look familiar on a bill. */
export const SIZES: Record<Exclude<ResourceType, 'bucket'>, Size[]> = {
  vm: [
    { type: 'm6i.large', vcpu: 2, memoryGib: 8, hourlyCost: 0.107 },
    { type: 'm6i.xlarge', vcpu: 4, memoryGib: 16, hourlyCost: 0.214 },
    { type: 'c6i.xlarge', vcpu: 4, memoryGib: 8, hourlyCost: 0.182 },
    { type: 'r6i.large', vcpu: 2, memoryGib: 16, hourlyCost: 0.141 },
  ],
  'k8s-node': [
    { type: 'm6i.2xlarge', vcpu: 8, memoryGib: 32, hourlyCost: 0.428 },
    { type: 'c6i.2xlarge', vcpu: 8, memoryGib: 16, hourlyCost: 0.364 },
    { type: 'm6i.4xlarge', vcpu: 16, memoryGib: 64, hourlyCost: 0.856 },
  ],
  db: [
    { type: 'db.m6g.large', vcpu: 2, memoryGib: 8, hourlyCost: 0.168 },
    { type: 'db.r6g.large', vcpu: 2, memoryGib: 16, hourlyCost: 0.258 },
    { type: 'db.r6g.xlarge', vcpu: 4, memoryGib: 32, hourlyCost: 0.517 },
  ],
};
/** S3 standard, USD per GiB-month, spread over a 730-hour month. */
export const BUCKET_GIB_HOUR = 0.023 / 730;
