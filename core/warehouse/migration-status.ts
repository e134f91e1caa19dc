// Read exactly as `migrate` reads them: same names, same checksums.
import { MIGRATIONS_DIR, readMigrations } from './migrate.ts';
import type { Warehouse } from './warehouse.ts';

/** A migration whose file no longer hashes to the checksum recorded when it was applied. */
export interface ChangedMigration {
  name: string;
  fileChecksum: string;
  appliedChecksum: string;
}

/** How the migration files compare with what the database recorded in `schema_migrations`. */
export interface MigrationStatus {
  /** Migration files, in order. */
  files: number;
  applied: string[];
  /** Files not yet applied, in order. */
  pending: string[];
  changed: ChangedMigration[];
  /** Versions the database applied that have no file here (a newer AEGIS migrated it). */
  unknownVersions: number[];
}

/** Compares the migration files under `dir` with `schema_migrations`, changing nothing (a database
 *  never migrated counts every file as pending). */
export async function migrationStatus(warehouse: Warehouse, dir: string = MIGRATIONS_DIR): Promise<MigrationStatus> {
  const files = readMigrations(dir);
  const [table] = await warehouse.query(
    "SELECT 1 AS present FROM system.tables WHERE database = currentDatabase() AND name = 'schema_migrations'",
  );
  const recorded = new Map<number, string>();
  if (table) {
    const rows = await warehouse.query<{ version: number; applied_checksum: string }>(
      'SELECT version, argMax(checksum, applied_at) AS applied_checksum FROM schema_migrations GROUP BY version',
    );
    for (const r of rows) recorded.set(Number(r.version), r.applied_checksum);
  }
  const status: MigrationStatus = { files: files.length, applied: [], pending: [], changed: [], unknownVersions: [] };
  for (const m of files) {
    const applied = recorded.get(m.version);
    recorded.delete(m.version);
    if (applied === undefined) status.pending.push(m.name);
    else if (applied !== m.checksum)
      status.changed.push({ name: m.name, fileChecksum: m.checksum, appliedChecksum: applied });
    else status.applied.push(m.name);
  }
  status.unknownVersions = [...recorded.keys()].sort((a, b) => a - b);
  return status;
}
