import 'reflect-metadata';
import { type ExecutionResult, type GraphQLSchema, graphql, parse, subscribe } from 'graphql';
import { buildSchema, type PubSub } from 'type-graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authChecker } from '../../api/auth/index.ts';
import type { ApiPrincipal } from '../../api/auth/permissions.ts';
import type { ApiContext, ApiServices } from '../../api/context.ts';
import { CONTROL_RESOLVERS } from '../../api/schema/control/index.ts';
import { buildController } from '../../control/components.ts';
import type { Controller } from '../../control/controller.ts';
import { createSimulatorExecutor } from '../../control/executors/simulator.ts';
import { aegisConfigSchema } from '../../core/config/index.ts';
import { silentLogger } from '../../core/logger.ts';
import { simulatedPlatformConfig } from '../../ingest/components.ts';
import { createPlatform } from '../../ingest/simulator/index.ts';
import { type Catalog, loadCatalog } from '../../scoring/catalog/index.ts';
import { startTestNats, startTestWarehouse, tempDir } from '../harness/index.ts';

const key = (name: string, role: ApiPrincipal['role'], team: string | null = null): ApiPrincipal => ({
  keyId: `ak_${name}_${role}`,
  name,
  role,
  team,
});

/** type-graphql wants a PubSub once a `@Subscription` exists; ours bring their own `subscribe`. */
const NO_TOPICS: PubSub = {
  publish() {
    throw new Error('no topics');
  },
  subscribe() {
    throw new Error('no topics');
  },
};

// biome-ignore lint/suspicious/noExplicitAny: GraphQL results are checked by shape
type Data = Record<string, any>;

describe('GraphQL control API on a real controller', () => {
  let nats: Awaited<ReturnType<typeof startTestNats>>;
  let store: Awaited<ReturnType<typeof startTestWarehouse>>;
  const dir = tempDir('aegis-api-control-');
  let controller: Controller;
  let catalog: Catalog;
  let schema: GraphQLSchema;
  let services: ApiServices;
  let resourceId: string;
  let team: string;
  let owner: string;
  let colleague: string;

  const ctx = (principal: ApiPrincipal | null): ApiContext => ({
    requestId: 'req-test',
    principal,
    services,
    loaders: new Map(),
  });

  async function run(principal: ApiPrincipal, source: string, variables?: Record<string, unknown>) {
    return graphql({ schema, source, variableValues: variables ?? null, contextValue: ctx(principal) });
  }
  /** Runs an operation that must succeed; its data. */
  async function ok(principal: ApiPrincipal, source: string, variables?: Record<string, unknown>): Promise<Data> {
    const r = await run(principal, source, variables);
    if (r.errors?.length) throw new Error(`${r.errors[0]!.message} (${JSON.stringify(r.errors[0]!.path)})`);
    return r.data as Data;
  }
  /** The code of the AegisError an operation failed with. */
  async function failCode(principal: ApiPrincipal, source: string, variables?: Record<string, unknown>) {
    const r = await run(principal, source, variables);
    expect(r.errors?.length).toBeGreaterThan(0);
    return (r.errors![0]!.originalError as { code?: string } | undefined)?.code;
  }

  const PROPOSE = `mutation($input: ProposeActionInput!) {
    proposeAction(input: $input) { auditRecordId action { id state team decision { effect policyHash matched { id effect } }
      approval { authorities { id kind members quorum } humanRequired problems } } } }`;
  const proposeIdle = (principal: ApiPrincipal, reason = 'idle for a week') =>
    ok(principal, PROPOSE, { input: { type: 'stop_idle', target: { resourceId }, reason } });

  beforeAll(async () => {
    nats = await startTestNats();
    store = await startTestWarehouse();
    const config = aegisConfigSchema.parse({
      dataDir: dir.path,
      control: { approvals: { roles: { security: ['sam'] } } },
    });
    catalog = loadCatalog('./catalog');
    const platform = createPlatform(simulatedPlatformConfig(config));
    const logger = silentLogger();
    controller = await buildController(config, {
      warehouse: store.warehouse,
      bus: nats.bus,
      logger,
      catalog: () => catalog,
      schedule: false,
      simulator: createSimulatorExecutor({ platform }),
    });
    await controller.start();
    services = {
      config,
      warehouse: store.warehouse,
      bus: nats.bus,
      controller,
      catalog: () => catalog,
      logger,
      clock: Date.now,
    };
    schema = await buildSchema({
      resolvers: CONTROL_RESOLVERS as never,
      authChecker,
      pubSub: NO_TOPICS,
      validate: false,
    });
    const resource = catalog.resources.find(
      (r) =>
        (r.type === 'vm' || r.type === 'k8s-node') &&
        r.service !== null &&
        catalog.serviceByName(r.service)?.tier !== 'tier-1' &&
        (catalog.teamOf(r.service)?.members.length ?? 0) >= 2,
    )!;
    resourceId = resource.id;
    team = resource.owner;
    [owner, colleague] = catalog.teamOf(resource.service!)!.members as [string, string];
  }, 120_000);

  afterAll(async () => {
    await controller?.stop();
    await store?.stop();
    await nats?.stop();
    dir.remove();
  });

  it('proposes, approves as another person, executes: succeeded, with an audit trail that verifies', async () => {
    const proposed = (await proposeIdle(key(owner, 'operator', team))).proposeAction;
    expect(proposed.action).toMatchObject({
      state: 'pending_approval',
      team,
      decision: { effect: 'require_approval' },
    });
    expect(proposed.action.approval.authorities[0]).toMatchObject({ kind: 'team', quorum: 1 });
    const id = proposed.action.id as string;

    const approved = await ok(
      key(colleague, 'approver', team),
      `mutation($id: String!) { approveAction(id: $id, comment: "fine") { auditRecordId action { state votes { voterId decision comment } } } }`,
      { id },
    );
    expect(approved.approveAction.action).toMatchObject({
      state: 'approved',
      votes: [{ voterId: colleague, decision: 'approve', comment: 'fine' }],
    });

    const executed = await ok(
      key(owner, 'operator', team),
      `mutation($id: String!) { executeAction(id: $id) { auditRecordId action { state dryRun { ok } result { ok summary undoable }
        steps { seq event state actor auditSeq data } lastAuditSeq } } }`,
      { id },
    );
    const { action, auditRecordId } = executed.executeAction;
    expect(action.state).toBe('succeeded');
    expect(action.dryRun.ok).toBe(true);
    expect(action.result).toMatchObject({ ok: true, undoable: true });
    expect(action.steps.map((s: Data) => s.event)).toEqual([
      'proposed',
      'decided',
      'vote',
      'dry_run',
      'started',
      'succeeded',
    ]);
    expect(auditRecordId).toBe(action.steps.at(-1).auditSeq);

    const audit = await ok(
      key('auditor', 'analyst'),
      `query($from: Int) { auditRecords(fromSeq: $from, first: 1) { nodes { seq kind subject actor payload } } }`,
      { from: auditRecordId },
    );
    expect(audit.auditRecords.nodes[0]).toMatchObject({
      seq: auditRecordId,
      kind: 'execution.result',
      subject: id,
      payload: { event: 'succeeded', state: 'succeeded' },
    });
    const integrity = await ok(key('auditor', 'analyst'), '{ auditIntegrity { ok records headSeq trustedKeys } }');
    expect(integrity.auditIntegrity).toMatchObject({ ok: true, headSeq: auditRecordId, trustedKeys: 1 });
    expect(integrity.auditIntegrity.records).toBe(auditRecordId);

    const read = await ok(
      key('viewer', 'analyst'),
      `query($id: String!) { action(id: $id) { id state steps { event } } actions(first: 5) { nodes { id } pageInfo { hasNextPage } } }`,
      { id },
    );
    expect(read.action.state).toBe('succeeded');
    expect(read.actions.nodes.map((n: Data) => n.id)).toContain(id);
  });

  it('refuses self-approval as FORBIDDEN (PolicyDeniedError) and a real execution without `execute`', async () => {
    const { proposeAction } = await proposeIdle(key(owner, 'operator', team), 'again');
    const id = proposeAction.action.id;
    expect(
      await failCode(key(owner, 'admin'), 'mutation($id: String!) { approveAction(id: $id) { auditRecordId } }', {
        id,
      }),
    ).toBe('POLICY_DENIED');
    expect(
      await failCode(key('bot', 'agent'), 'mutation($id: String!) { executeAction(id: $id) { auditRecordId } }', {
        id,
      }),
    ).toBe('POLICY_DENIED');
    // A dry run needs only `propose` (the first test stopped this resource already: the preview says so).
    const dry = await ok(
      key('bot', 'agent'),
      'mutation($id: String!) { executeAction(id: $id, dryRun: true) { auditRecordId action { state dryRun { ok summary } } } }',
      { id },
    );
    expect(dry.executeAction.action).toMatchObject({
      state: 'pending_approval',
      dryRun: { summary: expect.any(String) },
    });
    const cancelled = await ok(
      key(owner, 'operator', team),
      'mutation($id: String!) { cancelAction(id: $id, reason: "not now") { action { state } } }',
      { id },
    );
    expect(cancelled.cancelAction.action.state).toBe('cancelled');
  });

  it("keeps a team-scoped key to its team: another team's action is NOT_FOUND to read and FORBIDDEN to act on", async () => {
    const { proposeAction } = await proposeIdle(key(owner, 'operator', team), 'scope');
    const id = proposeAction.action.id;
    const otherTeam = catalog.teams.map((t) => t.name).find((t) => t !== team)!;
    const outsider = key('mallory', 'admin', otherTeam);
    expect(await failCode(outsider, 'query($id: String!) { action(id: $id) { id } }', { id })).toBe('NOT_FOUND');
    expect(
      await failCode(outsider, 'mutation($id: String!) { approveAction(id: $id) { auditRecordId } }', { id }),
    ).toBe('POLICY_DENIED');
    expect(
      await failCode(outsider, PROPOSE, { input: { type: 'stop_idle', target: { resourceId }, reason: 'x' } }),
    ).toBe('POLICY_DENIED');
    const listed = await ok(outsider, '{ actions(first: 100) { nodes { id team } } }');
    expect(listed.actions.nodes).toEqual([]);
    const audit = await ok(outsider, '{ auditRecords(first: 100) { nodes { seq } } }');
    expect(audit.auditRecords.nodes).toEqual([]);
    // Its own team sees it.
    const mine = await ok(key('reader', 'analyst', team), '{ actions(first: 100) { nodes { id team } } }');
    expect(mine.actions.nodes.map((n: Data) => n.id)).toContain(id);
    expect(new Set(mine.actions.nodes.map((n: Data) => n.team))).toEqual(new Set([team]));
  });

  it('lists the policy set in force', async () => {
    const { policies } = await ok(
      key('reader', 'analyst'),
      '{ policies { hash defaultEffect files rules { id set effect source } } }',
    );
    expect(policies.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(policies.rules.length).toBeGreaterThan(0);
    expect(policies.rules[0].source).toMatch(/:\d+:\d+$/);
  });

  /** Subscribes as `principal`; the iterator of results. */
  async function sub(principal: ApiPrincipal, source: string, variables?: Record<string, unknown>) {
    const result = await subscribe({
      schema,
      document: parse(source),
      variableValues: variables ?? null,
      contextValue: ctx(principal),
    });
    if (!(Symbol.asyncIterator in result)) throw new Error(JSON.stringify(result.errors));
    return result as AsyncGenerator<ExecutionResult<Data>>;
  }
  /** The next `n` results, failing after `timeoutMs`. */
  async function take(it: AsyncGenerator<ExecutionResult<Data>>, n: number, timeoutMs = 5000) {
    const out: Data[] = [];
    while (out.length < n) {
      const r = await Promise.race([
        it.next(),
        new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), timeoutMs)),
      ]);
      if (r === 'timeout') throw new Error(`only ${out.length} of ${n} events within ${timeoutMs} ms`);
      if (r.done) break;
      if (r.value.errors?.length) throw new Error(r.value.errors[0]!.message);
      out.push(r.value.data!);
    }
    return out;
  }

  it('delivers action updates, and resumes after a cursor with exactly the events missed', async () => {
    const watcher = key('watcher', 'analyst', team);
    const { proposeAction } = await proposeIdle(key(owner, 'operator', team), 'subscribe');
    const id = proposeAction.action.id;
    const SUB = `subscription($id: String, $after: String) { actionUpdated(id: $id, after: $after) {
      cursor actionId seq event state auditSeq action { id state } } }`;

    const live = await sub(watcher, SUB, { id });
    await ok(key(colleague, 'approver', team), 'mutation($id: String!) { approveAction(id: $id) { auditRecordId } }', {
      id,
    });
    const [vote] = await take(live, 1);
    expect(vote!.actionUpdated).toMatchObject({ actionId: id, seq: 3, event: 'vote', state: 'approved' });
    expect(vote!.actionUpdated.action.id).toBe(id);
    const cursor = vote!.actionUpdated.cursor as string;
    await live.return(undefined);

    // Missed while disconnected.
    await ok(key(owner, 'operator', team), 'mutation($id: String!) { executeAction(id: $id) { auditRecordId } }', {
      id,
    });
    const { action } = await ok(watcher, 'query($id: String!) { action(id: $id) { steps { seq event auditSeq } } }', {
      id,
    });
    const missed = action.steps.filter((s: Data) => s.seq > 3);
    expect(missed.length).toBeGreaterThan(0);

    const resumed = await sub(watcher, SUB, { id, after: cursor });
    const replayed = await take(resumed, missed.length);
    expect(replayed.map((r) => [r.actionUpdated.seq, r.actionUpdated.event, r.actionUpdated.auditSeq])).toEqual(
      missed.map((s: Data) => [s.seq, s.event, s.auditSeq]),
    );
    // Nothing more: no duplicate, nothing from before the cursor.
    await expect(take(resumed, 1, 700)).rejects.toThrow(/only 0 of 1/);
    await resumed.return(undefined);

    // Every action the key may see, from the same cursor: the same events (the only ones since).
    const all = await sub(watcher, SUB, { after: cursor });
    expect((await take(all, missed.length)).map((r) => r.actionUpdated.actionId)).toEqual(missed.map(() => id));
    await all.return(undefined);
  });

  it("refuses to follow another team's action", async () => {
    const { proposeAction } = await proposeIdle(key(owner, 'operator', team), 'private');
    const otherTeam = catalog.teams.map((t) => t.name).find((t) => t !== team)!;
    const result = await subscribe({
      schema,
      document: parse('subscription($id: String) { actionUpdated(id: $id) { cursor } }'),
      variableValues: { id: proposeAction.action.id },
      contextValue: ctx(key('eve', 'analyst', otherTeam)),
    });
    expect(Symbol.asyncIterator in result).toBe(false);
    expect(((result as ExecutionResult).errors![0]!.originalError as { code?: string }).code).toBe('NOT_FOUND');
  });

  it('streams audit records and new recommendations, filtered by team', async () => {
    const audit = await sub(
      key('auditor', 'analyst'),
      'subscription { auditAppended { cursor record { seq kind subject } } }',
    );
    const recs = await sub(
      key('agent-1', 'agent'),
      `subscription($f: RecommendationEventFilter) { recommendationCreated(filter: $f) { cursor eventType
        recommendation { id type status team impactUsdMonth } } }`,
      { f: { type: 'STOP_IDLE', team } },
    );
    const { proposeAction } = await proposeIdle(key(owner, 'operator', team), 'audit stream');
    const records = await take(audit, 2);
    expect(records.map((r) => r.auditAppended.record.kind)).toEqual(['action.proposed', 'policy.decided']);
    expect(records[1]!.auditAppended.record.seq).toBe(proposeAction.auditRecordId);
    await audit.return(undefined);

    const publish = (id: string, recTeam: string, type = 'aegis.recommendation.created') =>
      nats.bus.publish(
        'aegis.recommendations.stop_idle',
        JSON.stringify({
          specversion: '1.0',
          id: `${id}.1`,
          source: 'test',
          type,
          time: new Date().toISOString(),
          data: {
            id,
            version: 1,
            insight_id: 'ins-x',
            type: 'stop_idle',
            status: 'open',
            subject: resourceId,
            service: 'svc',
            team: recTeam,
            title: 't',
            rationale: 'r',
            impact_usd_month: 120,
            impact_risk: '',
            confidence: 0.9,
            held_reason: '',
            evidence: [],
            created_at: Date.now(),
            updated_at: Date.now(),
          },
        }),
      );
    await publish('rec-other', 'someone-else');
    await publish('rec-updated', team, 'aegis.recommendation.updated');
    await publish('rec-mine', team);
    const [created] = await take(recs, 1);
    expect(created!.recommendationCreated).toMatchObject({
      eventType: 'aegis.recommendation.created',
      recommendation: { id: 'rec-mine', type: 'STOP_IDLE', team, impactUsdMonth: 120 },
    });
    expect(created!.recommendationCreated.cursor).toMatch(/^\d+$/);
    await recs.return(undefined);
  });

  it('streams new insights of one severity to a team-scoped key, its own team only', async () => {
    const otherTeam = catalog.teams.map((t) => t.name).find((t) => t !== team)!;
    const insights = await sub(
      key('oncall', 'analyst', team),
      `subscription($f: InsightEventFilter) { insightCreated(filter: $f) { cursor eventType insight { id severity team status } } }`,
      { f: { severity: 'CRITICAL' } },
    );
    const publish = (id: string, severity: string, insightTeam: string) =>
      nats.bus.publish(
        `aegis.insights.${severity}`,
        JSON.stringify({
          specversion: '1.0',
          id: `${id}.1`,
          source: 'test',
          type: 'aegis.insight.opened',
          time: new Date().toISOString(),
          data: {
            id,
            version: 1,
            kind: 'slo_burn',
            severity,
            status: 'open',
            subject: 'slo',
            service: 'svc',
            team: insightTeam,
            title: 't',
            summary: '',
            score: 0.9,
            evidence: [],
            started_at: Date.now(),
            opened_at: Date.now(),
            updated_at: Date.now(),
            resolved_at: null,
          },
        }),
      );
    await publish('ins-warn', 'warning', team);
    await publish('ins-theirs', 'critical', otherTeam);
    await publish('ins-mine', 'critical', team);
    const [got] = await take(insights, 1);
    expect(got!.insightCreated).toMatchObject({
      eventType: 'aegis.insight.opened',
      insight: { id: 'ins-mine', severity: 'CRITICAL', team, status: 'OPEN' },
    });
    await insights.return(undefined);
  });

  it('acknowledges an insight and dismisses a recommendation: a new row version, an audit record, an event', async () => {
    const at = Date.now();
    const row = (table: string, values: Record<string, unknown>) =>
      store.warehouse.insert(table, Buffer.from(`${JSON.stringify(values)}\n`));
    await row('insights', {
      id: 'ins-api',
      version: 1,
      kind: 'idle_resource',
      severity: 'warning',
      status: 'open',
      subject: resourceId,
      service: 'svc',
      team,
      title: 'Idle',
      summary: '',
      score: 0.7,
      evidence: '[]',
      started_at: at,
      opened_at: at,
      updated_at: at,
      resolved_at: null,
    });
    await row('recommendations', {
      id: 'rec-api',
      version: 1,
      insight_id: 'ins-api',
      type: 'stop_idle',
      status: 'open',
      subject: resourceId,
      service: 'svc',
      team,
      title: 'Stop it',
      rationale: 'idle',
      impact_usd_month: 50,
      impact_risk: '',
      confidence: 0.8,
      held_reason: '',
      evidence: '[]',
      created_at: at,
      updated_at: at,
    });
    const otherTeam = catalog.teams.map((t) => t.name).find((t) => t !== team)!;
    expect(
      await failCode(
        key('x', 'analyst', otherTeam),
        'mutation { acknowledgeInsight(id: "ins-api") { auditRecordId } }',
      ),
    ).toBe('POLICY_DENIED');
    expect(await failCode(key('x', 'analyst'), 'mutation { acknowledgeInsight(id: "nope") { auditRecordId } }')).toBe(
      'NOT_FOUND',
    );

    const triager = key('tina', 'analyst', team);
    const ack = await ok(
      triager,
      'mutation { acknowledgeInsight(id: "ins-api") { auditRecordId insight { id status } } }',
    );
    expect(ack.acknowledgeInsight.insight).toEqual({ id: 'ins-api', status: 'ACKNOWLEDGED' });
    const again = await ok(triager, 'mutation { acknowledgeInsight(id: "ins-api") { auditRecordId } }');
    expect(again.acknowledgeInsight.auditRecordId).toBe(ack.acknowledgeInsight.auditRecordId);

    const dismissed = await ok(
      triager,
      'mutation { dismissRecommendation(id: "rec-api", reason: "planned migration") { auditRecordId recommendation { status } } }',
    );
    expect(dismissed.dismissRecommendation.recommendation.status).toBe('DISMISSED');
    expect(
      await failCode(triager, 'mutation { dismissRecommendation(id: "rec-api", reason: "again") { auditRecordId } }'),
    ).toBe('INPUT_INVALID');

    const [ins] = await store.warehouse.query<{ version: number; status: string }>(
      "SELECT version, status FROM insights FINAL WHERE id = 'ins-api'",
    );
    expect({ ...ins, version: Number(ins!.version) }).toEqual({ version: 2, status: 'acknowledged' });
    const [rec] = await store.warehouse.query<{ version: number; status: string }>(
      "SELECT version, status FROM recommendations FINAL WHERE id = 'rec-api'",
    );
    expect({ ...rec, version: Number(rec!.version) }).toEqual({ version: 2, status: 'dismissed' });

    const audit = await ok(
      key('auditor', 'analyst'),
      'query($from: Int) { auditRecords(fromSeq: $from, first: 1) { nodes { seq actor subject payload } } }',
      { from: dismissed.dismissRecommendation.auditRecordId },
    );
    expect(audit.auditRecords.nodes[0]).toMatchObject({
      actor: 'user:tina',
      subject: 'rec-api',
      payload: { event: 'recommendation.dismissed', reason: 'planned migration', team },
    });
    const events = await nats.bus.read('EVENTS', 10_000);
    const types = events
      .filter((m) => m.subject === 'aegis.insights.warning' || m.subject === 'aegis.recommendations.stop_idle')
      .map((m) => (JSON.parse(new TextDecoder().decode(m.data)) as { type: string; id: string }).id);
    expect(types).toEqual(expect.arrayContaining(['ins-api.2', 'rec-api.2']));
    const integrity = await controller.audit.head();
    expect(integrity?.seq).toBeGreaterThanOrEqual(dismissed.dismissRecommendation.auditRecordId);
  });
});
