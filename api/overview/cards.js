// The cards of the overview page, drawn from GraphQL results. Text from the API only ever goes in as text
// (textContent), never as markup; uPlot draws the chart.
import uPlot from '/assets/uplot.esm.js';
import { DIMENSIONS, seriesField } from './queries.js';

/** The cards' bodies (all but the chart's), by card id. */
const CARD_IDS = [
  'health-card',
  'maturity-card',
  'approvals-card',
  'insights-card',
  'recommendations-card',
  'audit-card',
];

/** The element with `id`. */
export const $ = (id) => document.getElementById(id);
/** The content part of a card. */
const body = (cardId) => $(cardId).querySelector('.card-body');

/** An element with attributes (`class`, `aria-*`, …) and children (nodes or text). */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'onclick') el.addEventListener('click', value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

const fmtScore = (v) => (v === null || v === undefined ? '–' : Number(v).toFixed(1));
const fmtTime = (iso) => new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const fmtUsd = (v) => `${v < 0 ? '−' : ''}$${Math.abs(v).toLocaleString(undefined, { maximumFractionDigits: 0 })}/mo`;
/** The non-empty parts, ` · ` between them. */
const joined = (...parts) => parts.filter(Boolean).join(' · ');
const badge = (text, kind = '') => h('span', { class: `badge ${kind}` }, text);
const empty = (text) => h('p', { class: 'empty' }, text);
/** A table: a header cell per heading, a row per entry of `rows` (its cells). */
function table(attrs, headings, rows) {
  const head = h('thead', {}, h('tr', {}, ...headings.map((text) => h('th', {}, text))));
  return h('table', attrs, head, h('tbody', {}, ...rows.map((cells) => h('tr', {}, ...cells))));
}

/** The health index and the latest score of each dimension. */
export function renderHealth(platform) {
  const el = body('health-card');
  if (!platform.health) {
    el.replaceChildren(empty('No scoring pass yet.'));
    return;
  }
  const byDimension = new Map(platform.latestScores.map((s) => [s.dimension, s.value]));
  el.replaceChildren(
    h('div', { class: 'big-number', id: 'health-value' }, fmtScore(platform.health.value), h('small', {}, ' / 100')),
    h('p', { class: 'muted' }, `as of ${fmtTime(platform.health.computedAt)}`),
    h(
      'ul',
      { class: 'score-list', 'aria-label': 'Latest platform scores' },
      DIMENSIONS.filter(([d]) => d !== 'HEALTH').map(([d, label]) => {
        const value = byDimension.get(d) ?? null;
        const fill = h('span');
        fill.style.width = `${Math.max(0, Math.min(100, value ?? 0))}%`;
        return h(
          'li',
          {},
          h('span', {}, label),
          h('span', { class: 'bar', 'aria-hidden': 'true' }, fill),
          h('span', { class: 'num' }, fmtScore(value)),
        );
      }),
    ),
  );
}

/** The maturity level and every criterion, met, missed or without evidence. */
export function renderMaturity(maturity) {
  const el = body('maturity-card');
  if (!maturity) {
    el.replaceChildren(empty('No maturity assessment yet.'));
    return;
  }
  const mark = (c) =>
    c.met === true
      ? ['met', '✓', 'met']
      : c.met === false
        ? ['missed', '✗', 'missed']
        : ['unknown', '?', 'no evidence'];
  const measured = (c) =>
    c.value === null ? 'no evidence' : `${+Number(c.value).toFixed(3)} ${c.comparison} ${c.threshold} ${c.unit}`;
  const criteria = [...maturity.criteria].sort((a, b) => a.level - b.level || a.id.localeCompare(b.id));
  const met = criteria.filter((c) => c.met === true).length;
  el.replaceChildren(
    h('div', { class: 'level', id: 'maturity-level' }, `Level ${maturity.level} · ${maturity.name}`),
    h(
      'p',
      { class: 'muted' },
      maturity.nextLevel === null
        ? `${met} of ${criteria.length} criteria met; the top level.`
        : `${met} of ${criteria.length} criteria met; ${maturity.missing.length} missing for level ${maturity.nextLevel} (${maturity.nextLevelName}).`,
    ),
    h(
      'ul',
      { class: 'criteria', 'aria-label': 'Maturity criteria' },
      criteria.map((c) => {
        const [cls, symbol, word] = mark(c);
        return h(
          'li',
          { class: cls, title: c.id },
          h('span', { class: 'mark', role: 'img', 'aria-label': word }, symbol),
          h('span', {}, `L${c.level} · ${c.description}`),
          h('span', { class: 'muted num' }, measured(c)),
        );
      }),
    ),
  );
}

/** The score chart, while one is drawn. */
let chart = null;

/** The platform scores over time, one uPlot line per dimension. */
export function renderScoresChart(platform) {
  const el = $('scores-chart');
  // One x axis (seconds) for every series: the union of their pass times, nulls where one has no point.
  const series = DIMENSIONS.map(
    ([d]) => new Map(platform[seriesField(d)].points.map((p) => [Date.parse(p.at) / 1000, p.value])),
  );
  const xs = [...new Set(series.flatMap((s) => [...s.keys()]))].sort((a, b) => a - b);
  chart?.destroy();
  chart = null;
  el.replaceChildren();
  if (xs.length === 0) {
    el.append(empty('No scores in the last 7 days.'));
    return;
  }
  const data = [xs, ...series.map((s) => xs.map((x) => s.get(x) ?? null))];
  chart = new uPlot(
    {
      width: Math.max(320, el.clientWidth),
      height: 300,
      scales: { y: { range: [0, 100] } },
      series: [
        {},
        ...DIMENSIONS.map(([, label, stroke]) => ({
          label,
          stroke,
          width: label === 'Health' ? 3 : 1.5,
          spanGaps: true,
          points: { show: xs.length < 50 },
          value: (_u, v) => fmtScore(v),
        })),
      ],
      axes: [{}, { label: 'score', values: (_u, ticks) => ticks.map((t) => String(t)) }],
    },
    data,
    el,
  );
}

/** Open insights: severity, title, subject, score. */
export function renderInsights(insights) {
  const el = body('insights-card');
  if (insights.length === 0) {
    el.replaceChildren(empty('No open insights.'));
    return;
  }
  el.replaceChildren(
    table(
      {},
      ['Severity', 'Insight', 'Subject', 'Score'],
      insights.map((i) => [
        h('td', {}, badge(i.severity, i.severity.toLowerCase())),
        h('td', {}, i.title, h('div', { class: 'muted' }, joined(i.service, i.team))),
        h('td', { class: 'mono' }, i.subject),
        h('td', { class: 'num' }, Number(i.score).toFixed(2)),
      ]),
    ),
  );
}

/** Open recommendations: severity (of their insight), title, subject, impact. */
export function renderRecommendations(recommendations) {
  const el = body('recommendations-card');
  if (recommendations.length === 0) {
    el.replaceChildren(empty('No open recommendations.'));
    return;
  }
  el.replaceChildren(
    table(
      {},
      ['Severity', 'Recommendation', 'Subject', 'Impact'],
      recommendations.map((r) => {
        const severity = r.insight?.severity ?? 'INFO';
        return [
          h('td', {}, badge(severity, severity.toLowerCase())),
          h('td', {}, r.title, h('div', { class: 'muted' }, joined(r.type.toLowerCase(), r.service, r.team))),
          h('td', { class: 'mono' }, r.subject),
          h('td', { class: 'num' }, fmtUsd(r.impactUsdMonth), h('div', { class: 'muted' }, `risk ${r.impactRisk}`)),
        ];
      }),
    ),
  );
}

/** The pending actions the key may vote on, with Approve and Reject buttons calling `onVote`. */
export function renderApprovals(actions, viewer, onVote) {
  const el = body('approvals-card');
  const mine = actions.filter((a) => a.canVote);
  const others = actions.length - mine.length;
  const note =
    others > 0
      ? h(
          'p',
          { class: 'muted' },
          others === 1
            ? '1 more pending action awaits other approvers.'
            : `${others} more pending actions await other approvers.`,
        )
      : null;
  if (!viewer.permissions.includes('approve')) {
    el.replaceChildren(empty(`Your key's role (${viewer.role.toLowerCase()}) does not vote on actions.`), note);
    return;
  }
  if (mine.length === 0) {
    el.replaceChildren(empty('Nothing awaits your approval.'), note);
    return;
  }
  el.replaceChildren(
    h(
      'ul',
      { class: 'actions', id: 'pending-actions' },
      mine.map((a) => {
        const what = `${a.type} on ${a.target.name}`;
        return h(
          'li',
          { 'data-action-id': a.id },
          h('div', { class: 'title' }, what),
          h(
            'div',
            { class: 'meta' },
            `${a.service} · team ${a.team} · proposed by ${a.proposer.kind} ${a.proposer.id} · ${fmtTime(a.createdAt)}`,
            h('br'),
            `impact ${fmtUsd(a.impact.costUsdMonth)}, blast radius ${a.impact.blastRadius}`,
            a.approval
              ? ` · needs ${a.approval.authorities.map((x) => x.id).join(' + ')} · expires ${fmtTime(a.approval.expiresAt)}`
              : '',
          ),
          a.reason ? h('div', { class: 'meta' }, `“${a.reason}”`) : null,
          h(
            'div',
            { class: 'buttons' },
            h(
              'button',
              {
                type: 'button',
                class: 'primary',
                'aria-label': `Approve ${what} (${a.id})`,
                onclick: () => onVote.approve(a.id, what),
              },
              'Approve',
            ),
            h(
              'button',
              {
                type: 'button',
                class: 'danger',
                'aria-label': `Reject ${what} (${a.id})`,
                onclick: () => onVote.reject(a.id, what),
              },
              'Reject',
            ),
          ),
        );
      }),
    ),
    note,
  );
}

/** The chain's integrity verdict and the latest records, newest first. */
export function renderAudit(integrity, records) {
  const el = body('audit-card');
  const verdict = integrity.ok
    ? h(
        'p',
        { class: 'integrity', id: 'audit-integrity' },
        badge('CHAIN INTACT', 'ok'),
        ` ${integrity.records} records verified against ${integrity.trustedKeys} trusted key${integrity.trustedKeys === 1 ? '' : 's'} · checked ${fmtTime(integrity.checkedAt)}`,
      )
    : h(
        'p',
        { class: 'integrity', id: 'audit-integrity' },
        badge('CHAIN BROKEN', 'bad'),
        ` at record ${integrity.firstBroken?.seq} (${integrity.firstBroken?.reason}): ${integrity.firstBroken?.message}`,
      );
  el.replaceChildren(
    verdict,
    records.length === 0
      ? empty('No audit records yet.')
      : table(
          { id: 'audit-records' },
          ['#', 'When', 'Kind', 'Actor', 'Subject'],
          [...records]
            .reverse()
            .map((r) => [
              h('td', { class: 'num' }, r.seq),
              h('td', {}, fmtTime(r.at)),
              h('td', {}, badge(r.kind)),
              h('td', {}, r.actor),
              h('td', { class: 'mono' }, r.subject),
            ]),
        ),
  );
}

/** Shows `text` as an error in place of a card's content. */
export function showCardError(cardId, text) {
  const el = cardId === 'scores-card' ? $('scores-chart') : body(cardId);
  el.replaceChildren(h('p', { class: 'error' }, text));
}

/** Empties every card and drops the chart (on sign-out: nothing of the last key's data stays). */
export function clearCards() {
  chart?.destroy();
  chart = null;
  for (const id of CARD_IDS) body(id).replaceChildren();
  $('scores-chart').replaceChildren();
}

/** Fits the chart to its card's width. */
export function resizeChart() {
  chart?.setSize({ width: Math.max(320, $('scores-chart').clientWidth), height: 300 });
}
