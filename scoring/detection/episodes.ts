import type { SignalPoint } from './signals.ts';

/** An anomalous point: a signal's value and the score the detectors gave it. */
export interface AnomalousPoint extends SignalPoint {
  score: number;
}

/** A run of anomalous points on one subject with no quiet gap longer than the episode's
 *  `quietMs`: one incident as the detectors saw it. */
export interface Episode {
  subject: string;
  service: string;
  /** Cost episodes are kept apart from operational ones: they become different insights. */
  family: 'ops' | 'cost';
  startMs: number;
  lastMs: number;
  /** When the episode was confirmed (its second anomalous point, or a first one scoring at
   *  `instantScore`); null while it is a lone blip, which is never reported. */
  confirmedMs: number | null;
  maxScore: number;
  points: number;
  signals: string[];
  /** The most anomalous point, for the evidence. */
  peak: AnomalousPoint;
}

/** How episodes are formed. */
export interface EpisodeOptions {
  /** How long a subject must stay quiet before its episode ends, per family. @default 30 min / 6 h */
  quietMs?: { ops: number; cost: number };
  /** Anomalous points that confirm an episode; a lone blip is noise. @default 2 */
  minPoints?: number;
  /** A score this high confirms an episode on its own. @default 0.99 */
  instantScore?: number;
}

/** Groups anomalous points into episodes per (subject, family), and reports only confirmed ones:
 *  on the simulator's ground truth a second point (or one near-certain point) removes most false
 *  alarms for the cost of a minute of detection time. State is the open episodes; a closed
 *  episode is handed out once. */
export class EpisodeTracker {
  private readonly open = new Map<string, Episode>();
  private closed: Episode[] = [];
  private readonly quietMs: { ops: number; cost: number };
  private readonly minPoints: number;
  private readonly instantScore: number;

  constructor(options: EpisodeOptions = {}) {
    this.quietMs = options.quietMs ?? { ops: 30 * 60_000, cost: 6 * 3_600_000 };
    this.minPoints = options.minPoints ?? 2;
    this.instantScore = options.instantScore ?? 0.99;
  }

  private confirm(e: Episode, p: AnomalousPoint): void {
    if (e.confirmedMs === null && (e.points >= this.minPoints || p.score >= this.instantScore)) e.confirmedMs = p.tsMs;
  }

  /** Adds anomalous points, in time order. */
  add(points: readonly AnomalousPoint[]): void {
    for (const p of points) {
      const family = p.signal === 'cost' ? 'cost' : 'ops';
      const id = `${family}|${p.subject}`;
      const e = this.open.get(id);
      if (e && p.tsMs - e.lastMs <= this.quietMs[family]) {
        e.lastMs = Math.max(e.lastMs, p.tsMs);
        e.points++;
        if (!e.signals.includes(p.signal)) e.signals.push(p.signal);
        if (p.score > e.maxScore) {
          e.maxScore = p.score;
          e.peak = p;
        }
        this.confirm(e, p);
        continue;
      }
      if (e) this.close(e);
      const fresh: Episode = {
        subject: p.subject,
        service: p.service,
        family,
        startMs: p.tsMs,
        lastMs: p.tsMs,
        confirmedMs: null,
        maxScore: p.score,
        points: 1,
        signals: [p.signal],
        peak: p,
      };
      this.confirm(fresh, p);
      this.open.set(id, fresh);
    }
  }

  private close(e: Episode): void {
    if (e.confirmedMs !== null) this.closed.push(e);
  }

  /** Ends the episodes quiet since before `nowMs − quietMs`; returns the confirmed episodes still open. */
  advance(nowMs: number): Episode[] {
    for (const [id, e] of this.open) {
      if (nowMs - e.lastMs > this.quietMs[e.family]) {
        this.close(e);
        this.open.delete(id);
      }
    }
    return [...this.open.values()].filter((e) => e.confirmedMs !== null);
  }

  /** Confirmed episodes that ended since the last call. */
  takeClosed(): Episode[] {
    const out = this.closed;
    this.closed = [];
    return out;
  }

  /** The open episodes as plain data, to persist. */
  toJSON(): Episode[] {
    return [...this.open.values()];
  }

  /** Continues from persisted open episodes. */
  static restore(episodes: readonly Episode[], options?: EpisodeOptions): EpisodeTracker {
    const t = new EpisodeTracker(options);
    for (const e of episodes) {
      t.open.set(`${e.family}|${e.subject}`, { ...e, confirmedMs: e.confirmedMs ?? null, signals: [...e.signals] });
    }
    return t;
  }
}
