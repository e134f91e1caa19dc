import { type FSWatcher, watch } from 'node:fs';
import { messageOf } from '../../core/errors.ts';
import type { ComponentState } from '../../core/lifecycle.ts';
import type { Logger } from '../../core/logger.ts';
import type { Decision, PolicySet } from './engine.ts';
import type { PolicyInput } from './input.ts';
import { loadPolicySet } from './load.ts';
import type { Effect } from './schema.ts';

/** Settings of a policy store. */
export interface PolicyStoreConfig {
  /** Policy directory. */
  dir: string;
  /** Effect when no rule matches and no PolicySet sets `spec.default`. */
  defaultEffect: Effect;
  /** Quiet time after the last file event before reloading; editors write a file in several steps. @default 200 */
  debounceMs?: number;
  logger: Logger;
  /** Clock for `evaluatedAt` and for inputs without `context.nowMs`, ms since the epoch. @default Date.now */
  now?: () => number;
}

/** The current policy set, reloaded when its directory changes. */
export interface PolicyStore {
  readonly name: string;
  readonly state: ComponentState;
  /** The last policy set that loaded cleanly. */
  current(): PolicySet;
  /** SHA-256 of the current set. */
  readonly hash: string;
  /** Decides with the current set. */
  evaluate(input: PolicyInput): Decision;
  /** Reloads now; on failure keeps the current set, logs, and returns false. */
  reload(): boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Loads the policy set (throwing `ConfigError` when the first load fails: bad policy is a startup
 *  failure) and, once started, reloads it on any change under `dir`.
 *  @example
 *  const store = createPolicyStore({ dir: 'policies', defaultEffect: 'require_approval', logger });
 *  await store.start();
 *  store.evaluate(input).effect; */
export function createPolicyStore(config: PolicyStoreConfig): PolicyStore {
  const { dir, defaultEffect, logger } = config;
  const debounceMs = config.debounceMs ?? 200;
  const now = config.now ?? Date.now;
  let set = loadPolicySet({ dir, defaultEffect });
  let state: ComponentState = 'idle';
  let watcher: FSWatcher | undefined;
  let timer: NodeJS.Timeout | undefined;
  logger.info({ dir, rules: set.rules.length, hash: set.hash }, 'policy set loaded');

  function reload(): boolean {
    try {
      const next = loadPolicySet({ dir, defaultEffect });
      if (next.hash !== set.hash)
        logger.info({ dir, rules: next.rules.length, hash: next.hash }, 'policy set reloaded');
      set = next;
      return true;
    } catch (err) {
      // A bad edit must not take the gate down: the last good set keeps deciding.
      logger.error({ dir, err: messageOf(err), hash: set.hash }, 'policy reload failed; keeping the previous set');
      return false;
    }
  }

  return {
    name: 'policy-store',
    get state() {
      return state;
    },
    current: () => set,
    get hash() {
      return set.hash;
    },
    evaluate: (input) => set.evaluate(input, { nowMs: now() }),
    reload,
    async start() {
      if (state === 'running') return;
      // Recursive fs.watch is supported on Linux from Node 20.
      watcher = watch(dir, { recursive: true }, () => {
        clearTimeout(timer);
        timer = setTimeout(reload, debounceMs);
      });
      watcher.on('error', (err) => logger.error({ dir, err: messageOf(err) }, 'policy watch failed'));
      state = 'running';
    },
    async stop() {
      clearTimeout(timer);
      watcher?.close();
      watcher = undefined;
      state = 'stopped';
    },
  };
}
