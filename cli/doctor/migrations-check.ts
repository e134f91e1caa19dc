import type { Warehouse } from '../../core/warehouse/index.ts';
import { type MigrationStatus, migrationStatus } from '../../core/warehouse/index.ts';
import { type CheckResult, result } from './check.ts';

/** Judges the migration status: a changed migration or a pending one fails (roles expect every table
 *  and column), versions unknown to this AEGIS warn. */
export function judgeMigrations(status: MigrationStatus): CheckResult {
  const short = (h: string) => h.slice(0, 12);
  if (status.changed.length > 0)
    return result(
      'migrations',
      'fail',
      status.changed
        .map(
          (c) =>
            `${c.name} was changed after it was applied (file ${short(c.fileChecksum)}, applied ${short(c.appliedChecksum)})`,
        )
        .join('; '),
      'restore the migration file as it was applied and put the change in a new NNN_name.sql migration; aegis migrate refuses to run until then',
    );
  if (status.pending.length > 0)
    return result(
      'migrations',
      'fail',
      `${status.pending.length} pending: ${status.pending.join(', ')} (${status.applied.length} of ${status.files} applied)`,
      'run aegis migrate',
    );
  if (status.unknownVersions.length > 0)
    return result(
      'migrations',
      'warn',
      `all ${status.files} applied, but the database also has version(s) ${status.unknownVersions.join(', ')} that this AEGIS has no file for`,
      'a newer AEGIS migrated this database: run that version',
    );
  return result('migrations', 'ok', `all ${status.files} applied, checksums match`);
}

/** Compares the migration files (`dir`, default schemas/clickhouse) with what the database applied. */
export async function checkMigrations(warehouse: Warehouse, dir?: string): Promise<CheckResult> {
  return judgeMigrations(await migrationStatus(warehouse, dir));
}
