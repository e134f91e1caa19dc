import { formatDuration } from '../scorers/index.ts';
import type { Score } from '../types.ts';
import type { MaturityAssessment, MaturityCriterion, MetricUnit } from './maturity.ts';

/** Output formats of `aegis assess`. */
export type AssessmentFormat = 'text' | 'json' | 'markdown';

/** Renders the maturity assessment and the scores for a terminal (`text`), a document (`markdown`)
 *  or a program (`json`: keys sorted, scores in a fixed order, so equal input gives equal bytes). */
export function renderAssessment(
  assessment: MaturityAssessment,
  scores: readonly Score[],
  format: AssessmentFormat,
): string {
  const sorted = [...scores].sort(
    (a, b) =>
      a.dimension.localeCompare(b.dimension) || a.scope.localeCompare(b.scope) || a.subject.localeCompare(b.subject),
  );
  switch (format) {
    case 'json':
      return `${stableStringify({ maturity: assessment, scores: sorted })}\n`;
    case 'markdown':
      return markdown(assessment, sorted);
    case 'text':
      return text(assessment, sorted);
  }
}

/** A value in its unit: `92.0 %`, `3.5 h`, `0.50/day`, `yes`. */
export function formatMetric(value: number | null, unit: MetricUnit): string {
  if (value === null) return '—';
  switch (unit) {
    case 'share':
      return `${(value * 100).toFixed(1)} %`;
    case 'per-day':
      return `${value.toFixed(2)}/day`;
    case 'flag':
      return value === 1 ? 'yes' : 'no';
    case 'ms':
      return formatDuration(value);
  }
}

const mark = (c: MaturityCriterion) => (c.met === null ? '?' : c.met ? '✔' : '✘');
const thresholdOf = (c: MaturityCriterion) =>
  c.comparison === 'is' ? 'yes' : `${c.comparison === '>=' ? '≥' : '≤'} ${formatMetric(c.threshold, c.unit)}`;
const scoreText = (v: number | null) => (v === null ? '—' : v.toFixed(1));

/** The component that pulls a score down most, for a one-line explanation. */
function lowest(s: Score): string {
  const scored = s.components.filter((c) => c.value !== null);
  if (scored.length === 0) return 'no data';
  const low = scored.reduce((a, b) => ((b.value as number) < (a.value as number) ? b : a));
  return `${low.name} ${scoreText(low.value)}: ${low.detail}`;
}

function headline(a: MaturityAssessment): string {
  return `PRE maturity: level ${a.level} (${a.name})`;
}

function nextLine(a: MaturityAssessment): string {
  if (!a.nextLevel) return 'Highest level reached.';
  return `Next: level ${a.nextLevel.level} (${a.nextLevel.name}) needs ${a.nextLevel.missing.join(', ')}`;
}

/** Columns padded to their widest cell; no colours, so it survives pipes and logs. */
function columns(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

function criterionRow(c: MaturityCriterion): string[] {
  return [String(c.level), mark(c), c.id, formatMetric(c.value, c.unit), thresholdOf(c), c.description];
}

function text(a: MaturityAssessment, scores: readonly Score[]): string {
  const out = [headline(a), nextLine(a), '', 'Criteria'];
  out.push(
    ...columns(['lvl', 'met', 'criterion', 'value', 'threshold', 'description'], a.criteria.map(criterionRow)).map(
      (l) => `  ${l}`,
    ),
  );
  if (scores.length > 0) {
    out.push('', 'Scores');
    const rows = scores.map((s) => [s.dimension, s.scope, s.subject, scoreText(s.value), lowest(s)]);
    out.push(...columns(['dimension', 'scope', 'subject', 'score', 'lowest component'], rows).map((l) => `  ${l}`));
  }
  return `${out.join('\n')}\n`;
}

const cell = (s: string) => s.replaceAll('|', '\\|').replaceAll('\n', ' ');

function mdTable(header: string[], rows: string[][]): string[] {
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ];
}

function markdown(a: MaturityAssessment, scores: readonly Score[]): string {
  const out = [`# ${headline(a)}`, '', nextLine(a), '', '## Criteria', ''];
  const rows = a.criteria.map((c) => {
    const [level = '', met = '', id = '', ...rest] = criterionRow(c);
    const source = c.evidence[0]?.source;
    const filter = source ? Object.entries(source.filter).map(([k, v]) => `${k}=${v}`) : [];
    const where = source ? [`\`${source.table}\``, ...filter].join(' ') : '';
    return [level, met, `\`${id}\``, ...rest, where];
  });
  out.push(...mdTable(['Level', 'Met', 'Criterion', 'Value', 'Threshold', 'Description', 'Evidence'], rows));
  if (scores.length > 0) {
    out.push('', '## Scores', '');
    out.push(
      ...mdTable(
        ['Dimension', 'Scope', 'Subject', 'Score', 'Lowest component'],
        scores.map((s) => [s.dimension, s.scope, s.subject, scoreText(s.value), lowest(s)]),
      ),
    );
  }
  return `${out.join('\n')}\n`;
}

/** JSON with object keys sorted at every depth, two-space indented. */
export function stableStringify(value: unknown): string {
  return JSON.stringify(
    value,
    (_key, v: unknown) => {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
      const entries = Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return Object.fromEntries(entries);
    },
    2,
  );
}
