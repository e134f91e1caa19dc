/**
 * An example AEGIS agent: follows new recommendations over the GraphQL WebSocket, proposes actions for the
 * types it is configured for within a budget, and follows the decisions on them. It never approves or
 * executes: that is the control layer's and people's business. See README.md beside this file.
 *
 *   node bin/run-ts.js examples/agent/agent.ts --url ws://localhost:4000/graphql --token ak_… \
 *     [--config examples/agent/config.example.yaml] [--state ./agent-state.json]
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

/** What the agent may do (config.example.yaml documents each field). */
const agentConfigSchema = z.strictObject({
  /** Its name, in idempotency keys and logs. */
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
  /** Recommendation types it proposes actions for (`stop_idle`, `rightsize`, …). */
  types: z.array(z.string().min(1)).min(1),
  /** Recommendations below this confidence (0–1) are left to people. */
  minConfidence: z.number().min(0).max(1),
  budget: z.strictObject({ maxActionsPerHour: z.number().int().min(0), maxUsdPerHour: z.number().min(0) }),
});

/** What survives a restart: where each subscription was, and what the budget has spent. */
interface AgentState {
  recommendationsCursor?: string;
  actionsCursor?: string;
  proposed: { atMs: number; actionId: string; usd: number }[];
  /** Actions proposed and not yet in a final state. */
  following: string[];
}

const RECOMMENDATIONS = `subscription($after: String) {
  recommendationCreated(after: $after) {
    cursor recommendation { id type status subject service team title impactUsdMonth confidence }
  }
}`;
const ACTIONS = `subscription($after: String) {
  actionUpdated(after: $after) { cursor actionId event state action { heldReason decision { effect } } }
}`;
const PROPOSE = `mutation($input: ProposeActionInput!) {
  proposeAction(input: $input) { auditRecordId action { id state } }
}`;
const FINAL = new Set(['denied', 'succeeded', 'failed', 'rolled_back', 'expired', 'cancelled']);
const HOUR_MS = 3_600_000;

const { values: args } = parseArgs({
  options: {
    url: { type: 'string', default: 'ws://localhost:4000/graphql' },
    token: { type: 'string', default: process.env.AEGIS_API_KEY ?? '' },
    config: { type: 'string', default: new URL('config.example.yaml', import.meta.url).pathname },
    state: { type: 'string', default: './agent-state.json' },
  },
});
if (!args.token) throw new Error('--token (or AEGIS_API_KEY) is required: an API key with the agent role');
const parsed = agentConfigSchema.safeParse(parseYaml(readFileSync(args.config, 'utf8')));
if (!parsed.success) throw new Error(`${args.config}: ${z.prettifyError(parsed.error)}`);
const config = parsed.data;
const state = loadState(args.state);
const log = (msg: string, fields: Record<string, unknown> = {}) =>
  console.log(JSON.stringify({ at: new Date().toISOString(), agent: config.name, msg, ...fields }));

function loadState(file: string): AgentState {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as AgentState;
  } catch {
    return { proposed: [], following: [] };
  }
}

/** Written to a temp file, then renamed: a crash leaves the old state or the new, never half of one. */
function saveState(): void {
  writeFileSync(`${args.state}.tmp`, JSON.stringify(state, null, 2));
  renameSync(`${args.state}.tmp`, args.state);
}

const client: Client = createClient({
  url: args.url.replace(/^http/, 'ws'),
  webSocketImpl: WebSocket,
  connectionParams: { authorization: `Bearer ${args.token}` },
  // No transparent re-subscribe: it would resend the first `after`. `follow` resubscribes from the latest.
  retryAttempts: 0,
});

/** One query or mutation over the same socket. */
async function request<T>(query: string, variables: Record<string, unknown>): Promise<T> {
  for await (const result of client.iterate<T>({ query, variables })) {
    if (result.errors?.length) throw new Error(result.errors.map((e) => e.message).join('; '));
    return result.data as T;
  }
  throw new Error('no answer');
}

/** Follows a subscription for ever from the saved cursor: after a dropped connection or a restart it
 *  resumes right after the last event handled, so nothing is missed and nothing is handled twice. */
async function follow<E extends { cursor: string }>(
  query: string,
  field: string,
  cursor: 'recommendationsCursor' | 'actionsCursor',
  handle: (event: E) => Promise<void>,
): Promise<never> {
  for (;;) {
    try {
      for await (const result of client.iterate<Record<string, E>>({ query, variables: { after: state[cursor] } })) {
        if (result.errors?.length) throw new Error(result.errors.map((e) => e.message).join('; '));
        const event = result.data![field]!;
        await handle(event);
        state[cursor] = event.cursor;
        saveState();
      }
    } catch (err) {
      // A CloseEvent (code, reason), a socket ErrorEvent (message), or an Error.
      const { code, reason, message } = err as { code?: number; reason?: string; message?: string };
      // A refused key will not be accepted on the next try either.
      if (code === 4401 || code === 4403) throw new Error(`the API refused the key: ${reason ?? code}`);
      log('subscription lost; resuming from the last cursor', { field, err: reason || code || message || String(err) });
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
}

/** What an action of each type is aimed at, from the recommendation's subject. */
function targetOf(type: string, rec: { subject: string; service: string }): Record<string, string> {
  if (type === 'stop_idle' || type === 'rightsize') return { resourceId: rec.subject };
  if (type === 'revoke_access' || type === 'enforce_mfa') {
    return rec.service ? { principal: rec.subject, service: rec.service } : { principal: rec.subject };
  }
  return { service: rec.service || rec.subject };
}

/** Within budget: fewer than maxActionsPerHour proposals in the last hour, and their monthly impact
 *  (absolute USD) plus this one's at most maxUsdPerHour. */
function withinBudget(usd: number): boolean {
  const since = Date.now() - HOUR_MS;
  state.proposed = state.proposed.filter((p) => p.atMs >= since);
  const spent = state.proposed.reduce((sum, p) => sum + p.usd, 0);
  return state.proposed.length < config.budget.maxActionsPerHour && spent + usd <= config.budget.maxUsdPerHour;
}

interface RecommendationEvent {
  cursor: string;
  recommendation: {
    id: string;
    type: string;
    status: string;
    subject: string;
    service: string;
    title: string;
    impactUsdMonth: number;
    confidence: number;
  };
}

async function onRecommendation({ recommendation: rec }: RecommendationEvent): Promise<void> {
  const type = rec.type.toLowerCase(); // GraphQL enum STOP_IDLE, action type stop_idle
  if (!config.types.includes(type) || rec.status !== 'OPEN' || rec.confidence < config.minConfidence) return;
  const usd = Math.abs(rec.impactUsdMonth);
  if (!withinBudget(usd)) {
    log('over budget: left for a person', { recommendation: rec.id, usd });
    return;
  }
  const { proposeAction } = await request<{
    proposeAction: { auditRecordId: number; action: { id: string; state: string } };
  }>(PROPOSE, {
    input: {
      type,
      target: targetOf(type, rec),
      reason: `${config.name}: ${rec.title}`,
      recommendationId: rec.id,
      // A retry after a crash (before the cursor was saved) returns the same action, never a second one.
      idempotencyKey: `${config.name}:${rec.id}`,
    },
  });
  const { id, state: actionState } = proposeAction.action;
  log('proposed', { recommendation: rec.id, action: id, state: actionState, audit: proposeAction.auditRecordId });
  state.proposed.push({ atMs: Date.now(), actionId: id, usd });
  if (!FINAL.has(actionState) && !state.following.includes(id)) state.following.push(id);
}

interface ActionEvent {
  cursor: string;
  actionId: string;
  event: string;
  state: string;
  action: { heldReason: string | null; decision: { effect: string } | null };
}

async function onAction(e: ActionEvent): Promise<void> {
  if (!state.following.includes(e.actionId)) return;
  log('action update', { action: e.actionId, event: e.event, state: e.state, held: e.action.heldReason });
  if (FINAL.has(e.state)) state.following = state.following.filter((id) => id !== e.actionId);
}

process.once('SIGINT', () => {
  saveState();
  void client.dispose();
  process.exit(0);
});
log('started', { types: config.types, budget: config.budget, resumeFrom: state.recommendationsCursor ?? 'now' });
await Promise.all([
  follow<RecommendationEvent>(RECOMMENDATIONS, 'recommendationCreated', 'recommendationsCursor', onRecommendation),
  follow<ActionEvent>(ACTIONS, 'actionUpdated', 'actionsCursor', onAction),
]);
