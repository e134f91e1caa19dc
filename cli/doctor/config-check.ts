import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { AegisConfig } from '../../core/config/index.ts';
import { messageOf } from '../../core/errors.ts';
import { redactUrl } from '../../core/warehouse/index.ts';
import { type CheckResult, result } from './check.ts';

/** Which file the configuration comes from, the way `loadConfig` picks it: `--config`, `AEGIS_CONFIG`,
 *  then `./aegis.yaml` when present. */
export function configSource(file: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const explicit = file ?? env.AEGIS_CONFIG;
  if (explicit) return resolve(explicit);
  return existsSync('aegis.yaml') ? resolve('aegis.yaml') : 'defaults and AEGIS_* environment (no aegis.yaml)';
}

/** Loads the configuration; a bad one is reported (its `file:line:col` lines are the message), not thrown. */
export function checkConfig(load: () => AegisConfig, source: string): { result: CheckResult; config?: AegisConfig } {
  let config: AegisConfig;
  try {
    config = load();
  } catch (err) {
    return {
      result: result(
        'config',
        'fail',
        messageOf(err),
        'fix the keys named above (file:line) or the AEGIS_* variables; the other checks need a valid configuration',
      ),
    };
  }
  const nats = config.nats.url ? `NATS ${config.nats.url}` : 'embedded nats-server';
  const ch = config.clickhouse.url ? `ClickHouse ${redactUrl(config.clickhouse.url)}` : 'embedded ClickHouse';
  return { result: result('config', 'ok', `${source}: ${nats}, ${ch}, data directory ${config.dataDir}`), config };
}
