import * as tf from '@tensorflow/tfjs';
import { nativeArrays } from '../kernels/arrays';

export interface OptimizerSpec {
  readonly optimizer: 'adam' | 'sgd';
  readonly learningRate: number;
  /** SGD only; 0 is plain SGD. */
  readonly momentum: number;
}

/** Keras's and tfjs's Adam defaults; epsilon is tfjs's float32 backend epsilon. */
const BETA1 = 0.9;
const BETA2 = 0.999;
const EPSILON = 1e-7;

/**
 * Adam (Kingma & Ba, with tfjs's bias correction) and SGD with optional
 * momentum (tfjs's MomentumOptimizer rule), updating each variable in one
 * pass over its values. tfjs's optimizers run about ten tensor ops per
 * variable per step; on the fused recurrent models that was a tenth of
 * training time. Moments are float32, like tfjs's; sums are formed in float64
 * and stored as float32. With the native kernel build the Adam pass runs in
 * native/arrays.cc, bit for bit the same (the JavaScript pass was still 7% of
 * a seed-004 LSTM step).
 */
export class Optimizer {
  private learningRate: number;
  private step = 0;
  private readonly slots = new Map<number, Float32Array[]>();

  constructor(private readonly spec: OptimizerSpec) {
    this.learningRate = spec.learningRate;
  }

  /** Change the learning rate (moment estimates are kept). */
  setLearningRate(rate: number): void {
    this.learningRate = rate;
  }

  /**
   * One update: `values` are the variables' current values and `grads` their gradients, both
   * in variable order. The new values are written over `values` and assigned to `variables`.
   */
  applyGradients(variables: readonly tf.Variable[], values: readonly Float32Array[], grads: readonly Float32Array[]): void {
    this.step += 1;
    const lr = this.learningRate;
    const adam = this.spec.optimizer === 'adam';
    // Bias corrections of m and v applied separately, as tfjs does (folding them into the
    // step size would change epsilon's weight).
    const stepSize = lr / (1 - BETA1 ** this.step);
    const vScale = 1 / (1 - BETA2 ** this.step);
    const mu = this.spec.momentum;
    const update = nativeArrays()?.adamUpdate ?? adamUpdate;
    variables.forEach((variable, k) => {
      const g = grads[k];
      const w = values[k];
      const slots = this.slotsFor(k, w.length, adam ? 2 : mu > 0 ? 1 : 0);
      // Each pass reads w[i] before it writes it: updating in place allocates nothing per step.
      if (adam) {
        const [m, v] = slots;
        update(w, g, m, v, BETA1, BETA2, EPSILON, stepSize, vScale);
      } else if (mu > 0) {
        const [acc] = slots;
        for (let i = 0; i < w.length; i++) {
          acc[i] = mu * acc[i] + g[i];
          w[i] = w[i] - lr * acc[i];
        }
      } else {
        for (let i = 0; i < w.length; i++) w[i] = w[i] - lr * g[i];
      }
      assignValues(variable, w);
    });
  }

  private slotsFor(variable: number, length: number, count: number): Float32Array[] {
    let slots = this.slots.get(variable);
    if (!slots) {
      slots = Array.from({ length: count }, () => new Float32Array(length));
      this.slots.set(variable, slots);
    }
    return slots;
  }
}

/**
 * One variable's Adam pass: weights w and moments m, v updated in place. native/arrays.cc has the
 * same pass (`NativeArrays.adamUpdate`), bit for bit.
 */
export function adamUpdate(w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, beta1: number, beta2: number, epsilon: number, stepSize: number, vScale: number): void {
  for (let i = 0; i < w.length; i++) {
    const gi = g[i];
    // Rounded to float32 as stored, so the update reads what the next step will.
    const mi = Math.fround(beta1 * m[i] + (1 - beta1) * gi);
    const vi = Math.fround(beta2 * v[i] + (1 - beta2) * gi * gi);
    m[i] = mi;
    v[i] = vi;
    w[i] = w[i] - (stepSize * mi) / (Math.sqrt(vi * vScale) + epsilon);
  }
}

/** Scale gradients in place so their global L2 norm is at most `maxNorm` (torch's clip_grad_norm_). */
export function clipByGlobalNorm(grads: readonly Float32Array[], maxNorm: number): void {
  let sq = 0;
  for (const g of grads) for (let i = 0; i < g.length; i++) sq += g[i] * g[i];
  const norm = Math.sqrt(sq);
  if (!(norm > maxNorm)) return;
  const scale = maxNorm / norm;
  for (const g of grads) for (let i = 0; i < g.length; i++) g[i] *= scale;
}

/** Set a variable's values (the temporary tensor is released; the variable keeps the data). */
export function assignValues(variable: tf.Variable, values: Float32Array): void {
  const t = tf.tensor(values, variable.shape, 'float32');
  variable.assign(t);
  t.dispose();
}
