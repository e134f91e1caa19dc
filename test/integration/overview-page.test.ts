import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiServer } from '../../api/server.ts';
import { type AegisConfig, aegisConfigSchema } from '../../core/config/index.ts';
import { silentLogger } from '../../core/logger.ts';
import type { SimulatorFeed } from '../../ingest/collectors/simulator-feed.ts';
import { simulatedPlatformConfig } from '../../ingest/components.ts';
import { createPlatform, HOUR_MS } from '../../ingest/simulator/index.ts';
import type { Scorer } from '../../scoring/service/scorer.ts';
import { postGraphql } from '../harness/graphql.ts';
import { TEST_WRITER_CONFIG, tempDir } from '../harness/index.ts';
import { type SimulatedStack, startSimulatedStack } from '../harness/stack.ts';
import { waitFor, writerDrained } from '../harness/telemetry.ts';

const MINUTE_MS = 60_000;
/** Debian's Chromium, driven by playwright-core (no downloaded browser). */
const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));

// biome-ignore lint/suspicious/noExplicitAny: GraphQL results are checked by shape
type Data = Record<string, any>;

/** The little of the page's globals the checks read in the browser (the tsconfig has no DOM types). */
interface InPage {
  document: { body: { dataset: Record<string, string | undefined> } };
  sessionStorage: { getItem(key: string): string | null };
}
/** The little of a canvas element the pixel check reads. */
interface InPageCanvas {
  width: number;
  height: number;
  getContext(
    kind: '2d',
  ): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null;
}

/** The overview page at `/` in a real headless Chromium, on the wiring `aegis start` uses: the simulated
 *  platform publishes through NATS, the ingest writer stores it in the embedded ClickHouse, the scorer
 *  scores it, an agent proposes through the API, and a person approves on the page. */
describe('overview page in Chromium', () => {
  let nats: SimulatedStack['nats'];
  let stack: SimulatedStack | undefined;
  const dir = tempDir('aegis-overview-');
  const logger = silentLogger();
  let config: AegisConfig;
  let feed: SimulatorFeed;
  let scorer: Scorer;
  let server: ApiServer;
  let browser: Browser;
  let page: Page;
  /** What the page's console and script said at error level: a CSP violation shows here. */
  const pageErrors: string[] = [];
  const tokens = { admin: '', approver: '', agent: '' };
  /** The action the approver may vote on, and one only finance and its owning team may. */
  let mineId = '';
  let othersId = '';
  let now = 0;
  const clock = () => now;

  async function gql(token: string, query: string, variables?: Record<string, unknown>): Promise<Data> {
    const body = await postGraphql(server.url, query, { token, variables });
    if (body.errors?.length) throw new Error(body.errors[0]!.message);
    return body.data!;
  }

  const propose = async (input: Record<string, unknown>) =>
    (
      await gql(
        tokens.agent,
        'mutation($input: ProposeActionInput!) { proposeAction(input: $input) { action { id state } } }',
        { input },
      )
    ).proposeAction.action as { id: string; state: string };

  async function signIn(token: string): Promise<void> {
    await page.goto(`${server.url}/`);
    await page.getByLabel('API key', { exact: true }).fill(token);
    await page.getByRole('button', { name: 'Sign in with this API key' }).click();
  }

  /** Waits for the page to finish a load of its data after `since` (ms). */
  const loadedAfter = (since: number) =>
    page.waitForFunction(
      (t) => Number((globalThis as unknown as InPage).document.body.dataset.loaded ?? 0) > t,
      since,
      {
        timeout: 20_000,
      },
    );

  beforeAll(async () => {
    config = aegisConfigSchema.parse({
      dataDir: dir.path,
      simulator: { seed: 7, services: 6, teams: 3, backfillDays: 0 },
      writer: TEST_WRITER_CONFIG,
      api: { port: 0, host: '127.0.0.1' },
      control: { approvals: { roles: { security: ['sam'] } } },
    });
    const platform = createPlatform(simulatedPlatformConfig(config));
    // An hour of simulated telemetry ending two hours ago (the writer refuses points from the future), scored
    // three times, so the chart has a line to draw and the approval has not expired by the real clock.
    const T0 = Math.floor(Date.now() / HOUR_MS) * HOUR_MS - 3 * HOUR_MS;
    now = T0;

    stack = await startSimulatedStack({ config, platform, clock, logger });
    ({ nats, feed, scorer, server } = stack);
    const catalog = scorer.definitions.catalog;
    tokens.admin = stack.adminToken;
    browser = await chromium.launch({ executablePath: CHROMIUM });

    now = T0 + HOUR_MS;
    await waitFor(
      async () => feed.progress().generatedUntilMs >= now && (await writerDrained(nats.bus, config.writer.durable)),
      60_000,
    );
    for (const at of [T0 + 20 * MINUTE_MS, T0 + 40 * MINUTE_MS, T0 + HOUR_MS]) await scorer.runOnce(at);

    const make = async (name: string, role: string) =>
      (
        await gql(tokens.admin, 'mutation($n: String!, $r: Role!) { createApiKey(name: $n, role: $r) { token } }', {
          n: name,
          r: role,
        })
      ).createApiKey.token as string;
    tokens.approver = await make('sam', 'APPROVER');
    tokens.agent = await make('remediation-bot', 'AGENT');
    // Access changes go to security (sam); a costly scale-up goes to its owning team and finance instead.
    const mine = await propose({
      type: 'enforce_mfa',
      target: { principal: 'user:dana' },
      reason: 'admin without MFA',
    });
    const others = await propose({
      type: 'scale_up',
      target: { service: catalog.services[0]!.name },
      impact: { costUsdMonth: 900 },
      reason: 'saturation forecast',
    });
    expect([mine.state, others.state]).toEqual(['pending_approval', 'pending_approval']);
    mineId = mine.id;
    othersId = others.id;
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    dir.remove();
  });

  it('tells the approver key which pending actions it may vote on', async () => {
    const data = await gql(
      tokens.approver,
      'query { actions(filter: { state: "pending_approval" }) { nodes { id canVote } } }',
    );
    const canVote = Object.fromEntries(data.actions.nodes.map((a: Data) => [a.id, a.canVote]));
    expect(canVote).toEqual({ [mineId]: true, [othersId]: false });
    // The proposer never may (and an agent key holds no approve permission anyway).
    const own = await gql(tokens.agent, 'query($id: String!) { action(id: $id) { canVote } }', { id: mineId });
    expect(own.action.canVote).toBe(false);
  });

  it('shows a clear message for a bad key, and stays signed out', async () => {
    page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(m.text());
    });
    page.on('pageerror', (err) => pageErrors.push(err.message));
    // A well-formed token of no key, then one that is not a token at all.
    for (const bad of [`aegis_ak_0000000000000000_${'A'.repeat(43)}`, 'not a key']) {
      await signIn(bad);
      await expect
        .poll(() => page.locator('#sign-in-error').textContent())
        .toBe('That API key was refused: it is unknown, revoked or mistyped.');
      expect(await page.locator('#dashboard').isHidden()).toBe(true);
      expect(
        await page.evaluate(() => (globalThis as unknown as InPage).sessionStorage.getItem('aegis.apiKey')),
      ).toBeNull();
    }
  });

  it("signs in with the approver's key and shows the health index and the maturity level", async () => {
    const started = Date.now();
    await signIn(tokens.approver);
    await loadedAfter(started);
    const api = (await gql(tokens.approver, '{ platform { health { value } maturity { level name } } }')).platform;
    expect(typeof api.health.value).toBe('number');
    expect(await page.locator('#health-value').textContent()).toBe(`${api.health.value.toFixed(1)} / 100`);
    expect(await page.locator('#maturity-level').textContent()).toBe(
      `Level ${api.maturity.level} · ${api.maturity.name}`,
    );
    expect(await page.locator('#maturity-card .criteria li').count()).toBeGreaterThan(0);
    expect(await page.locator('#session-who').textContent()).toContain('sam · approver');
  });

  it('draws the scores chart with uPlot on a canvas that is not blank', async () => {
    const canvas = page.locator('#scores-chart canvas');
    await expect.poll(() => canvas.count()).toBe(1);
    const drawn = await canvas.evaluate((el) => {
      const c = el as unknown as InPageCanvas;
      const pixels = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let painted = 0;
      for (let i = 3; i < pixels.length; i += 4) if (pixels[i]! > 0) painted++;
      return { width: c.width, height: c.height, painted };
    });
    expect(drawn.width).toBeGreaterThan(300);
    expect(drawn.height).toBeGreaterThan(100);
    // Lines over an empty plot: well over a few hundred pixels, and far from all of them.
    expect(drawn.painted).toBeGreaterThan(500);
    expect(drawn.painted).toBeLessThan(drawn.width * drawn.height);
    // One legend entry per dimension.
    expect(await page.locator('#scores-chart .u-legend .u-series').count()).toBe(7);
  });

  it('lists only the action the key may vote on, approves it by its button, and shows the audit record', async () => {
    const pending = page.locator('#pending-actions li');
    await expect
      .poll(() => pending.evaluateAll((els) => els.map((e) => e.getAttribute('data-action-id'))))
      .toEqual([mineId]);
    expect(await page.locator('#approvals-card').textContent()).toContain(
      '1 more pending action awaits other approvers.',
    );

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'overview.png'), fullPage: true });

    const started = Date.now();
    await page.getByRole('button', { name: `Approve enforce_mfa on user:dana (${mineId})` }).click();
    await loadedAfter(started);
    expect(await page.locator('#approvals-status').textContent()).toMatch(
      /^Approved enforce_mfa on user:dana: now approved/,
    );
    expect(await pending.count()).toBe(0);
    expect(await page.locator('#approvals-card').textContent()).toContain('Nothing awaits your approval.');

    const action = (
      await gql(tokens.approver, 'query($id: String!) { action(id: $id) { state lastAuditSeq } }', { id: mineId })
    ).action;
    expect(action.state).toBe('approved');
    const row = page.locator('#audit-records tbody tr').filter({ hasText: mineId }).first();
    expect(await row.locator('td').allTextContents()).toEqual([
      String(action.lastAuditSeq),
      expect.any(String),
      'approval.granted',
      'user:sam',
      mineId,
    ]);
    expect(await page.locator('#audit-integrity').textContent()).toContain('CHAIN INTACT');

    await page.screenshot({ path: join(ARTIFACTS, 'overview-approved.png'), fullPage: true });
  });

  it('rejects with the reason asked for in a dialog', async () => {
    const next = await propose({ type: 'enforce_mfa', target: { principal: 'user:erin' }, reason: 'stale admin' });
    let started = Date.now();
    await page.getByRole('button', { name: 'Refresh the overview' }).click();
    await loadedAfter(started);
    await page.getByRole('button', { name: `Reject enforce_mfa on user:erin (${next.id})` }).click();
    await page.getByLabel('Reason (kept in the audit log)').fill('erin left the team');
    started = Date.now();
    await page.getByRole('button', { name: 'Reject the action' }).click();
    await loadedAfter(started);
    const action = (
      await gql(tokens.approver, 'query($id: String!) { action(id: $id) { state votes { decision comment } } }', {
        id: next.id,
      })
    ).action;
    expect(action).toEqual({ state: 'denied', votes: [{ decision: 'reject', comment: 'erin left the team' }] });
    expect(await page.locator('#pending-actions li').count()).toBe(0);
  });

  it('signs out, forgetting the key and clearing the cards', async () => {
    await page.getByRole('button', { name: 'Sign out and forget the API key' }).click();
    expect(await page.locator('#sign-in').isVisible()).toBe(true);
    expect(await page.locator('#dashboard').isHidden()).toBe(true);
    expect(await page.locator('#health-value').count()).toBe(0);
    expect(
      await page.evaluate(() => (globalThis as unknown as InPage).sessionStorage.getItem('aegis.apiKey')),
    ).toBeNull();
  });

  it('shows a viewer key the scores and says, card by card, what its role may not see', async () => {
    const viewer = (await gql(tokens.admin, 'mutation { createApiKey(name: "vera", role: VIEWER) { token } }'))
      .createApiKey.token as string;
    const started = Date.now();
    await signIn(viewer);
    await loadedAfter(started);
    expect(await page.locator('#health-value').count()).toBe(1);
    for (const card of ['#approvals-card', '#audit-card'])
      expect(await page.locator(`${card} .error`).textContent()).toMatch(/^Your key may not see this: .*read:control/);
    // The bad-key attempts logged the browser's own "401" resource errors; nothing else may appear (a CSP
    // violation or a script error would).
    expect(pageErrors.filter((e) => !/status of 401/.test(e))).toEqual([]);
  });
});
