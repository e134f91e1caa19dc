import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNatsExecutor, serveExecutor } from '../../control/executors/nats.ts';
import type { ExecutionRequest, ExecutionResult, Executor } from '../../control/executors/types.ts';
import type { Bus } from '../../core/bus/index.ts';
import { DependencyError } from '../../core/errors.ts';
import { startTestNats } from '../harness/index.ts';

const request = (over: Partial<ExecutionRequest> = {}): ExecutionRequest => ({
  actionId: 'act-1',
  type: 'scale_up',
  mode: 'execute',
  target: { kind: 'service', name: 'checkout', service: 'checkout', owner: 'team-pay', tier: '1', env: 'prod' },
  params: { replicas: 4 },
  idempotencyKey: 'act-1:execute',
  deadlineMs: Date.now() + 60_000,
  ...over,
});

/** An executor that records its calls and answers with `answer`. */
function fakeExecutor(
  answer: (r: ExecutionRequest) => Promise<ExecutionResult>,
  types = ['scale_up'],
): Executor & {
  calls: ExecutionRequest[];
} {
  const calls: ExecutionRequest[] = [];
  return {
    name: 'fake',
    calls,
    supports: (t) => types.includes(t),
    run: async (r) => {
      calls.push(r);
      return answer(r);
    },
  };
}

const scaled = async (r: ExecutionRequest): Promise<ExecutionResult> => ({
  ok: true,
  summary: `scaled ${r.target.name} to ${r.params.replicas}`,
  details: { from: 2 },
  undo: { replicas: 2 },
  replayed: false,
});

describe('NATS executor', () => {
  let nats: Awaited<ReturnType<typeof startTestNats>>;
  let controller: Bus;
  let agentBus: Bus;

  beforeAll(async () => {
    nats = await startTestNats();
    controller = nats.bus;
    agentBus = await nats.connect();
  });
  afterAll(async () => {
    await agentBus?.close();
    await nats?.stop();
  });

  /** Serves `executor` on the agent connection for the duration of `body`. */
  async function withAgent<T>(executor: Executor, body: () => Promise<T>, types?: string[]): Promise<T> {
    const agent = serveExecutor({ bus: agentBus, executor, ...(types ? { types } : {}) });
    await agent.ready;
    try {
      return await body();
    } finally {
      await agent.stop();
    }
  }

  it('runs a request on an agent and returns its result', async () => {
    const agentExecutor = fakeExecutor(scaled);
    const exec = createNatsExecutor({ bus: controller, timeoutMs: 5000 });
    const result = await withAgent(agentExecutor, () => exec.run(request()));
    expect(result).toEqual({
      ok: true,
      summary: 'scaled checkout to 4',
      details: { from: 2 },
      undo: { replicas: 2 },
      replayed: false,
    });
    expect(agentExecutor.calls).toEqual([request({ deadlineMs: agentExecutor.calls[0]!.deadlineMs })]);
    expect(exec.name).toBe('nats');
  });

  it("passes an agent's ok:false refusal through as an answer", async () => {
    const agentExecutor = fakeExecutor(async () => ({
      ok: false,
      summary: 'no such service',
      details: {},
      replayed: false,
    }));
    const exec = createNatsExecutor({ bus: controller, timeoutMs: 5000 });
    expect(await withAgent(agentExecutor, () => exec.run(request()))).toMatchObject({ ok: false });
  });

  it('answers a malformed request with ok:false naming the field, and keeps serving', async () => {
    const agentExecutor = fakeExecutor(scaled);
    await withAgent(agentExecutor, async () => {
      const bad = { ...request(), target: { ...request().target, owner: undefined } };
      const reply = JSON.parse(
        new TextDecoder().decode(
          await controller.request('aegis.exec.scale_up', JSON.stringify(bad), { timeoutMs: 5000 }),
        ),
      );
      expect(reply).toMatchObject({ ok: false });
      expect(reply.summary).toMatch(/^malformed request: target\.owner: /);

      const notJson = JSON.parse(
        new TextDecoder().decode(await controller.request('aegis.exec.scale_up', '{oops', { timeoutMs: 5000 })),
      );
      expect(notJson).toEqual({
        ok: false,
        summary: 'malformed request: body is not JSON',
        details: {},
        replayed: false,
      });

      const mismatch = JSON.parse(
        new TextDecoder().decode(
          await controller.request('aegis.exec.stop_idle', JSON.stringify(request()), { timeoutMs: 5000 }),
        ),
      );
      expect(mismatch.summary).toBe('request type scale_up does not match subject type stop_idle');

      const exec = createNatsExecutor({ bus: controller, timeoutMs: 5000 });
      expect((await exec.run(request())).ok).toBe(true);
    });
    expect(agentExecutor.calls).toHaveLength(1);
  });

  it('answers ok:false for a type the agent does not support', async () => {
    const agentExecutor = fakeExecutor(scaled);
    const exec = createNatsExecutor({ bus: controller, timeoutMs: 5000 });
    await withAgent(agentExecutor, async () => {
      expect(await exec.run(request({ type: 'revoke_access' }))).toMatchObject({
        ok: false,
        summary: 'executor fake does not support revoke_access',
      });
    });
    expect(agentExecutor.calls).toHaveLength(0);
  });

  it('answers ok:false without running a request that arrives past its deadline', async () => {
    const agentExecutor = fakeExecutor(scaled);
    const exec = createNatsExecutor({ bus: controller, timeoutMs: 5000 });
    // The agent's clock runs ahead of the deadline; the controller's does not.
    const agent = serveExecutor({ bus: agentBus, executor: agentExecutor, clock: () => Date.now() + 120_000 });
    await agent.ready;
    try {
      const result = await exec.run(request());
      expect(result.ok).toBe(false);
      expect(result.summary).toMatch(/^deadline passed \d+ ms before the agent got it; not started$/);
    } finally {
      await agent.stop();
    }
    expect(agentExecutor.calls).toHaveLength(0);
  });

  it('does not send a request whose deadline has passed', async () => {
    const exec = createNatsExecutor({ bus: controller, timeoutMs: 5000 });
    const result = await exec.run(request({ deadlineMs: Date.now() - 1000 }));
    expect(result.ok).toBe(false);
    expect(result.summary).toMatch(/^deadline passed \d+ ms before sending; not sent$/);
  });

  it('rejects at once with a clear retryable error when no agent serves the type', async () => {
    const exec = createNatsExecutor({ bus: controller, timeoutMs: 5000 });
    const started = Date.now();
    const err = await exec.run(request({ type: 'enforce_mfa' })).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(err).toBeInstanceOf(DependencyError);
    expect(err).toMatchObject({ retryable: true, dependencyCode: '503' });
    expect((err as Error).message).toContain('aegis.exec.enforce_mfa');
  });

  it('with types, an agent subscribes per type so others get no responders', async () => {
    const exec = createNatsExecutor({ bus: controller, timeoutMs: 5000 });
    await withAgent(fakeExecutor(scaled, ['scale_up', 'stop_idle']), async () => {
      expect((await exec.run(request())).ok).toBe(true);
      await expect(exec.run(request({ type: 'stop_idle' }))).rejects.toMatchObject({ dependencyCode: '503' });
    }, ['scale_up']);
  });

  it('rejects with a retryable timeout when the agent is slower than timeoutMs', async () => {
    const slow = fakeExecutor(async (r) => {
      await new Promise((res) => setTimeout(res, 1000));
      return scaled(r);
    });
    const exec = createNatsExecutor({ bus: controller, timeoutMs: 200 });
    const err = await withAgent(slow, () => exec.run(request()).catch((e: unknown) => e));
    expect(err).toBeInstanceOf(DependencyError);
    expect(err).toMatchObject({ retryable: true, dependencyCode: 'TIMEOUT' });
    expect((err as Error).message).toBe('request to aegis.exec.scale_up timed out after 200 ms');
  });

  it('shortens the timeout to the request deadline', async () => {
    const slow = fakeExecutor(async (r) => {
      await new Promise((res) => setTimeout(res, 1000));
      return scaled(r);
    });
    const exec = createNatsExecutor({ bus: controller, timeoutMs: 10_000 });
    await withAgent(slow, async () => {
      const started = Date.now();
      await expect(exec.run(request({ deadlineMs: Date.now() + 200 }))).rejects.toMatchObject({
        dependencyCode: 'TIMEOUT',
      });
      expect(Date.now() - started).toBeLessThan(800);
    });
  });

  it('rejects (outcome unknown) when the agent executor throws, without waiting for the timeout', async () => {
    const broken = fakeExecutor(async () => {
      throw new Error('cloud API exploded');
    });
    const exec = createNatsExecutor({ bus: controller, timeoutMs: 5000 });
    const started = Date.now();
    const err = await withAgent(broken, () => exec.run(request()).catch((e: unknown) => e));
    expect(Date.now() - started).toBeLessThan(2000);
    expect(err).toBeInstanceOf(DependencyError);
    expect((err as Error).message).toBe('responder on aegis.exec.scale_up failed: cloud API exploded');
    expect(err).toMatchObject({ retryable: true });
  });

  it('rejects as a non-retryable protocol error when the reply is not an ExecutionResult', async () => {
    const exec = createNatsExecutor({ bus: controller, timeoutMs: 5000 });
    const rogue = agentBus.serve('aegis.exec.rightsize', { queue: 'rogue' }, async () => JSON.stringify({ ok: 'yes' }));
    const junk = agentBus.serve('aegis.exec.junk', { queue: 'rogue' }, async () => 'not json');
    await Promise.all([rogue.ready, junk.ready]);
    try {
      const err = await exec.run(request({ type: 'rightsize' })).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DependencyError);
      expect(err).toMatchObject({ retryable: false, dependency: 'nats-agent' });
      expect((err as Error).message).toMatch(/^reply from aegis\.exec\.rightsize is not an ExecutionResult: ok: /);
      await expect(exec.run(request({ type: 'junk' }))).rejects.toThrow(/^reply from aegis\.exec\.junk is not JSON/);
    } finally {
      await Promise.all([rogue.stop(), junk.stop()]);
    }
  });

  it('rejects with the abort reason when the caller aborts', async () => {
    const slow = fakeExecutor(async (r) => {
      await new Promise((res) => setTimeout(res, 500));
      return scaled(r);
    });
    const exec = createNatsExecutor({ bus: controller, timeoutMs: 5000 });
    await withAgent(slow, async () => {
      const ac = new AbortController();
      setTimeout(() => ac.abort(new Error('controller stopping')), 50);
      await expect(exec.run(request(), ac.signal)).rejects.toThrow('controller stopping');
    });
  });

  it('supports the listed types, or every subject-safe type when none are listed', () => {
    expect(createNatsExecutor({ bus: controller, timeoutMs: 1, types: ['scale_up'] }).supports('stop_idle')).toBe(
      false,
    );
    const any = createNatsExecutor({ bus: controller, timeoutMs: 1 });
    expect(any.supports('stop_idle')).toBe(true);
    expect(any.supports('a.b')).toBe(false);
  });
});
