import {
  Counter,
  type CounterConfiguration,
  Gauge,
  type GaugeConfiguration,
  Histogram,
  type HistogramConfiguration,
  Registry,
} from 'prom-client';

export { Counter, Gauge, Histogram, Registry };

/** A Prometheus registry for one process's self-metrics (served on `/metrics` by the API, or by the ops
 *  server of a role without it). */
export function createMetricsRegistry(): Registry {
  return new Registry();
}

/** The counter registered under `config.name`, created on first use: two components in one process
 *  share a metric instead of failing on a duplicate name. */
export function counter<L extends string>(registry: Registry, config: CounterConfiguration<L>): Counter<L> {
  return (
    (registry.getSingleMetric(config.name) as Counter<L> | undefined) ??
    new Counter({ ...config, registers: [registry] })
  );
}

/** The histogram registered under `config.name`, created on first use (see {@link counter}). */
export function histogram<L extends string>(registry: Registry, config: HistogramConfiguration<L>): Histogram<L> {
  return (
    (registry.getSingleMetric(config.name) as Histogram<L> | undefined) ??
    new Histogram({ ...config, registers: [registry] })
  );
}

/** The gauge registered under `config.name`, created on first use (see {@link counter}). A `collect`
 *  callback runs on every scrape; the first registration's callback is the one kept. */
export function gauge<L extends string>(registry: Registry, config: GaugeConfiguration<L>): Gauge<L> {
  return (
    (registry.getSingleMetric(config.name) as Gauge<L> | undefined) ?? new Gauge({ ...config, registers: [registry] })
  );
}

/** How long a value sampled for a scrape is reused, in milliseconds. @default 2000 */
export const DEFAULT_SAMPLE_TTL_MS = 2000;
/** Longest a scrape waits for a sample, in milliseconds. @default 1000 */
export const DEFAULT_SAMPLE_TIMEOUT_MS = 1000;

/** Wraps an expensive read (a JetStream consumer info) for gauges collected on scrape: the value is
 *  reused for `ttlMs`, concurrent scrapes share one read, and a read that takes longer than `timeoutMs`
 *  or fails gives `undefined` (the gauge then drops its series rather than report a stale value), so a
 *  scrape never hangs on a dependency.
 *  @example const pending = cachedSample(() => bus.consumerPending('TELEMETRY', 'ingest-writer')); */
export function cachedSample<T>(
  read: () => Promise<T>,
  options: { ttlMs?: number; timeoutMs?: number; now?: () => number } = {},
): () => Promise<T | undefined> {
  const ttlMs = options.ttlMs ?? DEFAULT_SAMPLE_TTL_MS;
  const timeoutMs = options.timeoutMs ?? DEFAULT_SAMPLE_TIMEOUT_MS;
  const now = options.now ?? Date.now;
  let last: { at: number; value: T | undefined } | undefined;
  let inFlight: Promise<T | undefined> | undefined;
  return () => {
    if (last && now() - last.at < ttlMs) return Promise.resolve(last.value);
    inFlight ??= new Promise<T | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), timeoutMs);
      timer.unref?.();
      read().then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        () => {
          clearTimeout(timer);
          resolve(undefined);
        },
      );
    }).then((value) => {
      last = { at: now(), value };
      inFlight = undefined;
      return value;
    });
    return inFlight;
  };
}
