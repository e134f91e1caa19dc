import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createAnomalyDetector } from './ensemble.ts';
import { createAnomalyModelStore } from './model-store.ts';
import { loadTf } from './tf-runtime.ts';

const tf = await loadTf('wasm');
const dir = mkdtempSync(join(tmpdir(), 'aegis-anomaly-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const series = Array.from({ length: 400 }, (_, i) => 10 + Math.sin(i / 5) + (i % 7) * 0.1);
const forecaster = {
  lags: 8,
  hiddenUnits: 4,
  trainEveryPoints: 50,
  minTrainPoints: 60,
  trainWindowPoints: 200,
  epochs: 3,
};

describe('AnomalyModelStore', () => {
  it('saves state and tfjs weights under <dataDir>/models/anomaly/<version>/ and restores identical scoring', async () => {
    const store = createAnomalyModelStore({ dataDir: dir, tf, version: 'test-1' });
    const original = createAnomalyDetector({ probationPoints: 50, forecaster }, { tf });
    const twin = createAnomalyDetector({ probationPoints: 50, forecaster }, { tf });
    for (const [i, v] of series.slice(0, 300).entries()) {
      original.update(i * 60_000, v);
      twin.update(i * 60_000, v);
    }
    const path = await store.save('web-1/cpu', original);
    expect(path).toBe(join(dir, 'models', 'anomaly', 'test-1', 'web-1%2Fcpu'));
    expect(readdirSync(path).sort()).toEqual(['state.json', 'tf']);
    expect(readdirSync(join(path, 'tf')).sort()).toEqual(['model.json', 'weights.bin']);

    const restored = await store.load('web-1/cpu');
    expect(restored?.version).toBe(original.version);
    for (const [i, v] of series.slice(300).entries()) {
      expect(restored!.update((300 + i) * 60_000, v)).toBe(twin.update((300 + i) * 60_000, v));
    }
  });

  it('returns undefined for a series it never saved', async () => {
    expect(await createAnomalyModelStore({ dataDir: dir }).load('nope')).toBeUndefined();
  });
});
