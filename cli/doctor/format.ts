import { type CheckResult, type CheckStatus, worstOf } from './check.ts';

const MARK: Record<CheckStatus, string> = { ok: '✓', warn: '!', fail: '✗' };

/** The report for a terminal: one line per check (`✓`, `!` or `✗`, the name, the detail), the fix
 *  indented under it, and a summary line. Details of several lines (policy errors) stay indented. */
export function formatReport(results: readonly CheckResult[]): string {
  const width = Math.max(...results.map((r) => r.name.length));
  const indent = ' '.repeat(width + 4);
  let text = '';
  for (const r of results) {
    const [first, ...rest] = r.detail.split('\n');
    text += `${MARK[r.status]} ${r.name.padEnd(width)}  ${first}\n`;
    for (const line of rest) text += `${indent}${line}\n`;
    if (r.fix) text += `${indent}fix: ${r.fix}\n`;
  }
  const count = (s: CheckStatus) => results.filter((r) => r.status === s).length;
  const warnings = count('warn');
  const failed = count('fail');
  text += `\n${results.length} checks: ${count('ok')} ok, ${warnings} warning${warnings === 1 ? '' : 's'}, ${failed} failed\n`;
  return text;
}

/** The report as one JSON document: the overall status and every check. */
export function reportJson(results: readonly CheckResult[]): string {
  return `${JSON.stringify({ status: worstOf(results), checks: results })}\n`;
}
