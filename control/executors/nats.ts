import type { Bus, Served } from '../../core/bus/index.ts';
import { DependencyError, messageOf } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import {
  describeIssue,
  type ExecutionRequest,
  type ExecutionResult,
  type Executor,
  executionRequestSchema,
  executionResultSchema,
  refused,
} from './types.ts';

/** Subjects of executor requests are `<prefix>.<type>`. @default aegis.exec */
export const DEFAULT_EXEC_SUBJECT_PREFIX = 'aegis.exec';
/** Queue group of the agents that serve executor requests. @default aegis-agents */
export const DEFAULT_AGENT_QUEUE = 'aegis-agents';

/** Parameters of {@link createNatsExecutor}. */
export interface NatsExecutorParams {
  bus: Bus;
  /** Action types it sends; unset: every type (whether an agent takes it shows at request time). */
  types?: string[];
  /** Longest wait for an agent's reply, in milliseconds; a request's own deadline shortens it. */
  timeoutMs: number;
  /** @default aegis.exec */
  subjectPrefix?: string;
  clock?: () => number;
}

/** Runs actions on agents over NATS request/reply: the request JSON goes to `<prefix>.<type>`, the reply
 *  is an {@link ExecutionResult}. Resolves with the agent's answer, including its `ok: false` refusals,
 *  and with `ok: false` when the request was never sent (invalid, or its deadline already passed).
 *  Rejects (outcome unknown, per the {@link Executor} contract) with `DependencyError`:
 *  - no agent serves the type, the reply timed out, or the agent's executor threw: `retryable: true`;
 *  - the reply is not an ExecutionResult: `retryable: false`. The agent may have made the change, so
 *    this is not an `ok: false`; but an agent that speaks another protocol answers a retry the same way.
 *  @example const exec = createNatsExecutor({ bus, timeoutMs: 10_000 }); await exec.run(request); */
export function createNatsExecutor(params: NatsExecutorParams): Executor {
  const prefix = params.subjectPrefix ?? DEFAULT_EXEC_SUBJECT_PREFIX;
  const types = params.types ? new Set(params.types) : undefined;
  const now = params.clock ?? Date.now;
  return {
    name: 'nats',
    supports: (type) => (types ? types.has(type) : isSubjectToken(type)),
    async run(request: ExecutionRequest, signal?: AbortSignal): Promise<ExecutionResult> {
      signal?.throwIfAborted();
      const parsed = executionRequestSchema.safeParse(request);
      if (!parsed.success) return refused(`invalid request: ${describeIssue(parsed.error)}`);
      if (!isSubjectToken(request.type))
        return refused(`type ${JSON.stringify(request.type)} cannot be a NATS subject token`);
      const remainingMs = request.deadlineMs - now();
      if (remainingMs <= 0) return refused(`deadline passed ${-remainingMs} ms before sending; not sent`);
      const subject = `${prefix}.${request.type}`;
      const reply = params.bus.request(subject, JSON.stringify(parsed.data), {
        timeoutMs: Math.max(1, Math.min(params.timeoutMs, remainingMs)),
      });
      const data = await (signal ? abortable(reply, signal) : reply);
      return parseReply(data, subject);
    },
  };
}

/** Parameters of {@link serveExecutor}. */
export interface ServeExecutorParams {
  bus: Bus;
  /** Carries out the requests. */
  executor: Executor;
  /** Queue group shared by the agents that take the same requests. @default aegis-agents */
  queue?: string;
  /** @default aegis.exec */
  subjectPrefix?: string;
  /** Subscribe to these types only, one subject each, so NATS routes a type only to agents that take
   *  it (and a type nobody takes fails fast with "no responders"). Unset: `<prefix>.>`, every type;
   *  then every agent in the queue group must support the same types. */
  types?: string[];
  clock?: () => number;
  logger?: Logger;
}

/** The agent side of {@link createNatsExecutor}: answers `<prefix>.<type>` requests with `executor`.
 *  A malformed request (not JSON, fails the schema, type differs from the subject), one past its
 *  deadline and one of an unsupported type get an `ok: false` reply; an `executor.run` that throws
 *  gets the bus's error reply, which the requester sees as a rejection (outcome unknown).
 *  @example const agent = serveExecutor({ bus, executor: simulator, types: ['scale_up'] }); await agent.ready; */
export function serveExecutor(params: ServeExecutorParams): Served {
  const prefix = params.subjectPrefix ?? DEFAULT_EXEC_SUBJECT_PREFIX;
  const queue = params.queue ?? DEFAULT_AGENT_QUEUE;
  const now = params.clock ?? Date.now;
  const handle = async (data: Uint8Array, subject: string): Promise<string> => {
    const result = await answer(data, subject);
    return JSON.stringify(result);
  };
  const answer = async (data: Uint8Array, subject: string): Promise<ExecutionResult> => {
    let body: unknown;
    try {
      body = JSON.parse(new TextDecoder().decode(data));
    } catch {
      return reject(subject, 'malformed request: body is not JSON');
    }
    const parsed = executionRequestSchema.safeParse(body);
    if (!parsed.success) return reject(subject, `malformed request: ${describeIssue(parsed.error)}`);
    const request = parsed.data;
    const subjectType = subject.slice(prefix.length + 1);
    if (request.type !== subjectType)
      return reject(subject, `request type ${request.type} does not match subject type ${subjectType}`);
    if (!params.executor.supports(request.type))
      return reject(subject, `executor ${params.executor.name} does not support ${request.type}`);
    const lateMs = now() - request.deadlineMs;
    if (lateMs > 0) return reject(subject, `deadline passed ${lateMs} ms before the agent got it; not started`);
    // A throw here propagates to the bus, which sends the error reply.
    return executionResultSchema.parse(await params.executor.run(request));
  };
  const reject = (subject: string, summary: string): ExecutionResult => {
    params.logger?.warn({ subject, summary }, 'executor request refused');
    return refused(summary);
  };
  const subjects = params.types ? params.types.map((t) => `${prefix}.${t}`) : [`${prefix}.>`];
  const served = subjects.map((s) => params.bus.serve(s, { queue }, handle));
  return {
    ready: Promise.all(served.map((s) => s.ready)).then(() => undefined),
    stop: async () => {
      await Promise.all(served.map((s) => s.stop()));
    },
  };
}

function parseReply(data: Uint8Array, subject: string): ExecutionResult {
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder().decode(data));
  } catch (err) {
    throw protocolError(`reply from ${subject} is not JSON: ${messageOf(err)}`, err);
  }
  const parsed = executionResultSchema.safeParse(body);
  if (!parsed.success)
    throw protocolError(`reply from ${subject} is not an ExecutionResult: ${describeIssue(parsed.error)}`);
  return parsed.data;
}

function protocolError(message: string, cause?: unknown): DependencyError {
  return new DependencyError(message, { dependency: 'nats-agent', retryable: false, cause });
}

/** A single NATS subject token: no separators, wildcards or whitespace. */
function isSubjectToken(s: string): boolean {
  return s.length > 0 && !/[.*>\s]/.test(s);
}

/** Rejects with the signal's reason when it aborts first. The request itself runs on to its timeout. */
function abortable<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
