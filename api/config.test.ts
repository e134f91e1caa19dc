import { describe, expect, it } from 'vitest';
import { ConfigError } from '../core/errors.ts';
import { parseApiConfig } from './config.ts';

describe('apiConfigSchema', () => {
  it('parses the defaults', () => {
    expect(parseApiConfig()).toEqual({
      host: '127.0.0.1',
      port: 4000,
      maxDepth: 10,
      maxAliases: 30,
      maxCost: 5000,
      maxTokens: 10_000,
      maxBodyBytes: 262_144,
      rateLimitPointsPerMinute: 20_000,
      keyCacheMs: 30_000,
      readCacheMs: 5000,
      shutdownTimeoutMs: 10_000,
    });
  });

  it('parses a sample with port 0 and the rate limit off', () => {
    expect(parseApiConfig({ host: '0.0.0.0', port: 0, rateLimitPointsPerMinute: 0, keyCacheMs: 0 })).toMatchObject({
      host: '0.0.0.0',
      port: 0,
      rateLimitPointsPerMinute: 0,
      keyCacheMs: 0,
    });
  });

  it.each([
    [{ port: 70000 }, 'port'],
    [{ maxDepth: 0 }, 'maxDepth'],
    [{ maxCost: -1 }, 'maxCost'],
    [{ maxBodyBytes: 1.5 }, 'maxBodyBytes'],
    [{ keyCacheMs: -5 }, 'keyCacheMs'],
    [{ colour: 'blue' }, 'colour'],
  ])('refuses %j naming %s', (input, field) => {
    expect(() => parseApiConfig(input)).toThrow(ConfigError);
    expect(() => parseApiConfig(input)).toThrow(field);
  });
});
