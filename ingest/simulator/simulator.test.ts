import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../core/errors.ts';
import { recordSchemas, type TelemetryKind, telemetryKinds } from '../../schemas/index.ts';
import { createPlatform, type GenerateResult, writeGroundTruth } from './index.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** A Monday, well in the past, so every timestamp passes the schema's future check. */
const MONDAY = Date.UTC(2025, 0, 6);

const concat = (parts: GenerateResult[]): GenerateResult => ({
  metrics: parts.flatMap((p) => p.metrics),
  cost: parts.flatMap((p) => p.cost),
  access: parts.flatMap((p) => p.access),
  resources: parts.flatMap((p) => p.resources),
});
const tsOf = (kind: TelemetryKind, r: Record<string, unknown>) =>
  (kind === 'cost' ? r.ChargePeriodEnd : r.ts) as number;

describe('createPlatform', () => {
  const platform = createPlatform();

  it('builds 24 services over 6 teams with owners, tiers, lifecycles, systems and envs', () => {
    expect(platform.services).toHaveLength(24);
    expect(platform.teams.map((t) => t.name)).toEqual([
      'payments',
      'checkout',
      'identity',
      'search',
      'fulfillment',
      'notifications',
    ]);
    const teams = new Set(platform.teams.map((t) => t.name));
    for (const s of platform.services) {
      expect(teams.has(s.owner)).toBe(true);
      expect(['tier-1', 'tier-2', 'tier-3']).toContain(s.tier);
      expect(['production', 'experimental', 'deprecated']).toContain(s.lifecycle);
      expect(s.system).toBe(`${s.owner}-platform`);
      expect(s.envs[0]).toBe('production');
    }
    expect(platform.services.some((s) => s.envs.includes('staging'))).toBe(true);
  });

  it('gives every service resources, plus shadow, untagged and idle ones', () => {
    for (const s of platform.services) {
      expect(platform.resources.some((r) => r.service === s.name && r.type !== 'bucket')).toBe(true);
    }
    const shadow = platform.resources.filter((r) => !r.catalogued);
    expect(shadow).toHaveLength(3);
    expect(shadow.every((r) => r.service === '' && r.owner === '')).toBe(true);
    expect(platform.resources.filter((r) => r.catalogued && !r.tagged)).toHaveLength(4);
    expect(platform.resources.filter((r) => r.idle)).toHaveLength(3);
    expect(new Set(platform.resources.map((r) => r.id)).size).toBe(platform.resources.length);
    expect(new Set(platform.resources.map((r) => r.type))).toEqual(new Set(['vm', 'k8s-node', 'db', 'bucket']));
  });

  it('produces byte-identical output for the same config and seed', () => {
    const other = createPlatform({ seed: 42 });
    const from = MONDAY + 10 * HOUR;
    expect(JSON.stringify(other.generate(from, from + 2 * HOUR))).toBe(
      JSON.stringify(platform.generate(from, from + 2 * HOUR)),
    );
    expect(JSON.stringify(other.groundTruth(MONDAY, MONDAY + 7 * DAY))).toBe(
      JSON.stringify(platform.groundTruth(MONDAY, MONDAY + 7 * DAY)),
    );
    expect(JSON.stringify(other.resources)).toBe(JSON.stringify(platform.resources));
  });

  it('produces different output for a different seed', () => {
    const other = createPlatform({ seed: 43 });
    const a = platform.generate(MONDAY, MONDAY + HOUR);
    const b = other.generate(MONDAY, MONDAY + HOUR);
    for (const kind of telemetryKinds) expect(JSON.stringify(b[kind])).not.toBe(JSON.stringify(a[kind]));
    expect(JSON.stringify(other.groundTruth(MONDAY, MONDAY + 7 * DAY))).not.toBe(
      JSON.stringify(platform.groundTruth(MONDAY, MONDAY + 7 * DAY)),
    );
  });

  it('gives the same records for [a, c) as for [a, b) then [b, c), wherever b falls', () => {
    const a = MONDAY + 2 * HOUR + 17_345;
    const c = a + 3 * HOUR;
    const whole = JSON.stringify(platform.generate(a, c));
    fc.assert(
      fc.property(fc.integer({ min: a, max: c }), (b) => {
        // A fresh platform per split, so no cache carries over from the whole-range call.
        const p = createPlatform();
        expect(JSON.stringify(concat([p.generate(a, b), p.generate(b, c)]))).toBe(whole);
      }),
      { numRuns: 6 },
    );
  });

  it('gives the same records for hours generated whole or sliced hourly, in any order', () => {
    // 01:00–07:00 UTC spans every service's nightly restart, where counters reset.
    const whole = platform.generate(MONDAY + HOUR, MONDAY + 7 * HOUR);
    const p = createPlatform();
    const hours = Array.from({ length: 6 }, (_, h) => h + 1);
    // Generate the late hours first: the counter checkpoints must not depend on call order.
    const slices = new Map(hours.reverse().map((h) => [h, p.generate(MONDAY + h * HOUR, MONDAY + (h + 1) * HOUR)]));
    const ordered = hours.sort((x, y) => x - y).map((h) => slices.get(h) as GenerateResult);
    expect(JSON.stringify(concat(ordered))).toBe(JSON.stringify(whole));
  });

  it('emits records that pass their schemas, inside the range, in time order', () => {
    const from = MONDAY + 5 * HOUR + 123;
    const to = from + HOUR;
    const out = platform.generate(from, to);
    for (const kind of telemetryKinds) {
      expect(out[kind].length).toBeGreaterThan(0);
      let last = -Infinity;
      for (const record of out[kind]) {
        recordSchemas[kind].parse(record);
        const ts = tsOf(kind, record as Record<string, unknown>);
        expect(ts).toBeGreaterThanOrEqual(from);
        expect(ts).toBeLessThan(to);
        expect(ts).toBeGreaterThanOrEqual(last);
        last = ts;
      }
    }
  });

  it('puts metrics on the minute grid and hourly records at the end of each hour', () => {
    const out = platform.generate(MONDAY, MONDAY + HOUR);
    const computes = platform.resources.filter((r) => r.catalogued && r.type !== 'bucket').length;
    expect(out.metrics).toHaveLength(60 * (24 * 5 + computes * 2));
    expect(out.metrics.every((m) => m.ts % 60_000 === 0)).toBe(true);
    expect(out.cost).toHaveLength(platform.resources.length);
    // The hour that ends at MONDAY is the one reported in [MONDAY, MONDAY + 1h).
    expect(out.cost.every((c) => c.ChargePeriodStart === MONDAY - HOUR && c.ChargePeriodEnd === MONDAY)).toBe(true);
    expect(out.resources.every((r) => r.ts === MONDAY)).toBe(true);
    expect(platform.generate(MONDAY, MONDAY)).toEqual({ metrics: [], cost: [], access: [], resources: [] });
  });

  it('refuses ranges before 2000, reversed, or not in whole milliseconds', () => {
    expect(() => platform.generate(0, HOUR)).toThrow(InputError);
    expect(() => platform.generate(MONDAY + HOUR, MONDAY)).toThrow('toMs must be >= fromMs');
    expect(() => platform.generate(MONDAY + 0.5, MONDAY + HOUR)).toThrow(InputError);
  });
});

describe('ground truth', () => {
  const platform = createPlatform();

  it('returns every incident overlapping the range, with its target, window and description', () => {
    const week = platform.groundTruth(MONDAY, MONDAY + 7 * DAY);
    expect(week.length).toBeGreaterThan(40);
    for (const inc of week) {
      expect(inc.startMs).toBeLessThan(MONDAY + 7 * DAY);
      expect(inc.endMs).toBeGreaterThan(MONDAY);
      expect(inc.endMs).toBeGreaterThan(inc.startMs);
      expect(inc.service ?? inc.resource ?? inc.principal).toBeTruthy();
      expect(inc.magnitude).toBeGreaterThan(0);
      expect(inc.description.length).toBeGreaterThan(10);
    }
    expect(new Set(week.map((i) => i.id)).size).toBe(week.length);
    // A sub-range sees exactly the incidents of the week that overlap it.
    const day = platform.groundTruth(MONDAY + 2 * DAY, MONDAY + 3 * DAY);
    const expected = week.filter((i) => i.startMs < MONDAY + 3 * DAY && i.endMs > MONDAY + 2 * DAY);
    expect(day).toEqual(expected);
  });

  it('writes incidents as JSON lines', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'aegis-sim-'));
    try {
      const incidents = platform.groundTruth(MONDAY, MONDAY + DAY);
      const path = join(dir, 'nested', 'truth.jsonl');
      await writeGroundTruth(path, incidents);
      const lines = (await readFile(path, 'utf8')).trimEnd().split('\n');
      expect(lines.map((l) => JSON.parse(l))).toEqual(incidents);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
