import type { LearningRateSchedule } from '../../train/schedule';
import { type Schema, arr, bool, int, literal, num, obj, oneOf, opt, req, tagged } from '../../config/schema';

/**
 * Hyperparameters of the neural models, as plain JSON: what `Model.config()` returns and
 * what an experiment file holds. Architecture and training settings live together, as in
 * scikit-learn, so a config alone reproduces a run.
 */

export type { LearningRateSchedule };

export interface TrainingConfig {
  /** Seed of every initializer, dropout mask and shuffle. Default 42. */
  readonly seed: number;
  /** Default 30. */
  readonly epochs: number;
  /** Default 32. */
  readonly batchSize: number;
  /** Default `adam`. `sgd` uses classical momentum when `momentum` > 0. */
  readonly optimizer: 'adam' | 'sgd';
  /** Default 0.001. */
  readonly learningRate: number;
  /** SGD momentum. Default 0.9. */
  readonly momentum: number;
  /** Default constant. */
  readonly schedule: LearningRateSchedule;
  /** Rescale gradients so their global L2 norm is at most this (as torch's clip_grad_norm_); 0 disables. Default 1. */
  readonly clipNorm: number;
  /** Epochs without validation-loss improvement before stopping (best weights restored); 0 disables. Default 5. */
  readonly earlyStoppingPatience: number;
  /** Regression loss. Default `mse`. */
  readonly loss: 'mse' | 'huber';
  /** Huber transition point. Default 1. */
  readonly huberDelta: number;
}

export type Pooling = 'last' | 'mean' | 'attention';

export interface RecurrentConfig extends TrainingConfig {
  /** Units of each stacked recurrent layer. Default [50, 50] (the seeds' LSTM(50) -> LSTM(50)). */
  readonly units: readonly number[];
  /** Default false. */
  readonly bidirectional: boolean;
  /** Dropout after each recurrent and dense layer. Default 0.2. */
  readonly dropout: number;
  /**
   * How the sequence becomes one vector: `last` step (default), `mean` over steps, or
   * `attention`: last step concatenated with attention pooling over steps (Qlib's ALSTM).
   */
  readonly pooling: Pooling;
  /** Hidden dense layers (ReLU) of the head. Default [25]. */
  readonly dense: readonly number[];
  /**
   * Recurrent kernels: `fused` (default) runs whole sequences forward and backward in
   * WebAssembly SIMD (src/kernels); `tfjs` uses tfjs's own per-step layers. Same weights, same results.
   */
  readonly implementation: 'fused' | 'tfjs';
}

export interface TransformerConfig extends TrainingConfig {
  /** Model width (input projection). Default 32. */
  readonly dModel: number;
  /** Attention heads; each has dModel / heads dimensions. Default 4. */
  readonly heads: number;
  /** Encoder blocks. Default 2. */
  readonly layers: number;
  /** Feed-forward width inside each block. Default 64. */
  readonly ffUnits: number;
  /** Default 0.1. */
  readonly dropout: number;
  /** Default `mean`. */
  readonly pooling: Pooling;
  /** Hidden dense layers (ReLU) of the head. Default []. */
  readonly dense: readonly number[];
}

export const TRAINING_DEFAULTS: TrainingConfig = {
  seed: 42,
  epochs: 30,
  batchSize: 32,
  optimizer: 'adam',
  learningRate: 0.001,
  momentum: 0.9,
  schedule: { type: 'constant' },
  clipNorm: 1,
  earlyStoppingPatience: 5,
  loss: 'mse',
  huberDelta: 1,
};

export const RECURRENT_DEFAULTS: RecurrentConfig = {
  ...TRAINING_DEFAULTS,
  units: [50, 50],
  bidirectional: false,
  dropout: 0.2,
  pooling: 'last',
  dense: [25],
  implementation: 'fused',
};

export const TRANSFORMER_DEFAULTS: TransformerConfig = {
  ...TRAINING_DEFAULTS,
  dModel: 32,
  heads: 4,
  layers: 2,
  ffUnits: 64,
  dropout: 0.1,
  pooling: 'mean',
  dense: [],
};

const factor = num({ min: 0, max: 1, exclusiveMin: true, exclusiveMax: true, doc: 'Multiplier in (0, 1).' });
const minRate = num({ min: 0, doc: 'Floor of the learning rate.' });

const scheduleSchema = tagged<LearningRateSchedule>(
  'type',
  {
    constant: obj({ type: req(literal('constant')) }),
    step: obj({ type: req(literal('step')), every: opt(int({ min: 1, doc: 'Epochs between steps.' }), 10), factor: opt(factor, 0.5) }),
    cosine: obj({ type: req(literal('cosine')), minLearningRate: opt(minRate, 0) }),
    plateau: obj({ type: req(literal('plateau')), factor: opt(factor, 0.5), patience: opt(int({ min: 1 }), 3), minLearningRate: opt(minRate, 1e-6) }),
  },
  'Learning-rate schedule.',
);

const units = (allowEmpty: boolean, doc: string) => arr(int({ min: 1 }), { minItems: allowEmpty ? 0 : 1, doc });
const pooling = oneOf(['last', 'mean', 'attention'] as const, 'How the sequence becomes one vector.');

function trainingFields(d: TrainingConfig) {
  return {
    seed: opt(int({ doc: 'Seed of every initializer, dropout mask and shuffle.' }), d.seed),
    epochs: opt(int({ min: 1 }), d.epochs),
    batchSize: opt(int({ min: 1 }), d.batchSize),
    optimizer: opt(oneOf(['adam', 'sgd'] as const), d.optimizer),
    learningRate: opt(num({ min: 0, exclusiveMin: true }), d.learningRate),
    momentum: opt(num({ min: 0, max: 1, exclusiveMax: true, doc: 'SGD momentum.' }), d.momentum),
    schedule: opt(scheduleSchema, d.schedule),
    clipNorm: opt(num({ min: 0, doc: 'Global gradient-norm bound; 0 disables.' }), d.clipNorm),
    earlyStoppingPatience: opt(int({ min: 0, doc: 'Epochs without validation-loss improvement before stopping; 0 disables.' }), d.earlyStoppingPatience),
    loss: opt(oneOf(['mse', 'huber'] as const, 'Regression loss.'), d.loss),
    huberDelta: opt(num({ min: 0, exclusiveMin: true }), d.huberDelta),
  };
}

const d = RECURRENT_DEFAULTS;
/** LSTM and GRU hyperparameters, strictly validated; omitted keys take the documented defaults. */
export const recurrentConfigSchema: Schema<RecurrentConfig> = obj(
  {
    ...trainingFields(d),
    units: opt(units(false, 'Units of each stacked recurrent layer.'), [...d.units]),
    bidirectional: opt(bool(), d.bidirectional),
    dropout: opt(num({ min: 0, max: 1, exclusiveMax: true, doc: 'Dropout after each recurrent and dense layer.' }), d.dropout),
    pooling: opt(pooling, d.pooling),
    dense: opt(units(true, 'Hidden dense layers (ReLU) of the head.'), [...d.dense]),
    implementation: opt(oneOf(['fused', 'tfjs'] as const, 'fused: WebAssembly SIMD kernels; tfjs: per-step tfjs layers. Same weights, same results.'), d.implementation),
  },
  { doc: 'Recurrent network (LSTM or GRU) and its training settings.' },
) as Schema<RecurrentConfig>;

const t = TRANSFORMER_DEFAULTS;
/** Transformer hyperparameters, strictly validated. */
export const transformerConfigSchema: Schema<TransformerConfig> = obj(
  {
    ...trainingFields(t),
    dModel: opt(int({ min: 1, doc: 'Model width; a multiple of heads.' }), t.dModel),
    heads: opt(int({ min: 1 }), t.heads),
    layers: opt(int({ min: 1 }), t.layers),
    ffUnits: opt(int({ min: 1 }), t.ffUnits),
    dropout: opt(num({ min: 0, max: 1, exclusiveMax: true }), t.dropout),
    pooling: opt(pooling, t.pooling),
    dense: opt(units(true, 'Hidden dense layers (ReLU) of the head.'), [...t.dense]),
  },
  {
    doc: 'Transformer encoder and its training settings.',
    check: (c) => (c.dModel % c.heads !== 0 ? { field: 'dModel', problem: `must be a multiple of heads (${c.heads}), got ${c.dModel}` } : undefined),
  },
) as Schema<TransformerConfig>;
