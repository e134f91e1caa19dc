import { toJsonEachRow, type Warehouse } from '../../core/warehouse/index.ts';
import type { ActionState } from './lifecycle.ts';

/** What can happen to an action. Each event leaves the action in a state (often the same one). */
export const ACTION_EVENT_KINDS = [
  'proposed',
  'decided',
  'vote',
  'escalated',
  'held',
  'dry_run',
  'started',
  'step',
  'succeeded',
  'failed',
  'verified',
  'rolled_back',
  'expired',
  'cancelled',
] as const;
/** One of {@link ACTION_EVENT_KINDS}. */
export type ActionEventKind = (typeof ACTION_EVENT_KINDS)[number];

/** One row of `action_events`, camelCase. */
export interface ActionEvent {
  actionId: string;
  /** 1 for `proposed`, then +1 per event of this action. */
  seq: number;
  /** Epoch milliseconds. */
  ts: number;
  event: ActionEventKind;
  /** The action's state after this event. */
  state: ActionState;
  type: string;
  service: string;
  team: string;
  /** The target's name (service, resource name or principal). */
  target: string;
  /** Who caused it: `user:<id>`, `agent:<id>`, `controller`. */
  actor: string;
  data: Record<string, unknown>;
  /** The audit_log record attesting this event. */
  auditSeq: number;
}

interface EventRow {
  action_id: string;
  seq: number;
  ts: number;
  event: ActionEventKind;
  state: ActionState;
  type: string;
  service: string;
  team: string;
  target: string;
  actor: string;
  data: string;
  audit_seq: number;
}

const SELECT = `action_id, seq, toUnixTimestamp64Milli(ts) AS ts, event, state, type, service, team, target, actor, data, audit_seq`;

/** Filters for listing actions by their latest event. */
export interface ActionListFilter {
  states?: readonly ActionState[];
  type?: string;
  service?: string;
  team?: string;
  /** Actions created at or after, epoch ms. */
  sinceMs?: number;
  /** Keyset paging: actions whose id sorts after this one (ids are time-ordered). */
  afterId?: string;
  /** @default 100 */
  limit?: number;
}

/** The append-only store of action events. */
export interface ActionEventStore {
  append(events: readonly ActionEvent[]): Promise<void>;
  /** Every event of one action in seq order (empty when the id is unknown). */
  history(actionId: string): Promise<ActionEvent[]>;
  /** {@link history} of several actions in one read: id → its events in seq order (unknown ids absent). */
  histories(actionIds: readonly string[]): Promise<Map<string, ActionEvent[]>>;
  /** The latest event of each matching action, newest action first. */
  latest(filter?: ActionListFilter): Promise<ActionEvent[]>;
  /** The action a proposer's idempotency key created, if any. */
  byIdempotencyKey(key: string): Promise<string | undefined>;
  /** Executions started since `sinceMs`, optionally of one type or team (rate limits). */
  countStarted(params: { sinceMs: number; type?: string; team?: string }): Promise<number>;
}

/** The store over the `action_events` table. */
export function createActionEventStore(warehouse: Warehouse): ActionEventStore {
  return {
    async append(events) {
      if (events.length === 0) return;
      await warehouse.insert(
        'action_events',
        toJsonEachRow(
          events.map((e) => ({
            action_id: e.actionId,
            seq: e.seq,
            ts: e.ts,
            event: e.event,
            state: e.state,
            type: e.type,
            service: e.service,
            team: e.team,
            target: e.target,
            actor: e.actor,
            data: JSON.stringify(e.data),
            audit_seq: e.auditSeq,
          })),
        ),
      );
    },
    async history(actionId) {
      const rows = await warehouse.query<EventRow>(
        `SELECT ${SELECT} FROM action_events WHERE action_id = {id:String} ORDER BY seq`,
        { id: actionId },
      );
      return rows.map(toEvent);
    },
    async histories(actionIds) {
      const out = new Map<string, ActionEvent[]>();
      if (actionIds.length === 0) return out;
      const rows = await warehouse.query<EventRow>(
        `SELECT ${SELECT} FROM action_events WHERE action_id IN {ids:Array(String)} ORDER BY action_id, seq`,
        { ids: actionIds },
      );
      for (const r of rows) {
        const e = toEvent(r);
        const list = out.get(e.actionId);
        if (list) list.push(e);
        else out.set(e.actionId, [e]);
      }
      return out;
    },
    async latest(filter = {}) {
      const where: string[] = [];
      const having: string[] = [];
      const params: Record<string, unknown> = { limit: filter.limit ?? 100 };
      for (const column of ['type', 'service', 'team'] as const) {
        if (filter[column] === undefined) continue;
        where.push(`${column} = {${column}:String}`);
        params[column] = filter[column];
      }
      if (filter.afterId !== undefined) {
        where.push('action_id < {afterId:String}');
        params['afterId'] = filter.afterId;
      }
      if (filter.sinceMs !== undefined) {
        having.push('min(ts) >= fromUnixTimestamp64Milli({sinceMs:Int64})');
        params['sinceMs'] = filter.sinceMs;
      }
      if (filter.states !== undefined) {
        having.push('argMax(state, seq) IN {states:Array(String)}');
        params['states'] = filter.states;
      }
      // The ids of matching actions first (a group by over two columns), then their latest rows.
      const ids = `SELECT action_id FROM action_events ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        GROUP BY action_id ${having.length ? `HAVING ${having.join(' AND ')}` : ''}
        ORDER BY action_id DESC LIMIT {limit:UInt32}`;
      const rows = await warehouse.query<EventRow>(
        `SELECT ${SELECT} FROM action_events WHERE action_id IN (${ids})
         ORDER BY action_id DESC, seq DESC LIMIT 1 BY action_id`,
        params,
      );
      return rows.map(toEvent);
    },
    async byIdempotencyKey(key) {
      const rows = await warehouse.query<{ action_id: string }>(
        `SELECT action_id FROM action_events
         WHERE seq = 1 AND JSONExtractString(data, 'idempotencyKey') = {key:String}
         ORDER BY ts LIMIT 1`,
        { key },
      );
      return rows[0]?.action_id;
    },
    async countStarted({ sinceMs, type, team }) {
      const rows = await warehouse.query<{ n: number }>(
        `SELECT count() AS n FROM action_events
         WHERE event = 'started' AND ts >= fromUnixTimestamp64Milli({sinceMs:Int64})
           AND ({type:String} = '' OR type = {type:String}) AND ({team:String} = '' OR team = {team:String})`,
        { sinceMs, type: type ?? '', team: team ?? '' },
      );
      return Number(rows[0]?.n ?? 0);
    },
  };
}

function toEvent(r: EventRow): ActionEvent {
  return {
    actionId: r.action_id,
    seq: Number(r.seq),
    ts: Number(r.ts),
    event: r.event,
    state: r.state,
    type: r.type,
    service: r.service,
    team: r.team,
    target: r.target,
    actor: r.actor,
    data: JSON.parse(r.data) as Record<string, unknown>,
    auditSeq: Number(r.audit_seq),
  };
}
