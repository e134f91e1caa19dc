import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { ConfigError, messageOf } from '../../core/errors.ts';
import {
  type Platform,
  type PlatformChange,
  type PlatformChangeInput,
  platformChangeKinds,
  platformChangeSchema,
  type TargetState,
} from '../../ingest/simulator/index.ts';
import { ACTION_TYPES } from '../actions/action-types.ts';
import {
  type ExecutionRequest,
  type ExecutionResult,
  type Executor,
  executionRequestSchema,
  executionResultSchema,
  refused,
} from './types.ts';

/** Action types the simulated platform can carry out: one per kind of change it takes. */
export const SIMULATOR_ACTION_TYPES = platformChangeKinds;
/** Types whose change a `rollback` can undo, as the action types say (a rolled-back deploy is not re-deployed). */
const REVERSIBLE: ReadonlySet<string> = new Set(
  Object.values(ACTION_TYPES)
    .filter((spec) => spec.reversible)
    .map((spec) => spec.type),
);

/** Parameters of {@link createSimulatorExecutor}. */
export interface SimulatorExecutorParams {
  /** The platform the feed publishes: changes show in the telemetry it generates from then on. */
  platform: Platform;
  /** JSON-lines journal of every answer (and the change it applied), replayed into the platform on
   *  creation so a restarted simulator generates the same telemetry. Unset: memory only. */
  journalPath?: string;
  /** Epoch ms; a change takes effect at the clock's now. Must be the feed's clock. @default Date.now */
  clock?: () => number;
}

/** What the journal held when the executor was created. */
export interface JournalRecovery {
  /** Answers loaded (each one a past call's idempotency key). */
  entries: number;
  /** Changes among them applied to the platform. */
  changes: number;
  /** Torn last lines skipped and cut off (a crash during a write): 0 or 1. */
  tornLines: number;
}

/** The simulator executor: an {@link Executor} plus what it recovered from its journal. */
export interface SimulatorExecutor extends Executor {
  readonly recovered: JournalRecovery;
}

const journalEntrySchema = z.strictObject({
  idempotencyKey: z.string().min(1),
  /** SHA-256 of the request without its deadline: a reused key with another request is refused. */
  fingerprint: z.string().min(1),
  change: platformChangeSchema.optional(),
  result: executionResultSchema,
});
type JournalEntry = z.output<typeof journalEntrySchema>;

const fingerprintOf = (r: ExecutionRequest) => {
  const { deadlineMs: _deadline, ...rest } = r;
  return createHash('sha256').update(JSON.stringify(rest)).digest('hex');
};
const usd = (x: number) => `$${x.toFixed(2)}`;
const shortId = (id: string) => id.split(/[/:]/).pop() || id;

/**
 * Creates the executor that carries actions out on the simulated platform.
 *
 * Targets: resource actions (`rightsize`, `stop_idle`) act on `target.resourceId`, the simulator's
 * resource ARN; principal actions (`revoke_access`, `enforce_mfa`) on the principal in
 * `target.resourceId` (an IAM user or role ARN, an assumed-role session, a k8s identity); service
 * actions (`scale_up`, `rollback_change`) on `target.service`, and a `scale_up` whose
 * `target.resourceId` is set scales that one resource of the service.
 * @example
 * const executor = createSimulatorExecutor({ platform, journalPath: './data/simulator-changes.jsonl' });
 */
export function createSimulatorExecutor(params: SimulatorExecutorParams): SimulatorExecutor {
  const { platform } = params;
  const clock = params.clock ?? Date.now;
  const answers = new Map<string, JournalEntry>();
  const recovered = params.journalPath ? loadJournal(params.journalPath, platform, answers) : undefined;
  let fd: number | undefined;

  function append(entry: JournalEntry): void {
    if (!params.journalPath) return;
    if (fd === undefined) {
      mkdirSync(dirname(params.journalPath), { recursive: true });
      fd = openSync(params.journalPath, 'a');
    }
    // One write of one line, then fsync: a crash leaves at most a torn last line, which the next
    // load cuts off. The change is applied only once its line is on disk (write-ahead).
    const size = fstatSync(fd).size;
    try {
      writeSync(fd, `${JSON.stringify(entry)}\n`);
      fsyncSync(fd);
    } catch (err) {
      // Cut a partial line off now, or the next entry would be appended to it. The caller sees a
      // rejection (outcome unknown) and retries with the same key.
      ftruncateSync(fd, size);
      throw err;
    }
  }

  function answer(request: ExecutionRequest, fingerprint: string, result: ExecutionResult, change?: PlatformChange) {
    const entry: JournalEntry = {
      idempotencyKey: request.idempotencyKey,
      fingerprint,
      result,
      ...(change ? { change } : {}),
    };
    append(entry);
    if (change) platform.applyChange(change);
    answers.set(request.idempotencyKey, entry);
    return result;
  }

  return {
    name: 'simulator',
    recovered: recovered ?? { entries: 0, changes: 0, tornLines: 0 },
    supports: (type) => (SIMULATOR_ACTION_TYPES as readonly string[]).includes(type),
    async run(input, signal) {
      const parsed = executionRequestSchema.safeParse(input);
      if (!parsed.success) return refused(`invalid execution request: ${z.prettifyError(parsed.error)}`);
      const request = parsed.data;
      const fingerprint = fingerprintOf(request);
      const previous = answers.get(request.idempotencyKey);
      if (previous) {
        if (previous.fingerprint !== fingerprint) {
          return refused(`idempotencyKey ${request.idempotencyKey} was already used for a different request`);
        }
        return { ...previous.result, replayed: true };
      }
      // Refusals that depend on timing are not remembered: a retry may still go through.
      if (signal?.aborted) return refused('cancelled before it started; nothing changed');
      const now = Math.floor(clock());
      if (now > request.deadlineMs) {
        return refused(
          `deadline passed before it started (now ${now} > deadlineMs ${request.deadlineMs}); nothing changed`,
        );
      }
      const built = buildChange(request, now);
      if (typeof built === 'string') return answer(request, fingerprint, refused(built));
      if (built.kind === 'revert') {
        const undone = platform.changes().find((c) => c.key === built.reverts);
        if (undone && undone.kind !== request.type) {
          return answer(
            request,
            fingerprint,
            refused(`undo.changeKey ${built.reverts} is a ${undone.kind} change, not ${request.type}`),
          );
        }
      }
      const check = platform.checkChange(built);
      if (check.problems.length > 0 || !check.change) {
        return answer(request, fingerprint, refused(`${request.type} refused: ${check.problems.join('; ')}`));
      }
      const change = check.change;
      const { before, after } = platform.preview(change);
      const details = { change: change.key, atMs: change.atMs, kind: change.kind, before, after };
      const text = describe(request, change, before, after);
      if (request.mode === 'dry_run') {
        return answer(request, fingerprint, { ok: true, summary: `would ${text}`, details, replayed: false });
      }
      const undo = request.mode === 'execute' && REVERSIBLE.has(request.type) ? { changeKey: change.key } : undefined;
      const summary = change.kind === 'revert' ? `undid ${change.reverts}: ${text}` : `applied: ${text}`;
      const result: ExecutionResult = { ok: true, summary, details, replayed: false, ...(undo ? { undo } : {}) };
      // A replay (the platform has this very change already) is journaled too; reloading it is a no-op.
      return answer(request, fingerprint, result, change);
    },
    async close() {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}

/** The platform change a request asks for, at `now`, or why there is none. */
function buildChange(request: ExecutionRequest, now: number): PlatformChangeInput | string {
  const { type, target, params: p } = request;
  const key = request.idempotencyKey;
  if (!(SIMULATOR_ACTION_TYPES as readonly string[]).includes(type)) return `the simulator cannot carry out ${type}`;
  if (request.mode === 'rollback') {
    const changeKey = request.undo?.changeKey;
    if (typeof changeKey !== 'string' || changeKey === '') {
      return 'rollback needs the undo its execute call returned (undo.changeKey is missing)';
    }
    if (!REVERSIBLE.has(type)) return `${type} cannot be undone`;
    return { key, atMs: now, kind: 'revert', reverts: changeKey };
  }
  // Only the parameters a kind knows are passed on: the schema judges their values.
  const pick = (...names: string[]) =>
    Object.fromEntries(names.filter((n) => p[n] !== undefined).map((n) => [n, p[n]]));
  const needId = (what: string) => (target.resourceId ? undefined : `${type} needs target.resourceId (${what})`);
  switch (type) {
    case 'scale_up':
      return {
        key,
        atMs: now,
        kind: 'scale_up',
        service: target.service,
        ...(target.resourceId ? { resource: target.resourceId } : {}),
        params: { factor: 2, ...pick('factor') } as { factor: number },
      };
    case 'rightsize':
      return (
        needId('the resource ARN') ?? {
          key,
          atMs: now,
          kind: 'rightsize',
          resource: target.resourceId as string,
          params: pick('factor'),
        }
      );
    case 'stop_idle':
      return needId('the resource ARN') ?? { key, atMs: now, kind: 'stop_idle', resource: target.resourceId as string };
    case 'revoke_access':
      return (
        needId('the principal') ?? {
          key,
          atMs: now,
          kind: 'revoke_access',
          principal: target.resourceId as string,
          params: pick('actions'),
        }
      );
    case 'enforce_mfa':
      return needId('the principal') ?? { key, atMs: now, kind: 'enforce_mfa', principal: target.resourceId as string };
    default:
      return { key, atMs: now, kind: 'rollback_change', service: target.service };
  }
}

/** One line for people: what the change does, with the numbers that move. */
function describe(request: ExecutionRequest, change: PlatformChange, before: TargetState, after: TargetState): string {
  const at = new Date(change.atMs).toISOString();
  if (before.kind === 'resource' && after.kind === 'resource') {
    const name = shortId(before.resourceId);
    const cost = `${usd(before.monthlyCostUsd)} → ${usd(after.monthlyCostUsd)} a month`;
    if (after.state !== before.state)
      return `${after.state === 'stopped' ? 'stop' : 'start'} ${name} at ${at}: ${cost}`;
    return `resize ${name} to ${Math.round(after.capacityFactor * 100)} % of its built capacity at ${at}: ${after.provisionedVcpu} vCPU, ${cost}`;
  }
  if (before.kind === 'service' && after.kind === 'service') {
    if (request.type === 'rollback_change') {
      const ended = before.activeIncidents.map((i) => `${i.kind} ${i.id}`);
      return `roll back the latest change to ${before.service} at ${at}: ${ended.length > 0 ? `ends ${ended.join(', ')}` : 'no incident was active'}`;
    }
    return `scale ${before.service} from ×${before.capacityFactor} to ×${after.capacityFactor} at ${at}: compute ${usd(before.computeMonthlyCostUsd)} → ${usd(after.computeMonthlyCostUsd)} a month`;
  }
  if (before.kind === 'principal' && after.kind === 'principal') {
    if (before.mfaEnforced !== after.mfaEnforced)
      return `${after.mfaEnforced ? 'require' : 'stop requiring'} MFA for ${before.principal} at ${at}`;
    const revoked = (s: string[]) => (s.length > 0 ? s.join(', ') : 'nothing');
    return `change what is revoked from ${before.principal} at ${at}: ${revoked(before.revokedActions)} → ${revoked(after.revokedActions)}`;
  }
  return `${change.kind} at ${at}`;
}

/** Reads the journal into `answers` and the platform. A torn last line (a crash mid-write) is cut
 *  off and counted; any other bad line means the file is not a journal of this platform: ConfigError. */
function loadJournal(path: string, platform: Platform, answers: Map<string, JournalEntry>): JournalRecovery {
  const out: JournalRecovery = { entries: 0, changes: 0, tornLines: 0 };
  if (!existsSync(path)) return out;
  const text = readFileSync(path, 'utf8');
  const lines = text.split('\n');
  // Bytes of the lines kept, up to and including their newlines: where a torn tail is cut.
  let goodBytes = 0;
  for (const [i, line] of lines.entries()) {
    // The element after the final newline: '' for a complete file, a fragment after a torn write.
    const unterminated = i === lines.length - 1;
    const lastLine = unterminated || (i === lines.length - 2 && lines[lines.length - 1] === '');
    if (line === '' && !unterminated) {
      goodBytes += 1;
      continue;
    }
    if (line === '') continue;
    let entry: JournalEntry;
    try {
      entry = journalEntrySchema.parse(JSON.parse(line));
    } catch (err) {
      if (lastLine) {
        out.tornLines = 1;
        break;
      }
      throw new ConfigError(`simulator journal ${path} line ${i + 1} is corrupt: ${messageOf(err)}`, { cause: err });
    }
    if (unterminated) {
      // Whole JSON but no newline: the write did not finish, so the call was never answered and
      // its change never applied; the caller retries it.
      out.tornLines = 1;
      break;
    }
    if (entry.change) {
      try {
        if (platform.applyChange(entry.change)) out.changes++;
      } catch (err) {
        throw new ConfigError(
          `simulator journal ${path} line ${i + 1}: change ${entry.change.key} does not fit this platform (was the seed or shape changed?): ${messageOf(err)}`,
          { cause: err },
        );
      }
    }
    answers.set(entry.idempotencyKey, entry);
    out.entries++;
    goodBytes += Buffer.byteLength(line, 'utf8') + 1;
  }
  if (out.tornLines > 0) {
    // Cut the torn tail off, so the next line is not appended to it.
    const fd = openSync(path, 'r+');
    try {
      ftruncateSync(fd, goodBytes);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
  return out;
}
