import type { MetricPointInput } from '../../schemas/index.ts';
import { factorAt, inWindow } from './changes.ts';
import { indexBy, resourceEffectAt, type ServiceEffect, serviceEffectAt } from './effects.ts';
import type { Incident } from './incidents.ts';
import { clamp, DAY_MS, HOUR_MS, loadFactor, roundTo } from './load.ts';
import { type Model, type ServiceModel, scaledUtilization, utilizationAt } from './model.ts';
import { hashNormal, hashUnit } from './random.ts';

const CHECKPOINT_LIMIT = 50_000;

/** Request and error counts of one service during one metric bucket. */
function increments(s: ServiceModel, bucket: number, stepMs: number, effect: ServiceEffect): [number, number] {
  const p = s.service.profile;
  const tMs = bucket * stepMs;
  const mean =
    ((p.baseRps * stepMs) / 1000) * loadFactor(tMs, p.phaseHours) * (1 + 0.08 * hashNormal(s.keys.req, bucket));
  // Adding a uniform before flooring rounds without bias, so small services still see errors.
  const requests = Math.floor(mean + hashUnit(s.keys.roundReq, bucket));
  const ratio = Math.min(1, p.errorRatio * (1 + 0.3 * hashNormal(s.keys.err, bucket)) + effect.errorAdd);
  const errors = Math.floor(requests * ratio + hashUnit(s.keys.roundErr, bucket));
  return [requests, Math.min(errors, requests)];
}

/** Counters restart from zero at each service's nightly restart; this finds the first bucket of
 *  the process lifetime that contains `bucket`. */
function lifetimeStart(s: ServiceModel, bucket: number, stepMs: number): number {
  const offset = Math.floor(s.service.profile.restartOffsetMs / stepMs);
  const perDay = DAY_MS / stepMs;
  return bucket - ((((bucket - offset) % perDay) + perDay) % perDay);
}

/** Cumulative [requests, errors] over [lifetime start, bucket), from the nearest checkpoint. */
function cumulativeBefore(
  model: Model,
  s: ServiceModel,
  bucket: number,
  stepMs: number,
  byService: Map<string, Incident[]>,
): [number, number] {
  const start = lifetimeStart(s, bucket, stepMs);
  const perHour = HOUR_MS / stepMs;
  let from = start;
  let acc: [number, number] = [0, 0];
  for (let h = Math.floor(bucket / perHour) * perHour; h > start; h -= perHour) {
    const hit = model.counterCheckpoints.get(`${s.index}:${h}`);
    if (hit) {
      from = h;
      acc = [hit[0], hit[1]];
      break;
    }
  }
  const incidents = byService.get(s.service.name);
  for (let b = from; b < bucket; b++) {
    if (b % perHour === 0) checkpoint(model, s, b, acc);
    const [req, err] = increments(s, b, stepMs, serviceEffectAt(incidents, b * stepMs));
    acc[0] += req;
    acc[1] += err;
  }
  return acc;
}

function checkpoint(model: Model, s: ServiceModel, bucket: number, acc: [number, number]): void {
  if (model.counterCheckpoints.size >= CHECKPOINT_LIMIT) model.counterCheckpoints.clear();
  model.counterCheckpoints.set(`${s.index}:${bucket}`, [acc[0], acc[1]]);
}

/** Metric points on the `metricIntervalMs` grid within [fromMs, toMs), in time order. Per service:
 *  `http_requests_total` and `http_request_errors_total` (cumulative counters, reset at the nightly
 *  restart), `http_request_duration_seconds` p50 and p99 (gauges labelled `quantile`, the way a
 *  Prometheus summary exposes them), `saturation`. Per catalogued compute resource:
 *  `cpu_utilization` and `memory_utilization` (gauges 0–1, labelled `resource_id`).
 *  Changes: a service's `scale_up` divides its load per unit of capacity (latency and saturation
 *  fall), a resource's capacity factor divides its utilisation, a stopped resource emits nothing. */
export function generateMetrics(model: Model, fromMs: number, toMs: number): MetricPointInput[] {
  const stepMs = model.config.metricIntervalMs;
  const first = Math.ceil(fromMs / stepMs);
  const end = Math.ceil(toMs / stepMs);
  if (end <= first) return [];
  // Counters need the error spikes since the last restart, up to a day before fromMs.
  const incidents = model.incidents.overlapping(first * stepMs - DAY_MS, end * stepMs);
  const byService = indexBy(incidents, 'service');
  const byResource = indexBy(incidents, 'resource');
  const totals = model.services.map((s) => cumulativeBefore(model, s, first, stepMs, byService));
  const computes = model.resources.filter((r) => r.resource.catalogued && r.resource.type !== 'bucket');
  const changes = model.changes;
  const serviceCapacity = model.services.map((s) => changes.serviceCapacity.get(s.service.name));
  const capacity = computes.map((r) => changes.resourceCapacity.get(r.resource.id));
  const stops = computes.map((r) => changes.resourceStops.get(r.resource.id));
  const p50Labels = { quantile: '0.5' };
  const p99Labels = { quantile: '0.99' };
  const resourceLabels = computes.map((r) => ({
    resource_id: r.resource.id,
    resource_type: r.resource.type,
    env: r.resource.env,
  }));
  const out: MetricPointInput[] = [];
  const perHour = HOUR_MS / stepMs;
  for (let b = first; b < end; b++) {
    const ts = b * stepMs;
    for (const s of model.services) {
      const name = s.service.name;
      const p = s.service.profile;
      const effect = serviceEffectAt(byService.get(name), ts);
      const acc = totals[s.index] as [number, number];
      if (lifetimeStart(s, b, stepMs) === b) acc.fill(0);
      if (b % perHour === 0) checkpoint(model, s, b, acc);
      const [req, err] = increments(s, b, stepMs, effect);
      acc[0] += req;
      acc[1] += err;
      // Load per unit of capacity: dividing by exactly 1 leaves unchanged services bit-identical.
      const scale = factorAt(serviceCapacity[s.index], ts);
      const load = loadFactor(ts, p.phaseHours) / scale;
      const p50 = p.p50Seconds * (1 + 0.25 * (load - 1)) * (1 + 0.05 * hashNormal(s.keys.p50, b)) * effect.p50Factor;
      const p99 =
        p.p50Seconds * p.p99Ratio * (1 + 0.4 * (load - 1)) * (1 + 0.1 * hashNormal(s.keys.p99, b)) * effect.p99Factor;
      const sat = p.saturationBase * load * (1 + 0.05 * hashNormal(s.keys.sat, b)) * effect.saturationFactor;
      out.push(
        { ts, service: name, name: 'http_requests_total', kind: 'counter', value: acc[0], labels: {}, unit: '' },
        { ts, service: name, name: 'http_request_errors_total', kind: 'counter', value: acc[1], labels: {}, unit: '' },
        {
          ts,
          service: name,
          name: 'http_request_duration_seconds',
          kind: 'gauge',
          value: roundTo(p50, 6),
          labels: p50Labels,
          unit: 's',
        },
        {
          ts,
          service: name,
          name: 'http_request_duration_seconds',
          kind: 'gauge',
          value: roundTo(Math.max(p99, p50), 6),
          labels: p99Labels,
          unit: 's',
        },
        {
          ts,
          service: name,
          name: 'saturation',
          kind: 'gauge',
          value: roundTo(clamp(sat + effect.saturationAdd / scale, 0, 1), 4),
          labels: {},
          unit: '1',
        },
      );
    }
    computes.forEach((m, i) => {
      const r = m.resource;
      // A stopped instance reports no metrics at all, as CloudWatch shows no data for it.
      if (inWindow(stops[i], ts)) return;
      const u = scaledUtilization(
        utilizationAt(m, ts, b, resourceEffectAt(byResource.get(r.id), ts, r.memoryBase)),
        factorAt(capacity[i], ts),
      );
      const labels = resourceLabels[i] as Record<string, string>;
      out.push(
        { ts, service: r.service, name: 'cpu_utilization', kind: 'gauge', value: roundTo(u.cpu, 4), labels, unit: '1' },
        {
          ts,
          service: r.service,
          name: 'memory_utilization',
          kind: 'gauge',
          value: roundTo(u.memory, 4),
          labels,
          unit: '1',
        },
      );
    });
  }
  return out;
}
