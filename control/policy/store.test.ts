import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import { createPolicyStore, type PolicyStore } from './store.ts';
import { policyDir, policySetYaml, ruleYaml, sampleInput } from './test-helpers.ts';

/** A logger that keeps what it was asked to log. */
function recordingLogger(): Logger & { lines: { level: string; msg: string; obj: unknown }[] } {
  const lines: { level: string; msg: string; obj: unknown }[] = [];
  const log = (level: string) => (obj: unknown, msg: string) => lines.push({ level, msg, obj });
  return { lines, info: log('info'), error: log('error'), warn: log('warn'), debug: log('debug') } as never;
}

async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

let cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanup) await fn();
  cleanup = [];
});

function storeOn(rules: string): {
  store: PolicyStore;
  write(text: string): void;
  logger: ReturnType<typeof recordingLogger>;
} {
  const d = policyDir({ 'a.yaml': policySetYaml(rules) });
  const logger = recordingLogger();
  const store = createPolicyStore({ dir: d.dir, defaultEffect: 'require_approval', logger, debounceMs: 30 });
  cleanup.push(async () => {
    await store.stop();
    d.remove();
  });
  return { store, write: (text) => d.write('a.yaml', text), logger };
}

describe('createPolicyStore', () => {
  it('creates and stops, and stops twice', async () => {
    const { store } = storeOn(ruleYaml('ok', 'true', 'allow'));
    expect(store.state).toBe('idle');
    await store.stop();
    await store.stop();
    expect(store.state).toBe('stopped');
  });

  it('starts, decides, and stops', async () => {
    const { store } = storeOn(ruleYaml('ok', 'true', 'allow'));
    await store.start();
    expect(store.state).toBe('running');
    const d = store.evaluate(sampleInput());
    expect(d).toMatchObject({ effect: 'allow', policyHash: store.hash });
    expect(store.current().hash).toBe(store.hash);
    await store.stop();
    expect(store.state).toBe('stopped');
  });

  it('fails at creation with a ConfigError when the first load fails', () => {
    const d = policyDir({ 'a.yaml': policySetYaml(ruleYaml('bad', 'true &&', 'deny')) });
    cleanup.push(d.remove);
    expect(() => createPolicyStore({ dir: d.dir, defaultEffect: 'deny', logger: recordingLogger() })).toThrow(
      ConfigError,
    );
  });

  it('picks up a changed file without a restart', async () => {
    const { store, write } = storeOn(ruleYaml('ok', 'true', 'allow'));
    await store.start();
    const before = store.hash;
    write(policySetYaml(ruleYaml('no', 'true', 'deny')));
    await until(() => store.hash !== before);
    expect(store.evaluate(sampleInput())).toMatchObject({ effect: 'deny', matched: [{ id: 'no' }] });
  });

  it('keeps the previous set and logs the error when an edit does not load', async () => {
    const { store, write, logger } = storeOn(ruleYaml('ok', 'true', 'allow'));
    await store.start();
    const before = store.hash;
    write(policySetYaml(ruleYaml('ok', 'action.type == ', 'deny')));
    await until(() => logger.lines.some((l) => l.level === 'error'));
    const error = logger.lines.find((l) => l.level === 'error')!;
    expect(error.msg).toBe('policy reload failed; keeping the previous set');
    expect(JSON.stringify(error.obj)).toMatch(/a\.yaml:8:\d+: rule ok: when: /);
    expect(store.hash).toBe(before);
    expect(store.evaluate(sampleInput()).effect).toBe('allow');
    // A fixed edit loads again.
    write(policySetYaml(ruleYaml('ok', 'action.type == "scale"', 'deny')));
    await until(() => store.hash !== before);
    expect(store.evaluate(sampleInput()).effect).toBe('deny');
  });

  it('stamps decisions with its clock', () => {
    const d = policyDir({ 'a.yaml': policySetYaml(ruleYaml('night', 'context.hourUtc < 6', 'deny')) });
    cleanup.push(d.remove);
    const store = createPolicyStore({
      dir: d.dir,
      defaultEffect: 'allow',
      logger: recordingLogger(),
      now: () => Date.UTC(2026, 5, 1, 4),
    });
    expect(store.evaluate(sampleInput())).toMatchObject({ effect: 'deny', evaluatedAt: '2026-06-01T04:00:00.000Z' });
  });

  it('reload() reports whether the directory loaded', () => {
    const { store, write } = storeOn(ruleYaml('ok', 'true', 'allow'));
    write('not: [valid');
    expect(store.reload()).toBe(false);
    write(policySetYaml(ruleYaml('ok', 'false', 'allow')));
    expect(store.reload()).toBe(true);
  });
});
