import * as tf from '@tensorflow/tfjs';

export interface OptimizerSpec {
  readonly optimizer: 'adam' | 'sgd';
  readonly learningRate: number;
  /** SGD only; 0 is plain SGD. */
  readonly momentum: number;
}

export function makeOptimizer(s: OptimizerSpec): tf.Optimizer {
  if (s.optimizer === 'adam') return tf.train.adam(s.learningRate);
  return s.momentum > 0 ? tf.train.momentum(s.learningRate, s.momentum) : tf.train.sgd(s.learningRate);
}

/** Change the learning rate of a live optimizer (keeps its moment estimates). */
export function setLearningRate(optimizer: tf.Optimizer, rate: number): void {
  // SGD and momentum cache -rate as a kept scalar behind setLearningRate; Adam reads the field.
  // (tfjs optimizers override instanceof with duck typing, so test for the method.)
  const sgd = optimizer as unknown as { setLearningRate?: (r: number) => void; learningRate: number };
  if (typeof sgd.setLearningRate === 'function') sgd.setLearningRate(rate);
  else sgd.learningRate = rate;
}

/**
 * Scale gradients so their global L2 norm is at most `maxNorm` (torch's clip_grad_norm_).
 * Returns new tensors; the caller disposes the inputs.
 */
export function clipByGlobalNorm(grads: tf.NamedTensorMap, maxNorm: number): tf.NamedTensorMap {
  return tf.tidy(() => {
    const names = Object.keys(grads);
    const norm = tf.addN(names.map((n) => grads[n].square().sum())).sqrt();
    const scale = tf.scalar(maxNorm).div(norm.maximum(maxNorm));
    const out: tf.NamedTensorMap = {};
    for (const n of names) out[n] = grads[n].mul(scale);
    return out;
  });
}

/** Release an optimizer's tensors. MomentumOptimizer.dispose forgets SGD's cached -rate scalar (tfjs 4.22), so release it too. */
export function disposeOptimizer(optimizer: tf.Optimizer): void {
  optimizer.dispose();
  const cached = (optimizer as unknown as { c?: tf.Tensor }).c;
  if (cached && !cached.isDisposed) cached.dispose();
}
