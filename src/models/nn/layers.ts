import * as tf from '@tensorflow/tfjs';
import type { Dense } from '@tensorflow/tfjs-layers/dist/layers/core';
import { type KernelExports, type KernelHeap, alignedBytes, kernelHeap } from '../../kernels/heap';
import { ENCODER_WEIGHT_COUNT, type EncoderDropout, type EncoderShape, encoderBackward, encoderForward } from '../../kernels/encoder';

/**
 * Custom layers the kit's networks use where tfjs has no public equivalent. Each one
 * declares `static className`, implements `getConfig()` and is registered below, so a
 * saved model reloads with plain `tf.loadLayersModel` once this module is imported.
 * Weight names follow Keras (`query/kernel`, `attention_output/bias`, ...).
 */

type Kwargs = Record<string, unknown>;
type Shape = tf.Shape;

function single(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
  return Array.isArray(inputs) ? inputs[0] : inputs;
}

function singleShape(shape: Shape | Shape[]): Shape {
  return Array.isArray(shape[0]) ? (shape as Shape[])[0] : (shape as Shape);
}

export interface SeededDropoutArgs {
  rate: number;
  seed: number;
  name?: string;
}

/**
 * Dropout whose masks are reproducible: call k during training draws its mask from seed
 * `seed + k`. tfjs's own Dropout with a seed reuses ONE mask for every batch (and without a
 * seed draws from Math.random), so neither gives seeded yet varying masks.
 */
export class SeededDropout extends tf.layers.Layer {
  static className = 'SeededDropout';
  readonly rate: number;
  readonly seed: number;
  private calls = 0;

  constructor(args: SeededDropoutArgs) {
    super({ name: args.name });
    this.rate = args.rate;
    this.seed = args.seed;
    this.supportsMasking = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    const x = single(inputs);
    if (kwargs?.training !== true || this.rate <= 0) return x;
    return tf.dropout(x, this.rate, undefined, this.seed + this.calls++);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate, seed: this.seed };
  }
}

export interface MultiHeadSelfAttentionArgs {
  numHeads: number;
  /** Size of each head's query/key/value projection. */
  keyDim: number;
  seed: number;
  name?: string;
}

/**
 * Multi-head scaled dot-product self-attention over `[batch, time, features]`, with the
 * weight layout of Keras' MultiHeadAttention: `query|key|value/kernel [features, heads, keyDim]`,
 * their biases `[heads, keyDim]`, `attention_output/kernel [heads, keyDim, features]`.
 * No mask: every step of a window lies in the past of the label, so all may attend to all.
 *
 * Query, key and value come from one matMul against the concatenated kernels; the per-head
 * products and the softmax run as one op over all heads (`attentionCore`, on the kit's
 * WebAssembly GEMM). Left to tfjs, the same graph records ~30 ops whose generic gradients
 * hit tfjs-wasm's slow paths (transposed and batched matMuls, rank-5 transposes).
 */
export class MultiHeadSelfAttention extends tf.layers.Layer {
  static className = 'MultiHeadSelfAttention';
  readonly numHeads: number;
  readonly keyDim: number;
  readonly seed: number;
  private w: Record<string, tf.LayerVariable> = {};

  constructor(args: MultiHeadSelfAttentionArgs) {
    super({ name: args.name });
    this.numHeads = args.numHeads;
    this.keyDim = args.keyDim;
    this.seed = args.seed;
  }

  override build(inputShape: Shape | Shape[]): void {
    const d = singleShape(inputShape).at(-1) as number;
    const h = this.numHeads;
    const k = this.keyDim;
    ['query', 'key', 'value'].forEach((part, i) => {
      this.w[`${part}/kernel`] = this.addWeight(`${part}/kernel`, [d, h, k], 'float32', tf.initializers.glorotUniform({ seed: this.seed + i }));
      this.w[`${part}/bias`] = this.addWeight(`${part}/bias`, [h, k], 'float32', tf.initializers.zeros());
    });
    this.w['attention_output/kernel'] = this.addWeight('attention_output/kernel', [h, k, d], 'float32', tf.initializers.glorotUniform({ seed: this.seed + 3 }));
    this.w['attention_output/bias'] = this.addWeight('attention_output/bias', [d], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return singleShape(inputShape);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = single(inputs);
      const [b, t, d] = x.shape as [number, number, number];
      const h = this.numHeads;
      const k = this.keyDim;
      const parts = ['query', 'key', 'value'];
      const kernel = tf.concat(parts.map((p) => this.w[`${p}/kernel`].read().reshape([d, h * k])), 1);
      const bias = tf.concat(parts.map((p) => this.w[`${p}/bias`].read().reshape([h * k])));
      // Rows of [query | key | value], each [heads, keyDim]: the layout attentionCore takes.
      const qkv = linear(x.reshape([b * t, d]), kernel, bias);
      const context = attentionCore(qkv, b, h);
      return linear(context, this.w['attention_output/kernel'].read().reshape([h * k, d]), this.w['attention_output/bias'].read()).reshape([b, t, d]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), numHeads: this.numHeads, keyDim: this.keyDim, seed: this.seed };
  }
}

/**
 * `[n, in] x [in, out] + [out]`, optionally through ReLU, as one op whose backward pass
 * transposes explicitly and multiplies untransposed: tfjs-wasm runs a matMul with a transpose
 * flag about 10x slower than a transpose followed by a plain one. (The same op on the kit's
 * WebAssembly GEMM measured no faster: copies in and out of its memory ate the gain.)
 */
export function linear(x: tf.Tensor, kernel: tf.Tensor, bias: tf.Tensor, relu = false): tf.Tensor {
  return (relu ? linearRelu : linearPlain)(x, kernel, bias);
}

type LinearOp = (x: tf.Tensor, kernel: tf.Tensor, bias: tf.Tensor) => tf.Tensor;

function linearOp(relu: boolean): LinearOp {
  return tf.customGrad((...args: unknown[]) => {
    const [x, kernel, bias] = args as tf.Tensor2D[];
    const save = args[3] as tf.GradSaveFunc;
    const y = tf.fused.matMul({ a: x, b: kernel, bias, activation: relu ? 'relu' : 'linear' });
    save(relu ? [x, kernel, y] : [x, kernel]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sKernel, sy] = saved as tf.Tensor2D[];
        const g = (relu ? dy.mul(tf.step(sy)) : dy) as tf.Tensor2D;
        return [g.matMul(sKernel.transpose()), sx.transpose().matMul(g), g.sum(0)];
      },
    };
  }) as LinearOp;
}

const linearPlain = linearOp(false);
const linearRelu = linearOp(true);

/** tfjs's Dense class, from its serialization registry (`@tensorflow/tfjs` exports only the factory). */
const DenseLayer = tf.serialization.SerializationMap.getMap().classNameMap.Dense[0] as unknown as typeof Dense;

/**
 * `tf.layers.dense` (same arguments, weights and results) applied to each step of
 * `[batch, time, features]` through `linear`, whose gradient avoids tfjs-wasm's transposed
 * matMuls. Other activations or no bias take Dense's own path.
 */
export class SequenceDense extends DenseLayer {
  static override className = 'SequenceDense';

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    // Dense keeps these private; they are plain fields at run time.
    const { kernel, bias, activation, units } = this as unknown as DenseFields;
    const act = activation?.getClassName() ?? 'linear';
    if (!bias || (act !== 'linear' && act !== 'relu')) return super.call(inputs, kwargs);
    return tf.tidy(() => {
      const x = single(inputs);
      const y = linear(x.reshape([-1, x.shape.at(-1) as number]), kernel.read(), bias.read(), act === 'relu');
      return y.reshape([...x.shape.slice(0, -1), units]);
    });
  }
}

interface DenseFields {
  readonly kernel: tf.LayerVariable;
  readonly bias: tf.LayerVariable | null;
  readonly activation: { getClassName(): string } | null;
  readonly units: number;
}

/**
 * The heads' attention on the fused projection: `qkv [batch * time, 3 * heads * keyDim]`, each
 * row `[query | key | value]` with heads inside each part, gives the context
 * `[batch * time, heads * keyDim]` (heads side by side), softmax(q k^T / sqrt(keyDim)) v per head.
 * One op on the kit's WebAssembly GEMM, looping over batch x heads: tfjs-wasm runs batched
 * matMuls as plain loops, and the head split and merge would be transposes and splits with
 * gradients of their own. The GEMM wants output widths in multiples of 4, so keyDim is
 * zero-padded to one and each head's transposed keys/values are zero-padded to `tp` columns;
 * padded score columns are never read.
 * Backward: dV = P^T dC; dP = dC V^T; dS = P * (dP - rowsum(dP * P)) / sqrt(keyDim);
 * dQ = dS K; dK = dS^T Q.
 */
export function attentionCore(qkv: tf.Tensor, batch: number, heads: number): tf.Tensor {
  const [n, width] = qkv.shape as [number, number];
  const s = attentionShape(batch, n / batch, heads, width / (3 * heads));
  return tf.customGrad((...args: unknown[]) => {
    const flat = (args[0] as tf.Tensor).dataSync() as Float32Array;
    const heap = kernelHeap();
    const w = heap.kernels;
    const [row, prob] = [s.groups * s.row, s.groups * s.prob];
    const m = allocBlocks(heap, { q: row, k: row, v: row, p: prob, c: row, scratchT: s.keyT, packed: s.packed });
    try {
      [m.view.q, m.view.k, m.view.v].forEach((block, part) => copyHeads(s, flat, 3, part, block, true));
      for (let g = 0; g < s.groups; g++) {
        const [at, atP] = [g * s.row * 4, g * s.prob * 4];
        transposeHead(m.view.k, g * s.row, m.view.scratchT, s);
        gemm(w, m.ptr.packed, m.ptr.q + at, s.kp, m.ptr.scratchT, s.tp, m.ptr.p + atP, s.tp, s.t, s.kp, s.tp, false);
        softmaxRows(m.view.p, g * s.prob, s);
        gemm(w, m.ptr.packed, m.ptr.p + atP, s.tp, m.ptr.v + at, s.kp, m.ptr.c + at, s.kp, s.t, s.t, s.kp, false);
      }
      const context = new Float32Array(n * s.h * s.kd);
      copyHeads(s, context, 1, 0, m.view.c, false);
      const tape: AttentionTape = { q: m.view.q.slice(), k: m.view.k.slice(), v: m.view.v.slice(), p: m.view.p.slice() };
      return { value: tf.tensor2d(context, [n, s.h * s.kd]), gradFunc: (dy: tf.Tensor) => [attentionBackward(dy, s, tape)] };
    } finally {
      m.release();
    }
  })(qkv);
}

interface AttentionTape {
  readonly q: Float32Array;
  readonly k: Float32Array;
  readonly v: Float32Array;
  readonly p: Float32Array;
}

function attentionBackward(dy: tf.Tensor, s: AttentionShape, tape: AttentionTape): tf.Tensor {
  const heap = kernelHeap();
  const w = heap.kernels;
  const [row, prob] = [s.groups * s.row, s.groups * s.prob];
  const m = allocBlocks(heap, { q: row, k: row, v: row, p: prob, dc: row, dp: prob, dq: row, dk: row, dv: row, scratchT: s.keyT, packed: s.packed });
  try {
    m.view.q.set(tape.q);
    m.view.k.set(tape.k);
    m.view.v.set(tape.v);
    m.view.p.set(tape.p);
    copyHeads(s, dy.dataSync() as Float32Array, 1, 0, m.view.dc, true);
    for (let g = 0; g < s.groups; g++) {
      const [at, atP] = [g * s.row * 4, g * s.prob * 4];
      w.gemmTN(m.ptr.p + atP, s.tp, m.ptr.dc + at, s.kp, m.ptr.dv + at, s.kp, s.t, s.t, s.kp, false);
      transposeHead(m.view.v, g * s.row, m.view.scratchT, s);
      gemm(w, m.ptr.packed, m.ptr.dc + at, s.kp, m.ptr.scratchT, s.tp, m.ptr.dp + atP, s.tp, s.t, s.kp, s.tp, false);
      softmaxBackwardRows(m.view.p, m.view.dp, g * s.prob, s);
      gemm(w, m.ptr.packed, m.ptr.dp + atP, s.tp, m.ptr.k + at, s.kp, m.ptr.dq + at, s.kp, s.t, s.t, s.kp, false);
      w.gemmTN(m.ptr.dp + atP, s.tp, m.ptr.q + at, s.kp, m.ptr.dk + at, s.kp, s.t, s.t, s.kp, false);
    }
    const width = 3 * s.h * s.kd;
    const dqkv = new Float32Array(s.batch * s.t * width);
    [m.view.dq, m.view.dk, m.view.dv].forEach((block, part) => copyHeads(s, dqkv, 3, part, block, false));
    return tf.tensor2d(dqkv, [s.batch * s.t, width]);
  } finally {
    m.release();
  }
}

/**
 * Between rows `[batch * time, parts, heads, keyDim]` (part `part` of them) and per-head blocks
 * `[batch * heads, time, kp]`; `toBlocks` gives the direction. Block padding is left alone.
 */
function copyHeads(s: AttentionShape, flat: Float32Array, parts: number, part: number, blocks: Float32Array, toBlocks: boolean): void {
  const { batch, t, h, kd, kp } = s;
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < t; i++) {
      for (let hh = 0; hh < h; hh++) {
        const f = (((b * t + i) * parts + part) * h + hh) * kd;
        const o = ((b * h + hh) * t + i) * kp;
        if (toBlocks) for (let j = 0; j < kd; j++) blocks[o + j] = flat[f + j];
        else for (let j = 0; j < kd; j++) flat[f + j] = blocks[o + j];
      }
    }
  }
}

/** C[m,n] (+)= A[m,k] · B[k,n] through the kernels' packed GEMM, packing B into `packed` first. */
function gemm(w: KernelExports, packed: number, a: number, lda: number, b: number, ldb: number, c: number, ldc: number, m: number, k: number, n: number, accumulate: boolean): void {
  w.packB(b, ldb, k, n, false, packed);
  w.gemmPacked(a, lda, packed, c, ldc, m, k, n, accumulate);
}

interface AttentionShape {
  readonly batch: number;
  readonly h: number;
  /** batch x heads. */
  readonly groups: number;
  readonly t: number;
  readonly kd: number;
  /** keyDim and time rounded up to multiples of 4. */
  readonly kp: number;
  readonly tp: number;
  readonly scale: number;
  /** Floats per head of a `[t, kp]` block (queries, keys, values, contexts). */
  readonly row: number;
  /** Floats per head of a `[t, tp]` block (scores, probabilities). */
  readonly prob: number;
  /** Floats of the `[kp, tp]` scratch block holding one head's transposed keys or values. */
  readonly keyT: number;
  /** Floats of the largest right-hand operand, packed for the GEMM. */
  readonly packed: number;
}

function attentionShape(batch: number, t: number, h: number, kd: number): AttentionShape {
  const kp = Math.ceil(kd / 4) * 4;
  const tp = Math.ceil(t / 4) * 4;
  return { batch, h, groups: batch * h, t, kd, kp, tp, scale: 1 / Math.sqrt(kd), row: t * kp, prob: t * tp, keyT: kp * tp, packed: Math.max(kp * tp, t * kp) };
}

interface Blocks<K extends string> {
  readonly ptr: Record<K, number>;
  readonly view: Record<K, Float32Array>;
  release(): void;
}

/** One zeroed kernel-heap block of the given float count per name. */
function allocBlocks<K extends string>(heap: KernelHeap, floats: Record<K, number>): Blocks<K> {
  const names = Object.keys(floats) as K[];
  const ptrs = names.map((n) => heap.alloc(alignedBytes(floats[n])));
  // Views after the last alloc: growing the memory detaches earlier ones.
  const views = names.map((n, i) => heap.view(ptrs[i], floats[n]).fill(0));
  return {
    ptr: Object.fromEntries(names.map((n, i) => [n, ptrs[i]])) as Record<K, number>,
    view: Object.fromEntries(names.map((n, i) => [n, views[i]])) as Record<K, Float32Array>,
    release: () => ptrs.forEach((p) => heap.release(p)),
  };
}

/** One head's `[t, kp]` block at `at` into `[kp, tp]`; columns t..tp keep their zeros. */
function transposeHead(src: Float32Array, at: number, dst: Float32Array, s: AttentionShape): void {
  const { t, kp, tp } = s;
  for (let i = 0; i < t; i++) {
    for (let j = 0; j < kp; j++) dst[j * tp + i] = src[at + i * kp + j];
  }
}

/** Scores to probabilities in place, row by row over the t real columns. */
function softmaxRows(p: Float32Array, at: number, s: AttentionShape): void {
  const { t, tp, scale } = s;
  for (let i = 0; i < t; i++) {
    const row = at + i * tp;
    let max = -Infinity;
    for (let j = 0; j < t; j++) if (p[row + j] > max) max = p[row + j];
    let sum = 0;
    for (let j = 0; j < t; j++) {
      const e = expNonPositive((p[row + j] - max) * scale);
      p[row + j] = e;
      sum += e;
    }
    const inv = 1 / sum;
    for (let j = 0; j < t; j++) p[row + j] *= inv;
  }
}

/** dP into dS = P * (dP - rowsum(dP * P)) * scale, in place, over the t real columns. */
function softmaxBackwardRows(p: Float32Array, dp: Float32Array, at: number, s: AttentionShape): void {
  const { t, tp, scale } = s;
  for (let i = 0; i < t; i++) {
    const row = at + i * tp;
    let dot = 0;
    for (let j = 0; j < t; j++) dot += dp[row + j] * p[row + j];
    for (let j = 0; j < t; j++) dp[row + j] = p[row + j] * (dp[row + j] - dot) * scale;
  }
}

const POW2 = Float64Array.from({ length: 160 }, (_, i) => 2 ** (i - 150));
const [E1, E2, E3, E4, E5, E6] = [1, 2, 6, 24, 120, 720].map((f, i) => Math.LN2 ** (i + 1) / f);

/**
 * e^x for x <= 0, relative error < 2e-7 (float32's own precision): 2^round(y) from a table
 * times a degree-6 polynomial for 2^f, |f| <= 1/2. About twice as fast as Math.exp, which
 * was the softmax's main cost.
 */
function expNonPositive(x: number): number {
  const y = x * Math.LOG2E;
  if (y < -149) return 0;
  const n = Math.round(y);
  const f = y - n;
  return (1 + f * (E1 + f * (E2 + f * (E3 + f * (E4 + f * (E5 + f * E6)))))) * POW2[n + 150];
}

export interface TransformerEncoderBlockArgs {
  numHeads: number;
  /** Width of the feed-forward layer. */
  ffUnits: number;
  /** Dropout rate on the attention output and on the feed-forward output. */
  rate: number;
  /** Layer normalisation's epsilon; default 1e-6. */
  epsilon?: number;
  /**
   * Initializers: query, key, value and attention output kernels seed .. seed + 3, ff_1 and
   * ff_2 kernels seed + 4, seed + 5. Dropout masks of training call k: seeds seed + 2k
   * (attention) and seed + 2k + 1 (feed-forward).
   */
  seed: number;
  name?: string;
}

const ENCODER_WEIGHTS = [
  'attention/query/kernel', 'attention/query/bias', 'attention/key/kernel', 'attention/key/bias', 'attention/value/kernel', 'attention/value/bias',
  'attention/attention_output/kernel', 'attention/attention_output/bias', 'attention_norm/gamma', 'attention_norm/beta',
  'ff_1/kernel', 'ff_1/bias', 'ff_2/kernel', 'ff_2/bias', 'ff_norm/gamma', 'ff_norm/beta',
] as const;

/**
 * One post-norm Transformer encoder block as a single layer and a single op on the tape:
 * multi-head self-attention, dropout, residual and LayerNorm, then ReLU feed-forward,
 * dropout, residual and LayerNorm. The same math, weights (names and layouts, in the same
 * order) and initial values as the composition of MultiHeadSelfAttention, SeededDropout,
 * Add, LayerNorm and SequenceDense layers it replaces, with forward and backward in the
 * kit's kernels (src/kernels/encoder.ts): the composition spends most of a training step in
 * tfjs's per-op overhead. Dropout masks come from the kernels' seeded hash, not tfjs's
 * generator, so they differ from the composition's (each is reproducible).
 */
export class TransformerEncoderBlock extends tf.layers.Layer {
  static className = 'TransformerEncoderBlock';
  readonly numHeads: number;
  readonly ffUnits: number;
  readonly rate: number;
  readonly epsilon: number;
  readonly seed: number;
  private w: tf.LayerVariable[] = [];
  private calls = 0;

  constructor(args: TransformerEncoderBlockArgs) {
    super({ name: args.name });
    this.numHeads = args.numHeads;
    this.ffUnits = args.ffUnits;
    this.rate = args.rate;
    this.epsilon = args.epsilon ?? 1e-6;
    this.seed = args.seed;
  }

  override build(inputShape: Shape | Shape[]): void {
    const d = singleShape(inputShape).at(-1) as number;
    const h = this.numHeads;
    if (d % h !== 0) throw new Error(`TransformerEncoderBlock: input width ${d} is not a multiple of numHeads ${h}`);
    const k = d / h;
    const f = this.ffUnits;
    const glorot = (offset: number) => tf.initializers.glorotUniform({ seed: this.seed + offset });
    const [zeros, ones] = [tf.initializers.zeros(), tf.initializers.ones()];
    const specs: [Shape, ReturnType<typeof tf.initializers.zeros>][] = [
      [[d, h, k], glorot(0)], [[h, k], zeros], [[d, h, k], glorot(1)], [[h, k], zeros], [[d, h, k], glorot(2)], [[h, k], zeros],
      [[h, k, d], glorot(3)], [[d], zeros], [[d], ones], [[d], zeros],
      [[d, f], glorot(4)], [[f], zeros], [[f, d], glorot(5)], [[d], zeros], [[d], ones], [[d], zeros],
    ];
    this.w = specs.map(([shape, init], i) => this.addWeight(ENCODER_WEIGHTS[i], shape as number[], 'float32', init));
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return singleShape(inputShape);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    const x = single(inputs);
    const [batch, steps, dModel] = x.shape as [number, number, number];
    const shape: EncoderShape = { batch, steps, dModel, heads: this.numHeads, ffUnits: this.ffUnits, epsilon: this.epsilon };
    let dropout: EncoderDropout | undefined;
    if (kwargs?.training === true && this.rate > 0) {
      dropout = { rate: this.rate, attentionSeed: this.seed + 2 * this.calls, ffSeed: this.seed + 2 * this.calls + 1 };
      this.calls++;
    }
    return encoderOp(shape, dropout)(x, ...this.w.map((v) => v.read()));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), numHeads: this.numHeads, ffUnits: this.ffUnits, rate: this.rate, epsilon: this.epsilon, seed: this.seed };
  }
}

function encoderOp(shape: EncoderShape, dropout: EncoderDropout | undefined): (...inputs: tf.Tensor[]) => tf.Tensor {
  return tf.customGrad((...args: unknown[]) => {
    const inputs = args.slice(0, 1 + ENCODER_WEIGHT_COUNT) as tf.Tensor[];
    const [x, ...weights] = inputs;
    // Keep activations only under a gradient scope: prediction never runs a backward pass.
    const keepTape = tf.engine().state.gradientDepth > 0;
    const values = weights.map((t) => t.dataSync() as Float32Array);
    const { output, tape } = encoderForward(shape, x.dataSync() as Float32Array, values, dropout, keepTape);
    return {
      value: tf.tensor(output, x.shape),
      gradFunc: (dy: tf.Tensor) => {
        if (!tape) throw new Error('encoder block: no activations kept for this forward pass (it ran outside a gradient scope)');
        const g = encoderBackward(tape, dy.dataSync() as Float32Array);
        return [tf.tensor(g.dx, x.shape), ...g.dWeights.map((d, i) => tf.tensor(d, weights[i].shape))];
      },
    };
  }) as (...inputs: tf.Tensor[]) => tf.Tensor;
}

export interface LayerNormArgs {
  /** Added to the variance before the square root. Default 1e-6, as the kit's Transformer. */
  epsilon?: number;
  name?: string;
}

/**
 * Layer normalisation over the last axis with a learned scale `gamma` and offset `beta`
 * (Keras' LayerNormalization with axis -1: same weight names, shapes and results).
 * tfjs-layers' own LayerNormalization tiles gamma and beta to the batch shape, and the Tile
 * gradient then does one slice and add per tile: two thirds of a Transformer's training
 * time. Here gamma and beta broadcast, and the backward pass is closed-form:
 * dx = rstd * (g - mean(g) - xhat * mean(g * xhat)) with g = dy * gamma,
 * dgamma = sum(dy * xhat), dbeta = sum(dy) over every axis but the last.
 */
export class LayerNorm extends tf.layers.Layer {
  static className = 'LayerNorm';
  readonly epsilon: number;
  private gamma?: tf.LayerVariable;
  private beta?: tf.LayerVariable;

  constructor(args: LayerNormArgs = {}) {
    super({ name: args.name });
    this.epsilon = args.epsilon ?? 1e-6;
    this.supportsMasking = true;
  }

  override build(inputShape: Shape | Shape[]): void {
    const d = singleShape(inputShape).at(-1) as number;
    this.gamma = this.addWeight('gamma', [d], 'float32', tf.initializers.ones());
    this.beta = this.addWeight('beta', [d], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return singleShape(inputShape);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return layerNorm(this.epsilon)(single(inputs), (this.gamma as tf.LayerVariable).read(), (this.beta as tf.LayerVariable).read());
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), epsilon: this.epsilon };
  }
}

function layerNorm(epsilon: number): (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor) => tf.Tensor {
  // Row loops in JavaScript: as tfjs ops, the same math is ~20 small kernels per call.
  return tf.customGrad((...args: unknown[]) => {
    const [x, gammaT, betaT] = args as tf.Tensor[];
    const d = x.shape.at(-1) as number;
    const xs = x.dataSync() as Float32Array;
    const gamma = gammaT.dataSync() as Float32Array;
    const beta = betaT.dataSync() as Float32Array;
    const rows = xs.length / d;
    const xhat = new Float32Array(xs.length);
    const rstd = new Float32Array(rows);
    const y = new Float32Array(xs.length);
    for (let r = 0; r < rows; r++) {
      const o = r * d;
      let mean = 0;
      for (let i = 0; i < d; i++) mean += xs[o + i];
      mean /= d;
      let variance = 0;
      for (let i = 0; i < d; i++) {
        const c = xs[o + i] - mean;
        variance += c * c;
      }
      const inv = 1 / Math.sqrt(variance / d + epsilon);
      rstd[r] = inv;
      for (let i = 0; i < d; i++) {
        const h = (xs[o + i] - mean) * inv;
        xhat[o + i] = h;
        y[o + i] = h * gamma[i] + beta[i];
      }
    }
    return {
      value: tf.tensor(y, x.shape),
      gradFunc: (dyT: tf.Tensor) => {
        const dy = dyT.dataSync() as Float32Array;
        const dx = new Float32Array(dy.length);
        const dGamma = new Float64Array(d);
        const dBeta = new Float64Array(d);
        for (let r = 0; r < rows; r++) {
          const o = r * d;
          let meanG = 0;
          let meanGx = 0;
          for (let i = 0; i < d; i++) {
            const g = dy[o + i] * gamma[i];
            meanG += g;
            meanGx += g * xhat[o + i];
            dGamma[i] += dy[o + i] * xhat[o + i];
            dBeta[i] += dy[o + i];
          }
          meanG /= d;
          meanGx /= d;
          for (let i = 0; i < d; i++) dx[o + i] = (dy[o + i] * gamma[i] - meanG - xhat[o + i] * meanGx) * rstd[r];
        }
        return [tf.tensor(dx, x.shape), tf.tensor1d(Float32Array.from(dGamma)), tf.tensor1d(Float32Array.from(dBeta))];
      },
    };
  }) as (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor) => tf.Tensor;
}

/** Sinusoidal positional encoding (Vaswani et al. 2017) added to `[batch, time, dModel]`; no weights. */
export class SinusoidalPositionalEncoding extends tf.layers.Layer {
  static className = 'SinusoidalPositionalEncoding';
  private table?: { t: number; d: number; values: Float32Array };

  constructor(args: { name?: string } = {}) {
    super({ name: args.name });
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return singleShape(inputShape);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = single(inputs);
      const [, t, d] = x.shape as [number, number, number];
      return x.add(tf.tensor2d(this.encoding(t, d), [t, d]));
    });
  }

  private encoding(t: number, d: number): Float32Array {
    if (this.table?.t === t && this.table.d === d) return this.table.values;
    const values = new Float32Array(t * d);
    for (let pos = 0; pos < t; pos++) {
      for (let i = 0; i < d; i++) {
        const angle = pos / Math.pow(10000, (2 * Math.floor(i / 2)) / d);
        values[pos * d + i] = i % 2 === 0 ? Math.sin(angle) : Math.cos(angle);
      }
    }
    this.table = { t, d, values };
    return values;
  }
}

export interface AttentionPoolingArgs {
  /** Width of the scoring network's hidden layer. */
  units: number;
  seed: number;
  name?: string;
}

/**
 * Attention pooling over time steps, as Qlib's ALSTM: score_t = w2 . tanh(W1 x_t + b1),
 * weights = softmax over t, output = sum_t weights_t x_t. `[b, t, f] -> [b, f]`.
 */
export class AttentionPooling extends tf.layers.Layer {
  static className = 'AttentionPooling';
  readonly units: number;
  readonly seed: number;
  private w: Record<string, tf.LayerVariable> = {};

  constructor(args: AttentionPoolingArgs) {
    super({ name: args.name });
    this.units = args.units;
    this.seed = args.seed;
  }

  override build(inputShape: Shape | Shape[]): void {
    const f = singleShape(inputShape).at(-1) as number;
    this.w.kernel = this.addWeight('kernel', [f, this.units], 'float32', tf.initializers.glorotUniform({ seed: this.seed }));
    this.w.bias = this.addWeight('bias', [this.units], 'float32', tf.initializers.zeros());
    this.w.score = this.addWeight('score_kernel', [this.units, 1], 'float32', tf.initializers.glorotUniform({ seed: this.seed + 1 }));
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = singleShape(inputShape);
    return [s[0], s[2]];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = single(inputs);
      const [b, t, f] = x.shape as [number, number, number];
      const hidden = tf.tanh(x.reshape([b * t, f]).matMul(this.w.kernel.read()).add(this.w.bias.read()));
      const scores = hidden.matMul(this.w.score.read()).reshape([b, t]);
      // tf.softmax only supports the last axis, so softmax over [b, t] then broadcast.
      return x.mul(tf.softmax(scores).reshape([b, t, 1])).sum(1);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), units: this.units, seed: this.seed };
  }
}

/** The last time step of `[batch, time, features]` -> `[batch, features]` (tfjs has no Cropping1D or Lambda). */
export class LastTimeStep extends tf.layers.Layer {
  static className = 'LastTimeStep';

  constructor(args: { name?: string } = {}) {
    super({ name: args.name });
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = singleShape(inputShape);
    return [s[0], s[2]];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = single(inputs);
      const [b, t, f] = x.shape as [number, number, number];
      return x.slice([0, t - 1, 0], [b, 1, f]).reshape([b, f]);
    });
  }
}

for (const cls of [SeededDropout, LastTimeStep, MultiHeadSelfAttention, LayerNorm, SequenceDense, SinusoidalPositionalEncoding, AttentionPooling, TransformerEncoderBlock]) {
  tf.serialization.registerClass(cls);
}
