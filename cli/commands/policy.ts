import { relative } from 'node:path';
import { EFFECTS, type Effect, runPolicyTests } from '../../control/policy/index.ts';
import { ConfigError, UsageError } from '../../core/errors.ts';
import { EXIT, type GlobalOptions, setup } from '../shared.ts';

/** Options of `aegis policy test`. */
export interface PolicyTestOptions extends GlobalOptions {
  /** Effect when no rule matches and no PolicySet sets one. @default control.defaultEffect */
  defaultEffect?: string;
  json?: boolean;
}

/** `aegis policy test [DIR]`: runs the `*_test.yaml` cases under DIR against the policies there and
 *  prints each case's result like `opa test -v`. Exit 0 when all pass, 1 on any mismatch, 2 when the
 *  policies or tests do not load or the command line is wrong. */
export async function policyTestCommand(dirArg: string | undefined, options: PolicyTestOptions): Promise<number> {
  const { config } = setup(options);
  const dir = dirArg ?? config.control.policyDir;
  const defaultEffect = options.defaultEffect ?? config.control.defaultEffect;
  if (!(EFFECTS as readonly string[]).includes(defaultEffect)) {
    throw new UsageError(`--default-effect must be one of ${EFFECTS.join(', ')} (got ${defaultEffect})`);
  }
  let run: ReturnType<typeof runPolicyTests>;
  try {
    run = runPolicyTests({ dir, defaultEffect: defaultEffect as Effect });
  } catch (err) {
    // A policy set that does not load is a usage problem of this command, not a failed test.
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`aegis: ${err.message}\n`);
    return EXIT.usage;
  }
  if (options.json) {
    const { results, ...summary } = run;
    process.stdout.write(`${JSON.stringify({ ...summary, results: results.map(({ decision: _, ...r }) => r) })}\n`);
    return run.failed === 0 ? EXIT.ok : EXIT.failure;
  }
  let file = '';
  for (const r of run.results) {
    if (r.file !== file) {
      file = r.file;
      process.stdout.write(`${relative(process.cwd(), `${dir}/${file}`) || file}:\n`);
    }
    process.stdout.write(`  ${r.pass ? 'PASS' : 'FAIL'}: ${r.name}\n`);
    for (const m of r.mismatches) process.stdout.write(`      ${m}\n`);
    if (!r.pass) {
      for (const e of r.decision.errors) process.stdout.write(`      error in rule ${e.id}: ${e.message}\n`);
    }
  }
  const total = run.results.length;
  process.stdout.write(`${'-'.repeat(80)}\n`);
  process.stdout.write(`policy set ${run.hash.slice(0, 12)}\n`);
  if (run.passed > 0) process.stdout.write(`PASS: ${run.passed}/${total}\n`);
  if (run.failed > 0) process.stdout.write(`FAIL: ${run.failed}/${total}\n`);
  return run.failed === 0 ? EXIT.ok : EXIT.failure;
}
