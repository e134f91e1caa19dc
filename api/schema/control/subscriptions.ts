import 'reflect-metadata';
import {
  Arg,
  Authorized,
  Ctx,
  FieldResolver,
  Resolver,
  Root,
  type SubscribeResolverData,
  Subscription,
} from 'type-graphql';
import type { AuditRecord } from '../../../control/audit/index.ts';
import type { Tail, TailMessage } from '../../../core/bus/index.ts';
import { InputError } from '../../../core/errors.ts';
import { inScope } from '../../auth/permissions.ts';
import type { ApiContext } from '../../context.ts';
import {
  ActionUpdate,
  AuditAppended,
  InsightEvent,
  RecommendationEvent,
  toInsight,
  toRecommendation,
} from './event-types.ts';
import { InsightEventFilter, RecommendationEventFilter } from './inputs.ts';
import { principalOf, visibleAction } from './scope.ts';
import { Action, toAction, toAuditLogRecord } from './types.ts';

/** The stream every subscription follows. */
const STREAM = 'EVENTS';
/** Subject tokens are single NATS tokens: a filter value with a dot or a wildcard would widen the subject. */
const TOKEN = /^[A-Za-z0-9_-]+$/;

/** The stream sequence behind a cursor (the cursor is its decimal text; clients treat it as opaque). */
export function cursorSeq(after: string | null | undefined): number | undefined {
  if (after === null || after === undefined || after === '') return undefined;
  if (!/^\d{1,15}$/.test(after))
    throw new InputError('after is not a cursor of this subscription', { location: 'after' });
  return Number(after);
}

function token(value: string | null | undefined, field: string): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (!TOKEN.test(value)) throw new InputError(`${field} must be a plain name (got ${JSON.stringify(value)})`);
  return value;
}

/** Maps a tail into a subscription's source: each message to a payload, or undefined to skip it. `return()`
 *  (the client unsubscribed, or the socket closed) stops the tail at once, even while a `next()` waits. */
function source<T>(tail: Tail, map: (m: TailMessage) => Promise<T | undefined> | T | undefined): AsyncIterable<T> {
  const it = tail[Symbol.asyncIterator]();
  const self: AsyncIterableIterator<T> = {
    async next() {
      for (;;) {
        const r = await it.next();
        if (r.done) return { done: true, value: undefined };
        const value = await map(r.value);
        if (value !== undefined) return { done: false, value };
      }
    },
    async return() {
      await tail.stop();
      return { done: true, value: undefined };
    },
    async throw(err: unknown) {
      await tail.stop();
      throw err;
    },
    [Symbol.asyncIterator]() {
      return self;
    },
  };
  return self;
}

const json = (m: TailMessage): Record<string, unknown> | undefined => {
  try {
    const v = JSON.parse(new TextDecoder().decode(m.data)) as unknown;
    return v !== null && typeof v === 'object' ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined; // a malformed event is skipped, not fatal to the subscription
  }
};

/** The team an audit record is about: triage records name it, an action's `proposed` record has its
 *  target's owner, and any later record's subject is an action already in `action_events`. */
async function auditTeam(ctx: ApiContext, rec: AuditRecord, cache: Map<string, string>): Promise<string> {
  let payload: Record<string, unknown> = {};
  try {
    payload = JSON.parse(rec.payload) as Record<string, unknown>;
  } catch {
    // unknown shape: found by subject below
  }
  const named = payload.team ?? (payload.target as Record<string, unknown> | undefined)?.owner;
  if (typeof named === 'string') return named;
  const known = cache.get(rec.subject);
  if (known !== undefined) return known;
  const [row] = await ctx.services.warehouse.query<{ team: string }>(
    'SELECT team FROM action_events WHERE action_id = {id:String} LIMIT 1',
    { id: rec.subject },
  );
  const team = row?.team ?? '';
  if (cache.size >= 1000) cache.clear();
  cache.set(rec.subject, team);
  return team;
}

/** A subscription to the scorer's CloudEvents of one `type` on `subject`, kept to the key's scope and an
 *  optional team, each mapped to its payload. */
async function cloudEvents<T>(
  context: ApiContext,
  params: { subject: string; type: string; team: string | null; after: string | null | undefined },
  toEvent: (base: { cursor: string; eventType: string; time: Date }, data: Record<string, unknown>) => T,
): Promise<AsyncIterable<T>> {
  const afterSeq = cursorSeq(params.after);
  const tail = await context.services.bus.tail(STREAM, {
    subjects: [params.subject],
    ...(afterSeq !== undefined ? { afterSeq } : {}),
  });
  return source(tail, (m): T | undefined => {
    const e = json(m);
    const data = e?.data as Record<string, unknown> | undefined;
    if (e?.type !== params.type || !data) return undefined;
    const rowTeam = String(data.team ?? '');
    if (!inScope(context.principal, rowTeam) || (params.team !== null && rowTeam !== params.team)) return undefined;
    return toEvent(
      { cursor: String(m.seq), eventType: String(e.type), time: new Date(String(e.time ?? Date.now())) },
      data,
    );
  });
}

type Data<A> = SubscribeResolverData<unknown, A, ApiContext>;

/** Subscriptions fed from the EVENTS stream. Each event carries a `cursor`; subscribing again with
 *  `after: <cursor>` replays every event after it (JetStream keeps them), so a client that reconnects
 *  misses nothing and sees nothing twice. Without `after`, only new events. */
@Resolver(() => ActionUpdate)
export class ControlSubscriptionResolver {
  @Authorized('subscribe')
  @Subscription(() => RecommendationEvent, {
    description: 'New recommendations (`aegis.recommendation.created`), optionally of one type or team.',
    subscribe: async ({
      args,
      context,
    }: Data<{ filter?: RecommendationEventFilter | null; after?: string | null }>) => {
      const type = token(args.filter?.type, 'filter.type');
      return cloudEvents(
        context,
        {
          subject: `aegis.recommendations.${type ?? '>'}`,
          type: 'aegis.recommendation.created',
          team: args.filter?.team ?? null,
          after: args.after,
        },
        (base, data): RecommendationEvent => ({ ...base, recommendation: toRecommendation(data) }),
      );
    },
  })
  recommendationCreated(
    @Root() event: RecommendationEvent,
    @Arg('filter', () => RecommendationEventFilter, { nullable: true }) _filter: RecommendationEventFilter | null,
    @Arg('after', () => String, { nullable: true }) _after: string | null,
  ): RecommendationEvent {
    return event;
  }

  @Authorized('subscribe')
  @Subscription(() => InsightEvent, {
    description: 'New insights (`aegis.insight.opened`), optionally of one severity or team.',
    subscribe: async ({ args, context }: Data<{ filter?: InsightEventFilter | null; after?: string | null }>) => {
      const severity = token(args.filter?.severity, 'filter.severity');
      return cloudEvents(
        context,
        {
          subject: `aegis.insights.${severity ?? '>'}`,
          type: 'aegis.insight.opened',
          team: args.filter?.team ?? null,
          after: args.after,
        },
        (base, data): InsightEvent => ({ ...base, insight: toInsight(data) }),
      );
    },
  })
  insightCreated(
    @Root() event: InsightEvent,
    @Arg('filter', () => InsightEventFilter, { nullable: true }) _filter: InsightEventFilter | null,
    @Arg('after', () => String, { nullable: true }) _after: string | null,
  ): InsightEvent {
    return event;
  }

  @Authorized('subscribe')
  @Subscription(() => ActionUpdate, {
    description: 'Every event of one action (`id`), or of every action the key may see.',
    subscribe: async ({ args, context }: Data<{ id?: string | null; after?: string | null }>) => {
      const id = args.id ?? null;
      const afterSeq = cursorSeq(args.after);
      if (id !== null) await visibleAction(context, id); // NOT_FOUND now, not silence for ever
      const tail = await context.services.bus.tail(STREAM, {
        subjects: ['aegis.actions.>'],
        ...(afterSeq !== undefined ? { afterSeq } : {}),
      });
      return source(tail, (m): Omit<ActionUpdate, 'action'> | undefined => {
        const e = json(m);
        if (!e || typeof e.actionId !== 'string') return undefined;
        if ((id !== null && e.actionId !== id) || !inScope(context.principal, String(e.team ?? ''))) {
          return undefined;
        }
        return {
          cursor: String(m.seq),
          actionId: e.actionId,
          seq: Number(e.seq),
          event: String(e.event),
          state: String(e.state),
          type: String(e.type),
          service: String(e.service),
          team: String(e.team),
          auditSeq: Number(e.auditSeq),
          at: new Date(Number(e.ts)),
        };
      });
    },
  })
  actionUpdated(
    @Root() event: ActionUpdate,
    @Arg('id', () => String, { nullable: true }) _id: string | null,
    @Arg('after', () => String, { nullable: true }) _after: string | null,
  ): ActionUpdate {
    return event;
  }

  @FieldResolver(() => Action)
  async action(@Root() update: ActionUpdate, @Ctx() ctx: ApiContext): Promise<Action> {
    return toAction(await visibleAction(ctx, update.actionId));
  }

  @Authorized('subscribe')
  @Subscription(() => AuditAppended, {
    description: 'Records appended to the audit log (a team-scoped key: those about its team).',
    subscribe: async ({ args, context }: Data<{ after?: string | null }>) => {
      const afterSeq = cursorSeq(args.after);
      const scoped = principalOf(context).team;
      const teams = new Map<string, string>();
      const tail = await context.services.bus.tail(STREAM, {
        subjects: ['aegis.audit'],
        ...(afterSeq !== undefined ? { afterSeq } : {}),
      });
      return source(tail, async (m): Promise<AuditAppended | undefined> => {
        const rec = json(m) as AuditRecord | undefined;
        if (!rec || typeof rec.seq !== 'number') return undefined;
        if (scoped !== null && (await auditTeam(context, rec, teams)) !== scoped) return undefined;
        return { cursor: String(m.seq), record: toAuditLogRecord(rec) };
      });
    },
  })
  auditAppended(
    @Root() event: AuditAppended,
    @Arg('after', () => String, { nullable: true }) _after: string | null,
  ): AuditAppended {
    return event;
  }
}
