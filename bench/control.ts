// npm run bench:control — the control layer's benchmark, one final JSON line: policy decisions per
// second with 100 rules (bench/control-policy.ts), audit appends per second and the time to verify
// 1,000,000 records (bench/control-audit.ts). Progress goes to stderr.

import { cpus } from 'node:os';
import { benchAudit } from './control-audit.ts';
import { benchPolicy } from './control-policy.ts';

const policy = await benchPolicy();
const audit = await benchAudit();
console.log(
  JSON.stringify({
    bench: 'control',
    cores: cpus().length,
    rules: policy.rules,
    decisions_per_s: policy.decisions_per_s,
    decisions_per_s_unindexed: policy.decisions_per_s_unindexed,
    audit_appends_per_s: audit.audit_appends_per_s,
    appends_per_s_by_batch: audit.appends_per_s_by_batch,
    verify_1m_s: audit.verify_1m_s,
    verified_records: audit.verified_records,
  }),
);
