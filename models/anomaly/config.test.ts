import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/errors.ts';
import { parseAnomalyDetectorOptions } from './config.ts';

describe('parseAnomalyDetectorOptions', () => {
  it('fills every default from {}', () => {
    const c = parseAnomalyDetectorOptions({});
    expect(c.probationPoints).toBe(750);
    expect(c.cooldownPoints).toBeGreaterThan(0);
    expect(c.forecaster ? c.forecaster.lags : 0).toBe(24);
  });

  it('accepts forecaster: false', () => {
    expect(parseAnomalyDetectorOptions({ forecaster: false }).forecaster).toBe(false);
  });

  it('rejects invalid values with a ConfigError naming the field', () => {
    expect(() => parseAnomalyDetectorOptions({ tailQuantile: 2 })).toThrow(ConfigError);
    expect(() => parseAnomalyDetectorOptions({ windowPoints: 3 })).toThrow(/windowPoints/);
  });
});
