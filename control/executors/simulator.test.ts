import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/errors.ts';
import { createPlatform, type Platform } from '../../ingest/simulator/index.ts';
import { createSimulatorExecutor } from './simulator.ts';
import type { ExecutionRequest } from './types.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const MONDAY = Date.UTC(2025, 0, 6);
/** Wednesday 10:30 UTC. */
const NOW = MONDAY + 2 * DAY + 10.5 * HOUR;
const CONFIG = { services: 6, teams: 3 };

const dir = mkdtempSync(join(tmpdir(), 'aegis-sim-exec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let journals = 0;
const freshJournal = () => join(dir, `journal-${++journals}`, 'changes.jsonl');

const reference = createPlatform(CONFIG);
const idle = reference.resources.find((r) => r.idle) as Platform['resources'][number];
const vm = reference.resources.find((r) => r.catalogued && r.type === 'vm' && !r.idle) as Platform['resources'][number];
const acct = reference.accounts.production;

/** A request for `type`, aimed at the idle resource unless `target` says otherwise. */
function request(type: string, over: Partial<ExecutionRequest> = {}): ExecutionRequest {
  const mode = over.mode ?? 'execute';
  const actionId = over.actionId ?? `act-${type}`;
  return {
    actionId,
    type,
    mode,
    target: {
      kind: 'resource',
      name: idle.name,
      service: idle.service,
      owner: idle.owner,
      tier: 'tier-2',
      env: 'production',
      resourceId: idle.id,
    },
    params: {},
    idempotencyKey: `${actionId}:${mode}`,
    deadlineMs: NOW + HOUR,
    ...over,
  };
}
const serviceTarget = (service: string) => ({
  kind: 'service',
  name: service,
  service,
  owner: 'identity',
  tier: 'tier-2',
  env: 'production',
});
const principalTarget = (principal: string) => ({
  ...serviceTarget('payments-api'),
  kind: 'principal',
  resourceId: principal,
});

function setup(journalPath?: string) {
  const platform = createPlatform(CONFIG);
  let now = NOW;
  const executor = createSimulatorExecutor({ platform, clock: () => now, ...(journalPath ? { journalPath } : {}) });
  return { platform, executor, advance: (ms: number) => (now += ms) };
}
const snapshot = (p: Platform, fromMs = NOW - HOUR, toMs = NOW + 2 * HOUR) => JSON.stringify(p.generate(fromMs, toMs));

describe('SimulatorExecutor', () => {
  it('supports the six recommendation types', () => {
    const { executor } = setup();
    for (const t of ['scale_up', 'rightsize', 'stop_idle', 'revoke_access', 'enforce_mfa', 'rollback_change']) {
      expect(executor.supports(t)).toBe(true);
    }
    expect(executor.supports('restart')).toBe(false);
    expect(executor.name).toBe('simulator');
  });

  it('says what a dry run would change and changes nothing', async () => {
    const { platform, executor } = setup();
    const result = await executor.run(
      request('rightsize', { mode: 'dry_run', target: { ...request('x').target, resourceId: vm.id } }),
    );
    expect(result.ok).toBe(true);
    expect(result.summary).toMatch(/^would resize .* to 50 % .* \$[0-9.]+ → \$[0-9.]+ a month$/);
    expect(result.details).toMatchObject({
      before: { capacityFactor: 1, hourlyCostUsd: vm.hourlyCost, provisionedVcpu: vm.provisionedVcpu },
      after: { capacityFactor: 0.5, provisionedVcpu: (vm.provisionedVcpu as number) / 2 },
    });
    expect(result.undo).toBeUndefined();
    expect(platform.changes()).toEqual([]);
    expect(snapshot(platform)).toBe(snapshot(reference));
  });

  it('applies a change at the clock, so telemetry from then on differs and before does not', async () => {
    const { platform, executor } = setup();
    const result = await executor.run(request('stop_idle'));
    expect(result).toMatchObject({ ok: true, replayed: false, undo: { changeKey: 'act-stop_idle:execute' } });
    expect(result.summary).toContain('applied: stop');
    expect(result.details).toMatchObject({
      before: { state: 'running' },
      after: { state: 'stopped', monthlyCostUsd: 0 },
    });
    expect(snapshot(platform, NOW - HOUR, NOW)).toBe(snapshot(reference, NOW - HOUR, NOW));
    const later = platform.generate(NOW, NOW + 2 * HOUR);
    expect(later.metrics.some((p) => p.labels?.resource_id === idle.id)).toBe(false);
    expect(later.cost.filter((c) => c.ResourceId === idle.id).at(-1)?.BilledCost).toBe(0);
    expect(later.resources.filter((r) => r.resource_id === idle.id).at(-1)?.state).toBe('stopped');
  });

  it('returns the first answer again for a repeated idempotency key and applies nothing', async () => {
    const { platform, executor, advance } = setup();
    const first = await executor.run(request('stop_idle'));
    advance(MIN);
    const again = await executor.run(request('stop_idle', { deadlineMs: NOW + 2 * HOUR }));
    expect(again).toEqual({ ...first, replayed: true });
    expect(platform.changes()).toHaveLength(1);
    const dry = request('stop_idle', { mode: 'dry_run' });
    expect((await executor.run(dry)).replayed).toBe(false);
    expect((await executor.run(dry)).replayed).toBe(true);
  });

  it('refuses a reused idempotency key with a different request', async () => {
    const { executor } = setup();
    await executor.run(request('stop_idle'));
    const other = request('rightsize', { idempotencyKey: 'act-stop_idle:execute' });
    expect(await executor.run(other)).toMatchObject({
      ok: false,
      summary: expect.stringContaining('different request'),
    });
  });

  it('undoes an executed change from the rollback time on', async () => {
    const { platform, executor, advance } = setup();
    const scale = request('scale_up', { target: serviceTarget('identity-worker'), params: { factor: 3 } });
    const done = await executor.run(scale);
    expect(done.summary).toMatch(/scale identity-worker from ×1 to ×3 .* compute \$[0-9.]+ → \$[0-9.]+ a month/);
    advance(HOUR);
    const undo = await executor.run({
      ...scale,
      mode: 'rollback',
      idempotencyKey: `${scale.actionId}:rollback`,
      undo: done.undo,
    });
    expect(undo).toMatchObject({ ok: true, summary: expect.stringContaining(`undid ${scale.idempotencyKey}`) });
    expect(undo.undo).toBeUndefined();
    const sat = (p: Platform, from: number, to: number) =>
      p.generate(from, to).metrics.filter((m) => m.service === 'identity-worker' && m.name === 'saturation');
    expect(sat(platform, NOW, NOW + HOUR)).not.toEqual(sat(reference, NOW, NOW + HOUR));
    expect(sat(platform, NOW + HOUR, NOW + 2 * HOUR)).toEqual(sat(reference, NOW + HOUR, NOW + 2 * HOUR));
  });

  it('rolls a deploy back without an undo, and refuses to undo that', async () => {
    const spike = reference.groundTruth(MONDAY, MONDAY + 14 * DAY).find((i) => i.kind === 'error_spike') as {
      id: string;
      service: string;
      startMs: number;
    };
    const platform = createPlatform(CONFIG);
    const executor = createSimulatorExecutor({ platform, clock: () => spike.startMs + 5 * MIN });
    const rollback = request('rollback_change', {
      target: serviceTarget(spike.service),
      deadlineMs: spike.startMs + HOUR,
    });
    const done = await executor.run(rollback);
    expect(done).toMatchObject({ ok: true, summary: expect.stringContaining(`ends error_spike ${spike.id}`) });
    expect(done.undo).toBeUndefined();
    expect(platform.groundTruth(spike.startMs, spike.startMs + 1).find((i) => i.id === spike.id)?.endMs).toBe(
      spike.startMs + 5 * MIN,
    );
    const undo = await executor.run({
      ...rollback,
      mode: 'rollback',
      idempotencyKey: 'x:rollback',
      undo: { changeKey: rollback.idempotencyKey },
    });
    expect(undo).toMatchObject({ ok: false, summary: 'rollback_change cannot be undone' });
  });

  it('revokes access and enforces MFA on the principal named in target.resourceId', async () => {
    const { platform, executor } = setup();
    const alice = `arn:aws:iam::${acct}:user/alice`;
    const bob = `arn:aws:iam::${acct}:user/bob`;
    expect(
      await executor.run(request('revoke_access', { target: principalTarget(alice), params: { actions: ['*'] } })),
    ).toMatchObject({
      ok: true,
      details: { after: { revokedActions: ['*'] } },
    });
    expect(await executor.run(request('enforce_mfa', { target: principalTarget(bob) }))).toMatchObject({
      ok: true,
      details: { before: { mfaEnforced: false }, after: { mfaEnforced: true } },
    });
    const events = platform.generate(NOW, NOW + 8 * HOUR).access.filter((e) => e.principal === alice);
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((e) => e.result === 'denied')).toBe(true);
  });

  it.each([
    ['an unknown service', request('scale_up', { target: serviceTarget('nope') }), 'service nope does not exist'],
    [
      'an unknown resource',
      request('stop_idle', { target: { ...request('x').target, resourceId: 'arn:aws:ec2:x' } }),
      'resource arn:aws:ec2:x does not exist',
    ],
    [
      'a resource action without resourceId',
      request('rightsize', { target: serviceTarget('payments-api') }),
      'needs target.resourceId',
    ],
    [
      'an unknown principal',
      request('enforce_mfa', { target: principalTarget('arn:aws:iam::1:user/mallory') }),
      'is not known',
    ],
    [
      'a factor of 1',
      request('scale_up', { target: serviceTarget('payments-api'), params: { factor: 1 } }),
      'factor must be > 1',
    ],
    [
      'a factor over 10',
      request('scale_up', { target: serviceTarget('payments-api'), params: { factor: 11 } }),
      'factor must be <= 10',
    ],
    ['a factor that is no number', request('rightsize', { params: { factor: 'half' } }), 'factor must be a number'],
    ['an unsupported type', request('restart'), 'cannot carry out restart'],
    ['a rollback without undo', request('stop_idle', { mode: 'rollback' }), 'undo.changeKey is missing'],
    [
      'a rollback of an unknown change',
      request('stop_idle', { mode: 'rollback', undo: { changeKey: 'gone' } }),
      'change gone does not exist',
    ],
    [
      'a malformed request',
      { ...request('stop_idle'), mode: 'later' } as unknown as ExecutionRequest,
      'invalid execution request',
    ],
  ])('refuses %s with ok: false', async (_, req, message) => {
    const { platform, executor } = setup();
    const result = await executor.run(req);
    expect(result).toMatchObject({ ok: false, replayed: false });
    expect(result.summary).toContain(message);
    expect(platform.changes()).toEqual([]);
  });

  it('refuses a call past its deadline without remembering it', async () => {
    const { platform, executor } = setup();
    expect(await executor.run(request('stop_idle', { deadlineMs: NOW - 1 }))).toMatchObject({
      ok: false,
      summary: expect.stringContaining('deadline passed'),
    });
    expect((await executor.run(request('stop_idle'))).ok).toBe(true);
    expect(platform.changes()).toHaveLength(1);
  });

  it('refuses to undo a change with the undo of another type', async () => {
    const { executor } = setup();
    const done = await executor.run(request('stop_idle'));
    const wrong = await executor.run(
      request('rightsize', { mode: 'rollback', undo: done.undo, target: request('x').target }),
    );
    expect(wrong).toMatchObject({
      ok: false,
      summary: expect.stringContaining('is a stop_idle change, not rightsize'),
    });
  });

  describe('journal', () => {
    async function fill(journalPath: string) {
      const { platform, executor, advance } = setup(journalPath);
      await executor.run(request('stop_idle'));
      advance(10 * MIN);
      const scale = await executor.run(
        request('scale_up', { target: serviceTarget('identity-worker'), params: { factor: 2 } }),
      );
      await executor.run(
        request('rightsize', { mode: 'dry_run', target: { ...request('x').target, resourceId: vm.id } }),
      );
      advance(30 * MIN);
      await executor.run(
        request('scale_up', {
          mode: 'rollback',
          idempotencyKey: 'act-scale_up:rollback',
          target: serviceTarget('identity-worker'),
          undo: scale.undo,
        }),
      );
      await executor.close?.();
      return platform;
    }

    it('replays applied changes and answers into a restarted simulator', async () => {
      const path = freshJournal();
      const first = await fill(path);
      const { platform, executor } = setup(path);
      expect(executor.recovered).toEqual({ entries: 4, changes: 3, tornLines: 0 });
      expect(platform.changes()).toEqual(first.changes());
      expect(snapshot(platform)).toBe(snapshot(first));
      expect(snapshot(platform)).not.toBe(snapshot(reference));
      expect((await executor.run(request('stop_idle'))).replayed).toBe(true);
      expect(platform.changes()).toHaveLength(3);
    });

    it('skips and cuts off a torn last line, then appends cleanly', async () => {
      const path = freshJournal();
      await fill(path);
      const whole = readFileSync(path, 'utf8');
      appendFileSync(path, '{"idempotencyKey":"act-enforce_mfa:execute","fingerp');
      const { platform, executor } = setup(path);
      expect(executor.recovered).toEqual({ entries: 4, changes: 3, tornLines: 1 });
      expect(readFileSync(path, 'utf8')).toBe(whole);
      await executor.run(request('enforce_mfa', { target: principalTarget(`arn:aws:iam::${acct}:user/bob`) }));
      await executor.close?.();
      const again = setup(path);
      expect(again.executor.recovered).toEqual({ entries: 5, changes: 4, tornLines: 0 });
      expect(again.platform.changes()).toEqual(platform.changes());
    });

    it('drops a last line whose newline was never written: that call never answered', async () => {
      const path = freshJournal();
      await fill(path);
      const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
      writeFileSync(path, `${lines.join('\n')}`);
      const { executor, platform } = setup(path);
      expect(executor.recovered).toEqual({ entries: 3, changes: 2, tornLines: 1 });
      // The rollback was lost with its line: the scale-up still holds.
      expect(platform.changes().map((c) => c.kind)).toEqual(['stop_idle', 'scale_up']);
    });

    it('fails at startup on a corrupt line in the middle or a journal of another platform', async () => {
      const path = freshJournal();
      await fill(path);
      const lines = readFileSync(path, 'utf8').split('\n');
      writeFileSync(path, [lines[0], '{not json', ...lines.slice(1)].join('\n'));
      expect(() => setup(path)).toThrow(ConfigError);
      const other = freshJournal();
      await fill(other);
      expect(() =>
        createSimulatorExecutor({ platform: createPlatform({ ...CONFIG, seed: 7 }), journalPath: other }),
      ).toThrow(/does not fit this platform/);
    });
  });
});
