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
 * Built from reshape/matMul/softmax (all differentiable), not tf.einsum, which has no gradient.
 * No mask: every step of a window lies in the past of the label, so all may attend to all.
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
      const flat = x.reshape([b * t, d]);
      const project = (part: string): tf.Tensor =>
        flat
          .matMul(this.w[`${part}/kernel`].read().reshape([d, h * k]))
          .add(this.w[`${part}/bias`].read().reshape([h * k]))
          .reshape([b, t, h, k])
          .transpose([0, 2, 1, 3]);
      const q = project('query').mul(1 / Math.sqrt(k));
      const scores = tf.matMul(q, project('key'), false, true); // [b, h, t, t]
      const context = tf.matMul(tf.softmax(scores, -1), project('value')); // [b, h, t, k]
      return context
        .transpose([0, 2, 1, 3])
        .reshape([b * t, h * k])
        .matMul(this.w['attention_output/kernel'].read().reshape([h * k, d]))
        .add(this.w['attention_output/bias'].read())
        .reshape([b, t, d]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), numHeads: this.numHeads, keyDim: this.keyDim, seed: this.seed };
  }
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

for (const cls of [SeededDropout, LastTimeStep, MultiHeadSelfAttention, SinusoidalPositionalEncoding, AttentionPooling]) {
  tf.serialization.registerClass(cls);
}
