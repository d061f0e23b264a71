import * as tf from '@tensorflow/tfjs';
import type { Task } from '../records/task';

/** Losses and metrics over a batch: `output` is the network's `[b, units]`, `y` the `[b]` targets. */

export type RegressionLoss = 'mse' | 'huber';

export interface LossSpec {
  readonly task: Task;
  readonly regressionLoss: RegressionLoss;
  readonly huberDelta: number;
}

/** Probabilities are clipped away from 0 and 1 before the log, as Keras does. */
const EPSILON = 1e-7;

/** Per-sample loss `[b]`. Binary and multiclass heads output probabilities (sigmoid / softmax). */
export function sampleLosses(spec: LossSpec, output: tf.Tensor, y: tf.Tensor1D): tf.Tensor1D {
  return tf.tidy(() => {
    if (spec.task === 'multiclass') {
      const p = output.clipByValue(EPSILON, 1 - EPSILON);
      const onehot = tf.oneHot(y.toInt(), output.shape[1] as number);
      return p.log().mul(onehot).sum(1).neg() as tf.Tensor1D;
    }
    const pred = output.reshape([-1]);
    if (spec.task === 'binary') {
      const p = pred.clipByValue(EPSILON, 1 - EPSILON);
      return y.mul(p.log()).add(tf.scalar(1).sub(y).mul(tf.scalar(1).sub(p).log())).neg() as tf.Tensor1D;
    }
    const err = pred.sub(y);
    if (spec.regressionLoss === 'mse') return err.square() as tf.Tensor1D;
    const d = spec.huberDelta;
    const abs = err.abs();
    const quadratic = abs.minimum(d);
    return quadratic.square().mul(0.5).add(abs.sub(quadratic).mul(d)) as tf.Tensor1D;
  });
}

/**
 * Mean loss over a batch; with per-sample weights, the weighted mean sum(w l) / sum(w)
 * (torch's convention for class weights), so weights change the balance, not the scale.
 * `denominator` replaces the batch's own count (or weight sum) when `output` is one slice of a
 * batch split across threads: the slices' losses, and their gradients, then add up to the
 * batch's.
 */
export function batchLoss(spec: LossSpec, output: tf.Tensor, y: tf.Tensor1D, weights?: tf.Tensor1D, denominator?: number): tf.Scalar {
  return tf.tidy(() => {
    const l = sampleLosses(spec, output, y);
    if (denominator !== undefined) return (weights ? l.mul(weights) : l).sum().div(denominator) as tf.Scalar;
    return (weights ? l.mul(weights).sum().div(weights.sum()) : l.mean()) as tf.Scalar;
  });
}

/** Name of the per-epoch metric logged beside the loss: accuracy for classifiers, mean absolute error for regression. */
export function metricName(task: Task): 'acc' | 'mae' {
  return task === 'regression' ? 'mae' : 'acc';
}

/** Sum over the batch of the metric (hits or absolute errors), to be divided by the sample count. */
export function metricSum(task: Task, output: tf.Tensor, y: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    if (task === 'multiclass') return output.argMax(1).toFloat().equal(y).toFloat().sum() as tf.Scalar;
    const pred = output.reshape([-1]);
    if (task === 'binary') return pred.greaterEqual(0.5).toFloat().equal(y).toFloat().sum() as tf.Scalar;
    return pred.sub(y).abs().sum() as tf.Scalar;
  });
}
