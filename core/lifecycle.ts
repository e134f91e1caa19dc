/** Lifecycle state of a component. */
export type ComponentState = 'idle' | 'running' | 'stopping' | 'stopped' | 'failed';

/** What every role and long-running component exposes: `start()` returns quickly, `stop()` stops
 *  intake, flushes what is buffered, honours the deadline, and is safe to call twice or before start. */
export interface Component {
  readonly name: string;
  readonly state: ComponentState;
  start(): Promise<void>;
  stop(options?: { deadlineMs?: number }): Promise<void>;
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}

/** Exponential backoff with jitter: a random wait in [initialMs/2, min(maxMs, initialMs·2^attempt)]. */
export function backoffMs(
  attempt: number,
  initialMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30));
  return Math.max(initialMs / 2, Math.round(random() * ceiling));
}

/** `promise`, or a rejection "no answer within `ms` ms" (or `timeoutError()`) if it has not settled by
 *  then (the work itself goes on: use it for probes whose late answer no one needs). */
export function withTimeout<T>(promise: Promise<T>, ms: number, timeoutError?: () => Error): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(timeoutError?.() ?? new Error(`no answer within ${ms} ms`)), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}
