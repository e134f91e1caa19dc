import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildController } from '../../control/components.ts';
import type { Controller } from '../../control/controller.ts';
import { createSimulatorExecutor } from '../../control/executors/simulator.ts';
import { type AegisConfig, aegisConfigSchema } from '../../core/config/index.ts';
import { ConfigError } from '../../core/errors.ts';
import { silentLogger } from '../../core/logger.ts';
import { createMetricsRegistry } from '../../core/metrics.ts';
import type { Warehouse } from '../../core/warehouse/index.ts';
import { createSimulatorFeed, type SimulatorFeed } from '../../ingest/collectors/simulator-feed.ts';
import { buildIngestWriter, simulatedPlatformConfig } from '../../ingest/components.ts';
import { createTelemetryPublisher } from '../../ingest/publisher.ts';
import { createPlatform, HOUR_MS, type Platform } from '../../ingest/simulator/index.ts';
import type { IngestWriter } from '../../ingest/writer/index.ts';
import type { Catalog } from '../../scoring/catalog/index.ts';
import { buildScorer } from '../../scoring/components.ts';
import { loadDefinitions } from '../../scoring/service/definitions.ts';
import { readActionOutcomes } from '../../scoring/service/people-pass.ts';
import { startTestNats, startTestWarehouse, TEST_WRITER_CONFIG, tempDir } from '../harness/index.ts';
import { waitFor, writerDrained } from '../harness/telemetry.ts';

/** The whole control path on real parts: the simulated platform publishing through NATS into the
 *  embedded ClickHouse, and the controller as `aegis start` builds it, with the simulator executor. */
describe('controller on the simulated platform', () => {
  let nats: Awaited<ReturnType<typeof startTestNats>>;
  let store: Awaited<ReturnType<typeof startTestWarehouse>>;
  let wh: Warehouse;
  const dir = tempDir('aegis-controller-');
  // Simulated time, behind the real clock (the writer refuses points from the future).
  const T0 = Math.floor(Date.now() / HOUR_MS) * HOUR_MS - 4 * HOUR_MS;
  let now = T0;
  const clock = () => now;
  let config: AegisConfig;
  let feed: SimulatorFeed;
  let writer: IngestWriter;
  let controller: Controller;
  let catalog: Catalog;
  let platform: Platform;
  const logger = silentLogger();

  /** Moves simulated time and waits until the feed has published up to it and the writer stored it all. */
  async function advanceTo(ms: number): Promise<void> {
    now = ms;
    await waitFor(
      async () =>
        feed.progress().generatedUntilMs >= Math.floor(ms / 60_000) * 60_000 &&
        (await writerDrained(nats.bus, config.writer.durable)),
      60_000,
    );
  }

  beforeAll(async () => {
    nats = await startTestNats();
    store = await startTestWarehouse();
    wh = store.warehouse;
    config = aegisConfigSchema.parse({
      dataDir: dir.path,
      simulator: { seed: 7, services: 3, teams: 3, backfillDays: 0 },
      writer: TEST_WRITER_CONFIG,
      control: {
        execution: { verifyAfterMs: 5 * 60_000 },
        automation: { types: { enforce_mfa: 'auto' } },
        approvals: { roles: { 'platform-lead': ['lee'], security: ['sam'] } },
      },
    });
    platform = createPlatform(simulatedPlatformConfig(config));
    feed = createSimulatorFeed({
      platform,
      publisher: createTelemetryPublisher({ bus: nats.bus, source: 'simulator' }),
      checkpointPath: join(dir.path, 'simulator', 'checkpoint.json'),
      groundTruthPath: join(dir.path, 'simulator', 'ground-truth.jsonl'),
      backfillDays: 0,
      tickMs: 50,
      logger,
      now: clock,
    });
    writer = buildIngestWriter(config, { bus: nats.bus, warehouse: wh, logger, metrics: createMetricsRegistry() });
    catalog = loadDefinitions(config).catalog;
    controller = await buildController(config, {
      warehouse: wh,
      bus: nats.bus,
      logger,
      catalog: () => catalog,
      simulator: createSimulatorExecutor({
        platform,
        journalPath: join(dir.path, 'simulator', 'changes.jsonl'),
        clock,
      }),
      clock,
      schedule: false,
    });
    await writer.start();
    await feed.start();
    await controller.start();
    await advanceTo(T0 + 2 * HOUR_MS);
  }, 120_000);

  afterAll(async () => {
    await controller?.stop();
    await feed?.stop();
    await writer?.stop();
    await store?.stop();
    await nats?.stop();
    dir.remove();
  });

  it('stops an idle resource: the change shows in the telemetry after it, and the post-condition holds', async () => {
    const resource = catalog.resources.find(
      (r) =>
        (r.type === 'vm' || r.type === 'k8s-node') &&
        r.service !== null &&
        catalog.serviceByName(r.service)?.tier !== 'tier-1' &&
        (catalog.teamOf(r.service)?.members.length ?? 0) >= 2,
    )!;
    expect(resource).toBeDefined();
    const [owner, colleague] = catalog.teamOf(resource.service!)!.members as [string, string];
    const cpuPoints = async (fromMs: number, toMs: number) => {
      const [row] = await wh.query<{ n: number }>(
        `SELECT count() AS n FROM metrics WHERE name = 'cpu_utilization' AND labels['resource_id'] = {rid:String}
           AND ts >= fromUnixTimestamp64Milli({fromMs:Int64}) AND ts < fromUnixTimestamp64Milli({toMs:Int64})`,
        { rid: resource.id, fromMs, toMs },
      );
      return Number(row?.n ?? 0);
    };
    expect(await cpuPoints(T0, T0 + 2 * HOUR_MS)).toBeGreaterThan(0);

    const proposed = await controller.actions.propose(
      { type: 'stop_idle', target: { resourceId: resource.id }, reason: 'idle for a week' },
      { id: owner, kind: 'human', roles: [], team: resource.owner },
    );
    expect(proposed.state).toBe('pending_approval');
    await expect(
      controller.actions.vote(proposed.id, { id: owner, kind: 'human', roles: [], teams: [resource.owner] }, 'approve'),
    ).rejects.toMatchObject({ code: 'POLICY_DENIED' });
    const approved = await controller.actions.vote(
      proposed.id,
      { id: colleague, kind: 'human', roles: [], teams: [resource.owner] },
      'approve',
    );
    expect(approved.state).toBe('approved');

    const executed = await controller.runner.execute(proposed.id, {
      id: colleague,
      kind: 'human',
      roles: [],
      team: resource.owner,
    });
    expect(executed.state).toBe('succeeded');
    expect(executed.dryRun?.ok).toBe(true);
    expect(executed.result?.undo).toBeDefined();
    const stoppedAt = now;

    // Three simulated hours on: inventory and cost are hourly, stamped at the end of the hour they cover.
    await advanceTo(stoppedAt + 3 * HOUR_MS);
    expect(await cpuPoints(stoppedAt, now)).toBe(0);
    expect(await cpuPoints(stoppedAt - 10 * 60_000, stoppedAt)).toBeGreaterThan(0);
    const [inventory] = await wh.query<{ state: string; hourly_cost: number }>(
      'SELECT state, hourly_cost FROM resources_latest FINAL WHERE resource_id = {rid:String}',
      { rid: resource.id },
    );
    expect(inventory).toEqual({ state: 'stopped', hourly_cost: 0 });
    const [billed] = await wh.query<{ cost: number }>(
      `SELECT sum(BilledCost) AS cost FROM cost WHERE ResourceId = {rid:String}
         AND ChargePeriodStart >= fromUnixTimestamp64Milli({from:Int64})`,
      { rid: resource.id, from: Math.ceil(stoppedAt / HOUR_MS) * HOUR_MS },
    );
    expect(billed?.cost).toBe(0);

    // The scorer's pass sees the platform after the action; the controller's sweep then verifies it.
    const scorer = await buildScorer(config, { warehouse: wh, logger, noTf: true });
    await scorer.runOnce(now);
    expect(await controller.sweep()).toContain(proposed.id);
    const verified = await controller.actions.get(proposed.id);
    const events = await nats.bus.read('EVENTS', 10_000);
    const published = events
      .filter((m) => m.subject.startsWith('aegis.actions.'))
      .map((m) => JSON.parse(new TextDecoder().decode(m.data)) as { actionId: string; event: string })
      .filter((m) => m.actionId === proposed.id);
    expect(published.map((m) => m.event)).toEqual(verified.events.map((e) => e.event));
    expect(events.filter((m) => m.subject === 'aegis.audit').length).toBeGreaterThanOrEqual(verified.events.length);
    expect(verified.verification).toEqual({
      met: true,
      detail: expect.stringMatching(/reports no utilisation since it was stopped/),
    });
  }, 120_000);

  it('proposes an automated recommendation itself, and executes it once a person approved', async () => {
    const principal = platform.principals.find((p) => p.includes(':user/'))!;
    const at = now;
    const row = (table: string, values: Record<string, unknown>) =>
      wh.insert(table, Buffer.from(`${JSON.stringify(values)}\n`));
    await row('insights', {
      id: 'ins-mfa',
      version: 1,
      kind: 'risky_access',
      severity: 'warning',
      status: 'open',
      subject: principal,
      service: '',
      team: '',
      title: `Privileged actions without MFA by ${principal}`,
      summary: '',
      score: 0.8,
      evidence: '[]',
      started_at: at,
      opened_at: at,
      updated_at: at,
      resolved_at: null,
    });
    await row('recommendations', {
      id: 'rec-mfa',
      version: 1,
      insight_id: 'ins-mfa',
      type: 'enforce_mfa',
      status: 'open',
      subject: principal,
      service: '',
      team: '',
      title: `Require MFA for ${principal}`,
      rationale: 'one stolen key away from abuse',
      impact_usd_month: 0,
      impact_risk: '',
      confidence: 0.9,
      held_reason: '',
      evidence: '[]',
      created_at: at,
      updated_at: at,
    });

    const touched = await controller.sweep();
    const [action] = await controller.actions.list({ type: 'enforce_mfa' });
    expect(action).toBeDefined();
    expect(touched).toContain(action!.id);
    expect(action).toMatchObject({
      state: 'pending_approval',
      recommendationId: 'rec-mfa',
      proposer: { kind: 'system' },
    });
    // The same recommendation on the next sweep is the same action.
    await controller.sweep();
    expect(await controller.actions.list({ type: 'enforce_mfa' })).toHaveLength(1);

    await controller.actions.vote(action!.id, { id: 'sam', kind: 'human', roles: [], teams: [] }, 'approve');
    await controller.sweep(); // auto: the controller executes what was approved
    const executed = await controller.actions.get(action!.id);
    expect(executed.state).toBe('succeeded');
    expect(executed.events.find((e) => e.event === 'started')?.actor).toBe('controller');
    expect(platform.changes().some((c) => c.kind === 'enforce_mfa')).toBe(true);
  });

  it('gives the scorer the corrections and approval latency that maturity is decided on', async () => {
    const outcomes = await readActionOutcomes(wh, T0);
    expect(outcomes.corrections).toEqual({ automated: 1, manual: 1, rolledBack: 0 });
    expect(outcomes.approvalLatencyP50Ms).toBeGreaterThanOrEqual(0);
    const scorer = await buildScorer(config, { warehouse: wh, logger, noTf: true });
    const pass = await scorer.runOnce(now);
    const automation = pass.maturity.criteria.find((c) => c.id === 'automation-50');
    expect(automation).toMatchObject({ value: 0.5, met: true });
  });

  it('refuses to build with a webhook whose secret is not in the environment', async () => {
    const bad = aegisConfigSchema.parse({
      dataDir: dir.path,
      control: {
        webhooks: [
          { name: 'ops', url: 'http://127.0.0.1:9/hook', secretEnv: 'AEGIS_TEST_MISSING_SECRET', types: ['scale_up'] },
        ],
      },
    });
    await expect(
      buildController(bad, { warehouse: wh, bus: nats.bus, logger, catalog: () => catalog, env: {}, schedule: false }),
    ).rejects.toThrow(ConfigError);
  });
});
