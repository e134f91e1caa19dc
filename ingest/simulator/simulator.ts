import { InputError } from '../../core/errors.ts';
import type { AccessEventInput, CostRecordInput, MetricPointInput, ResourceEventInput } from '../../schemas/index.ts';
import { MIN_TIMESTAMP_MS } from '../../schemas/index.ts';
import { generateAccess } from './access.ts';
import { buildCatalog } from './catalog.ts';
import type { Env, Resource, Service, Team } from './catalog-types.ts';
import { parseSimulatorConfig, type SimulatorConfig, type SimulatorConfigInput } from './config.ts';
import { generateCost } from './cost.ts';
import type { Incident } from './incidents.ts';
import { generateMetrics } from './metrics.ts';
import { buildModel } from './model.ts';
import { generateResources } from './resources.ts';

/** Telemetry of one time range, one array per telemetry kind, each ordered by time. */
export interface GenerateResult {
  metrics: MetricPointInput[];
  cost: CostRecordInput[];
  access: AccessEventInput[];
  resources: ResourceEventInput[];
}

/** A simulated platform: its catalog as plain data, and telemetry for any time range. */
export interface Platform {
  readonly config: SimulatorConfig;
  readonly teams: readonly Team[];
  readonly services: readonly Service[];
  /** Every resource, including shadow (`catalogued: false`) and untagged (`tagged: false`) ones. */
  readonly resources: readonly Resource[];
  /** AWS account id per environment. */
  readonly accounts: Readonly<Record<Env, string>>;
  /** Telemetry for [fromMs, toMs). A pure function of (config, range): generating [a, b) then
   *  [b, c) gives exactly the records of [a, c). Minute-grid points fall at their own ts; hourly
   *  records (cost, inventory) are stamped at the end of the hour they cover. `kinds` limits the
   *  output to some kinds (the others come back empty), which saves the work of the rest. */
  generate(fromMs: number, toMs: number, kinds?: readonly (keyof GenerateResult)[]): GenerateResult;
  /** Every injected incident overlapping [fromMs, toMs), ordered by start then id. */
  groundTruth(fromMs: number, toMs: number): Incident[];
}

function checkRange(fromMs: number, toMs: number): void {
  if (!Number.isSafeInteger(fromMs) || !Number.isSafeInteger(toMs)) {
    throw new InputError(`range bounds must be whole epoch milliseconds (got ${fromMs}, ${toMs})`);
  }
  if (fromMs < MIN_TIMESTAMP_MS) {
    throw new InputError(`fromMs must be >= 2000-01-01 (${MIN_TIMESTAMP_MS}) (got ${fromMs})`);
  }
  if (toMs < fromMs) throw new InputError(`toMs must be >= fromMs (got ${toMs} < ${fromMs})`);
}

/**
 * Builds a simulated platform from config (validated; defaults fill the gaps).
 * @example
 * const platform = createPlatform({ seed: 7 });
 * const hour = platform.generate(Date.UTC(2025, 0, 6, 12), Date.UTC(2025, 0, 6, 13));
 */
export function createPlatform(config: SimulatorConfigInput = {}): Platform {
  const parsed = parseSimulatorConfig(config);
  const catalog = buildCatalog(parsed);
  const model = buildModel(parsed, catalog);
  return {
    config: parsed,
    teams: catalog.teams,
    services: catalog.services,
    resources: catalog.resources,
    accounts: catalog.accounts,
    generate(fromMs, toMs, kinds) {
      checkRange(fromMs, toMs);
      const want = (k: keyof GenerateResult) => !kinds || kinds.includes(k);
      return {
        metrics: want('metrics') ? generateMetrics(model, fromMs, toMs) : [],
        cost: want('cost') ? generateCost(model, fromMs, toMs) : [],
        access: want('access') ? generateAccess(model, fromMs, toMs) : [],
        resources: want('resources') ? generateResources(model, fromMs, toMs) : [],
      };
    },
    groundTruth(fromMs, toMs) {
      checkRange(fromMs, toMs);
      // Copies: callers may annotate incidents without touching the cache.
      return model.incidents.overlapping(fromMs, toMs).map((inc) => ({ ...inc }));
    },
  };
}
