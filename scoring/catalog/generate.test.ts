import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildCatalog, parseSimulatorConfig } from '../../ingest/simulator/index.ts';
import { loadCatalog } from './catalog.ts';
import { AVAILABILITY_TARGETS, catalogFiles, REGENERATE_COMMAND, sloFiles } from './generate.ts';
import { loadSlos } from './slos.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const simulated = buildCatalog(parseSimulatorConfig());
const generated = [...catalogFiles(simulated), ...sloFiles(simulated)];

describe('checked-in catalog/ and slos/ examples', () => {
  it('equal the generator output for the default simulator config', () => {
    const stale: string[] = [];
    for (const file of generated) {
      const path = join(root, file.path);
      if (!existsSync(path) || readFileSync(path, 'utf8') !== file.text) stale.push(file.path);
    }
    const expected = new Set(generated.map((f) => f.path));
    const extra = ['catalog', 'slos'].flatMap((dir) =>
      readdirSync(join(root, dir))
        .filter((name) => /\.ya?ml$/.test(name))
        .map((name) => `${dir}/${name}`)
        .filter((path) => !expected.has(path)),
    );
    const problems = [...stale.map((p) => `${p} differs`), ...extra.map((p) => `${p} is not generated`)];
    expect(problems, `examples are out of date; regenerate with \`${REGENERATE_COMMAND}\``).toEqual([]);
  });

  it('load cleanly and match the simulated estate', () => {
    const catalog = loadCatalog(join(root, 'catalog'));
    const slos = loadSlos(join(root, 'slos'), catalog);
    expect(catalog.teams.map((t) => t.name)).toEqual(simulated.teams.map((t) => t.name).sort());
    for (const s of simulated.services) {
      expect(catalog.serviceByName(s.name)).toMatchObject({
        owner: s.owner,
        tier: s.tier,
        lifecycle: s.lifecycle,
        system: s.system,
        envs: s.envs,
        description: s.description,
      });
      expect(catalog.teamOf(s.name)?.members).toEqual(simulated.teams.find((t) => t.name === s.owner)?.members);
    }
    // Shadow resources stay out of the catalog: that is how they are found.
    for (const r of simulated.resources) {
      const found = catalog.resourceById(r.id);
      if (!r.catalogued) expect(found, r.name).toBeUndefined();
      else
        expect(found, r.name).toMatchObject({
          name: r.name,
          type: r.type,
          service: r.service,
          owner: r.owner,
          env: r.env,
        });
    }
    expect(slos).toHaveLength(2 * simulated.services.length);
  });

  it('give each service an availability SLO by tier and a latency SLO above its healthy p99', () => {
    const catalog = loadCatalog(join(root, 'catalog'));
    const slos = loadSlos(join(root, 'slos'), catalog);
    for (const s of simulated.services) {
      const availability = slos.find((slo) => slo.name === `${s.name}-availability`);
      expect(availability).toMatchObject({
        service: s.name,
        indicator: {
          kind: 'ratio',
          counter: true,
          counts: 'bad',
          numerator: { metric: 'http_request_errors_total' },
          total: { metric: 'http_requests_total' },
        },
        budgeting: 'Occurrences',
        window: { kind: 'rolling', durationMs: 28 * 86_400_000 },
        objectives: [{ target: AVAILABILITY_TARGETS[s.tier] }],
      });
      const latency = slos.find((slo) => slo.name === `${s.name}-latency`);
      expect(latency).toMatchObject({
        indicator: {
          kind: 'threshold',
          metric: { metric: 'http_request_duration_seconds', labels: { quantile: '0.99' } },
        },
        budgeting: 'Timeslices',
        objectives: [{ op: 'lte', target: 0.99, timeSliceWindowMs: 60_000 }],
      });
      const healthyP99 = s.profile.p50Seconds * s.profile.p99Ratio;
      const threshold = latency?.objectives[0]?.value ?? 0;
      expect(threshold / healthyP99, s.name).toBeGreaterThanOrEqual(1.6);
      expect(threshold / healthyP99, s.name).toBeLessThan(1.8);
    }
  });
});
