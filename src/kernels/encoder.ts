import { copyRows } from './arrays';
import { affine, place, roundUp4, withKernelBuffers } from './buffers';
import { type KernelExports, type KernelHeap, kernelHeap } from './heap';

/**
 * One post-norm Transformer encoder block over `[batch, steps, dModel]`, forward and backward
 * as a few kernel calls per batch:
 *   a = MHA(x) (fused q|k|v projection, attention per sample and head, output projection)
 *   h = LayerNorm(x + dropout(a))
 *   y = LayerNorm(h + dropout(relu(h W1 + b1) W2 + b2))
 * Activations stay in kernel memory from the forward pass to the backward pass; tfjs sees
 * one op. Rows are `batch·steps` wide; widths are padded to multiples of 4 for the GEMMs
 * (padded weights are zero, so padded columns stay zero and never reach a real one).
 */
export interface EncoderShape {
  readonly batch: number;
  readonly steps: number;
  readonly dModel: number;
  readonly heads: number;
  readonly ffUnits: number;
  /** Layer normalisation's epsilon. */
  readonly epsilon: number;
}

/**
 * The block's 16 weights in the tfjs layouts and variable order of the layer composition it
 * fuses: query, key, value kernels `[d, heads, keyDim]` each followed by its bias
 * `[heads, keyDim]`; attention output kernel `[heads, keyDim, d]` and bias `[d]`; attention
 * norm gamma, beta `[d]`; ff_1 kernel `[d, ff]`, bias `[ff]`; ff_2 kernel `[ff, d]`, bias
 * `[d]`; ff norm gamma, beta `[d]`.
 */
export type EncoderWeights = readonly Float32Array[];

/** Dropout of this call: its rate and one seed per dropout site (attention output, feed-forward output). */
export interface EncoderDropout {
  readonly rate: number;
  readonly attentionSeed: number;
  readonly ffSeed: number;
}

/** What the backward pass needs: the forward pass's kernel memory block. */
export interface EncoderTape {
  readonly shape: EncoderShape;
  readonly dropout: boolean;
  /** Kernel memory block; undefined once released. */
  block: number | undefined;
}

const ENCODER_WEIGHT_COUNT = 16;

/** Floats of the attention kernels' scratch: (keyDim + steps) · roundUp16(steps). */
export function attentionScratch(s: { steps: number; dModel: number; heads: number }): number {
  return (s.dModel / s.heads + s.steps) * Math.ceil(s.steps / 16) * 16;
}

interface Dims {
  readonly n: number;
  readonly d: number;
  readonly dp: number;
  readonly q3: number;
  readonly fp: number;
  readonly f: number;
  readonly padded: boolean;
}

function dims(s: EncoderShape): Dims {
  const dp = roundUp4(s.dModel);
  const q3 = roundUp4(3 * s.dModel);
  const fp = roundUp4(s.ffUnits);
  return { n: s.batch * s.steps, d: s.dModel, dp, q3, fp, f: s.ffUnits, padded: dp !== s.dModel || q3 !== 3 * s.dModel || fp !== s.ffUnits };
}

/** The padded weights: kept on the tape, since the backward pass packs their transposes. */
function weightFloats(m: Dims) {
  const { dp, q3, fp } = m;
  return { wqkv: dp * q3, bqkv: q3, wo: dp * dp, bo: dp, g1: dp, be1: dp, w1: dp * fp, b1: fp, w2: fp * dp, b2: dp, g2: dp, be2: dp };
}

function tapeFloats(s: EncoderShape, m: Dims, dropout: boolean) {
  const { n, dp, q3, fp } = m;
  const mask = dropout ? n * dp : 0;
  return {
    ...weightFloats(m),
    x: n * dp, qkv: n * q3, probs: s.batch * s.heads * s.steps * s.steps, ctx: n * dp, m1: mask, r1: n * dp,
    xhat1: n * dp, rstd1: n, h1: n * dp, f1: n * fp, m2: mask, r2: n * dp, xhat2: n * dp, rstd2: n, y: n * dp,
  };
}

type TapeAt = Record<keyof ReturnType<typeof tapeFloats>, number>;

function tapeLayout(s: EncoderShape, m: Dims, dropout: boolean, base: number): { at: TapeAt; bytes: number } {
  return place(base, tapeFloats(s, m, dropout));
}

/** Frees the kernel memory of a tape that was never differentiated, once it is collected. */
const unreleased = new FinalizationRegistry<number>((block) => kernelHeap().release(block));

/** The padded weights into kernel memory at `at` (padding left as the caller zeroed it). */
function storeWeights(heap: KernelHeap, at: TapeAt, m: Dims, w: EncoderWeights): void {
  const { d, dp, q3, fp, f } = m;
  const view = (ptr: number, floats: number) => heap.view(ptr, floats);
  const wqkv = view(at.wqkv, dp * q3);
  const bqkv = view(at.bqkv, q3);
  for (let part = 0; part < 3; part++) {
    copyRows(w[2 * part], 0, d, wqkv, part * d, q3, d, d);
    bqkv.set(w[2 * part + 1], part * d);
  }
  copyRows(w[6], 0, d, view(at.wo, dp * dp), 0, dp, d, d);
  view(at.bo, d).set(w[7]);
  view(at.g1, d).set(w[8]);
  view(at.be1, d).set(w[9]);
  copyRows(w[10], 0, f, view(at.w1, dp * fp), 0, fp, d, f);
  view(at.b1, f).set(w[11]);
  copyRows(w[12], 0, d, view(at.w2, fp * dp), 0, dp, f, d);
  view(at.b2, d).set(w[13]);
  view(at.g2, d).set(w[14]);
  view(at.be2, d).set(w[15]);
}

/**
 * The block's forward pass on `x` (`[batch, steps, dModel]` row-major), its output written
 * `into` the array given, else into a new one. With `keepTape` the activations stay in kernel
 * memory for `encoderBackward`.
 */
export function encoderForward(s: EncoderShape, x: Float32Array, weights: EncoderWeights, dropout: EncoderDropout | undefined, keepTape: boolean, into?: Float32Array): { output: Float32Array; tape?: EncoderTape } {
  if (weights.length !== ENCODER_WEIGHT_COUNT) throw new Error(`encoder block: expected ${ENCODER_WEIGHT_COUNT} weights, got ${weights.length}`);
  const heap = kernelHeap();
  const m = dims(s);
  const { n, d, dp, q3, fp } = m;
  const drop = dropout !== undefined && dropout.rate > 0;
  const { bytes } = tapeLayout(s, m, drop, 0);
  const block = heap.alloc(bytes);
  const { at } = tapeLayout(s, m, drop, block);
  try {
    const output = withKernelBuffers({ wqkv: dp * q3, wo: dp * dp, w1: dp * fp, w2: fp * dp, scratch: attentionScratch(s) }, (p, k, v) => {
      if (m.padded) v(block, bytes / 4).fill(0);
      storeWeights(heap, at, m, weights);
      copyRows(x, 0, d, v(at.x, n * dp), 0, dp, n, d);
      k.packB(at.wqkv, q3, dp, q3, false, p.wqkv);
      k.packB(at.wo, dp, dp, dp, false, p.wo);
      k.packB(at.w1, fp, dp, fp, false, p.w1);
      k.packB(at.w2, dp, fp, dp, false, p.w2);
      affine(k, heap, at.bqkv, at.x, dp, p.wqkv, at.qkv, n, dp, q3);
      k.attentionForward(at.qkv, q3, at.ctx, dp, at.probs, p.scratch, s.batch, s.steps, s.heads, d / s.heads);
      affine(k, heap, at.bo, at.ctx, dp, p.wo, at.r1, n, dp, dp);
      if (drop) {
        k.dropoutMask(at.m1, n * dp, dropout!.attentionSeed, dropout!.rate);
        k.dropoutMask(at.m2, n * dp, dropout!.ffSeed, dropout!.rate);
      }
      k.addResidual(at.r1, at.x, drop ? at.m1 : 0, n * dp);
      k.layerNormForward(at.r1, dp, n, d, at.g1, at.be1, s.epsilon, at.h1, at.xhat1, at.rstd1);
      affine(k, heap, at.b1, at.h1, dp, p.w1, at.f1, n, dp, fp);
      k.reluForward(at.f1, n * fp);
      affine(k, heap, at.b2, at.f1, fp, p.w2, at.r2, n, fp, dp);
      k.addResidual(at.r2, at.h1, drop ? at.m2 : 0, n * dp);
      k.layerNormForward(at.r2, dp, n, d, at.g2, at.be2, s.epsilon, at.y, at.xhat2, at.rstd2);
      const out = into ?? new Float32Array(n * d);
      copyRows(v(at.y, n * dp), 0, dp, out, 0, d, n, d);
      return out;
    });
    if (!keepTape) {
      heap.release(block);
      return { output };
    }
    const tape: EncoderTape = { shape: s, dropout: drop, block };
    unreleased.register(tape, block, tape);
    return { output, tape };
  } catch (err) {
    heap.release(block);
    throw err;
  }
}

/**
 * Gradients of the forward pass that made `tape`, given `dy` (the output's shape); frees the
 * tape. Returns the weights' gradients in `EncoderWeights` order and layouts; the input's is
 * written `dxInto` the array given, and not formed without one (a block on data needs none).
 */
export function encoderBackward(tape: EncoderTape, dy: Float32Array, dxInto?: Float32Array): Float32Array[] {
  const block = tape.block;
  if (block === undefined) throw new Error('encoder tape already released: each forward pass can be differentiated once');
  unreleased.unregister(tape);
  tape.block = undefined;
  const s = tape.shape;
  const heap = kernelHeap();
  const m = dims(s);
  const { n, d, dp, q3, fp } = m;
  const at = tapeLayout(s, m, tape.dropout, block).at;
  const sizes = {
    dy: n * dp, da: n * dp, df1: n * fp, dctx: n * dp, dqkv: n * q3, scratch: attentionScratch(s),
    tqkv: q3 * dp, to: dp * dp, t1: fp * dp, t2: dp * fp,
    ...Object.fromEntries(Object.entries(weightFloats(m)).map(([name, floats]) => [`d${name}`, floats])),
  } as Record<string, number>;
  try {
    return withKernelBuffers(sizes, (g, k, v) => {
      k.packB(at.wo, dp, dp, dp, true, g.to);
      k.packB(at.w1, fp, fp, dp, true, g.t1);
      k.packB(at.w2, dp, dp, fp, true, g.t2);
      copyRows(dy, 0, d, v(g.dy, n * dp), 0, dp, n, d);
      // g.dy becomes dr2 (through the second norm), then dh1, dr1 and finally dx, in place.
      k.layerNormBackward(g.dy, dp, at.xhat2, at.rstd2, at.g2, n, d, g.dy, g.dg2, g.dbe2);
      const df2 = masked(k, g.dy, at.m2, g.da, n * dp, tape.dropout);
      k.columnSums(df2, dp, n, dp, g.db2, false);
      k.gemmTN(at.f1, fp, df2, dp, g.dw2, dp, fp, n, dp, false);
      k.gemmPacked(df2, dp, g.t2, g.df1, fp, n, dp, fp, false);
      k.reluBackward(at.f1, g.df1, n * fp);
      k.columnSums(g.df1, fp, n, fp, g.db1, false);
      k.gemmTN(at.h1, dp, g.df1, fp, g.dw1, fp, dp, n, fp, false);
      k.gemmPacked(g.df1, fp, g.t1, g.dy, dp, n, fp, dp, true);
      k.layerNormBackward(g.dy, dp, at.xhat1, at.rstd1, at.g1, n, d, g.dy, g.dg1, g.dbe1);
      const da = masked(k, g.dy, at.m1, g.da, n * dp, tape.dropout);
      k.columnSums(da, dp, n, dp, g.dbo, false);
      k.gemmTN(at.ctx, dp, da, dp, g.dwo, dp, dp, n, dp, false);
      k.gemmPacked(da, dp, g.to, g.dctx, dp, n, dp, dp, false);
      k.attentionBackward(at.qkv, q3, at.probs, g.dctx, dp, g.dqkv, g.scratch, s.batch, s.steps, s.heads, d / s.heads);
      k.columnSums(g.dqkv, q3, n, q3, g.dbqkv, false);
      k.gemmTN(at.x, dp, g.dqkv, q3, g.dwqkv, q3, dp, n, q3, false);
      if (dxInto) {
        k.packB(at.wqkv, q3, q3, dp, true, g.tqkv);
        k.gemmPacked(g.dqkv, q3, g.tqkv, g.dy, dp, n, q3, dp, true);
        copyRows(v(g.dy, n * dp), 0, dp, dxInto, 0, d, n, d);
      }
      return unpadWeights(v, g, m);
    }, m.padded);
  } finally {
    heap.release(block);
  }
}

/** `grad ⊙ mask` into `out` (returned), or `grad` itself without dropout. */
function masked(k: KernelExports, grad: number, mask: number, out: number, floats: number, dropout: boolean): number {
  if (!dropout) return grad;
  k.multiplyArrays(grad, mask, out, floats);
  return out;
}

function unpadWeights(view: (ptr: number, floats: number) => Float32Array, g: Record<string, number>, m: Dims): Float32Array[] {
  const { d, dp, q3, fp, f } = m;
  const rows = (ptr: number, r: number, stride: number, width: number, from = 0) => {
    const out = new Float32Array(r * width);
    copyRows(view(ptr, r * stride), from, stride, out, 0, width, r, width);
    return out;
  };
  const out: Float32Array[] = [];
  for (let part = 0; part < 3; part++) out.push(rows(g.dwqkv, d, q3, d, part * d), rows(g.dbqkv, 1, q3, d, part * d));
  out.push(rows(g.dwo, d, dp, d), rows(g.dbo, 1, dp, d), rows(g.dg1, 1, dp, d), rows(g.dbe1, 1, dp, d));
  out.push(rows(g.dw1, d, fp, f), rows(g.db1, 1, fp, f), rows(g.dw2, f, dp, d), rows(g.db2, 1, dp, d), rows(g.dg2, 1, dp, d), rows(g.dbe2, 1, dp, d));
  return out;
}
