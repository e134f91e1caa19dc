import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKeyStore } from '../../api/auth/index.ts';
import { buildApi } from '../../api/components.ts';
import { buildController } from '../../control/components.ts';
import type { Controller } from '../../control/controller.ts';
import { aegisConfigSchema } from '../../core/config/index.ts';
import { silentLogger } from '../../core/logger.ts';
import { createMetricsRegistry } from '../../core/metrics.ts';
import { loadCatalog } from '../../scoring/catalog/index.ts';
import { recommendationData } from '../../scoring/insights/reconcile.ts';
import { saveAndPublish } from '../../scoring/insights/store.ts';
import type { RecommendationRow } from '../../scoring/insights/types.ts';
import { startTestNats, startTestWarehouse, tempDir } from '../harness/index.ts';
import { waitFor } from '../harness/telemetry.ts';

/** The example agent (examples/agent/agent.ts) as users run it, against a real API: it proposes what the
 *  scorer recommends, within its budget, and resumes from its cursor after a restart. */
describe('example agent', () => {
  let nats: Awaited<ReturnType<typeof startTestNats>>;
  let store: Awaited<ReturnType<typeof startTestWarehouse>>;
  let controller: Controller;
  let api: Awaited<ReturnType<typeof buildApi>>;
  let token: string;
  const dir = tempDir('aegis-agent-');
  const catalog = loadCatalog('./catalog');
  // Resources of tier-2 checkout-worker: policy lets an agent propose stop_idle there (people approve).
  const resources = catalog.resources.filter((r) => r.service === 'checkout-worker');
  const agents: ChildProcessWithoutNullStreams[] = [];

  beforeAll(async () => {
    nats = await startTestNats();
    store = await startTestWarehouse();
    const config = aegisConfigSchema.parse({ dataDir: dir.path, api: { port: 0 } });
    const logger = silentLogger();
    controller = await buildController(config, {
      warehouse: store.warehouse,
      bus: nats.bus,
      logger,
      catalog: () => catalog,
      schedule: false,
    });
    api = await buildApi(config, {
      warehouse: store.warehouse,
      bus: nats.bus,
      controller,
      catalog: () => catalog,
      logger,
      metrics: createMetricsRegistry(),
    });
    await controller.start();
    await api.server.start();
    ({ token } = await createApiKeyStore(store.warehouse).create({
      name: 'finops-agent',
      role: 'agent',
      team: 'checkout',
    }));
    writeFileSync(
      join(dir.path, 'agent.yaml'),
      'name: finops-agent\ntypes: [stop_idle]\nminConfidence: 0.7\nbudget: { maxActionsPerHour: 1, maxUsdPerHour: 1000 }\n',
    );
  });

  afterAll(async () => {
    for (const a of agents) a.kill('SIGKILL');
    await api?.server.stop();
    await controller?.stop();
    await store?.stop();
    await nats?.stop();
    dir.remove();
  });

  /** Starts the agent; its JSON log lines collect in `lines`. */
  function startAgent(): { lines: Record<string, unknown>[]; process: ChildProcessWithoutNullStreams } {
    const child = spawn(
      process.execPath,
      [
        'bin/run-ts.js',
        'examples/agent/agent.ts',
        '--url',
        `${api.server.url.replace(/^http/, 'ws')}/graphql`,
        '--token',
        token,
        '--config',
        join(dir.path, 'agent.yaml'),
        '--state',
        join(dir.path, 'state.json'),
      ],
      { stdio: 'pipe' },
    );
    agents.push(child);
    const lines: Record<string, unknown>[] = [];
    let buffered = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      for (const p of parts) if (p.trim()) lines.push(JSON.parse(p) as Record<string, unknown>);
    });
    return { lines, process: child };
  }

  /** Publishes a recommendation the way a scoring pass does. */
  async function recommend(id: string, resourceId: string): Promise<void> {
    const now = Date.now();
    const row: RecommendationRow = {
      id,
      version: 1,
      insight_id: `ins-${id}`,
      type: 'stop_idle',
      status: 'open',
      subject: resourceId,
      service: 'checkout-worker',
      team: 'checkout',
      title: `Stop idle ${resourceId}`,
      rationale: 'under 5 % CPU and memory for a week',
      impact_usd_month: 120,
      impact_risk: 'none while idle',
      confidence: 0.9,
      held_reason: '',
      evidence: '[]',
      created_at: now,
      updated_at: now,
    };
    await saveAndPublish(
      store.warehouse,
      nats.bus,
      {
        insights: [],
        recommendations: [row],
        events: [
          {
            subject: `aegis.recommendations.${row.type}`,
            id: `${row.id}.1`,
            type: 'aegis.recommendation.created',
            data: recommendationData(row),
          },
        ],
      } as never,
      'aegis/scorer',
    );
  }

  const proposals = async () =>
    (await controller.actions.list({ type: 'stop_idle' })).filter((a) => a.recommendationId);

  it('proposes what is recommended within its budget, and resumes after a restart without proposing twice', async () => {
    const first = startAgent();
    await waitFor(() => first.lines.some((l) => l.msg === 'started'), 30_000);
    // Subscriptions open right after `started`; give them a moment to reach the server.
    await new Promise((r) => setTimeout(r, 1000));
    await recommend('rec-a', resources[0]!.id);
    await waitFor(() => first.lines.some((l) => l.msg === 'proposed'), 30_000);
    const [action] = await proposals();
    expect(action).toMatchObject({
      recommendationId: 'rec-a',
      proposer: { id: 'finops-agent', kind: 'agent' },
      state: 'pending_approval',
    });
    // Its budget is one action an hour: the next recommendation is left to people.
    await recommend('rec-b', resources[1]!.id);
    await waitFor(() => first.lines.some((l) => l.msg === 'over budget: left for a person'), 30_000);
    expect(await proposals()).toHaveLength(1);

    first.process.kill('SIGINT');
    await new Promise((r) => first.process.once('exit', r));
    const saved = JSON.parse(readFileSync(join(dir.path, 'state.json'), 'utf8')) as { recommendationsCursor?: string };
    expect(saved.recommendationsCursor).toMatch(/^\d+$/);

    // Restarted, it resumes after its cursor: nothing seen again, nothing proposed twice.
    const second = startAgent();
    await waitFor(() => second.lines.some((l) => l.msg === 'started'), 30_000);
    expect(second.lines.find((l) => l.msg === 'started')?.resumeFrom).toBe(saved.recommendationsCursor);
    await new Promise((r) => setTimeout(r, 2000));
    expect(second.lines.filter((l) => l.msg === 'proposed' || String(l.msg).startsWith('over budget'))).toEqual([]);
    expect(await proposals()).toHaveLength(1);
  }, 120_000);
});
