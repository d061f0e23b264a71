import * as tf from '@tensorflow/tfjs';

/**
 * Moving float32 values between tfjs tensors and the kernels without the
 * copies `dataSync()` and `tf.tensor()` make. On tfjs's WebAssembly backend
 * (the kit's default) a tensor's values live in that backend's memory, so a
 * read is a view of it and a new tensor is filled in place; the per-step
 * arrays this saves (about 8 MB per seed-004 LSTM step) otherwise cost page
 * faults and garbage collections forced by external memory. Other backends
 * take the copying path, with the same results.
 */

/** The parts of tfjs-backend-wasm 4.22's BackendWasm used here (not in its typings). */
interface WasmBackend {
  readonly dataIdMap: { get(dataId: object): { memoryOffset: number; dtype: string } | undefined };
  readonly wasm: { readonly HEAPU8: Uint8Array };
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
}

function wasmBackendOf(t?: tf.Tensor): WasmBackend | undefined {
  if (tf.getBackend() !== 'wasm') return undefined;
  const b = tf.backend() as unknown as Partial<WasmBackend>;
  if (!b.dataIdMap || !b.wasm?.HEAPU8 || typeof b.makeOutput !== 'function') return undefined;
  // A tensor made before a backend switch still lives on its old backend.
  if (t && (tf.engine().state.tensorInfo.get(t.dataId) as { backend?: unknown } | undefined)?.backend !== b) return undefined;
  return b as WasmBackend;
}

/**
 * A float32 tensor's values, read-only: on the wasm backend a view of its
 * memory, valid until the next tfjs op or allocation (use it at once); else
 * `dataSync()`.
 */
export function tensorFloats(t: tf.Tensor): Float32Array {
  if (t.dtype !== 'float32') throw new TypeError(`expected a float32 tensor, got ${t.dtype}`);
  const b = wasmBackendOf(t);
  const info = b?.dataIdMap.get(t.dataId);
  if (!b || !info) return t.dataSync() as Float32Array;
  return new Float32Array(b.wasm.HEAPU8.buffer, info.memoryOffset, t.size);
}

/** A new float32 tensor of `shape` whose every value `fill` writes (on the wasm backend, straight into its memory). */
export function filledTensor(shape: number[], fill: (values: Float32Array) => void): tf.Tensor {
  const b = wasmBackendOf();
  const size = shape.reduce((a, d) => a * d, 1);
  if (!b) {
    const values = new Float32Array(size);
    fill(values);
    return tf.tensor(values, shape, 'float32');
  }
  const out = b.makeOutput(shape, 'float32');
  try {
    // Read HEAPU8 after the allocation: growing the memory replaces its buffer.
    fill(new Float32Array(b.wasm.HEAPU8.buffer, b.dataIdMap.get(out.dataId)!.memoryOffset, size));
  } catch (err) {
    (tf.backend() as unknown as { disposeData(dataId: object): void }).disposeData(out.dataId);
    throw err;
  }
  return tf.engine().makeTensorFromTensorInfo(out);
}
