import * as tf from '@tensorflow/tfjs';
import type { Dense } from '@tensorflow/tfjs-layers/dist/layers/core';
import { type OpEngine, tapedOp } from '../../kernels/layers';
import { withKernelBuffers } from '../../kernels/buffers';
import { type DenseShape, denseForward, denseInputGradient, denseWeightGradients } from '../../kernels/dense';
import { type EncoderDropout, type EncoderShape, type EncoderTape, attentionScratch, encoderBackward, encoderForward } from '../../kernels/encoder';
import { filledTensor, tensorFloats } from '../../kernels/tensors';

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
 * products and the softmax run as one op over all heads (`attentionCore`, on the kernels).
 * Left to tfjs, the same graph records ~30 ops whose generic gradients hit tfjs-wasm's slow
 * paths (transposed and batched matMuls, rank-5 transposes). The kit's Transformer now fuses
 * whole blocks (TransformerEncoderBlock); this layer serves models saved before, and
 * networks composed by hand.
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
 * `[n, in] x [in, out] + [out]`, optionally through ReLU, as one op on the kernels' GEMMs
 * (src/kernels/dense.ts; tfjs-wasm's matMul and the transposes its gradient needs cost several
 * times more at these shapes). Registered directly rather than through `tf.customGrad`, so
 * each gradient is formed only when tfjs asks for it: a first layer (input projection) never
 * computes its input's.
 */
export function linear(x: tf.Tensor, kernel: tf.Tensor, bias: tf.Tensor, relu = false): tf.Tensor {
  const [rows, inDim] = x.shape as [number, number];
  const s: DenseShape = { rows, inDim, units: kernel.shape[1] as number, relu };
  // Tensor values are read (tensorFloats) only inside filledTensor's fill: its allocation may move them.
  const forwardFunc = (_: unknown, save: tf.GradSaveFunc): tf.Tensor => {
    const y = filledTensor([rows, s.units], (out) => denseForward(s, tensorFloats(x), tensorFloats(kernel), tensorFloats(bias), out));
    save(relu ? [x, kernel, y] : [x, kernel]);
    return y;
  };
  const backwardsFunc = (dy: tf.Tensor, saved: tf.Tensor[]): Record<string, () => tf.Tensor> => {
    const [sx, sKernel, sy] = saved;
    let weights: { dKernel: Float32Array; dBias: Float32Array } | undefined;
    const weightGradients = () => (weights ??= denseWeightGradients(s, tensorFloats(sx), tensorFloats(dy), sy && tensorFloats(sy)));
    // Each tensor is made inside its own request: tfjs runs each request in a tidy scope.
    return {
      0: () => filledTensor([rows, inDim], (dx) => denseInputGradient(s, tensorFloats(sKernel), tensorFloats(dy), sy && tensorFloats(sy), dx)),
      1: () => tf.tensor2d(weightGradients().dKernel, [inDim, s.units]),
      2: () => tf.tensor1d(weightGradients().dBias),
    };
  };
  return (tf.engine() as unknown as OpEngine).runKernelFunc({ forwardFunc, backwardsFunc, inputs: { 0: x, 1: kernel, 2: bias } });
}

/** tfjs's Dense class, from its serialization registry (`@tensorflow/tfjs` exports only the factory). */
const DenseLayer = tf.serialization.SerializationMap.getMap().classNameMap.Dense[0] as unknown as typeof Dense;

/**
 * `tf.layers.dense` (same arguments, weights and results) applied to each step of
 * `[batch, time, features]` through `linear`, on the kernels. Other activations or no bias take
 * Dense's own path.
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
 * One op on the kernels' attention entry points (the fused encoder block's), looping over
 * batch x heads: tfjs-wasm runs batched matMuls as plain loops, and the head split and merge
 * would be transposes and splits with gradients of their own.
 */
export function attentionCore(qkv: tf.Tensor, batch: number, heads: number): tf.Tensor {
  const [n, width] = qkv.shape as [number, number];
  const steps = n / batch;
  const d = width / 3;
  const keyDim = d / heads;
  const probs = batch * heads * steps * steps;
  return tf.customGrad((...args: unknown[]) => {
    const qkvValues = (args[0] as tf.Tensor).dataSync() as Float32Array;
    const scratch = attentionScratch({ steps, dModel: d, heads });
    const [context, probValues] = withKernelBuffers({ qkv: n * width, ctx: n * d, probs, scratch }, (at, k, view) => {
      view(at.qkv, n * width).set(qkvValues);
      k.attentionForward(at.qkv, width, at.ctx, d, at.probs, at.scratch, batch, steps, heads, keyDim);
      return [view(at.ctx, n * d).slice(), view(at.probs, probs).slice()];
    });
    const gradFunc = (dy: tf.Tensor) => {
      const dctx = dy.dataSync() as Float32Array;
      const dqkv = withKernelBuffers({ qkv: n * width, probs, dctx: n * d, dqkv: n * width, scratch }, (at, k, view) => {
        view(at.qkv, n * width).set(qkvValues);
        view(at.probs, probs).set(probValues);
        view(at.dctx, n * d).set(dctx);
        k.attentionBackward(at.qkv, width, at.probs, at.dctx, d, at.dqkv, at.scratch, batch, steps, heads, keyDim);
        return view(at.dqkv, n * width).slice();
      });
      return [tf.tensor2d(dqkv, [n, width])];
    };
    return { value: tf.tensor2d(context, [n, d]), gradFunc };
  })(qkv);
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
    return encoderOp(shape, dropout)(x, this.w.map((v) => v.read()));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), numHeads: this.numHeads, ffUnits: this.ffUnits, rate: this.rate, epsilon: this.epsilon, seed: this.seed };
  }
}

/** The block as one op with lazily formed gradients (see tapedOp in src/kernels/layers.ts). */
function encoderOp(shape: EncoderShape, dropout: EncoderDropout | undefined): (x: tf.Tensor, weights: tf.Tensor[]) => tf.Tensor {
  return (x, weights) =>
    tapedOp<EncoderTape>(
      'encoder block',
      x,
      weights,
      x.shape,
      (xs, ws, keepTape, output) => encoderForward(shape, xs, ws, dropout, keepTape, output).tape,
      encoderBackward,
    );
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
  // On the kernels' layer-norm entry points (the fused encoder block's): as tfjs ops, the same
  // math is ~20 small kernels per call.
  return tf.customGrad((...args: unknown[]) => {
    const [x, gammaT, betaT] = args as tf.Tensor[];
    const d = x.shape.at(-1) as number;
    const xs = x.dataSync() as Float32Array;
    const gamma = gammaT.dataSync() as Float32Array;
    const rows = xs.length / d;
    const [y, xhat, rstd] = withKernelBuffers({ x: xs.length, gamma: d, beta: d, y: xs.length, xhat: xs.length, rstd: rows }, (at, k, view) => {
      view(at.x, xs.length).set(xs);
      view(at.gamma, d).set(gamma);
      view(at.beta, d).set(betaT.dataSync() as Float32Array);
      k.layerNormForward(at.x, d, rows, d, at.gamma, at.beta, epsilon, at.y, at.xhat, at.rstd);
      return [view(at.y, xs.length).slice(), view(at.xhat, xs.length).slice(), view(at.rstd, rows).slice()];
    });
    const gradFunc = (dyT: tf.Tensor) => {
      const dy = dyT.dataSync() as Float32Array;
      const [dx, dGamma, dBeta] = withKernelBuffers({ dy: dy.length, xhat: dy.length, rstd: rows, gamma: d, dx: dy.length, dgamma: d, dbeta: d }, (at, k, view) => {
        view(at.dy, dy.length).set(dy);
        view(at.xhat, dy.length).set(xhat);
        view(at.rstd, rows).set(rstd);
        view(at.gamma, d).set(gamma);
        k.layerNormBackward(at.dy, d, at.xhat, at.rstd, at.gamma, rows, d, at.dx, at.dgamma, at.dbeta);
        return [view(at.dx, dy.length).slice(), view(at.dgamma, d).slice(), view(at.dbeta, d).slice()];
      });
      return [tf.tensor(dx, x.shape), tf.tensor1d(dGamma), tf.tensor1d(dBeta)];
    };
    return { value: tf.tensor(y, x.shape), gradFunc };
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
