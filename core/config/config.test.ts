import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.ts';
import { loadConfig } from './index.ts';

function dirWith(yaml?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'aegis-config-'));
  if (yaml !== undefined) writeFileSync(join(dir, 'aegis.yaml'), yaml);
  return dir;
}

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('parses the defaults with no file and no environment', () => {
    const cwd = dirWith();
    const config = loadConfig({ env: {}, cwd });
    expect(config.dataDir).toBe(join(cwd, 'data'));
    expect(config.nats.url).toBe('');
    expect(config.writer.maxBatchRows).toBe(50_000);
    expect(config.collectors.otlpPort).toBe(4318);
    expect(config.simulator.backfillDays).toBe(7);
  });

  it('reads a sample aegis.yaml and lets the environment win over it', () => {
    const cwd = dirWith('dataDir: /tmp/x\nwriter:\n  maxBatchRows: 5000\nsimulator:\n  seed: 7\n');
    const config = loadConfig({ env: { AEGIS_SIMULATOR_SEED: '9', AEGIS_NATS_URL: 'nats://h:4222' }, cwd });
    expect(config.dataDir).toBe('/tmp/x');
    expect(config.writer.maxBatchRows).toBe(5000);
    expect(config.simulator.seed).toBe(9);
    expect(config.nats.url).toBe('nats://h:4222');
  });

  it('names the file, line and key of a bad value', () => {
    const cwd = dirWith('writer:\n  maxBatchRows: -3\n');
    const err = errorOf(() => loadConfig({ env: {}, cwd }));
    expect(err.message).toMatch(/writer\.maxBatchRows: .*\(.*aegis\.yaml:2:17\)/);
  });

  it('rejects an unknown key, one line per key', () => {
    const cwd = dirWith('writer:\n  maxBatchRow: 5\n  flushMs: 3\n');
    const err = errorOf(() => loadConfig({ env: {}, cwd }));
    expect(err.message).toContain('writer.maxBatchRow: is not a known setting');
    expect(err.message).toContain('writer.flushMs: is not a known setting');
  });

  it('names the environment variable of a bad value', () => {
    const err = errorOf(() => loadConfig({ env: { AEGIS_OTLP_PORT: 'eighty' }, cwd: dirWith() }));
    expect(err.message).toContain('collectors.otlpPort');
    expect(err.message).toContain('environment variable AEGIS_OTLP_PORT');
  });

  it('refuses a ClickHouse URL that is not http(s)', () => {
    const err = errorOf(() => loadConfig({ env: { AEGIS_CLICKHOUSE_URL: 'tcp://db:9000' }, cwd: dirWith() }));
    expect(err.message).toContain('clickhouse.url: must be an http(s):// URL');
    expect(err.message).toContain('AEGIS_CLICKHOUSE_URL');
  });

  it('checks cross-field rules', () => {
    const cwd = dirWith('writer:\n  retryInitialMs: 500\n  retryMaxMs: 100\n');
    expect(errorOf(() => loadConfig({ env: {}, cwd })).message).toContain(
      'retryMaxMs must be >= retryInitialMs (got 100 < 500)',
    );
  });

  it('reports YAML syntax errors with their position', () => {
    const cwd = dirWith('writer:\n  maxBatchRows: [1, 2\n');
    expect(errorOf(() => loadConfig({ env: {}, cwd })).message).toMatch(/aegis\.yaml:\d+:\d+: /);
  });

  it('fails when an explicit config file is missing', () => {
    expect(errorOf(() => loadConfig({ env: { AEGIS_CONFIG: 'nope.yaml' }, cwd: dirWith() })).message).toContain(
      'does not exist',
    );
  });
});
