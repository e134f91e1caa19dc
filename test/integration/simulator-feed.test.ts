import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/logger.ts';
import { createSimulatorFeed } from '../../ingest/collectors/simulator-feed.ts';
import { createTelemetryPublisher } from '../../ingest/publisher.ts';
import { createPlatform } from '../../ingest/simulator/index.ts';
import { startTestNats, tempDir } from '../harness/index.ts';

describe('simulator feed', () => {
  let nats: Awaited<ReturnType<typeof startTestNats>>;
  const dir = tempDir('aegis-feed-');
  beforeAll(async () => {
    nats = await startTestNats();
  });
  afterAll(async () => {
    await nats?.stop();
    dir.remove();
  });

  // A fixed clock, so that the second run sees exactly the same "now".
  const now = () => Date.UTC(2026, 10, 20, 12, 0, 0) + 30_000;
  const feed = () =>
    createSimulatorFeed({
      platform: createPlatform({ seed: 7, services: 3, teams: 3 }),
      publisher: createTelemetryPublisher({ bus: nats.bus, source: 'simulator' }),
      checkpointPath: join(dir.path, 'checkpoint.json'),
      groundTruthPath: join(dir.path, 'ground-truth.jsonl'),
      backfillDays: 1,
      tickMs: 60_000,
      logger: silentLogger(),
      now,
    });

  it('backfills once, and a restart from its checkpoint publishes nothing again', async () => {
    const first = feed();
    await first.start();
    await first.backfilled();
    await first.stop();
    const published = first.progress().records;
    expect(published).toBeGreaterThan(10_000);
    expect(first.progress().generatedUntilMs).toBe(Date.UTC(2026, 10, 20, 12, 0, 0));
    const messages = await nats.bus.streamMessages('TELEMETRY');

    const second = feed();
    await second.start();
    await second.backfilled();
    await second.stop();
    expect(second.progress().records).toBe(0);
    expect(await nats.bus.streamMessages('TELEMETRY')).toBe(messages);
  });

  it('stops at once when asked during the backfill, and the next run completes it', async () => {
    await nats.bus.purge('TELEMETRY');
    const path = join(dir.path, 'interrupted.json');
    const make = () =>
      createSimulatorFeed({
        platform: createPlatform({ seed: 8, services: 3, teams: 3 }),
        publisher: createTelemetryPublisher({ bus: nats.bus, source: 'simulator' }),
        checkpointPath: path,
        groundTruthPath: join(dir.path, 'gt2.jsonl'),
        backfillDays: 2,
        tickMs: 60_000,
        logger: silentLogger(),
        now,
      });
    const first = make();
    await first.start();
    await new Promise((r) => setTimeout(r, 100));
    await first.stop();
    const partial = first.progress().records;
    const second = make();
    await second.start();
    await second.backfilled();
    await second.stop();
    // Together they published the two days exactly once: the same as one uninterrupted run.
    const platform = createPlatform({ seed: 8, services: 3, teams: 3 });
    const end = Date.UTC(2026, 10, 20, 12, 0, 0);
    const start = Math.floor((end - 2 * 86_400_000) / 3_600_000) * 3_600_000;
    const all = platform.generate(start, end);
    const expected = all.metrics.length + all.cost.length + all.access.length + all.resources.length;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(expected);
    expect(partial + second.progress().records).toBe(expected);
  });
});
