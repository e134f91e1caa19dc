import type * as Tf from '@tensorflow/tfjs';

/** The tfjs namespace the forecaster trains with (`@tensorflow/tfjs` or `@tensorflow/tfjs-node`). */
export type TfRuntime = typeof Tf;

/** Which tfjs backend to use: `auto` takes tfjs-node when installed, else WASM. */
export type TfBackendChoice = 'auto' | 'wasm' | 'cpu' | 'node';

const loaded = new Map<TfBackendChoice, Promise<TfRuntime>>();

/** Loads tfjs once per process with the chosen backend and resolves when it is ready.
 *  @example const tf = await loadTf(); // tfjs-node if installed, else the WASM backend */
export function loadTf(backend: TfBackendChoice = 'auto'): Promise<TfRuntime> {
  let p = loaded.get(backend);
  if (!p) {
    p = load(backend);
    loaded.set(backend, p);
  }
  return p;
}

async function load(backend: TfBackendChoice): Promise<TfRuntime> {
  if (backend === 'auto' || backend === 'node') {
    // tfjs-node is optional (its install downloads libtensorflow, impossible here): a variable
    // specifier keeps TypeScript and bundlers from requiring it.
    const nodeName = '@tensorflow/tfjs-node';
    try {
      const tf = (await import(nodeName)) as TfRuntime;
      await tf.ready();
      return tf;
    } catch (err) {
      if (backend === 'node') throw err;
    }
  }
  const tf = await import('@tensorflow/tfjs');
  if (backend === 'cpu') {
    await tf.setBackend('cpu');
  } else {
    await import('@tensorflow/tfjs-backend-wasm');
    await tf.setBackend('wasm');
  }
  await tf.ready();
  return tf;
}
