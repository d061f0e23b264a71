import { UsageError } from '../../errors';

/**
 * Hyperparameters of the neural models, as plain JSON: what `Model.config()` returns and
 * what an experiment file holds. Architecture and training settings live together, as in
 * scikit-learn, so a config alone reproduces a run.
 */

export type LearningRateSchedule =
  | { readonly type: 'constant' }
  /** lr = learningRate * factor^floor(epoch / every). */
  | { readonly type: 'step'; readonly every: number; readonly factor: number }
  /** Cosine decay from learningRate to minLearningRate over the configured epochs. */
  | { readonly type: 'cosine'; readonly minLearningRate: number }
  /** Multiply by factor after `patience` epochs without improvement of the monitored loss. */
  | { readonly type: 'plateau'; readonly factor: number; readonly patience: number; readonly minLearningRate: number };

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

const SCHEDULE_DEFAULTS = {
  constant: {},
  step: { every: 10, factor: 0.5 },
  cosine: { minLearningRate: 0 },
  plateau: { factor: 0.5, patience: 3, minLearningRate: 1e-6 },
} as const;

/**
 * Merge a user config over defaults and check every field, naming the model kind and
 * the field in errors. Unknown keys are errors: a typo must not silently train a default.
 */
export function resolveConfig<T extends TrainingConfig>(kind: string, defaults: T, given: Record<string, unknown>): T {
  for (const key of Object.keys(given)) {
    if (!(key in defaults)) throw new UsageError(`${kind}: unknown config key "${key}"; known: ${Object.keys(defaults).join(', ')}`);
  }
  const c = { ...defaults, ...given } as T & Record<string, unknown>;
  const bad = (field: string, expected: string): never => {
    throw new UsageError(`${kind}: config "${field}" must be ${expected}; got ${JSON.stringify(c[field])}`);
  };
  const posInt = (f: string): void => {
    if (!(Number.isInteger(c[f]) && (c[f] as number) > 0)) bad(f, 'a positive integer');
  };
  const inRange = (f: string, lo: number, hi: number): void => {
    const v = c[f];
    if (!(typeof v === 'number' && v >= lo && v < hi)) bad(f, `a number in [${lo}, ${hi})`);
  };
  const intList = (f: string, allowEmpty: boolean): void => {
    const v = c[f];
    if (!Array.isArray(v) || (!allowEmpty && v.length === 0) || !v.every((u) => Number.isInteger(u) && u > 0)) {
      bad(f, `a ${allowEmpty ? '' : 'non-empty '}list of positive integers`);
    }
  };
  const oneOf = (f: string, allowed: readonly unknown[]): void => {
    if (!allowed.includes(c[f])) bad(f, `one of ${allowed.join(', ')}`);
  };
  if (!Number.isInteger(c.seed)) bad('seed', 'an integer');
  posInt('epochs');
  posInt('batchSize');
  oneOf('optimizer', ['adam', 'sgd']);
  if (!(c.learningRate > 0)) bad('learningRate', 'a positive number');
  inRange('momentum', 0, 1);
  inRange('clipNorm', 0, Infinity);
  if (!(Number.isInteger(c.earlyStoppingPatience) && c.earlyStoppingPatience >= 0)) bad('earlyStoppingPatience', 'an integer >= 0');
  oneOf('loss', ['mse', 'huber']);
  if (!(c.huberDelta > 0)) bad('huberDelta', 'a positive number');
  (c as Record<string, unknown>).schedule = resolveSchedule(kind, c.schedule);
  if ('dropout' in c) inRange('dropout', 0, 1);
  if ('pooling' in c) oneOf('pooling', ['last', 'mean', 'attention']);
  if ('dense' in c) intList('dense', true);
  if ('implementation' in c) oneOf('implementation', ['fused', 'tfjs']);
  if ('units' in c) intList('units', false);
  if ('bidirectional' in c && typeof c.bidirectional !== 'boolean') bad('bidirectional', 'true or false');
  for (const f of ['dModel', 'heads', 'layers', 'ffUnits']) if (f in c) posInt(f);
  if ('dModel' in c && (c.dModel as number) % (c.heads as number) !== 0) bad('dModel', `a multiple of heads (${c.heads})`);
  return c;
}

function resolveSchedule(kind: string, s: unknown): LearningRateSchedule {
  const type = (s as { type?: string } | undefined)?.type;
  if (type === undefined || !(type in SCHEDULE_DEFAULTS)) {
    throw new UsageError(`${kind}: config "schedule.type" must be one of ${Object.keys(SCHEDULE_DEFAULTS).join(', ')}; got ${JSON.stringify(type)}`);
  }
  const merged = { ...SCHEDULE_DEFAULTS[type as keyof typeof SCHEDULE_DEFAULTS], ...(s as object) } as Record<string, number | string>;
  for (const [k, v] of Object.entries(merged)) {
    if (k === 'type') continue;
    if (!(k in SCHEDULE_DEFAULTS[type as keyof typeof SCHEDULE_DEFAULTS])) throw new UsageError(`${kind}: config "schedule.${k}" is not an option of a ${type} schedule`);
    const ok = k === 'every' || k === 'patience' ? Number.isInteger(v) && (v as number) > 0 : k === 'factor' ? (v as number) > 0 && (v as number) < 1 : (v as number) >= 0;
    if (!ok) throw new UsageError(`${kind}: config "schedule.${k}" is invalid for a ${type} schedule: ${JSON.stringify(v)}`);
  }
  return merged as unknown as LearningRateSchedule;
}
