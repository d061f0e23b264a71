import * as tf from '@tensorflow/tfjs';

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
 * The whole layer is one `tf.customGrad` op with a closed-form backward pass: query, key and
 * value come from one matMul against the concatenated kernels, all heads go through one
 * batched matMul `[batch * heads, time, keyDim]`, and the backward pass is the dozen matMuls
 * and reductions the math needs. Left to tfjs's autodiff, the same graph records ~30 ops and
 * replays each op's generic gradient; at these small shapes op dispatch, not arithmetic, is
 * what costs.
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
    const parts = ['query/kernel', 'query/bias', 'key/kernel', 'key/bias', 'value/kernel', 'value/bias', 'attention_output/kernel', 'attention_output/bias'];
    return selfAttention(this.numHeads, this.keyDim)(single(inputs), ...parts.map((p) => this.w[p].read()));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), numHeads: this.numHeads, keyDim: this.keyDim, seed: this.seed };
  }
}

/**
 * The attention op: `(x, wq, bq, wk, bk, wv, bv, wo, bo) -> y`, shapes as the layer's weights.
 * Forward, with Q K V `[b*h, t, k]`: P = softmax(Q K^T / sqrt(k)), C = P V, y = C Wo + bo.
 * Backward: dC = dy Wo^T; dV = P^T dC; dP = dC V^T; dS = P * (dP - rowsum(dP * P)) / sqrt(k);
 * dQ = dS K; dK = dS^T Q; the projections' gradients follow from [dQ dK dV] by one matMul each.
 */
function selfAttention(h: number, k: number): (...inputs: tf.Tensor[]) => tf.Tensor {
  return tf.customGrad((...args: unknown[]) => {
    const [x, wq, bq, wk, bk, wv, bv, wo, bo] = args as tf.Tensor[];
    const save = args[9] as tf.GradSaveFunc;
    const [b, t, d] = x.shape as [number, number, number];
    const n = b * t;
    const hk = h * k;
    const scale = 1 / Math.sqrt(k);
    const flat = x.reshape([n, d]);
    const w = tf.concat([wq.reshape([d, hk]), wk.reshape([d, hk]), wv.reshape([d, hk])], 1);
    // [n, 3hk] -> [3, b, h, t, k]: query, key, value, each with heads as a batch dimension.
    const qkv = flat.matMul(w).add(tf.concat([bq.reshape([hk]), bk.reshape([hk]), bv.reshape([hk])])).reshape([b, t, 3, h, k]).transpose([2, 0, 3, 1, 4]);
    const [q, key, v] = tf.split(qkv.reshape([3, b * h, t, k]), 3).map((p) => p.reshape([b * h, t, k]));
    const p = tf.softmax(tf.matMul(q, key, false, true).mul(scale));
    const c = tf.matMul(p, v).reshape([b, h, t, k]).transpose([0, 2, 1, 3]).reshape([n, hk]);
    const wo2 = wo.reshape([hk, d]);
    save([flat, w, q, key, v, p, c, wo2]);
    return {
      value: c.matMul(wo2).add(bo).reshape([b, t, d]),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sFlat, sW, sQ, sK, sV, sP, sC, sWo] = saved;
        const dyFlat = dy.reshape([n, d]);
        const dWo = tf.matMul(sC, dyFlat, true, false).reshape([h, k, d]);
        const dBo = dyFlat.sum(0);
        const dC = tf.matMul(dyFlat, sWo, false, true).reshape([b, t, h, k]).transpose([0, 2, 1, 3]).reshape([b * h, t, k]);
        const dV = tf.matMul(sP, dC, true, false);
        const dP = tf.matMul(dC, sV, false, true);
        const dS = sP.mul(dP.sub(dP.mul(sP).sum(-1, true))).mul(scale);
        const dQ = tf.matMul(dS, sK);
        const dK = tf.matMul(dS, sQ, true, false);
        // Back to [n, 3hk], the layout of the fused projection's output.
        const dQkv = tf.stack([dQ, dK, dV]).reshape([3, b, h, t, k]).transpose([1, 3, 0, 2, 4]).reshape([n, 3 * hk]);
        const dW = tf.matMul(sFlat, dQkv, true, false);
        const dB = dQkv.sum(0);
        const dX = tf.matMul(dQkv, sW, false, true).reshape([b, t, d]);
        const [dWq, dWk, dWv] = tf.split(dW, 3, 1).map((g) => g.reshape([d, h, k]));
        const [dBq, dBk, dBv] = tf.split(dB, 3).map((g) => g.reshape([h, k]));
        return [dX, dWq, dBq, dWk, dBk, dWv, dBv, dWo, dBo];
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
  return tf.customGrad((...args: unknown[]) => {
    const [x, gamma, beta] = args as tf.Tensor[];
    const save = args[3] as tf.GradSaveFunc;
    const centred = x.sub(x.mean(-1, true));
    const rstd = tf.rsqrt(centred.square().mean(-1, true).add(epsilon));
    const xhat = centred.mul(rstd);
    save([xhat, rstd, gamma]);
    return {
      value: xhat.mul(gamma).add(beta),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sXhat, sRstd, sGamma] = saved;
        const d = sXhat.shape.at(-1) as number;
        const lead = sXhat.shape.slice(0, -1).map((_, i) => i);
        const g = dy.mul(sGamma);
        const dx = g.sub(g.mean(-1, true)).sub(sXhat.mul(g.mul(sXhat).sum(-1, true).div(d))).mul(sRstd);
        return [dx, dy.mul(sXhat).sum(lead), dy.sum(lead)];
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

for (const cls of [SeededDropout, LastTimeStep, MultiHeadSelfAttention, LayerNorm, SinusoidalPositionalEncoding, AttentionPooling]) {
  tf.serialization.registerClass(cls);
}
