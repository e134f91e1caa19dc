import { Command, CommanderError, Option } from 'commander';
import { FORMAT_NAMES } from '../ingest/parsers/index.ts';
import { anomaliesCommand } from './commands/anomalies.ts';
import { apiKeyCreateCommand, apiKeyListCommand, apiKeyRevokeCommand } from './commands/api-key.ts';
import { assessCommand } from './commands/assess.ts';
import { auditExportCommand, auditVerifyCommand, auditWitnessCommand } from './commands/audit.ts';
import { doctorCommand } from './commands/doctor.ts';
import { forecastCommand } from './commands/forecast.ts';
import { ingestCommand } from './commands/ingest.ts';
import { migrateCommand } from './commands/migrate.ts';
import { policyTestCommand } from './commands/policy.ts';
import { ROLES, runCommand } from './commands/run.ts';
import { simulateCommand } from './commands/simulate.ts';
import { startCommand } from './commands/start.ts';
import { EXIT, reportError, VERSION } from './shared.ts';

const program = new Command('aegis')
  .description('AEGIS: the operational control layer for platform reliability engineering')
  .version(VERSION)
  .option('-c, --config <file>', 'configuration file (default: ./aegis.yaml when present, or AEGIS_CONFIG)')
  .option('-d, --data-dir <dir>', 'data directory of the embedded mode (default: ./data, or AEGIS_DATA_DIR)')
  .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent')
  .showHelpAfterError()
  .exitOverride();

let exitCode: number = EXIT.ok;
const run =
  (fn: (...args: never[]) => Promise<number>) =>
  async (...args: unknown[]) => {
    exitCode = await (fn as (...a: unknown[]) => Promise<number>)(...args);
  };
const globals = (cmd: Command) => cmd.optsWithGlobals();

program
  .command('start')
  .description('run every role in one process: NATS, ClickHouse, ingest writer, collectors and the simulated platform')
  .option('--no-simulator', 'do not run the simulated platform')
  .option('--backfill-days <days>', 'days of simulated history to publish on first start')
  .option('--status-interval-sec <sec>', 'seconds between row-count lines', '10')
  .action(run(async (_o: unknown, cmd: Command) => startCommand(globals(cmd))));

program
  .command('run')
  .description('run one role (cluster mode; replicas of a role share its work)')
  .argument('<role>', ROLES.join(' | '))
  .action(run(async (role: string, _o: unknown, cmd: Command) => runCommand(role, globals(cmd))));

program
  .command('ingest')
  .description(
    'parse, validate and publish telemetry files; exit 0 when all records were accepted, 1 when any was rejected, 2 on a usage error',
  )
  .argument('<files...>', 'files to read')
  .addOption(new Option('-f, --format <format>', 'file format').choices(FORMAT_NAMES).makeOptionMandatory())
  .option('--check', 'parse and validate only: no NATS, no store')
  .option('--json', 'print the summary as JSON')
  .option('--source <name>', 'source token of the subject (default: the format)')
  .option('--service <name>', 'service for records that name none')
  .action(run(async (files: string[], _o: unknown, cmd: Command) => ingestCommand(files, globals(cmd))));

program
  .command('simulate')
  .description('publish the simulated platform: history, then live')
  .option('--days <days>', 'days of history to publish')
  .option('--seed <seed>', 'seed of the simulated platform')
  .option('--services <n>', 'number of simulated services')
  .option('--no-live', 'exit once the history is published')
  .action(run(async (_o: unknown, cmd: Command) => simulateCommand(globals(cmd))));

program
  .command('forecast')
  .description(
    'forecast a timestamp,value CSV: timestamp,yhat,lower,upper to stdout; the chosen model and its backtest MASE to stderr',
  )
  .requiredOption('-i, --input <file>', 'CSV with a header timestamp,value and a regular interval')
  .requiredOption('-n, --horizon <steps>', 'steps to forecast after the last row')
  .option('--level <percent>', 'prediction interval coverage in percent', '80')
  .option('--period <steps>', 'season length in steps, 1 for none (default: detected from the interval)')
  .action(run(async (_o: unknown, cmd: Command) => forecastCommand(globals(cmd))));

program
  .command('anomalies')
  .description('score a timestamp,value CSV for anomalies online; writes timestamp,value,anomaly_score to stdout')
  .requiredOption('-i, --input <file>', 'CSV with a timestamp,value header')
  .option('--no-tf', 'statistical detectors only (no TensorFlow.js forecaster)')
  .option('--save <series-id>', 'save the final detector state under <data-dir>/models/anomaly')
  .action(run(async (_o: unknown, cmd: Command) => anomaliesCommand(globals(cmd))));

program
  .command('assess')
  .description('run a scoring pass now and print the scores, health index and PRE maturity level with their evidence')
  .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'markdown']).default('text'))
  .action(run(async (_o: unknown, cmd: Command) => assessCommand(globals(cmd))));

program
  .command('migrate')
  .description('apply pending ClickHouse migrations')
  .action(run(async (_o: unknown, cmd: Command) => migrateCommand(globals(cmd))));

program
  .command('doctor')
  .description(
    'check the deployment (config, NATS, ClickHouse, migrations, clock, disk, keys, policies) and say what to fix; exit 0 when nothing failed, 1 when a check failed, 2 on a usage error',
  )
  .option('--json', 'print the report as JSON')
  .option('--timeout-sec <sec>', 'seconds each network check may take', '3')
  .action(run(async (_o: unknown, cmd: Command) => doctorCommand(globals(cmd))));

const apiKey = program.command('api-key').description('API keys of the GraphQL API, straight in ClickHouse');
apiKey
  .command('create')
  .description('create a key and print its token once (how the first admin key of a cluster is made)')
  .requiredOption('--name <name>', 'who holds the key (the actor in the audit log)')
  .requiredOption('--role <role>', 'viewer, analyst, operator, approver, agent or admin')
  .option('--team <team>', 'limit the key to one team (default: every team)')
  .option('--json', 'print the key and its token as JSON')
  .action(run(async (_o: unknown, cmd: Command) => apiKeyCreateCommand(globals(cmd))));
apiKey
  .command('list')
  .description('list the keys (never their secrets)')
  .option('--all', 'include revoked keys')
  .option('--json', 'print the keys as JSON')
  .action(run(async (_o: unknown, cmd: Command) => apiKeyListCommand(globals(cmd))));
apiKey
  .command('revoke')
  .description('revoke a key; every API replica refuses it within api.keyCacheMs')
  .argument('<keyId>', 'the key id (ak_…)')
  .action(run(async (keyId: string, _o: unknown, cmd: Command) => apiKeyRevokeCommand(keyId, globals(cmd))));

const audit = program.command('audit').description('the signed, hash-chained audit log of every action');
audit
  .command('verify')
  .description(
    'verify the chain: print the record count and head hash (exit 0), or the first broken record and why (exit 1)',
  )
  .option('--all-signatures', 'verify every signature, not only the checkpoints the chain carries (slow)')
  .option('--json', 'print the result as JSON')
  .action(run(async (_o: unknown, cmd: Command) => auditVerifyCommand(globals(cmd))));
audit
  .command('export')
  .description('write the records as JSON lines to stdout, in seq order')
  .option('--from <seq>', 'first record')
  .option('--to <seq>', 'last record')
  .action(run(async (_o: unknown, cmd: Command) => auditExportCommand(globals(cmd))));
audit
  .command('witness')
  .description(
    "show the head witness beside the table's head (exit 1 when the table ends before it); after a restore from backup, --reset-to-table makes it witness the restored head",
  )
  .option('--nats', "the cluster's witness in NATS KV (AEGIS_NATS_URL) instead of <dataDir>/keys/audit-head.json")
  .option('--reset-to-table', 'witness the table head, once the chain verifies')
  .option('--confirm-seq <seq>', 'the seq of the last restored record (required with --reset-to-table)')
  .action(run(async (_o: unknown, cmd: Command) => auditWitnessCommand(globals(cmd))));

program
  .command('policy')
  .description('policy-as-code: check the rules that gate every action')
  .command('test')
  .description(
    'run the *_test.yaml cases under DIR against its policies; exit 0 when all pass, 1 on a mismatch, 2 when they do not load',
  )
  .argument('[dir]', 'policy directory (default: control.policyDir, ./policies)')
  .option(
    '--default-effect <effect>',
    'effect when no rule matches and no PolicySet sets one (default: control.defaultEffect)',
  )
  .option('--json', 'print the results as JSON')
  .action(run(async (dir: string | undefined, _o: unknown, cmd: Command) => policyTestCommand(dir, globals(cmd))));

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // --help and --version end here too, with exit code 0.
    exitCode = err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  } else {
    exitCode = reportError(err);
  }
}
process.exitCode = exitCode;
