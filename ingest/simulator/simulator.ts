import { InputError } from '../../core/errors.ts';
import type { AccessEventInput, CostRecordInput, MetricPointInput, ResourceEventInput } from '../../schemas/index.ts';
import { MIN_TIMESTAMP_MS } from '../../schemas/index.ts';
import { generateAccess } from './access.ts';
import { buildCatalog } from './catalog.ts';
import type { Env, Resource, Service, Team } from './catalog-types.ts';
import { type ChangeCheck, checkChange, type TargetState, targetState } from './change-check.ts';
import type { PlatformChange, PlatformChangeInput } from './changes.ts';
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
  /** Every principal the access telemetry can carry, canonical: root, IAM users and their k8s
   *  identities (`<user>@example.com`), roles as `arn:aws:sts::<acct>:assumed-role/<role>` (an IAM
   *  role ARN or a session ARN names the same role), k8s service accounts. */
  readonly principals: readonly string[];
  /** Telemetry for [fromMs, toMs). A pure function of (config, range, changes): generating [a, b) then
   *  [b, c) gives exactly the records of [a, c). Minute-grid points fall at their own ts; hourly
   *  records (cost, inventory) are stamped at the end of the hour they cover. `kinds` limits the
   *  output to some kinds (the others come back empty), which saves the work of the rest. */
  generate(fromMs: number, toMs: number, kinds?: readonly (keyof GenerateResult)[]): GenerateResult;
  /** Every injected incident overlapping [fromMs, toMs), ordered by start then id. An incident a
   *  `rollback_change` ended early has `endMs` at the rollback and `plannedEndMs` set. */
  groundTruth(fromMs: number, toMs: number): Incident[];
  /** Whether a change can be applied, and what is wrong with it if not. Changes nothing. */
  checkChange(change: unknown): ChangeCheck;
  /** Applies a change: telemetry from its `atMs` on shows it, telemetry before is unchanged. Returns
   *  false when the same change (same key, same content) was applied already, which is a no-op.
   *  Throws an `InputError` listing the problems {@link Platform.checkChange} finds. */
  applyChange(change: PlatformChangeInput): boolean;
  /** Applies changes in order (e.g. replayed from a journal); returns how many were new. */
  loadChanges(changes: readonly PlatformChangeInput[]): number;
  /** Every applied change, in the order applied. */
  changes(): PlatformChange[];
  /** What a change's target looks like at its `atMs` without it and with it. Changes nothing;
   *  throws like {@link Platform.applyChange} for a change that cannot be applied. */
  preview(change: PlatformChangeInput): { before: TargetState; after: TargetState };
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
  const checked = (change: unknown): ChangeCheck & { change: PlatformChange } => {
    const check = checkChange(model, model.changes, change);
    if (check.problems.length > 0 || !check.change) {
      throw new InputError(`invalid platform change: ${check.problems.join('; ')}`);
    }
    return check as ChangeCheck & { change: PlatformChange };
  };
  const apply = (change: PlatformChangeInput): boolean => {
    const check = checked(change);
    if (check.replay) return false;
    model.changes = model.changes.with(check.change);
    model.incidents.rollbacks = model.changes.rollbacks;
    // Counter checkpoints after the change may have counted errors it removes.
    model.counterCheckpoints.clear();
    return true;
  };
  return {
    config: parsed,
    teams: catalog.teams,
    services: catalog.services,
    resources: catalog.resources,
    accounts: catalog.accounts,
    principals: [...model.principals],
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
    checkChange: (change) => checkChange(model, model.changes, change),
    applyChange: apply,
    loadChanges: (changes) => changes.reduce((n, c) => n + (apply(c) ? 1 : 0), 0),
    changes: () => model.changes.all().map((c) => structuredClone(c)),
    preview(change) {
      const { change: c, replay } = checked(change);
      const before = targetState(model, model.changes, c, c.atMs);
      // A replay is applied already: the platform stays as it is.
      const after = replay ? before : targetState(model, model.changes.with(c), c, c.atMs);
      return { before, after };
    },
  };
}
