import { nativeAddon } from './heap';

/** native/arrays.cc: passes over typed arrays that compute what their JavaScript twins do (see there how exactly). */
export interface NativeArrays {
  /** Optimizer.applyGradients's Adam pass over one variable: w, m and v updated in place. */
  adamUpdate(w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, beta1: number, beta2: number, epsilon: number, stepSize: number, vScale: number): void;
  /** sum[i] += add[i], bit for bit as the JavaScript loop. */
  addInto(sum: Float32Array, add: Float32Array): void;
  /** `rows` rows of `width` floats from src[srcAt + r·srcStride] to dst[dstAt + r·dstStride]. */
  copyRows(src: Float32Array, srcAt: number, srcStride: number, dst: Float32Array, dstAt: number, dstStride: number, rows: number, width: number): void;
  /** The logistic baseline's loss and gradient (`logisticObjective` in models/baselines/logistic.ts), to about 1e-15. */
  logisticObjective(z: Float64Array, y: Float32Array, w: Float64Array, grad: Float64Array, rows: number, features: number, outputs: number, l2: number): number;
}

let cached: { arrays: NativeArrays | undefined } | undefined;

/** The native array passes when this thread runs the native kernel build; undefined with a WebAssembly build. */
export function nativeArrays(): NativeArrays | undefined {
  if (!cached) {
    const addon = nativeAddon();
    // An addon built from older sources lacks them: then the JavaScript passes serve.
    cached = { arrays: addon && ['adamUpdate', 'addInto', 'copyRows', 'logisticObjective'].every((f) => typeof addon[f] === 'function') ? (addon as unknown as NativeArrays) : undefined };
  }
  return cached.arrays;
}

/**
 * Copy `rows` rows of `width` values from src (row stride srcStride, from srcAt) to dst
 * (dstStride, from dstAt): natively where the native build runs, else plain index loops, since
 * subarray() + set() per row allocates a view per row (thousands per batch) for the collector.
 */
export function copyRows(src: Float32Array, srcAt: number, srcStride: number, dst: Float32Array, dstAt: number, dstStride: number, rows: number, width: number): void {
  const native = nativeArrays();
  if (native) {
    native.copyRows(src, srcAt, srcStride, dst, dstAt, dstStride, rows, width);
    return;
  }
  for (let r = 0; r < rows; r++) {
    const from = srcAt + r * srcStride;
    const to = dstAt + r * dstStride;
    for (let j = 0; j < width; j++) dst[to + j] = src[from + j];
  }
}

/**
 * sum[i] += add[i] (equal lengths): the gradient sums of data-parallel training, on the
 * critical path between the threads' slices and the optimizer step.
 */
export function addInto(sum: Float32Array, add: Float32Array): void {
  if (add.length !== sum.length) throw new Error(`addInto: ${add.length} values added to ${sum.length}`);
  const native = nativeArrays();
  if (native) {
    native.addInto(sum, add);
    return;
  }
  for (let i = 0; i < sum.length; i++) sum[i] += add[i];
}
