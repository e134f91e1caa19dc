import { describe, expect, it } from 'vitest';
import { judgeClockSkew } from './clock-check.ts';

describe('judgeClockSkew', () => {
  it('is ok within a second and shows the skew with its uncertainty', () => {
    const r = judgeClockSkew([{ source: 'ClickHouse', skewMs: -420, uncertaintyMs: 3 }]);
    expect(r.status).toBe('ok');
    expect(r.detail).toBe('local clock vs ClickHouse -420 ms (±3 ms)');
  });

  it('warns past one second', () => {
    const r = judgeClockSkew([{ source: 'ClickHouse', skewMs: 4500, uncertaintyMs: 2 }]);
    expect(r.status).toBe('warn');
    expect(r.detail).toContain('+4.5 s');
    expect(r.fix).toContain('NTP');
  });

  it('fails past 30 seconds on any source', () => {
    const r = judgeClockSkew([
      { source: 'ClickHouse', skewMs: 10, uncertaintyMs: 1 },
      { source: 'NATS', skewMs: -45_000, uncertaintyMs: 1 },
    ]);
    expect(r.status).toBe('fail');
    expect(r.detail).toContain('NATS -45 s');
  });

  it('does not blame the clock for a slow round trip', () => {
    expect(judgeClockSkew([{ source: 'ClickHouse', skewMs: 1400, uncertaintyMs: 600 }]).status).toBe('ok');
  });

  it('warns when there is no server clock to compare with, saying why', () => {
    const r = judgeClockSkew([], 'ClickHouse: connection refused');
    expect(r.status).toBe('warn');
    expect(r.detail).toBe('no server clock to compare with (ClickHouse: connection refused)');
  });

  it('is ok without samples in embedded mode, where everything runs on one clock', () => {
    expect(judgeClockSkew([], 'embedded').status).toBe('ok');
  });
});
