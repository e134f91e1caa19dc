import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { messageOf } from '../../core/errors.ts';
import { type Component, type ComponentState, sleep } from '../../core/lifecycle.ts';
import type { Logger } from '../../core/logger.ts';
import { telemetryKinds } from '../../schemas/index.ts';
import type { TelemetryPublisher } from '../publisher.ts';
import { HOUR_MS, type Platform, writeGroundTruth } from '../simulator/index.ts';

/** Parameters of {@link createSimulatorFeed}. */
export interface SimulatorFeedParams {
  platform: Platform;
  publisher: TelemetryPublisher;
  /** Where the feed records how far it has published (JSON), so a restart neither repeats nor skips. */
  checkpointPath: string;
  /** Where the injected incidents of everything published are written (JSON lines). */
  groundTruthPath: string;
  /** Days of history to publish on first start. */
  backfillDays: number;
  /** How often live telemetry is generated, in milliseconds. */
  tickMs: number;
  logger: Logger;
  now?: () => number;
}

/** Where the feed stands. */
export interface SimulatorFeedProgress {
  phase: 'idle' | 'backfill' | 'live' | 'stopped';
  /** Simulated time published up to (exclusive), epoch ms. */
  generatedUntilMs: number;
  backfill: { fromMs: number; toMs: number; doneMs: number };
  records: number;
}

/** Publishes the simulated platform's telemetry: a backfill of history, then live. */
export interface SimulatorFeed extends Component {
  /** The platform it publishes; actions change it through the simulator executor. */
  readonly platform: Platform;
  progress(): SimulatorFeedProgress;
  /** Resolves when the backfill has been published (at once when there is none). */
  backfilled(): Promise<void>;
}

interface Checkpoint {
  configHash: string;
  firstMs: number;
  generatedUntilMs: number;
}

/** Creates the simulator feed. Records are published one hour of simulated time at a time and the
 *  checkpoint advances only after JetStream acknowledged them, so stopping at any moment loses nothing
 *  and a restart resumes where the last acknowledged slice ended.
 *  @example const feed = createSimulatorFeed({ platform, publisher, checkpointPath, groundTruthPath, backfillDays: 7, tickMs: 10_000, logger }); */
export function createSimulatorFeed(params: SimulatorFeedParams): SimulatorFeed {
  const now = params.now ?? Date.now;
  const grid = params.platform.config.metricIntervalMs;
  const configHash = createHash('sha256').update(JSON.stringify(params.platform.config)).digest('hex').slice(0, 16);
  const abort = new AbortController();
  let state: ComponentState = 'idle';
  let loop: Promise<void> | undefined;
  let checkpoint: Checkpoint | undefined;
  const progress: SimulatorFeedProgress = {
    phase: 'idle',
    generatedUntilMs: 0,
    backfill: { fromMs: 0, toMs: 0, doneMs: 0 },
    records: 0,
  };
  let markBackfilled: () => void = () => undefined;
  const backfilled = new Promise<void>((resolve) => (markBackfilled = resolve));

  async function publishRange(fromMs: number, toMs: number): Promise<void> {
    const generated = params.platform.generate(fromMs, toMs);
    for (const kind of telemetryKinds) {
      const records = generated[kind];
      if (records.length > 0) await params.publisher.publish(kind, records as never);
      progress.records += records.length;
    }
    checkpoint = { configHash, firstMs: checkpoint?.firstMs ?? fromMs, generatedUntilMs: toMs };
    saveCheckpoint(params.checkpointPath, checkpoint);
    progress.generatedUntilMs = toMs;
  }

  async function run(): Promise<void> {
    const startNow = Math.floor(now() / grid) * grid;
    const earliest = Math.floor((startNow - params.backfillDays * 24 * HOUR_MS) / HOUR_MS) * HOUR_MS;
    const previous = loadCheckpoint(params.checkpointPath, params.logger);
    if (previous && previous.configHash !== configHash)
      params.logger.warn(
        { checkpoint: params.checkpointPath },
        'simulator settings changed since the last run; publishing the new platform from scratch',
      );
    checkpoint = previous?.configHash === configHash ? previous : undefined;
    let cursor = Math.max(checkpoint?.generatedUntilMs ?? earliest, earliest);
    if (checkpoint && checkpoint.generatedUntilMs < earliest) checkpoint = { ...checkpoint, firstMs: earliest };

    progress.phase = 'backfill';
    progress.backfill = { fromMs: cursor, toMs: startNow, doneMs: 0 };
    while (cursor < startNow && !abort.signal.aborted) {
      const next = Math.min(startNow, Math.floor(cursor / HOUR_MS) * HOUR_MS + HOUR_MS);
      await publishRange(cursor, next);
      progress.backfill.doneMs = next - progress.backfill.fromMs;
      cursor = next;
    }
    await writeTruth();
    markBackfilled();
    progress.phase = 'live';
    while (!abort.signal.aborted) {
      await sleep(params.tickMs, abort.signal);
      const to = Math.floor(now() / grid) * grid;
      if (abort.signal.aborted || to <= cursor) continue;
      await publishRange(cursor, to);
      cursor = to;
      await writeTruth();
    }
  }

  // Incidents overlapping the published range only ever grow in number as the range grows, and change
  // otherwise only when an action changed the platform (a rollback ends one early): the file is
  // rewritten then, not on every live tick.
  let truthWritten = '';
  async function writeTruth(): Promise<void> {
    if (!checkpoint) return;
    const incidents = params.platform.groundTruth(checkpoint.firstMs, checkpoint.generatedUntilMs);
    const version = `${incidents.length}:${params.platform.changes().length}`;
    if (version === truthWritten) return;
    await writeGroundTruth(params.groundTruthPath, incidents);
    truthWritten = version;
  }

  return {
    name: 'simulator',
    get state() {
      return state;
    },
    platform: params.platform,
    progress: () => structuredClone(progress),
    backfilled: () => backfilled,
    async start() {
      if (state !== 'idle') return;
      state = 'running';
      loop = run().catch((err) => {
        state = 'failed';
        params.logger.error({ err: messageOf(err) }, 'simulator feed stopped on an error');
        markBackfilled();
      });
    },
    async stop() {
      if (state === 'idle') state = 'stopped';
      if (state === 'stopped') return;
      state = 'stopping';
      abort.abort();
      await loop;
      progress.phase = 'stopped';
      state = 'stopped';
    },
  };
}

function loadCheckpoint(path: string, logger: Logger): Checkpoint | undefined {
  if (!existsSync(path)) return undefined;
  try {
    const value = JSON.parse(readFileSync(path, 'utf8')) as Checkpoint;
    if (typeof value.generatedUntilMs === 'number' && typeof value.firstMs === 'number') return value;
  } catch (err) {
    logger.warn({ path, err: messageOf(err) }, 'unreadable simulator checkpoint; starting over');
  }
  return undefined;
}

// Write-then-rename: a crash mid-write leaves the previous checkpoint, never a torn one.
function saveCheckpoint(path: string, checkpoint: Checkpoint): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(`${path}.tmp`, JSON.stringify(checkpoint));
  renameSync(`${path}.tmp`, path);
}
