// The AEGIS overview page: signs in with an API key, reads the GraphQL API (POST /graphql) and fills the
// cards (cards.js). Plain DOM, no build step.
import {
  $,
  clearCards,
  renderApprovals,
  renderAudit,
  renderHealth,
  renderInsights,
  renderMaturity,
  renderRecommendations,
  renderScoresChart,
  resizeChart,
  showCardError,
} from './cards.js';
import { APPROVE, AUDIT_QUERY, CONTROL_QUERY, REJECT, SUMMARY_QUERY, VIEWER_QUERY } from './queries.js';

/** Where the key is kept: this tab only, gone when it closes. */
const KEY_STORAGE = 'aegis.apiKey';
/** How often the page reloads its data while open, in milliseconds. */
const REFRESH_MS = 60_000;
/** How far back the score chart reaches, in milliseconds. */
const CHART_RANGE_MS = 7 * 24 * 3600_000;
/** How many of the latest audit records the audit card lists. */
const AUDIT_ROWS = 10;

/** The API refused the key (HTTP 401). */
class KeyRefusedError extends Error {}

/** A GraphQL error, with its code (`FORBIDDEN`, `POLICY_DENIED`…). */
class ApiError extends Error {
  constructor(message, code) {
    super(message);
    this.code = code;
  }
}

/** Runs a GraphQL operation with the signed-in key; its data, or throws KeyRefusedError / ApiError. */
async function gql(query, variables = {}) {
  const key = sessionStorage.getItem(KEY_STORAGE);
  if (!key) throw new KeyRefusedError('not signed in');
  const res = await fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
  });
  if (res.status === 401) throw new KeyRefusedError('the API key is invalid or revoked');
  let payload;
  try {
    payload = await res.json();
  } catch {
    throw new ApiError(`the API answered ${res.status} without a JSON body`, 'INTERNAL_SERVER_ERROR');
  }
  const first = payload.errors?.[0];
  if (first) throw new ApiError(first.message, first.extensions?.code ?? 'ERROR');
  return payload.data;
}

/** What a card shows when its data could not be read. */
function describeError(err) {
  if (err instanceof ApiError && err.code === 'FORBIDDEN') return `Your key may not see this: ${err.message}.`;
  return `Could not load: ${err.message}`;
}

// --- loading ----------------------------------------------------------------------------------------

/** The latest AUDIT_ROWS records. The integrity verdict's head may be a little stale (it is cached), so
 *  the read goes on past it until the last page. */
async function latestAuditRecords(integrity) {
  const head = integrity.headSeq ?? integrity.records;
  let records = [];
  let after = null;
  for (let page = 0; page < 20; page++) {
    const data = await gql(AUDIT_QUERY, { from: Math.max(1, head - AUDIT_ROWS + 1), after });
    records = [...records, ...data.auditRecords.nodes].slice(-AUDIT_ROWS);
    if (!data.auditRecords.pageInfo.hasNextPage) break;
    after = data.auditRecords.pageInfo.endCursor;
  }
  return records;
}

/** Shows `err` on the cards whose data it kept from loading; a refused key is rethrown (load signs out). */
function showLoadError(err, cardIds) {
  if (err instanceof KeyRefusedError) throw err;
  for (const id of cardIds) showCardError(id, describeError(err));
}

/** Who is signed in (the `viewer` query), and the refresh timer while they are. */
let viewer = null;
let refreshTimer = null;

/** Reloads every card; each card shows its own error. A refused key signs out. */
async function load() {
  const summary = gql(SUMMARY_QUERY, { from: new Date(Date.now() - CHART_RANGE_MS).toISOString() }).then(
    (data) => {
      renderHealth(data.platform);
      renderMaturity(data.platform.maturity);
      renderScoresChart(data.platform);
      renderInsights(data.insights.nodes);
      renderRecommendations(data.recommendations.nodes);
    },
    (err) =>
      showLoadError(err, ['health-card', 'maturity-card', 'scores-card', 'insights-card', 'recommendations-card']),
  );
  const control = gql(CONTROL_QUERY).then(
    (data) => {
      renderApprovals(data.actions.nodes, viewer, { approve, reject: askReject });
      return latestAuditRecords(data.auditIntegrity).then(
        (records) => renderAudit(data.auditIntegrity, records),
        (err) => showLoadError(err, ['audit-card']),
      );
    },
    (err) => showLoadError(err, ['approvals-card', 'audit-card']),
  );
  try {
    await Promise.all([summary, control]);
    $('updated').textContent = `updated ${new Date().toLocaleTimeString()}`;
    document.body.dataset.loaded = String(Date.now());
  } catch (err) {
    if (err instanceof KeyRefusedError) signOut('Your API key was refused (revoked or expired). Sign in again.');
    else throw err;
  }
}

/** The approvals card's one-line outcome of the last vote. */
function setStatus(text, kind = '') {
  const el = $('approvals-status');
  el.className = `status ${kind}`;
  el.textContent = text;
}

/** Casts a vote with `mutation`, says how it went, and reloads (the action leaves the list). */
async function vote(mutation, variables, done) {
  for (const b of $('approvals-card').querySelectorAll('button')) b.disabled = true;
  try {
    const data = await gql(mutation, variables);
    const result = data.approveAction ?? data.rejectAction;
    setStatus(`${done}: now ${result.action.state.replace('_', ' ')} (audit record #${result.auditRecordId}).`, 'ok');
  } catch (err) {
    if (err instanceof KeyRefusedError) return signOut('Your API key was refused. Sign in again.');
    setStatus(`Vote refused: ${err.message}`, 'error');
  }
  await load();
}

/** The Approve button. */
function approve(id, what) {
  return vote(APPROVE, { id }, `Approved ${what}`);
}

/** The action the reject dialog is open for. */
let rejecting = null;

/** The Reject button: asks for the reason first (the dialog's submit votes). */
function askReject(id, what) {
  rejecting = { id, what };
  $('reject-what').textContent = `${what} (${id})`;
  $('reject-reason').value = '';
  $('reject-dialog').showModal();
  $('reject-reason').focus();
}

// --- session ----------------------------------------------------------------------------------------

/** The sign-in form, with `message` as its error when given. */
function showSignIn(message) {
  $('dashboard').hidden = true;
  $('session').hidden = true;
  $('sign-in').hidden = false;
  const error = $('sign-in-error');
  error.textContent = message ?? '';
  error.hidden = !message;
  $('api-key').focus();
}

/** Forgets the key and everything it read. */
function signOut(message) {
  sessionStorage.removeItem(KEY_STORAGE);
  clearInterval(refreshTimer);
  refreshTimer = null;
  viewer = null;
  clearCards();
  setStatus('');
  delete document.body.dataset.loaded;
  showSignIn(message);
}

/** Checks the stored key with `viewer`, then shows and loads the dashboard. */
async function start() {
  try {
    viewer = (await gql(VIEWER_QUERY)).viewer;
  } catch (err) {
    sessionStorage.removeItem(KEY_STORAGE);
    showSignIn(
      err instanceof KeyRefusedError
        ? 'That API key was refused: it is unknown, revoked or mistyped.'
        : `Could not sign in: ${err.message}`,
    );
    return;
  }
  $('sign-in').hidden = true;
  $('dashboard').hidden = false;
  $('session').hidden = false;
  $('session-who').textContent =
    `${viewer.name} · ${viewer.role.toLowerCase()}${viewer.team ? ` · team ${viewer.team}` : ''}`;
  await load();
  refreshTimer = setInterval(() => void load(), REFRESH_MS);
}

$('sign-in-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const key = $('api-key').value.trim();
  if (!key) return;
  $('api-key').value = '';
  sessionStorage.setItem(KEY_STORAGE, key);
  void start();
});
$('sign-out').addEventListener('click', () => signOut());
$('refresh').addEventListener('click', () => void load());
$('reject-cancel').addEventListener('click', () => $('reject-dialog').close());
$('reject-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const reason = $('reject-reason').value.trim();
  if (!reason || !rejecting) return;
  $('reject-dialog').close();
  const { id, what } = rejecting;
  rejecting = null;
  void vote(REJECT, { id, reason }, `Rejected ${what}`);
});
window.addEventListener('resize', resizeChart);

if (sessionStorage.getItem(KEY_STORAGE)) void start();
else showSignIn();
