import { describe, expect, it } from 'vitest';
import { type AnomalousPoint, EpisodeTracker } from './episodes.ts';

const MIN = 60_000;
const point = (tsMs: number, score = 0.92, o: Partial<AnomalousPoint> = {}): AnomalousPoint => ({
  key: 'latency_p99|api|api',
  signal: 'latency_p99',
  service: 'api',
  subject: 'api',
  tsMs,
  value: 1,
  score,
  ...o,
});

describe('EpisodeTracker', () => {
  it('reports an episode once a second point confirms it, from the first point on', () => {
    const t = new EpisodeTracker();
    t.add([point(0)]);
    expect(t.advance(MIN)).toEqual([]);
    t.add([point(2 * MIN, 0.95, { signal: 'error_ratio' })]);
    const [e] = t.advance(3 * MIN);
    expect(e).toMatchObject({ startMs: 0, confirmedMs: 2 * MIN, points: 2, maxScore: 0.95 });
    expect(e!.signals).toEqual(['latency_p99', 'error_ratio']);
  });

  it('confirms a near-certain point on its own', () => {
    const t = new EpisodeTracker();
    t.add([point(0, 0.995)]);
    expect(t.advance(MIN)[0]?.confirmedMs).toBe(0);
  });

  it('drops a lone blip when it goes quiet, and closes a confirmed episode after the quiet time', () => {
    const t = new EpisodeTracker();
    t.add([point(0), point(0, 0.92, { subject: 'db', service: 'api' }), point(MIN, 0.92, { subject: 'db' })]);
    expect(t.advance(29 * MIN).map((e) => e.subject)).toEqual(['db']);
    expect(t.advance(32 * MIN)).toEqual([]);
    expect(t.takeClosed().map((e) => e.subject)).toEqual(['db']);
    expect(t.takeClosed()).toEqual([]);
  });

  it('starts a new episode after a quiet gap, and keeps cost apart from operations', () => {
    const t = new EpisodeTracker();
    t.add([point(0), point(MIN), point(45 * MIN), point(46 * MIN), point(46 * MIN, 0.99, { signal: 'cost' })]);
    const open = t.advance(47 * MIN);
    expect(open.map((e) => [e.family, e.startMs])).toEqual([
      ['ops', 45 * MIN],
      ['cost', 46 * MIN],
    ]);
    expect(t.takeClosed().map((e) => e.startMs)).toEqual([0]);
  });

  it('continues from its saved open episodes', () => {
    const t = new EpisodeTracker();
    t.add([point(0)]);
    const restored = EpisodeTracker.restore(JSON.parse(JSON.stringify(t.toJSON())));
    restored.add([point(MIN)]);
    expect(restored.advance(2 * MIN)[0]).toMatchObject({ startMs: 0, confirmedMs: MIN });
  });
});
