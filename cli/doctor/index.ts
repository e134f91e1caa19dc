/** `aegis doctor`: checks a deployment (config, NATS, ClickHouse, migrations, clock, disk, keys,
 *  policies) and says what to fix. One function per check, each returning a {@link CheckResult}. */
export { type CheckResult, type CheckStatus, DEFAULT_CHECK_TIMEOUT_MS, exitCodeOf, worstOf } from './check.ts';
export { configSource } from './config-check.ts';
export { formatReport, reportJson } from './format.ts';
export { type RunDoctorParams, runDoctor } from './run-doctor.ts';
