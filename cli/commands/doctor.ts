import { UsageError } from '../../core/errors.ts';
import {
  configSource,
  DEFAULT_CHECK_TIMEOUT_MS,
  exitCodeOf,
  formatReport,
  reportJson,
  runDoctor,
} from '../doctor/index.ts';
import { type GlobalOptions, loadCliConfig } from '../shared.ts';

/** How long the process may linger after the report before it exits anyway, in milliseconds. */
const EXIT_GRACE_MS = 500;

/** Options of `aegis doctor`. */
export interface DoctorOptions extends GlobalOptions {
  json?: boolean;
  /** Seconds each network check may take. @default 3 */
  timeoutSec?: string;
}

/** `aegis doctor`: checks the deployment and prints one line per check with what to fix. Exit 0 when
 *  nothing failed (warnings allowed), 1 when a check failed, 2 on a usage error. */
export async function doctorCommand(options: DoctorOptions): Promise<number> {
  const timeoutSec = options.timeoutSec === undefined ? DEFAULT_CHECK_TIMEOUT_MS / 1000 : Number(options.timeoutSec);
  if (!Number.isFinite(timeoutSec) || timeoutSec <= 0 || timeoutSec > 600)
    throw new UsageError(`--timeout-sec must be a number of seconds in (0, 600] (got ${options.timeoutSec})`);
  const results = await runDoctor({
    // Not setup(): a bad configuration is a finding of the report, not an exit.
    loadConfig: () => loadCliConfig(options),
    configSource: configSource(options.config),
    timeoutMs: timeoutSec * 1000,
  });
  process.stdout.write(options.json ? reportJson(results) : formatReport(results));
  // A check that timed out may leave its socket open until the peer gives up (nats.js keeps it after a
  // connect timeout, the ClickHouse client's agent after a request timeout). The report is out: exit
  // then rather than wait for them. Unref'd, so a clean run exits on its own at once.
  setTimeout(() => process.exit(), EXIT_GRACE_MS).unref();
  return exitCodeOf(results);
}
