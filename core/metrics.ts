import { Counter, type CounterConfiguration, Histogram, type HistogramConfiguration, Registry } from 'prom-client';

export { Counter, Histogram, Registry };

/** A Prometheus registry for one process's self-metrics (served on `/metrics` by the API). */
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
