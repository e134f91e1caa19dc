import 'reflect-metadata';
import { Arg, Authorized, Ctx, Int, Query, Resolver } from 'type-graphql';
import {
  AUDIT_SELECT,
  type AuditRecord,
  type AuditRow,
  createFileAuditWitness,
  readTrustedKeys,
  toAuditRecord,
  trustFileOf,
  verifyAuditLog,
  witnessFileOf,
} from '../../../control/audit/index.ts';
import { InputError } from '../../../core/errors.ts';
import type { Warehouse } from '../../../core/warehouse/index.ts';
import type { ApiContext, ApiServices } from '../../context.ts';
import { decodeCursor, FirstArg, pageSize, toConnection } from '../connection.ts';
import { principalOf } from './scope.ts';
import { AuditIntegrity, AuditLogRecordConnection, toAuditLogRecord } from './types.ts';

/** How long an integrity verdict is served from cache: verifying a long chain reads all of it. */
export const AUDIT_INTEGRITY_CACHE_MS = 30_000;

/** SQL condition for the records a team-scoped key sees: those about its team's actions, and the triage
 *  records (acknowledgements, dismissals) that name its team. */
export const AUDIT_TEAM_CONDITION = `(subject IN (SELECT action_id FROM action_events WHERE team = {scopeTeam:String})
  OR JSONExtractString(payload, 'team') = {scopeTeam:String})`;

/** Records with seq > afterSeq in seq order (at most `limit`), limited to a team when given. */
export async function readAuditRecords(
  wh: Warehouse,
  params: { afterSeq: number; limit: number; team: string | null },
): Promise<AuditRecord[]> {
  const rows = await wh.query<AuditRow>(
    `SELECT ${AUDIT_SELECT} FROM audit_log WHERE seq > {after:UInt64} ${params.team !== null ? `AND ${AUDIT_TEAM_CONDITION}` : ''}
     ORDER BY seq LIMIT {n:UInt32}`,
    { after: params.afterSeq, n: params.limit, ...(params.team !== null ? { scopeTeam: params.team } : {}) },
  );
  return rows.map(toAuditRecord);
}

/** Integrity verdicts per server (its services), shared by concurrent requests while one runs. */
/** Keyed by the warehouse: the server builds a services object per request, the warehouse is the one
 *  store every request of a server shares. */
const integrityCache = new WeakMap<object, { atMs: number; result: Promise<AuditIntegrity> }>();

/** Verifies the chain as `aegis audit verify` does: the trusted keys of `audit.trustFile` and, when it
 *  exists, the head witness beside the keys (which catches a deleted tail). */
async function verifyIntegrity(services: ApiServices): Promise<AuditIntegrity> {
  const { config } = services;
  const trusted = readTrustedKeys(trustFileOf({ trustFile: config.audit.trustFile, dataDir: config.dataDir }));
  const witnessed = await createFileAuditWitness(witnessFileOf({ dataDir: config.dataDir })).read();
  const result = await verifyAuditLog(services.warehouse, trusted, witnessed ? { expectedHead: witnessed } : {});
  const checkedAt = new Date(services.clock());
  return result.ok
    ? {
        ok: true,
        records: result.records,
        headSeq: result.headSeq,
        headHash: result.headHash,
        witnessedSeq: result.witnessedSeq ?? null,
        firstBroken: null,
        trustedKeys: trusted.size,
        checkedAt,
      }
    : {
        ok: false,
        records: result.records,
        headSeq: null,
        headHash: null,
        witnessedSeq: null,
        firstBroken: result.firstBroken,
        trustedKeys: trusted.size,
        checkedAt,
      };
}

/** The audit log: its records, and whether the chain verifies. */
@Resolver()
export class AuditResolver {
  @Authorized('read:control')
  @Query(() => AuditLogRecordConnection, {
    description:
      'Audit records in seq order from `fromSeq`. A team-scoped key sees the records about its own team only.',
  })
  async auditRecords(
    @Ctx() ctx: ApiContext,
    @Arg('fromSeq', () => Int, { nullable: true }) fromSeq: number | null,
    @Arg('first', FirstArg, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
  ): Promise<AuditLogRecordConnection> {
    const n = pageSize(first);
    if (fromSeq !== null && fromSeq !== undefined && (!Number.isSafeInteger(fromSeq) || fromSeq < 1)) {
      throw new InputError(`fromSeq must be a record number >= 1 (got ${fromSeq})`, { location: 'fromSeq' });
    }
    const cursor = decodeCursor(after, 1);
    if (cursor && typeof cursor[0] !== 'number') throw new InputError('after is not a cursor of this list');
    const afterSeq = Math.max(cursor ? Number(cursor[0]) : 0, (fromSeq ?? 1) - 1);
    const records = await readAuditRecords(ctx.services.warehouse, {
      afterSeq,
      limit: n + 1,
      team: principalOf(ctx).team,
    });
    return toConnection(records, n, (r) => [r.seq], toAuditLogRecord);
  }

  @Authorized('read:control')
  @Query(() => AuditIntegrity, {
    description: `Verifies the whole chain against the trusted keys (cached for ${AUDIT_INTEGRITY_CACHE_MS / 1000} s).`,
  })
  async auditIntegrity(@Ctx() ctx: ApiContext): Promise<AuditIntegrity> {
    const { services } = ctx;
    const now = services.clock();
    const key = services.warehouse;
    const cached = integrityCache.get(key);
    if (cached && now - cached.atMs < AUDIT_INTEGRITY_CACHE_MS) return cached.result;
    const result = verifyIntegrity(services);
    integrityCache.set(key, { atMs: now, result });
    // A failed verification (the warehouse down) is not cached.
    result.catch(() => {
      if (integrityCache.get(key)?.result === result) integrityCache.delete(key);
    });
    return result;
  }
}
