/** An anomalous point as the detectors scored it. */
export interface AnomalousPoint {
  key: string;
  signal: string;
  service: string;
  subject: string;
  tsMs: number;
  value: number;
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
  maxScore: number;
  points: number;
  signals: string[];
  /** The most anomalous point, for the evidence. */
  peak: AnomalousPoint;
}

/** Groups anomalous points into episodes per (subject, family). State is the open episodes; a
 *  closed episode is handed out once. */
export class EpisodeTracker {
  private readonly open = new Map<string, Episode>();
  private closed: Episode[] = [];

  /** @param quietMs how long a subject must stay quiet before its episode ends, per family. */
  constructor(private readonly quietMs: { ops: number; cost: number } = { ops: 30 * 60_000, cost: 6 * 3_600_000 }) {}

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
        continue;
      }
      if (e) this.closed.push(e);
      this.open.set(id, {
        subject: p.subject,
        service: p.service,
        family,
        startMs: p.tsMs,
        lastMs: p.tsMs,
        maxScore: p.score,
        points: 1,
        signals: [p.signal],
        peak: p,
      });
    }
  }

  /** Ends the episodes quiet since before `nowMs − quietMs`; returns the episodes still open. */
  advance(nowMs: number): Episode[] {
    for (const [id, e] of this.open) {
      if (nowMs - e.lastMs > this.quietMs[e.family]) {
        this.closed.push(e);
        this.open.delete(id);
      }
    }
    return [...this.open.values()];
  }

  /** Episodes that ended since the last call. */
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
  static restore(episodes: readonly Episode[], quietMs?: { ops: number; cost: number }): EpisodeTracker {
    const t = new EpisodeTracker(quietMs);
    for (const e of episodes) t.open.set(`${e.family}|${e.subject}`, { ...e, signals: [...e.signals] });
    return t;
  }
}
