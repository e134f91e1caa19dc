import { migrate, openWarehouse } from '../../core/warehouse/index.ts';
import { type GlobalOptions, setup } from '../shared.ts';

/** `aegis migrate`: applies pending ClickHouse migrations and prints what it did. */
export async function migrateCommand(options: GlobalOptions): Promise<number> {
  const { config, logger } = setup(options);
  const warehouse = await openWarehouse(config.clickhouse, config.dataDir);
  try {
    const result = await migrate(warehouse, { rawRetentionDays: config.clickhouse.rawRetentionDays, logger });
    process.stdout.write(
      `${warehouse.location} (database ${warehouse.database}): ${result.applied.length} applied, ${result.alreadyApplied.length} already applied\n`,
    );
    for (const name of result.applied) process.stdout.write(`  applied ${name}\n`);
  } finally {
    await warehouse.close();
  }
  return 0;
}
