import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export { Counter, Gauge, Histogram, Registry };

/** A Prometheus registry for one process's self-metrics (served on `/metrics` by the API). */
export function createMetricsRegistry(): Registry {
  return new Registry();
}

/** Returns the metric already registered under `name`, or registers the one `create` builds, so that
 *  two components in one process share a metric instead of failing on a duplicate name. */
export function metric<T>(registry: Registry, name: string, create: (registers: Registry[]) => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create([registry]);
}
