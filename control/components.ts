import { join } from 'node:path';
import type { Bus, Served } from '../core/bus/index.ts';
import type { AegisConfig } from '../core/config/index.ts';
import { ConfigError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { Registry } from '../core/metrics.ts';
import type { Warehouse } from '../core/warehouse/index.ts';
import type { Platform } from '../ingest/simulator/index.ts';
import type { Catalog } from '../scoring/catalog/index.ts';
import { readOpenInsights } from '../scoring/insights/store.ts';
import { createActionEventStore } from './actions/events.ts';
import { createPlatformState } from './actions/platform-state.ts';
import { createActionService } from './actions/service.ts';
import { parseApprovalsConfig } from './approvals/index.ts';
import {
  AUDIT_HEAD_BUCKET,
  type AuditWitness,
  createAuditLog,
  createFileAuditWitness,
  createInProcessAuditLock,
  createKvAuditLock,
  createKvAuditWitness,
  loadOrCreateAuditKey,
  witnessFileOf,
} from './audit/index.ts';
import { type Controller, createController } from './controller.ts';
import { createPostConditions } from './execution/post-conditions.ts';
import { createExecutionRunner } from './execution/runner.ts';
import { createNatsExecutor, serveExecutor } from './executors/nats.ts';
import { createSimulatorExecutor, SIMULATOR_ACTION_TYPES } from './executors/simulator.ts';
import type { Executor } from './executors/types.ts';
import { createWebhookExecutor } from './executors/webhook.ts';
import { createInProcessLocks, createKvLocks, type Locks } from './locks.ts';
import { createPolicyStore } from './policy/index.ts';

/** What the controller is built from. */
export interface ControlDeps {
  warehouse: Warehouse;
  bus: Bus;
  logger: Logger;
  /** The catalog actions are resolved against (the scorer's definitions). */
  catalog: () => Catalog;
  /** The simulated platform's executor when it runs in this process; otherwise the simulator's action
   *  types go to it over NATS (`aegis simulate` serves them). */
  simulator?: Executor;
  /** Share locks and the audit lease across replicas through NATS KV. @default true when NATS is a
   *  configured server (cluster mode) */
  distributed?: boolean;
  /** Where webhook secrets are read from. @default process.env */
  env?: NodeJS.ProcessEnv;
  clock?: () => number;
  /** Run sweeps on a timer. @default true */
  schedule?: boolean;
  /** The process registry for the control layer's self-metrics (decisions, approvals, audit). */
  metrics?: Registry | undefined;
}

/** TTL of the KV entries behind the audit lease and the per-target locks: a crashed holder's lock frees
 *  itself after this long. */
const LEASE_TTL_MS = 30_000;

/** The controller role: the policy store (hot reload), the audit writer with its key (created on first
 *  start), the action service, the executors from config, and the sweep loop. Bad policy, a bad
 *  approvals section or a missing webhook secret fail here, at start. */
export async function buildController(config: AegisConfig, deps: ControlDeps): Promise<Controller> {
  const logger = deps.logger.child({ component: 'controller' });
  const { warehouse, bus } = deps;
  const clock = deps.clock ?? Date.now;
  const control = config.control;
  const approvals = parseApprovalsConfig(control.approvals, 'control.approvals');
  const executors = buildExecutors(config, deps);
  const distributed = deps.distributed ?? config.nats.url !== '';
  const key = loadOrCreateAuditKey({
    keyFile: config.audit.keyFile,
    dataDir: config.dataDir,
    trustFile: config.audit.trustFile,
    keyId: config.audit.keyId,
  });
  let locks: Locks = createInProcessLocks();
  let auditLock = createInProcessAuditLock();
  // The chain's head kept outside ClickHouse, so deleting the newest records is caught.
  let witness: AuditWitness = createFileAuditWitness(witnessFileOf({ dataDir: config.dataDir }));
  if (distributed) {
    const [lockBucket, leaseBucket, headBucket] = await Promise.all([
      bus.kv('aegis-locks', { ttlMs: LEASE_TTL_MS }),
      bus.kv('aegis-audit-lease', { ttlMs: LEASE_TTL_MS }),
      bus.kv(AUDIT_HEAD_BUCKET, { ttlMs: 0 }), // never expires
    ]);
    locks = createKvLocks({ bucket: lockBucket, ttlMs: LEASE_TTL_MS, logger });
    auditLock = createKvAuditLock({ bucket: leaseBucket, ttlMs: LEASE_TTL_MS, logger });
    witness = createKvAuditWitness({ bucket: headBucket });
  }
  const audit = createAuditLog({ warehouse, key, logger, lock: auditLock, clock, witness, metrics: deps.metrics });
  const policy = createPolicyStore({
    dir: control.policyDir,
    defaultEffect: control.defaultEffect,
    logger,
    now: clock,
  });
  const events = createActionEventStore(warehouse);
  const platform = createPlatformState(warehouse, clock);
  const encoder = new TextEncoder();
  const actions = createActionService({
    events,
    audit,
    policy,
    catalog: deps.catalog,
    platform,
    control,
    approvals,
    locks,
    clock,
    logger,
    metrics: deps.metrics,
    publish: async (subject, data, msgId) => {
      await bus.publish(subject, encoder.encode(JSON.stringify(data)), { msgId });
    },
  });
  const runner = createExecutionRunner({
    actions,
    events,
    platform,
    executors,
    locks,
    postConditions: createPostConditions({ warehouse, platform }),
    config: control.execution,
    clock,
    logger,
  });
  logger.info(
    { executors: executors.map((e) => e.name), keyId: key.keyId, distributed },
    'controller ready: every action passes policy, approval and the audit log',
  );
  return createController({
    actions,
    runner,
    events,
    policy,
    audit,
    executors,
    keyId: key.keyId,
    config: control,
    logger,
    recommendations: async () => (await readOpenInsights(warehouse)).recommendations,
    ...(deps.schedule === undefined ? {} : { schedule: deps.schedule }),
  });
}

/** Webhooks first (they take the types they list), then the simulated platform, then agents over NATS. */
function buildExecutors(config: AegisConfig, deps: ControlDeps): Executor[] {
  const env = deps.env ?? process.env;
  const executors: Executor[] = config.control.webhooks.map((hook, i) => {
    const secret = env[hook.secretEnv];
    if (!secret) {
      throw new ConfigError(
        `control.webhooks[${i}] (${hook.name}): environment variable ${hook.secretEnv} holding its HMAC secret is not set`,
      );
    }
    return createWebhookExecutor({ ...hook, secret });
  });
  if (deps.simulator) executors.push(deps.simulator);
  const natsTypes = [
    ...config.control.natsExecutorTypes,
    ...(config.simulator.enabled && !deps.simulator ? SIMULATOR_ACTION_TYPES : []),
  ];
  if (natsTypes.length > 0) {
    executors.push(
      createNatsExecutor({
        bus: deps.bus,
        types: [...new Set(natsTypes)],
        timeoutMs: config.control.execution.timeoutMs,
      }),
    );
  }
  return executors;
}

/** The simulated platform as an executor: its changes are journaled under `<dataDir>/simulator/`, so a
 *  restarted simulator generates the same telemetry. */
export function buildSimulatorExecutor(config: AegisConfig, platform: Platform, logger: Logger) {
  const executor = createSimulatorExecutor({
    platform,
    journalPath: join(config.dataDir, 'simulator', 'changes.jsonl'),
  });
  const { entries, changes, tornLines } = executor.recovered;
  if (entries > 0 || tornLines > 0) {
    logger.info({ entries, changes, tornLines }, 'simulated platform: changes replayed from the journal');
  }
  return executor;
}

/** Serves the simulated platform's action types over NATS (`aegis.exec.<type>`), for controllers in
 *  other processes (cluster mode: the `simulator` role). */
export function serveSimulatorExecutor(
  bus: Bus,
  executor: ReturnType<typeof buildSimulatorExecutor>,
  logger: Logger,
): Served {
  return serveExecutor({ bus, executor, types: [...SIMULATOR_ACTION_TYPES], logger });
}
