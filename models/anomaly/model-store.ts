import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type * as Tf from '@tensorflow/tfjs';
import { InputError } from '../../core/errors.ts';
import {
  type AnomalyDetector,
  type AnomalyDetectorState,
  ENSEMBLE_VERSION,
  restoreAnomalyDetector,
} from './ensemble.ts';
import type { TfRuntime } from './tf-runtime.ts';

/** Persists detector state and tfjs weights under `<dataDir>/models/anomaly/<version>/<series>/`. */
export interface AnomalyModelStore {
  /** Writes the detector's state (and its tfjs model, if any); returns the directory. */
  save(seriesId: string, detector: AnomalyDetector): Promise<string>;
  /** Restores the detector saved for a series by this ensemble version, or undefined when none is. */
  load(seriesId: string): Promise<AnomalyDetector | undefined>;
  /** The directory a series' model lives in. */
  pathOf(seriesId: string): string;
}

/** Where and with what the store works. */
export interface AnomalyModelStoreParams {
  /** The AEGIS data directory; models go to `<dataDir>/models/anomaly`. */
  dataDir: string;
  /** tfjs for saving and loading forecaster weights through the file IOHandler; without it only state.json. */
  tf?: TfRuntime | undefined;
  /** Version directory to use. @default ENSEMBLE_VERSION */
  version?: string;
}

const STATE_FILE = 'state.json';
const TF_DIR = 'tf';

/** Creates the file-backed model store. Versions live side by side, so a newer ensemble never
 *  reads state written by an older one.
 *  @example const store = createAnomalyModelStore({ dataDir: config.dataDir, tf }); await store.save('cpu.web-1', d); */
export function createAnomalyModelStore(params: AnomalyModelStoreParams): AnomalyModelStore {
  const root = join(params.dataDir, 'models', 'anomaly', params.version ?? ENSEMBLE_VERSION);
  const pathOf = (seriesId: string) => join(root, encodeURIComponent(seriesId));
  return {
    pathOf,
    async save(seriesId, detector) {
      const dir = pathOf(seriesId);
      await mkdir(dir, { recursive: true });
      await writeAtomic(join(dir, STATE_FILE), JSON.stringify(detector.toJSON()));
      const model = detector.forecaster?.tfModel();
      if (model) await model.save(fileIOHandler(join(dir, TF_DIR)));
      return dir;
    },
    async load(seriesId) {
      const dir = pathOf(seriesId);
      let text: string;
      try {
        text = await readFile(join(dir, STATE_FILE), 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw err;
      }
      let state: AnomalyDetectorState;
      try {
        state = JSON.parse(text) as AnomalyDetectorState;
      } catch (err) {
        throw new InputError(`${join(dir, STATE_FILE)} is not valid JSON`, { cause: err });
      }
      const detector = restoreAnomalyDetector(state, { tf: params.tf });
      if (params.tf && detector.forecaster && state.forecaster?.weights) {
        // The weights in state.json and in weights.bin are the same; loading the tfjs copy checks it is usable.
        const model = await params.tf.loadLayersModel(fileIOHandler(join(dir, TF_DIR)));
        detector.forecaster.adoptWeights(model);
        model.dispose();
      }
      return detector;
    },
  };
}

/** A tfjs IOHandler writing and reading `model.json` + `weights.bin` in a directory (tfjs' own
 *  `file://` handler exists only in tfjs-node). Round trips are exact: float32 bytes as they are. */
export function fileIOHandler(dir: string): Tf.io.IOHandler {
  return {
    async save(artifacts: Tf.io.ModelArtifacts): Promise<Tf.io.SaveResult> {
      await mkdir(dir, { recursive: true });
      const parts = artifacts.weightData === undefined ? [] : ([] as ArrayBuffer[]).concat(artifacts.weightData);
      const weights = Buffer.concat(parts.map((b) => new Uint8Array(b)));
      await writeAtomic(join(dir, 'weights.bin'), weights);
      const modelJson = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }],
      };
      await writeAtomic(join(dir, 'model.json'), JSON.stringify(modelJson));
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          weightDataBytes: weights.byteLength,
        },
      };
    },
    async load(): Promise<Tf.io.ModelArtifacts> {
      const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
      const bin = await readFile(join(dir, 'weights.bin'));
      const weightData = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) as ArrayBuffer;
      return {
        modelTopology: json.modelTopology,
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy,
        weightSpecs: json.weightsManifest?.[0]?.weights ?? [],
        weightData,
      };
    },
  };
}

// A crash mid-write leaves the previous file, never half of a new one.
async function writeAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
