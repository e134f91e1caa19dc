import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createActionEventStore } from '../../control/actions/events.ts';
import { createPlatformState } from '../../control/actions/platform-state.ts';
import { type ActionService, createActionService } from '../../control/actions/service.ts';
import { parseApprovalsConfig } from '../../control/approvals/index.ts';
import { createAuditLog, generateAuditKey, trustedKeysOf, verifyAuditLog } from '../../control/audit/index.ts';
import { createPostConditions } from '../../control/execution/post-conditions.ts';
import { createExecutionRunner, type ExecutionRunner } from '../../control/execution/runner.ts';
import type { ExecutionRequest, ExecutionResult, Executor } from '../../control/executors/types.ts';
import { createInProcessLocks } from '../../control/locks.ts';
import { createPolicyStore } from '../../control/policy/index.ts';
import { aegisConfigSchema } from '../../core/config/index.ts';
import { silentLogger } from '../../core/logger.ts';
import type { Warehouse } from '../../core/warehouse/index.ts';
import { type Catalog, loadCatalog } from '../../scoring/catalog/index.ts';
import { startTestWarehouse, tempDir } from '../harness/index.ts';

/** An executor that acts on a map, keeps idempotency like a real one, and can be told to lose answers. */
function recordingExecutor() {
  const calls: ExecutionRequest[] = [];
  const done = new Map<string, ExecutionResult>();
  const applied: string[] = [];
  let loseAnswers = 0;
  const executor: Executor = {
    name: 'recording',
    supports: () => true,
    async run(req) {
      calls.push(req);
      let result = done.get(req.idempotencyKey);
      if (result) result = { ...result, replayed: true };
      else {
        if (req.mode !== 'dry_run') applied.push(`${req.mode}:${req.actionId}`);
        result = {
          ok: true,
          summary: `${req.mode} ${req.type} on ${req.target.name}`,
          details: {},
          ...(req.mode === 'execute' ? { undo: { previous: 1 } } : {}),
          replayed: false,
        };
        done.set(req.idempotencyKey, result);
      }
      if (loseAnswers > 0) {
        loseAnswers--;
        throw new Error('connection reset before the answer');
      }
      return result;
    },
  };
  return { executor, calls, applied, loseNextAnswers: (n: number) => (loseAnswers = n) };
}

const human = (id: string, team?: string) => ({ id, kind: 'human' as const, roles: [], ...(team ? { team } : {}) });
const voter = (id: string, extra: { roles?: string[]; teams?: string[]; kind?: 'human' | 'agent' } = {}) => ({
  id,
  kind: extra.kind ?? ('human' as const),
  roles: extra.roles ?? [],
  teams: extra.teams ?? [],
});

describe('actions: proposal, policy, approval, execution and audit', () => {
  let env: Awaited<ReturnType<typeof startTestWarehouse>>;
  let wh: Warehouse;
  let catalog: Catalog;
  let now = Date.UTC(2026, 10, 26, 12, 0, 0);
  const clock = () => now;
  const key = generateAuditKey();
  let actions: ActionService;
  let runner: ExecutionRunner;
  let rec: ReturnType<typeof recordingExecutor>;

  /** Proposes as dan of checkout and, when policy asks, approves as erin of checkout. */
  async function approved(proposal: Record<string, unknown>) {
    const view = await actions.propose(proposal, human('dan', 'checkout'));
    if (view.state === 'approved') return view;
    const voted = await actions.vote(view.id, voter('erin', { teams: ['checkout'] }), 'approve');
    expect(voted.state).toBe('approved');
    return voted;
  }

  const resourceOf = (service: string) => catalog.resources.find((r) => r.service === service)!.id;

  async function sloStatus(service: string, alert: 'none' | 'page', burn1h: number, atMs: number) {
    await wh.insert(
      'slo_status',
      Buffer.from(
        `${JSON.stringify({
          computed_at: atMs,
          pass_id: `p-${atMs}`,
          slo: `${service}-availability`,
          service,
          team: 'checkout',
          indicator: 'ratio',
          budgeting: 'Occurrences',
          target: 0.999,
          window_ms: 2_592_000_000,
          good: 999,
          total: 1000,
          attainment: 0.999,
          budget_remaining: 0.6,
          burn_rates: { '1h': burn1h },
          firing: alert === 'page' ? ['1h/5m'] : [],
          alert,
        })}\n`,
      ),
    );
  }

  beforeAll(async () => {
    env = await startTestWarehouse();
    wh = env.warehouse;
    catalog = loadCatalog('./catalog');
  });
  afterAll(async () => {
    await env.stop();
  });

  beforeEach(() => {
    const logger = silentLogger();
    const control = aegisConfigSchema.parse({ control: { execution: { verifyAfterMs: 60_000 } } }).control;
    const events = createActionEventStore(wh);
    const platform = createPlatformState(wh, clock);
    const locks = createInProcessLocks();
    const policy = createPolicyStore({ dir: './policies', defaultEffect: 'require_approval', logger, now: clock });
    rec = recordingExecutor();
    actions = createActionService({
      events,
      audit: createAuditLog({ warehouse: wh, key, logger, clock }),
      policy,
      catalog: () => catalog,
      platform,
      control,
      approvals: parseApprovalsConfig({
        roles: { security: ['sam'], finance: ['fiona'], 'platform-lead': ['lee'] },
      }),
      locks,
      clock,
      logger,
    });
    runner = createExecutionRunner({
      actions,
      events,
      platform,
      executors: [rec.executor],
      locks,
      postConditions: createPostConditions({ warehouse: wh, platform }),
      config: control.execution,
      clock,
      logger,
    });
  });

  it('refuses malformed proposals naming the field', async () => {
    const dan = human('dan', 'checkout');
    await expect(actions.propose({ type: 'reboot_world', target: { service: 'checkout-api' } }, dan)).rejects.toThrow(
      /unknown action type "reboot_world" \(known: scale_up, rightsize/,
    );
    await expect(actions.propose({ type: 'stop_idle', target: {} }, dan)).rejects.toThrow(
      /stop_idle acts on a resource: target.resourceId is required/,
    );
    await expect(
      actions.propose({ type: 'scale_up', target: { service: 'checkout-worker' }, params: { factor: 1e6 } }, dan),
    ).rejects.toThrow(/invalid params for scale_up: params.factor: must be <= 10/);
    await expect(
      actions.propose({ type: 'scale_up', target: { service: 'checkout-worker' }, params: { replicas: 3 } }, dan),
    ).rejects.toThrow(/params: Unrecognized key/);
    await expect(actions.propose({ type: 'scale_up', target: { service: 'nope' } }, dan)).rejects.toThrow(
      /target.service nope is not in the catalog/,
    );
    await expect(actions.propose('not an object', dan)).rejects.toThrow(/invalid proposal/);
  });

  it('runs an allowed action: decided by policy, executed after a dry run, every event attested', async () => {
    const view = await actions.propose(
      {
        type: 'scale_up',
        target: { service: 'checkout-worker' },
        params: { factor: 2 },
        reason: 'saturation forecast',
      },
      human('dan', 'checkout'),
    );
    expect(view.state).toBe('approved');
    expect(view.decision?.matched.map((m) => m.id)).toEqual(['allow-low-impact-by-owner']);
    expect(view.decision?.policyHash).toMatch(/^[0-9a-f]{64}$/);
    expect(view.impact.blastRadius).toBe(2);

    const done = await runner.execute(view.id, human('dan', 'checkout'));
    expect(done.state).toBe('succeeded');
    expect(done.events.map((e) => e.event)).toEqual(['proposed', 'decided', 'dry_run', 'started', 'succeeded']);
    expect(rec.calls.map((c) => `${c.mode}:${c.idempotencyKey}`)).toEqual([
      `dry_run:${view.id}:dry_run`,
      `execute:${view.id}:execute`,
    ]);

    const again = await actions.get(view.id);
    expect(again.state).toBe('succeeded');
    const attested = await wh.query<{ seq: number; kind: string; subject: string }>(
      'SELECT seq, kind, subject FROM audit_log WHERE seq IN {seqs:Array(UInt64)} ORDER BY seq',
      { seqs: again.events.map((e) => e.auditSeq) },
    );
    expect(attested.map((a) => a.kind)).toEqual([
      'action.proposed',
      'policy.decided',
      'execution.step',
      'execution.step',
      'execution.result',
    ]);
    expect(new Set(attested.map((a) => a.subject))).toEqual(new Set([view.id]));
    expect((await verifyAuditLog(wh, trustedKeysOf(key.publicKey))).ok).toBe(true);

    await expect(runner.execute(view.id, human('dan', 'checkout'))).rejects.toThrow(
      /is succeeded: only approved actions execute/,
    );
  });

  it('denies what policy denies, and a denied action goes nowhere', async () => {
    const view = await actions.propose(
      { type: 'stop_idle', target: { resourceId: resourceOf('checkout-api') } },
      human('dan', 'checkout'),
    );
    expect(view.state).toBe('denied');
    expect(view.decision?.matched.map((m) => m.id)).toContain('deny-stop-tier1-production');
    await expect(actions.cancel(view.id, human('dan'), 'changed my mind')).rejects.toThrow(
      /is denied, a final state: it cannot become cancelled/,
    );
  });

  it('routes access changes to security: no self-approval, no agent vote, a member approves', async () => {
    const view = await actions.propose(
      { type: 'revoke_access', target: { service: 'checkout-worker', principal: 'arn:aws:iam::1:user/old-ci' } },
      human('dan', 'checkout'),
    );
    expect(view.state).toBe('pending_approval');
    expect((view.approval as { authorities: { id: string }[] }).authorities.map((a) => a.id)).toEqual([
      'role:security',
    ]);
    await expect(actions.vote(view.id, voter('dan', { roles: ['security'] }), 'approve')).rejects.toMatchObject({
      code: 'POLICY_DENIED',
    });
    await expect(actions.vote(view.id, voter('erin', { teams: ['checkout'] }), 'approve')).rejects.toThrow();
    const approved = await actions.vote(view.id, voter('sam'), 'approve', 'stale CI user');
    expect(approved.state).toBe('approved');
    expect(approved.votes).toHaveLength(1);
    const kinds = await wh.query<{ kind: string }>('SELECT kind FROM audit_log WHERE seq = {s:UInt64}', {
      s: approved.lastAuditSeq,
    });
    expect(kinds[0]?.kind).toBe('approval.granted');
  });

  it("needs a human to approve an agent's action", async () => {
    const agent = { id: 'remediator', kind: 'agent' as const, roles: [], team: 'checkout' };
    const view = await actions.propose(
      { type: 'revoke_access', target: { service: 'checkout-worker', principal: 'arn:aws:iam::1:user/z' } },
      agent,
    );
    await expect(
      actions.vote(view.id, voter('bot', { kind: 'agent', roles: ['security'] }), 'approve'),
    ).rejects.toMatchObject({ code: 'POLICY_DENIED' });
    expect((await actions.vote(view.id, voter('sam'), 'approve')).state).toBe('approved');
  });

  it('a reject denies; pending approvals escalate, then expire', async () => {
    const proposer = human('dan', 'checkout');
    const a = await actions.propose(
      { type: 'enforce_mfa', target: { service: 'checkout-worker', principal: 'arn:aws:iam::1:user/x' } },
      proposer,
    );
    const rejected = await actions.vote(a.id, voter('sam'), 'reject', 'breaks the batch job');
    expect(rejected.state).toBe('denied');

    const b = await actions.propose(
      { type: 'enforce_mfa', target: { service: 'checkout-worker', principal: 'arn:aws:iam::1:user/y' } },
      proposer,
    );
    const start = now;
    now = start + 2 * 3_600_000 + 1;
    expect(await actions.sweepApprovals()).toContain(b.id);
    expect((await actions.get(b.id)).escalated).toBe(true);
    now = start + 24 * 3_600_000 + 1;
    expect(await actions.sweepApprovals()).toContain(b.id);
    expect((await actions.get(b.id)).state).toBe('expired');
    now = start;
  });

  it('fails closed on a rule whose CEL errors at run time, and audits the error', async () => {
    const dir = tempDir('aegis-policies-');
    writeFileSync(
      join(dir.path, 'broken.yaml'),
      [
        'apiVersion: aegis/v1',
        'kind: PolicySet',
        'metadata: { name: broken }',
        'spec:',
        '  default: allow',
        '  rules:',
        '    - id: deny-many-replicas',
        '      description: reads a parameter scale_up does not have',
        '      when: action.params.replicas > 10',
        '      effect: deny',
        '      reason: too many replicas',
        '',
      ].join('\n'),
    );
    const logger = silentLogger();
    const control = aegisConfigSchema.parse({}).control;
    const service = createActionService({
      events: createActionEventStore(wh),
      audit: createAuditLog({ warehouse: wh, key, logger, clock }),
      policy: createPolicyStore({ dir: dir.path, defaultEffect: 'allow', logger, now: clock }),
      catalog: () => catalog,
      platform: createPlatformState(wh, clock),
      control,
      approvals: parseApprovalsConfig({}),
      locks: createInProcessLocks(),
      clock,
      logger,
    });
    try {
      const view = await service.propose(
        { type: 'scale_up', target: { service: 'checkout-worker' } },
        human('dan', 'checkout'),
      );
      expect(view.state).toBe('denied');
      expect(view.decision?.errors).toEqual([{ id: 'deny-many-replicas', message: expect.stringMatching(/replicas/) }]);
      const decided = view.events.find((e) => e.event === 'decided')!;
      const [record] = await wh.query<{ kind: string; payload: string }>(
        'SELECT kind, payload FROM audit_log WHERE seq = {s:UInt64}',
        { s: decided.auditSeq },
      );
      expect(record?.kind).toBe('policy.decided');
      expect(JSON.parse(record!.payload).decision.errors[0].id).toBe('deny-many-replicas');
    } finally {
      dir.remove();
    }
  });

  it('returns the same action for a retried proposal with the same idempotency key', async () => {
    const p = { type: 'scale_up', target: { service: 'checkout-worker' }, idempotencyKey: 'rec-42' };
    const first = await actions.propose(p, human('dan', 'checkout'));
    const second = await actions.propose(p, human('dan', 'checkout'));
    expect(second.id).toBe(first.id);
    expect(second.events).toHaveLength(first.events.length);
  });

  it('holds a risk-adding action while the fast burn-rate alert fires, and says why', async () => {
    await sloStatus('checkout-worker', 'page', 20, now - 1000);
    const view = await actions.propose(
      { type: 'stop_idle', target: { resourceId: resourceOf('checkout-worker') } },
      human('dan', 'checkout'),
    );
    expect(view.state).toBe('pending_approval');
    expect(view.decision?.matched.map((m) => m.id)).toContain('hold-risky-while-fast-burn');
    expect((await actions.vote(view.id, voter('erin', { teams: ['checkout'] }), 'approve')).state).toBe('approved');
    const held = await runner.execute(view.id, human('erin', 'checkout'));
    expect(held.state).toBe('approved');
    expect(held.heldReason).toMatch(/fast burn-rate alert of checkout-worker is firing/);
    expect(rec.calls).toHaveLength(0);
    // The same hold again adds no event.
    const again = await runner.execute(view.id, human('erin', 'checkout'));
    expect(again.events).toHaveLength(held.events.length);
    await sloStatus('checkout-worker', 'none', 0.5, now);
  });

  it('retries an execution whose answer was lost with the same key, so it acts once', async () => {
    const view = await approved({ type: 'scale_up', target: { service: 'checkout-gateway' } });
    rec.loseNextAnswers(0);
    const origRun = rec.executor.run.bind(rec.executor);
    let executeCalls = 0;
    rec.executor.run = async (req, signal) => {
      if (req.mode === 'execute' && executeCalls++ === 0) {
        await origRun(req, signal);
        throw new Error('answer lost');
      }
      return origRun(req, signal);
    };
    const done = await runner.execute(view.id, human('dan', 'checkout'));
    expect(done.state).toBe('succeeded');
    expect(done.result?.replayed).toBe(true);
    expect(rec.applied).toEqual([`execute:${view.id}`]);
  });

  it('rolls back an action after which the service started to burn', async () => {
    await sloStatus('checkout-gateway', 'none', 0.2, now - 60_000);
    const view = await approved({ type: 'scale_up', target: { service: 'checkout-gateway' }, params: { factor: 3 } });
    const done = await runner.execute(view.id, human('dan', 'checkout'));
    expect(done.state).toBe('succeeded');
    now += 30_000;
    expect((await runner.verify(view.id)).state).toBe('succeeded'); // too early: not yet checked
    now += 60_000;
    expect((await runner.verify(view.id)).verification).toBeNull(); // no pass since: pending
    await sloStatus('checkout-gateway', 'page', 16, now - 1000);
    const rolled = await runner.verify(view.id);
    expect(rolled.state).toBe('rolled_back');
    expect(rec.calls.at(-1)).toMatchObject({
      mode: 'rollback',
      undo: { previous: 1 },
      idempotencyKey: `${view.id}:rollback`,
    });
    const last = rolled.events.at(-1)!;
    expect(String(last.data['reason'])).toMatch(/fast burn-rate alert of the service started firing/);
    await sloStatus('checkout-gateway', 'none', 0.2, now);
  });
});
