import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiKeyStore, createApiKeyStore } from '../../api/auth/index.ts';
import { type Permission, ROLE_PERMISSIONS, ROLES, type Role } from '../../api/auth/permissions.ts';
import { buildApi } from '../../api/components.ts';
import type { ApiServer } from '../../api/server.ts';
import type { Actor } from '../../control/actions/proposal.ts';
import { buildController } from '../../control/components.ts';
import type { Controller } from '../../control/controller.ts';
import { createSimulatorExecutor } from '../../control/executors/simulator.ts';
import { aegisConfigSchema } from '../../core/config/index.ts';
import { silentLogger } from '../../core/logger.ts';
import { createMetricsRegistry } from '../../core/metrics.ts';
import { toJsonEachRow } from '../../core/warehouse/index.ts';
import { simulatedPlatformConfig } from '../../ingest/components.ts';
import { createPlatform } from '../../ingest/simulator/index.ts';
import { type Catalog, loadCatalog } from '../../scoring/catalog/index.ts';
import { type GqlResponse, postGraphql } from '../harness/graphql.ts';
import { startTestNats, startTestWarehouse, tempDir } from '../harness/index.ts';

/** Whose key: every team (null), the team that owns the objects acted on, or another team. */
type Scope = 'unscoped' | 'own team' | 'other team';
const SCOPES: readonly Scope[] = ['unscoped', 'own team', 'other team'];
/** What a request came to: done and the object in sight, done with the object left out of a list, or the
 *  error code it was refused with. */
type Outcome = 'OK' | 'HIDDEN' | 'NOT_FOUND' | 'FORBIDDEN' | 'UNAUTHENTICATED' | string;

// biome-ignore lint/suspicious/noExplicitAny: GraphQL results are checked by shape
type Data = Record<string, any>;

/** The fixtures of one cell: objects of the owning team, fresh for each cell that may change them. */
interface Cell {
  role: Role | null;
  scope: Scope;
  /** A pending_approval action for each operation that may move one, and an approved one. */
  pending: Record<'approve' | 'reject' | 'dryRun' | 'cancel', string>;
  approved: string;
  /** An open insight, an open recommendation, a live key. */
  insight: string;
  recommendation: string;
  keyId: string;
}

/** What an operation needs: permissions (all of them), or an admin key of every team (API keys are not
 *  team-owned: a team-scoped admin may not manage them). */
type Needs = readonly Permission[] | 'admin';

interface Operation {
  name: string;
  needs: Needs;
  /** `act`: another team's object is FORBIDDEN; `one`: NOT_FOUND; `list`: left out; `global`: not team-owned. */
  kind: 'act' | 'one' | 'list' | 'global';
  query: string;
  variables: (cell: Cell) => Record<string, unknown>;
  /** For lists: whether the owning team's object is in the answer. */
  sees?: (data: Data) => boolean;
  /** For mutations: whether the answer shows the change made (else the outcome is NO_EFFECT). */
  effect?: (data: Data) => boolean;
  /** For mutations: whether the cell's object is as it was made (checked after a refusal). */
  untouched?: (cell: Cell) => Promise<boolean>;
}

const has = (role: Role, scope: Scope, needs: Needs) =>
  needs === 'admin' ? role === 'admin' && scope === 'unscoped' : needs.every((p) => ROLE_PERMISSIONS[role].includes(p));

/** The outcome permissions.ts and the scope rules call for. */
function expected(role: Role | null, scope: Scope, op: Operation): Outcome {
  if (role === null) return 'UNAUTHENTICATED';
  if (!has(role, scope, op.needs)) return 'FORBIDDEN';
  if (scope !== 'other team' || op.kind === 'global') return 'OK';
  return op.kind === 'act' ? 'FORBIDDEN' : op.kind === 'one' ? 'NOT_FOUND' : 'HIDDEN';
}

/** Every role and scope against every mutation and sensitive read, over real HTTP against one API server
 *  on real NATS, the embedded ClickHouse engine and the controller. The expected outcome of each cell comes
 *  from ROLE_PERMISSIONS and the scope rule (another team's object: NOT_FOUND to read, FORBIDDEN to act). */
describe('API authorization matrix', () => {
  let nats: Awaited<ReturnType<typeof startTestNats>>;
  let store: Awaited<ReturnType<typeof startTestWarehouse>>;
  const dir = tempDir('aegis-api-authz-');
  let controller: Controller;
  let server: ApiServer;
  let keys: ApiKeyStore;
  let catalog: Catalog;
  let team: string;
  let otherTeam: string;
  /** A non-tier-1 service of `team`, and two of its members. */
  let service: string;
  let proposer: string;
  let member: string;
  /** The objects the reads look for. */
  const seen = { action: '', actionAuditSeq: 0, insight: 'authz-read-insight', recommendation: 'authz-read-rec' };
  let adminKeyId = '';
  const tokens = new Map<string, string>();
  const tokenOf = (role: Role, scope: Scope) => tokens.get(`${role}/${scope}`)!;

  const post = (token: string | null, query: string, variables?: Record<string, unknown>) =>
    postGraphql(server.url, query, { token, variables });

  /** The action has exactly the events it was made with (proposed, decided[, vote]). */
  const eventCount = async (id: string, n: number) => (await controller.actions.get(id)).events.length === n;
  /** The row is at its first version: no triage wrote a new one. */
  const firstVersion = async (table: 'insights' | 'recommendations', id: string) => {
    const [row] = await store.warehouse.query<{ version: number }>(
      `SELECT version FROM ${table} FINAL WHERE id = {id:String}`,
      { id },
    );
    return Number(row?.version) === 1;
  };

  const OPERATIONS: Operation[] = [
    // Mutations.
    {
      name: 'proposeAction',
      needs: ['propose'],
      kind: 'act',
      query: `mutation($input: ProposeActionInput!) { proposeAction(input: $input) { auditRecordId action { id } } }`,
      variables: () => ({
        input: { type: 'scale_up', target: { service }, params: { factor: 2 }, reason: 'authz matrix' },
      }),
      effect: (d) => typeof d.proposeAction.action.id === 'string',
    },
    {
      name: 'approveAction',
      needs: ['approve'],
      kind: 'act',
      query: 'mutation($id: String!) { approveAction(id: $id) { auditRecordId action { state } } }',
      variables: (c) => ({ id: c.pending.approve }),
      effect: (d) => d.approveAction.action.state === 'approved',
      untouched: (c) => eventCount(c.pending.approve, 2),
    },
    {
      name: 'rejectAction',
      needs: ['approve'],
      kind: 'act',
      query: 'mutation($id: String!) { rejectAction(id: $id, reason: "no") { auditRecordId action { state } } }',
      variables: (c) => ({ id: c.pending.reject }),
      effect: (d) => d.rejectAction.action.state === 'denied',
      untouched: (c) => eventCount(c.pending.reject, 2),
    },
    {
      name: 'executeAction(dryRun: false)',
      needs: ['propose', 'execute'],
      kind: 'act',
      query: 'mutation($id: String!) { executeAction(id: $id, dryRun: false) { auditRecordId action { state } } }',
      variables: (c) => ({ id: c.approved }),
      effect: (d) => d.executeAction.action.state === 'succeeded',
      untouched: (c) => eventCount(c.approved, 3),
    },
    {
      name: 'executeAction(dryRun: true)',
      needs: ['propose'],
      kind: 'act',
      query:
        'mutation($id: String!) { executeAction(id: $id, dryRun: true) { auditRecordId action { state dryRun { ok } } } }',
      variables: (c) => ({ id: c.pending.dryRun }),
      effect: (d) => d.executeAction.action.state === 'pending_approval' && d.executeAction.action.dryRun.ok,
      untouched: (c) => eventCount(c.pending.dryRun, 2),
    },
    {
      name: 'cancelAction',
      needs: ['execute'],
      kind: 'act',
      query: 'mutation($id: String!) { cancelAction(id: $id, reason: "no") { auditRecordId action { state } } }',
      variables: (c) => ({ id: c.pending.cancel }),
      effect: (d) => d.cancelAction.action.state === 'cancelled',
      untouched: (c) => eventCount(c.pending.cancel, 2),
    },
    {
      name: 'acknowledgeInsight',
      needs: ['triage'],
      kind: 'act',
      query: 'mutation($id: String!) { acknowledgeInsight(id: $id) { auditRecordId insight { status } } }',
      variables: (c) => ({ id: c.insight }),
      effect: (d) => d.acknowledgeInsight.insight.status === 'ACKNOWLEDGED',
      untouched: (c) => firstVersion('insights', c.insight),
    },
    {
      name: 'dismissRecommendation',
      needs: ['triage'],
      kind: 'act',
      query:
        'mutation($id: String!) { dismissRecommendation(id: $id, reason: "no") { auditRecordId recommendation { status } } }',
      variables: (c) => ({ id: c.recommendation }),
      effect: (d) => d.dismissRecommendation.recommendation.status === 'DISMISSED',
      untouched: (c) => firstVersion('recommendations', c.recommendation),
    },
    {
      name: 'createApiKey',
      needs: 'admin',
      kind: 'act',
      query: 'mutation($team: String) { createApiKey(name: "made", role: VIEWER, team: $team) { keyId } }',
      variables: () => ({ team }),
      effect: (d) => /^ak_/.test(d.createApiKey.keyId),
    },
    {
      name: 'revokeApiKey',
      needs: 'admin',
      kind: 'act',
      query: 'mutation($id: String!) { revokeApiKey(keyId: $id) { keyId revokedAt } }',
      variables: (c) => ({ id: c.keyId }),
      effect: (d) => d.revokeApiKey.revokedAt !== null,
      untouched: async (c) => (await keys.get(c.keyId))?.revokedAt === null,
    },
    // Sensitive reads.
    {
      name: 'actions',
      needs: ['read:control'],
      kind: 'list',
      query: '{ actions(first: 100, filter: { type: "stop_idle" }) { nodes { id } } }',
      variables: () => ({}),
      sees: (d) => d.actions.nodes.some((n: Data) => n.id === seen.action),
    },
    {
      name: 'action',
      needs: ['read:control'],
      kind: 'one',
      query: 'query($id: String!) { action(id: $id) { id state } }',
      variables: () => ({ id: seen.action }),
    },
    {
      name: 'auditRecords',
      needs: ['read:control'],
      kind: 'list',
      query: 'query($from: Int) { auditRecords(fromSeq: $from, first: 5) { nodes { seq subject } } }',
      variables: () => ({ from: seen.actionAuditSeq }),
      sees: (d) => d.auditRecords.nodes.some((n: Data) => n.seq === seen.actionAuditSeq),
    },
    {
      name: 'auditIntegrity',
      needs: ['read:control'],
      kind: 'global',
      query: '{ auditIntegrity { ok } }',
      variables: () => ({}),
    },
    {
      name: 'policies',
      needs: ['read:control'],
      kind: 'global',
      query: '{ policies { hash rules { id } } }',
      variables: () => ({}),
    },
    {
      name: 'apiKeys',
      needs: 'admin',
      kind: 'list',
      query: '{ apiKeys(first: 100) { nodes { keyId team } } }',
      variables: () => ({}),
      sees: (d) => d.apiKeys.nodes.some((n: Data) => n.team === team),
    },
    {
      name: 'insights',
      needs: ['read'],
      kind: 'list',
      query: '{ insights(first: 100, filter: { kind: SLO_BURN }) { nodes { id } } }',
      variables: () => ({}),
      sees: (d) => d.insights.nodes.some((n: Data) => n.id === seen.insight),
    },
    {
      name: 'recommendations',
      needs: ['read'],
      kind: 'list',
      query: '{ recommendations(first: 100, filter: { type: SCALE_UP }) { nodes { id } } }',
      variables: () => ({}),
      sees: (d) => d.recommendations.nodes.some((n: Data) => n.id === seen.recommendation),
    },
    {
      name: 'services',
      needs: ['read'],
      kind: 'list',
      query: '{ services(first: 100) { nodes { name } } }',
      variables: () => ({}),
      sees: (d) => d.services.nodes.some((n: Data) => n.name === service),
    },
    {
      name: 'platform',
      needs: ['read'],
      kind: 'global',
      query: '{ platform { name latestScores { dimension } } }',
      variables: () => ({}),
    },
  ];

  beforeAll(async () => {
    nats = await startTestNats();
    store = await startTestWarehouse();
    const config = aegisConfigSchema.parse({
      dataDir: dir.path,
      api: { port: 0, host: '127.0.0.1', rateLimitPointsPerMinute: 10_000_000 },
    });
    catalog = loadCatalog('./catalog');
    const logger = silentLogger();
    controller = await buildController(config, {
      warehouse: store.warehouse,
      bus: nats.bus,
      logger,
      catalog: () => catalog,
      schedule: false,
      simulator: createSimulatorExecutor({ platform: createPlatform(simulatedPlatformConfig(config)) }),
    });
    await controller.start();
    const api = await buildApi(config, {
      warehouse: store.warehouse,
      bus: nats.bus,
      controller,
      catalog: () => catalog,
      logger,
      metrics: createMetricsRegistry(),
      devAdminKey: true,
    });
    server = api.server;
    await server.start();
    keys = createApiKeyStore(store.warehouse, { cacheMs: 0 });
    adminKeyId = (await keys.authenticate(api.devKey!.token))!.keyId;

    // A team with two members and a service and an idle-able resource below tier 1 (a tier-1 owner needs two
    // approvals, and stopping a tier-1 production resource is denied).
    const resource = catalog.resources.find(
      (r) =>
        (r.type === 'vm' || r.type === 'k8s-node') &&
        r.service !== null &&
        catalog.serviceByName(r.service)?.tier !== 'tier-1' &&
        (catalog.teamOf(r.service)?.members.length ?? 0) >= 2,
    )!;
    team = resource.owner;
    service = resource.service!;
    [proposer, member] = catalog.teamOf(service)!.members as [string, string];
    otherTeam = catalog.teams.map((t) => t.name).find((t) => t !== team)!;

    for (const role of ROLES) {
      for (const scope of SCOPES) {
        const keyTeam = scope === 'unscoped' ? null : scope === 'own team' ? team : otherTeam;
        // Named after a member of the owning team, so that a vote it is allowed to cast counts.
        tokens.set(`${role}/${scope}`, (await keys.create({ name: member, role, team: keyTeam })).token);
      }
    }

    // What the reads look for: an action, an insight and a recommendation of the owning team.
    const fixtureActor: Actor = { id: proposer, kind: 'human', roles: [] };
    const read = await controller.actions.propose(
      { type: 'stop_idle', target: { resourceId: resource.id }, reason: 'authz reads' },
      fixtureActor,
    );
    seen.action = read.id;
    seen.actionAuditSeq = read.events[0]!.auditSeq;
    await keys.create({ name: 'team-key', role: 'viewer', team });
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    await controller?.stop();
    await store?.stop();
    await nats?.stop();
    dir.remove();
  });

  /** Fresh objects for one cell. */
  async function cellFixtures(role: Role | null, scope: Scope, n: number): Promise<Cell> {
    const actor: Actor = { id: proposer, kind: 'human', roles: [] };
    const proposal = { type: 'scale_up', target: { service }, params: { factor: 2 }, reason: `cell ${n}` };
    const pending = async () => (await controller.actions.propose(proposal, actor)).id;
    const approved = await controller.actions.propose(proposal, actor);
    await controller.actions.vote(approved.id, { id: member, kind: 'human', roles: [], teams: [team] }, 'approve');
    const key = await keys.create({ name: `cell-${n}`, role: 'viewer', team });
    return {
      role,
      scope,
      pending: { approve: await pending(), reject: await pending(), dryRun: await pending(), cancel: await pending() },
      approved: approved.id,
      insight: `authz-ins-${n}`,
      recommendation: `authz-rec-${n}`,
      keyId: key.key.keyId,
    };
  }

  /** Insight and recommendation rows of the owning team: one pair to read, one pair per cell to triage. */
  async function insertTriageRows(cells: number): Promise<void> {
    const at = Date.now();
    const insight = (id: string, kind: string) => ({
      id,
      version: 1,
      kind,
      severity: 'warning',
      status: 'open',
      subject: service,
      service,
      team,
      title: 'authz',
      summary: '',
      score: 0.5,
      evidence: '[]',
      started_at: at,
      opened_at: at,
      updated_at: at,
      resolved_at: null,
    });
    const recommendation = (id: string, insightId: string, type: string) => ({
      id,
      version: 1,
      insight_id: insightId,
      type,
      status: 'open',
      subject: service,
      service,
      team,
      title: 'authz',
      rationale: '',
      impact_usd_month: 0,
      impact_risk: '',
      confidence: 0.5,
      held_reason: '',
      evidence: '[]',
      created_at: at,
      updated_at: at,
    });
    const ids = Array.from({ length: cells }, (_, n) => n);
    await store.warehouse.insert(
      'insights',
      toJsonEachRow([
        insight(seen.insight, 'slo_burn'),
        ...ids.map((n) => insight(`authz-ins-${n}`, 'anomaly_cluster')),
      ]),
    );
    await store.warehouse.insert(
      'recommendations',
      toJsonEachRow([
        recommendation(seen.recommendation, seen.insight, 'scale_up'),
        ...ids.map((n) => recommendation(`authz-rec-${n}`, `authz-ins-${n}`, 'rightsize')),
      ]),
    );
  }

  /** What a response came to; every error checked to be clean on the way. */
  function outcomeOf(op: Operation, r: GqlResponse, problems: string[], where: string): Outcome {
    for (const e of r.errors ?? []) {
      if (typeof e.extensions?.code !== 'string') problems.push(`${where}: an error without extensions.code`);
      if (!e.extensions?.requestId) problems.push(`${where}: an error without extensions.requestId`);
      if ('stacktrace' in (e.extensions ?? {}) || /\n\s+at /.test(e.message))
        problems.push(`${where}: an error with a stack trace`);
    }
    if (/stacktrace|node_modules|\bat \S+ \(/.test(r.text)) problems.push(`${where}: the answer shows a stack trace`);
    if (r.errors?.length) return r.errors[0]!.extensions?.code ?? '(no code)';
    if (!r.data) return '(no data)';
    if (op.effect && !op.effect(r.data)) return 'NO_EFFECT';
    return op.sees && !op.sees(r.data) ? 'HIDDEN' : 'OK';
  }

  it('answers every role × scope × operation as permissions.ts and the scope rules say, and every error cleanly', async () => {
    const rows: { role: Role | null; scope: Scope }[] = [
      { role: null, scope: 'unscoped' },
      ...ROLES.flatMap((role) => SCOPES.map((scope) => ({ role, scope }))),
    ];
    await insertTriageRows(rows.length);
    const cells: Cell[] = [];
    for (const [n, row] of rows.entries()) cells.push(await cellFixtures(row.role, row.scope, n));

    const mismatches: string[] = [];
    const problems: string[] = [];
    let checked = 0;
    // Reads first, while every fixture is as made; then the mutations, each on its cell's own objects.
    const ordered = [...OPERATIONS.filter((o) => o.kind !== 'act'), ...OPERATIONS.filter((o) => o.kind === 'act')];
    for (const op of ordered) {
      for (const cell of cells) {
        const token = cell.role === null ? null : tokenOf(cell.role, cell.scope);
        const where = `${cell.role ?? 'no key'} × ${cell.scope} × ${op.name}`;
        const r = await post(token, op.query, op.variables(cell));
        const want = expected(cell.role, cell.scope, op);
        const got = outcomeOf(op, r, problems, where);
        checked++;
        if (want !== 'OK' && got !== 'OK' && op.untouched && !(await op.untouched(cell)))
          problems.push(`${where}: refused (${got}) but the object changed`);
        if (got !== want) {
          const detail = r.errors?.[0]?.message ? ` (${r.errors[0].message})` : '';
          mismatches.push(`${where}: expected ${want}, got ${got}${detail}`);
        }
      }
    }
    expect(checked).toBe(OPERATIONS.length * rows.length);
    expect({ mismatches, problems }).toEqual({ mismatches: [], problems: [] });
  }, 120_000);

  it('does not let a team-scoped admin manage API keys: it could otherwise mint itself a key of every team', async () => {
    const r = await post(
      tokenOf('admin', 'own team'),
      'mutation { createApiKey(name: "escape", role: ADMIN) { keyId key { team } } }',
    );
    expect(r.data).toBeNull();
    expect(r.errors?.[0]?.extensions).toEqual({ code: 'FORBIDDEN', requestId: expect.any(String) });
    expect(r.errors?.[0]?.message).toMatch(
      new RegExp(`limited to team ${team}: this needs an admin key of every team`),
    );
    expect((await keys.list({ limit: 1000 })).filter((k) => k.name === 'escape')).toEqual([]);
  });

  it('refuses a bad or revoked key with 401 UNAUTHENTICATED before any field runs', async () => {
    const { key, token } = await keys.create({ name: 'soon-revoked', role: 'admin', team: null });
    await keys.revoke(key.keyId);
    for (const bad of ['nonsense', token, `aegis_${adminKeyId}_${'A'.repeat(43)}`]) {
      const r = await post(bad, '{ policies { hash } }');
      expect(r.status).toBe(401);
      expect(r.errors?.[0]?.extensions).toEqual({ code: 'UNAUTHENTICATED', requestId: expect.any(String) });
    }
  });
});
