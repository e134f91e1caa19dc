import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/errors.ts';
import { incidentKinds, parseSimulatorConfig } from './config.ts';
import { createPlatform } from './simulator.ts';

const WEEK = 7 * 86_400_000;
const MONDAY = Date.UTC(2025, 0, 6);

function messageOf(input: unknown): string {
  try {
    parseSimulatorConfig(input);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected the config to be rejected');
}

describe('simulator config', () => {
  it('parses the defaults from an empty object', () => {
    expect(parseSimulatorConfig({})).toEqual({
      seed: 42,
      services: 24,
      teams: 6,
      metricIntervalMs: 60_000,
      incidentsPerServicePerWeek: 3,
      riskyAccessPerWeek: 8,
      incidentKinds: [...incidentKinds],
      stagingShare: 0.3,
      shadowResources: 3,
      untaggedResources: 4,
      idleResources: 3,
    });
  });

  it('parses a sample config', () => {
    const c = parseSimulatorConfig({
      seed: 7,
      services: 10,
      teams: 3,
      metricIntervalMs: 300_000,
      incidentKinds: ['latency_spike', 'root_use'],
    });
    expect(c.services).toBe(10);
    expect(c.metricIntervalMs).toBe(300_000);
    expect(c.incidentKinds).toEqual(['latency_spike', 'root_use']);
  });

  it.each([
    [{ services: 0 }, 'services must be >= 1 (got 0)'],
    [{ incidentsPerServicePerWeek: -1 }, 'incidentsPerServicePerWeek must be >= 0 (got -1)'],
    [{ riskyAccessPerWeek: -0.5 }, 'riskyAccessPerWeek must be >= 0 (got -0.5)'],
    [{ teams: 8, services: 4 }, 'teams must be <= services (got 8 > 4)'],
    [{ metricIntervalMs: 7000 }, 'metricIntervalMs must divide one hour'],
    [{ services: 2.5 }, 'services must be a whole number'],
    [{ stagingShare: 2 }, 'stagingShare must be between 0 and 1'],
    [{ incidentKinds: ['meteor_strike'] }, 'incidentKinds'],
    [{ servics: 3 }, 'servics'],
  ])('rejects %j with a message naming the key', (input, expected) => {
    expect(messageOf(input)).toContain(expected);
  });

  it('makes createPlatform fail with a ConfigError on bad config', () => {
    expect(() => createPlatform({ services: 0 })).toThrow(ConfigError);
  });

  it('injects only the enabled incident kinds', () => {
    const p = createPlatform({ incidentKinds: ['latency_spike'], riskyAccessPerWeek: 50 });
    const kinds = new Set(p.groundTruth(MONDAY, MONDAY + WEEK).map((i) => i.kind));
    expect([...kinds]).toEqual(['latency_spike']);
  });

  it('injects nothing when both rates are zero', () => {
    const p = createPlatform({ incidentsPerServicePerWeek: 0, riskyAccessPerWeek: 0 });
    expect(p.groundTruth(MONDAY, MONDAY + 4 * WEEK)).toEqual([]);
  });
});
