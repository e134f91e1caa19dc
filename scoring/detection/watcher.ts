import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from '../../core/logger.ts';
import { toJsonEachRow, type Warehouse } from '../../core/warehouse/index.ts';
import {
  type AnomalyDetector,
  type AnomalyDetectorOptions,
  type AnomalyModelStore,
  createAnomalyDetector,
  type TfRuntime,
} from '../../models/anomaly/index.ts';
import type { Finding } from '../insights/types.ts';
import { type AnomalousPoint, type Episode, EpisodeTracker } from './episodes.ts';
import { DEFAULT_SIGNALS, readSignal, type SignalSpec, signalStepMs } from './signals.ts';

/** A day a resource's cost was anomalous, for the cost scorer. */
export interface AnomalousSpendDay {
  dayMs: number;
  score: number;
}

/** What one detection step found. */
export interface DetectionResult {
  findings: Finding[];
  /** Anomalous spend days per service over the episodes still open or just closed. */
  spendDays: Map<string, AnomalousSpendDay[]>;
  /** Points scored in this step, in all and per signal. */
  points: number;
  pointsBySignal: Record<string, number>;
  anomalies: number;
  /** Confirmed episodes still open, and those that ended in this step. */
  open: Episode[];
  closed: Episode[];
}

/** Options of {@link createAnomalyWatcher}. */
export interface AnomalyWatcherOptions {
  warehouse: Warehouse;
  logger: Logger;
  /** Score at or above which a point is anomalous. */
  threshold: number;
  signals?: readonly SignalSpec[];
  /** History the detectors learn from on their first step. @default 2 days */
  warmupMs?: number;
  /** Where the first step starts instead (replaying a stored history from its beginning). */
  startMs?: number;
  /** tfjs, for the forecaster in the ensemble of the minute signals; without it, statistics only. */
  tf?: TfRuntime | undefined;
  /** Where detector states are kept between runs; without it they live in memory only. */
  store?: AnomalyModelStore | undefined;
  /** The watcher's own state (cursors, open episodes). */
  statePath?: string | undefined;
}

/** Detector options per signal: minute series learn for half a day, hourly cost for two days. */
export function detectorOptions(s: SignalSpec, tf: boolean): AnomalyDetectorOptions {
  if (s.kind === 'cost')
    return { probationPoints: 48, windowPoints: 168, seasonDays: 7, cooldownPoints: 24, forecaster: false };
  return {
    probationPoints: 720,
    windowPoints: 256,
    seasonDays: 3,
    cooldownPoints: 30,
    ...(tf ? {} : { forecaster: false }),
  };
}

interface WatcherState {
  cursors: Record<string, number>;
  episodes: Episode[];
}

/** Watches the platform's series: each step feeds the buckets closed since the last one to one
 *  online detector per series (so every score uses only the past), stores anomalous points, and
 *  turns runs of them into anomaly insights. */
export function createAnomalyWatcher(o: AnomalyWatcherOptions) {
  const signals = o.signals ?? DEFAULT_SIGNALS;
  const detectors = new Map<string, AnomalyDetector>();
  let state: WatcherState = { cursors: {}, episodes: [] };
  let episodes = new EpisodeTracker();
  let loaded = false;

  async function load(): Promise<void> {
    if (loaded) return;
    loaded = true;
    if (!o.statePath) return;
    try {
      state = JSON.parse(await readFile(o.statePath, 'utf8')) as WatcherState;
      episodes = EpisodeTracker.restore(state.episodes);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
        o.logger.warn({ err }, 'anomaly watcher state unreadable; starting over');
    }
  }

  async function detectorFor(key: string, s: SignalSpec): Promise<AnomalyDetector> {
    let d = detectors.get(key);
    if (d) return d;
    d =
      (await o.store?.load(key).catch(() => undefined)) ??
      createAnomalyDetector(detectorOptions(s, !!o.tf), { tf: o.tf });
    detectors.set(key, d);
    return d;
  }

  return {
    /** Scores every bucket closed since the last step. */
    async step(nowMs: number): Promise<DetectionResult> {
      await load();
      const anomalous: AnomalousPoint[] = [];
      const rows: object[] = [];
      let points = 0;
      const pointsBySignal: Record<string, number> = {};
      for (const s of signals) {
        const stepMs = signalStepMs(s);
        const to = Math.floor(nowMs / stepMs) * stepMs;
        const from = state.cursors[s.id] ?? o.startMs ?? to - (o.warmupMs ?? 2 * 86_400_000);
        if (from >= to) continue;
        const series = await readSignal(o.warehouse, s, from, to);
        pointsBySignal[s.id] = series.length;
        for (const p of series) {
          const d = await detectorFor(p.key, s);
          const score = d.update(p.tsMs, p.value);
          points++;
          if (score < o.threshold) continue;
          anomalous.push({ ...p, score });
          rows.push({
            ts: p.tsMs,
            detected_at: nowMs,
            service: p.service,
            name: s.id,
            series_id: seriesId(p.key),
            labels: { subject: p.subject },
            value: p.value,
            expected: null,
            score,
            detector_version: d.version,
          });
        }
        state.cursors[s.id] = to;
      }
      anomalous.sort((a, b) => a.tsMs - b.tsMs);
      episodes.add(anomalous);
      const open = episodes.advance(nowMs);
      const closed = episodes.takeClosed();
      if (rows.length > 0) await o.warehouse.insert('anomalies', toJsonEachRow(rows));
      state.episodes = episodes.toJSON();
      const spendDays = new Map<string, AnomalousSpendDay[]>();
      for (const e of [...open, ...closed]) {
        if (e.family !== 'cost') continue;
        const day = Math.floor(e.peak.tsMs / 86_400_000) * 86_400_000;
        spendDays.set(e.service, [...(spendDays.get(e.service) ?? []), { dayMs: day, score: e.maxScore }]);
      }
      return {
        findings: open.map(episodeFinding),
        spendDays,
        points,
        pointsBySignal,
        anomalies: anomalous.length,
        open,
        closed,
      };
    },
    /** Keeps detector states and the watcher's cursors, so a restart continues where it stopped. */
    async save(): Promise<void> {
      if (o.store) for (const [key, d] of detectors) await o.store.save(key, d);
      if (o.statePath) {
        await mkdir(dirname(o.statePath), { recursive: true });
        await writeFile(`${o.statePath}.tmp`, JSON.stringify(state));
        await rename(`${o.statePath}.tmp`, o.statePath);
      }
    },
    /** Series watched so far. */
    get series() {
      return detectors.size;
    },
  };
}

/** A stable 64-bit id of a series key, for the anomalies table. */
function seriesId(key: string): string {
  return BigInt(`0x${createHash('sha256').update(key).digest('hex').slice(0, 16)}`).toString();
}

/** An open episode as an insight: an anomaly cluster on a service or resource, or a cost anomaly. */
export function episodeFinding(e: Episode): Finding {
  const cost = e.family === 'cost';
  const on = e.subject === e.service ? e.service : `${e.subject.split(/[/:]/).pop()} (${e.service || 'no service'})`;
  return {
    kind: cost ? 'cost_anomaly' : 'anomaly_cluster',
    subject: e.subject,
    service: e.service,
    team: '',
    severity: !cost && (e.signals.length > 1 || e.maxScore >= 0.95) ? 'critical' : 'warning',
    title: cost ? `Unusual spend on ${on}` : `Anomalous ${e.signals.join(', ')} on ${on}`,
    summary: `${e.points} anomalous ${cost ? 'hours' : 'minutes'} since ${new Date(e.startMs).toISOString()}; peak ${e.peak.signal} = ${round(e.peak.value)} (score ${e.maxScore.toFixed(2)})`,
    score: e.maxScore,
    startedMs: e.startMs,
    evidence: [
      {
        kind: 'anomaly',
        subject: e.subject,
        description: `${e.peak.signal} ${round(e.peak.value)} at ${new Date(e.peak.tsMs).toISOString()} scored ${e.maxScore.toFixed(3)}`,
        value: e.peak.value,
        source: {
          table: 'anomalies',
          filter: { service: e.service, name: e.peak.signal },
          fromMs: e.startMs,
          toMs: e.lastMs + 1,
        },
      },
    ],
    recommendations: [],
  };
}

const round = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 1 ? x.toFixed(2) : x.toPrecision(3));
