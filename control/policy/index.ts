/** Policy-as-code: YAML PolicySets of CEL rules that decide allow, require_approval or deny for
 *  every action, with fail-closed evaluation, hot reload and `opa test`-style test files.
 *  File formats: policies/README.md. */
export { actionTypeGuard, compileWhen } from './cel.ts';
export {
  type CompiledRule,
  createPolicySet,
  type Decision,
  INPUT_ERROR_ID,
  type MatchedRule,
  OWNER_APPROVER,
  type PolicySet,
  type RuleError,
} from './engine.ts';
export {
  type PolicyInput,
  type PolicyInputParams,
  policyActionSchema,
  policyActorSchema,
  policyContextSchema,
  policyImpactSchema,
  policyInputSchema,
  policyTargetSchema,
} from './input.ts';
export { type LoadPolicySetParams, loadPolicySet, TEST_FILE_PATTERN } from './load.ts';
export { type PolicyTestResult, type PolicyTestRun, policyTestDocSchema, runPolicyTests } from './policy-test.ts';
export {
  EFFECT_RANK,
  EFFECTS,
  type Effect,
  POLICY_API_VERSION,
  policyRuleSchema,
  policySetDocSchema,
} from './schema.ts';
export { createPolicyStore, type PolicyStore, type PolicyStoreConfig } from './store.ts';
