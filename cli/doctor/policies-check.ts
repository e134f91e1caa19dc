import { loadPolicySet } from '../../control/policy/index.ts';
import type { AegisConfig } from '../../core/config/index.ts';
import { ConfigError, messageOf } from '../../core/errors.ts';
import { type CheckResult, result } from './check.ts';

/** Loads and compiles the policy set with the loader the controller and `aegis policy test` use; its
 *  errors already read `file:line:col: rule <id>: …`. */
export function checkPolicies(config: AegisConfig): CheckResult {
  const dir = config.control.policyDir;
  try {
    const set = loadPolicySet({ dir, defaultEffect: config.control.defaultEffect });
    return result(
      'policies',
      'ok',
      `${set.rules.length} rules in ${set.files.length} file(s) under ${dir} compile (set ${set.hash.slice(0, 12)})`,
    );
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return result(
      'policies',
      'fail',
      messageOf(err),
      `fix the file(s) named above, then run aegis policy test ${dir}; the controller does not start on a policy set that does not load`,
    );
  }
}
