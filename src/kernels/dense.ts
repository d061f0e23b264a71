import { copyRows } from './arrays';
import { affine, roundUp4, withKernelBuffers } from './buffers';
import { kernelHeap } from './heap';

/**
 * A dense layer over rows, `y = x W + b` (optionally through ReLU), forward and backward on the
 * kernels' GEMMs: x `[rows, inDim]`, W `[inDim, units]`, b `[units]`, all row-major. Output
 * widths are padded to multiples of 4 in kernel memory (zero weights, so padding stays zero).
 */
export interface DenseShape {
  readonly rows: number;
  readonly inDim: number;
  readonly units: number;
  readonly relu: boolean;
}

/** y into `into` (`[rows, units]`). */
export function denseForward(s: DenseShape, x: Float32Array, kernel: Float32Array, bias: Float32Array, into: Float32Array): void {
  const { rows, inDim, units } = s;
  const up = roundUp4(units);
  withKernelBuffers({ x: rows * inDim, w: inDim * up, packed: inDim * up, b: up, y: rows * up }, (at, k, v) => {
    v(at.x, rows * inDim).set(x);
    padColumns(kernel, inDim, units, v(at.w, inDim * up), up);
    padColumns(bias, 1, units, v(at.b, up), up);
    k.packB(at.w, up, inDim, up, false, at.packed);
    affine(k, kernelHeap(), at.b, at.x, inDim, at.packed, at.y, rows, inDim, up);
    if (s.relu) k.reluForward(at.y, rows * up);
    copyRows(v(at.y, rows * up), 0, up, into, 0, units, rows, units);
  });
}

/**
 * The weights' gradients, dW = xᵀ g and db = Σ g over rows, with g = dy (masked where the
 * ReLU's output `y` is not positive).
 */
export function denseWeightGradients(s: DenseShape, x: Float32Array, dy: Float32Array, y: Float32Array | undefined): { dKernel: Float32Array; dBias: Float32Array } {
  const { rows, inDim, units } = s;
  const up = roundUp4(units);
  return withKernelBuffers({ x: rows * inDim, g: rows * up, y: s.relu ? rows * up : 0, dw: inDim * up, db: up }, (at, k, v) => {
    v(at.x, rows * inDim).set(x);
    outputGradient(s, dy, y, at.g, at.y, v);
    k.gemmTN(at.x, inDim, at.g, up, at.dw, up, inDim, rows, up, false);
    k.columnSums(at.g, up, rows, up, at.db, false);
    const dKernel = new Float32Array(inDim * units);
    copyRows(v(at.dw, inDim * up), 0, up, dKernel, 0, units, inDim, units);
    return { dKernel, dBias: v(at.db, units).slice() };
  });
}

/** The input's gradient, dx = g Wᵀ, into `into` (`[rows, inDim]`). */
export function denseInputGradient(s: DenseShape, kernel: Float32Array, dy: Float32Array, y: Float32Array | undefined, into: Float32Array): void {
  const { rows, inDim, units } = s;
  const up = roundUp4(units);
  const ip = roundUp4(inDim);
  withKernelBuffers({ g: rows * up, y: s.relu ? rows * up : 0, w: ip * up, packed: up * ip, dx: rows * ip }, (at, k, v) => {
    outputGradient(s, dy, y, at.g, at.y, v);
    const w = v(at.w, ip * up);
    w.fill(0);
    padColumns(kernel, inDim, units, w, up);
    k.packB(at.w, up, up, ip, true, at.packed);
    k.gemmPacked(at.g, up, at.packed, at.dx, ip, rows, up, ip, false);
    copyRows(v(at.dx, rows * ip), 0, ip, into, 0, inDim, rows, inDim);
  });
}

/** `[rows, width]` into `[rows, padded]` with zero padding columns. */
function padColumns(src: Float32Array, rows: number, width: number, dst: Float32Array, padded: number): void {
  if (padded !== width) dst.fill(0);
  copyRows(src, 0, width, dst, 0, padded, rows, width);
}

/** g = dy (⊙ [y > 0] for ReLU) into kernel memory at `g`, padded to the kernels' width. */
function outputGradient(s: DenseShape, dy: Float32Array, y: Float32Array | undefined, g: number, yAt: number, v: (ptr: number, floats: number) => Float32Array): void {
  const up = roundUp4(s.units);
  padColumns(dy, s.rows, s.units, v(g, s.rows * up), up);
  if (!s.relu) return;
  if (!y) throw new Error('dense layer: the ReLU backward pass needs the forward output');
  padColumns(y, s.rows, s.units, v(yAt, s.rows * up), up);
  kernelHeap().kernels.reluBackward(yAt, g, s.rows * up);
}
