// Seeds a store with what a platform of N services looks like after `days` of AEGIS running: minute
// metrics for the last hours, inventory, access logs, cost history and the hourly SLI counts a
// scorer keeps. Shared by the scoring and API benchmarks: by default records go through the ingest
// writer's row encoding straight into the tables (bench/store-direct.ts); a sink may take them
// through NATS and the ingest writer instead (bench/api.ts).

import type { Warehouse } from '../core/warehouse/index.ts';
import { createPlatform, type Platform } from '../ingest/simulator/index.ts';
import type { TelemetryKind } from '../schemas/index.ts';
import { type Catalog, loadCatalog, loadSlos, type SloDefinition } from '../scoring/catalog/index.ts';
import { writeSimulatorDefinitions } from '../scoring/service/definitions.ts';
import { objectiveTargets } from '../scoring/service/slo-targets.ts';
import { storeSimulated } from './store-direct.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

/** What {@link seedPlatformStore} made. */
export interface SeededPlatform {
  platform: Platform;
  platformConfig: { services: number; teams: number; seed: number };
  catalog: Catalog;
  slos: SloDefinition[];
  objectives: number;
  seededRows: number;
}

/** How telemetry of [fromMs, toMs) reaches the store; returns the records stored. */
export type TelemetrySink = (
  platform: Platform,
  fromMs: number,
  toMs: number,
  kinds: readonly TelemetryKind[],
  progress: (doneMs: number, rows: number) => void,
) => Promise<number>;

/** Seeds `wh` for a platform of `services` services ending at `nowMs`; definitions go under `dir`.
 *  `sink` says how telemetry gets in. @default straight into the tables (bench/store-direct.ts) */
export async function seedPlatformStore(
  wh: Warehouse,
  options: {
    services: number;
    days: number;
    nowMs: number;
    dir: string;
    log: (text: string) => void;
    sink?: TelemetrySink;
  },
): Promise<SeededPlatform> {
  const sink: TelemetrySink =
    options.sink ?? ((p, from, to, kinds, progress) => storeSimulated(wh, p, from, to, kinds, progress));
  const { services, days, nowMs: now, log } = options;
  const platformConfig = { services, teams: Math.max(1, Math.round(services / 10)), seed: 42 };
  const platform = createPlatform(platformConfig);
  let seeded = 0;
  const seed = async (label: string, fromMs: number, kinds: ('metrics' | 'cost' | 'access' | 'resources')[]) => {
    const t0 = performance.now();
    seeded += await sink(platform, fromMs, now, kinds, (done, rows) =>
      log(`  ${label}: ${(done / HOUR).toFixed(0)} h, ${rows.toLocaleString('en-US')} rows`),
    );
    log(`seeded ${label} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  };
  log(`seeding ${services} services (${platform.resources.length} resources) …`);
  await seed('minute metrics, 6 h', now - 6 * HOUR, ['metrics']);
  await seed('inventory, 7 d', now - 7 * DAY, ['resources']);
  await seed('access, 8 d', now - 8 * DAY, ['access']);
  await seed(`cost, ${days} d`, now - days * DAY, ['cost']);

  const defs = writeSimulatorDefinitions(options.dir, platformConfig);
  const catalog = loadCatalog(defs.catalogDir);
  const slos = loadSlos(defs.sloDir, catalog);
  // The hourly SLI counts a scorer running for `days` would have kept (its own recent hours are recomputed).
  const { targets } = objectiveTargets(slos, now);
  await wh.command(
    `INSERT INTO slo_sli_1h (slo, hour, good, total, computed_at)
     SELECT slo, toDateTime({from:UInt32}) + number * 3600, 60 - (cityHash64(slo, number) % 2), 60, now64(3)
     FROM (SELECT arrayJoin({slos:Array(String)}) AS slo) AS s CROSS JOIN numbers({hours:UInt32}) AS n`,
    {
      slos: targets.map((t) => t.slo),
      from: Math.floor((Math.floor(now / HOUR) * HOUR - days * DAY) / 1000),
      hours: days * 24,
    },
  );
  log(
    `${catalog.services.length} services, ${slos.length} SLOs, ${targets.length} objectives; ${seeded.toLocaleString('en-US')} rows seeded`,
  );
  return { platform, platformConfig, catalog, slos, objectives: targets.length, seededRows: seeded };
}
