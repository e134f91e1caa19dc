import type { ScrapeTarget } from '../../core/config/index.ts';
import { messageOf } from '../../core/errors.ts';
import type { Component, ComponentState } from '../../core/lifecycle.ts';
import type { Logger } from '../../core/logger.ts';
import type { MetricPointInput } from '../../schemas/index.ts';
import { parsePrometheusText } from '../parsers/index.ts';
import type { TelemetryPublisher } from '../publisher.ts';

/** Parameters of {@link createPrometheusScraper}. */
export interface PrometheusScraperParams {
  targets: readonly ScrapeTarget[];
  publisher: TelemetryPublisher;
  logger: Logger;
  now?: () => number;
}

/** The outcome of the last scrape of each target, for status output and tests. */
export interface ScrapeStatus {
  url: string;
  lastScrapeMs: number;
  up: boolean;
  points: number;
  rejected: number;
  error?: string;
}

/** A component scraping Prometheus targets on their intervals. */
export interface PrometheusScraper extends Component {
  status(): ScrapeStatus[];
  /** Scrapes one target now (also used by the interval loop). */
  scrape(target: ScrapeTarget): Promise<ScrapeStatus>;
}

// Ask for OpenMetrics first, then the classic text format, as Prometheus does.
const ACCEPT = 'application/openmetrics-text;version=1.0.0;q=0.9,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

/** Creates a scraper that fetches each target's exposition (text 0.0.4 or OpenMetrics) on its
 *  interval and publishes the samples with `job` and `instance` labels, plus an `up` gauge.
 *  @example createPrometheusScraper({ targets: [{ url: 'http://localhost:9100/metrics', job: 'node', intervalSec: 15, timeoutSec: 10 }], publisher, logger }) */
export function createPrometheusScraper(params: PrometheusScraperParams): PrometheusScraper {
  const now = params.now ?? Date.now;
  const timers: NodeJS.Timeout[] = [];
  const statuses = new Map<string, ScrapeStatus>();
  const running = new Set<Promise<unknown>>();
  let state: ComponentState = 'idle';

  async function scrape(target: ScrapeTarget): Promise<ScrapeStatus> {
    const started = now();
    const instance = new URL(target.url).host;
    let points: MetricPointInput[] = [];
    const status: ScrapeStatus = { url: target.url, lastScrapeMs: started, up: false, points: 0, rejected: 0 };
    try {
      const res = await fetch(target.url, {
        headers: { accept: ACCEPT },
        signal: AbortSignal.timeout(target.timeoutSec * 1000),
      });
      if (!res.ok) throw new Error(`HTTP ${res.status} ${res.statusText}`);
      const body = Buffer.from(await res.arrayBuffer());
      const outcome = parsePrometheusText(body, {
        inputName: target.url,
        defaultService: target.job,
        nowMs: started,
        extraLabels: { job: target.job, instance },
      });
      status.up = true;
      status.points = outcome.records.length;
      status.rejected = outcome.rejected.length;
      if (outcome.rejected.length > 0)
        params.logger.warn(
          { target: target.url, rejected: outcome.rejected.length, first: outcome.rejected[0] },
          'scrape: samples rejected',
        );
      points = outcome.records;
    } catch (err) {
      status.error = messageOf(err);
      params.logger.warn({ target: target.url, err: status.error }, 'scrape failed');
    }
    // The synthetic `up` series, as Prometheus records it, so a dead target is visible in the data;
    // published with the samples, in the same messages.
    const up: MetricPointInput = {
      ts: started,
      service: target.job,
      name: 'up',
      kind: 'gauge',
      value: status.up ? 1 : 0,
      labels: { job: target.job, instance },
    };
    try {
      await params.publisher.publish('metrics', [...points, up]);
    } catch (err) {
      status.error = messageOf(err);
      params.logger.warn({ target: target.url, err: status.error }, 'cannot publish the scrape');
    }
    statuses.set(target.url, status);
    return status;
  }

  return {
    name: 'prometheus-scraper',
    get state() {
      return state;
    },
    status: () => [...statuses.values()],
    scrape,
    async start() {
      if (state !== 'idle') return;
      state = 'running';
      for (const target of params.targets) {
        const tick = () => {
          if (state !== 'running') return;
          const p = scrape(target).finally(() => running.delete(p));
          running.add(p);
        };
        tick();
        timers.push(setInterval(tick, target.intervalSec * 1000));
      }
    },
    async stop() {
      if (state === 'stopped') return;
      state = 'stopping';
      for (const t of timers) clearInterval(t);
      await Promise.allSettled([...running]);
      state = 'stopped';
    },
  };
}
