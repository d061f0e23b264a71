/**
 * The one contract every model in the kit implements (neural nets, gradient-boosted
 * trees, baselines, ensembles), in the manner of scikit-learn: hyperparameters go in
 * at construction and are reported by `config()`, `fit` learns, `predict` and
 * `predictProba` never refit, `save` writes a folder that `loadModel` reads back.
 * Generic code (walk-forward evaluation, the CLI, notebooks) never special-cases a model.
 */

/** What is predicted. */
export type Task = 'regression' | 'binary' | 'multiclass';

/**
 * Samples in one flat Float32Array, row-major: tabular `[n, features]` or sequence
 * windows `[n, lookback, features]`. Targets: the value (regression), 0/1 (binary)
 * or the class index (multiclass).
 */
export interface SampleSet {
  readonly x: Float32Array;
  readonly shape: readonly [number, number] | readonly [number, number, number];
  readonly y: Float32Array;
  readonly featureNames: readonly string[];
  /** Class names for classification tasks, by index (e.g. `['DOWN', 'FLAT', 'UP']`). */
  readonly classes?: readonly string[];
  /** Time (epoch ms) of the bar each sample's label is predicted at, for reports and backtests. */
  readonly timestamps?: Float64Array;
  /** Symbol of each sample, when pooled across symbols. */
  readonly symbols?: readonly string[];
}

export interface FitOptions {
  /** Seed for every random choice in fitting. Models also take a seed in their config; this overrides it. */
  readonly seed?: number;
  /** Epochs (neural) or boosting rounds upper bound; model-specific default. */
  readonly epochs?: number;
  readonly batchSize?: number;
  /** Stop after this many epochs/rounds without validation improvement (requires `validation`). */
  readonly earlyStoppingPatience?: number;
  /** Progress: called after each epoch or boosting round with its metrics. */
  readonly onEpochEnd?: (epoch: number, logs: Readonly<Record<string, number>>) => void;
  /** Print a progress bar to stderr. Default false. */
  readonly verbose?: boolean;
  /** Per-class weights for imbalanced classification, by class index. */
  readonly classWeights?: readonly number[];
}

export interface FitResult {
  /** Per-epoch (or per-round) metrics, e.g. `{ loss: [...], val_loss: [...] }`. */
  readonly history: Readonly<Record<string, readonly number[]>>;
  /** Epochs or rounds actually run. */
  readonly epochs: number;
  /** Epoch/round whose weights were kept (early stopping restores the best). */
  readonly bestEpoch?: number;
  /** Wall-clock seconds spent fitting. */
  readonly seconds: number;
}

export interface Model {
  /** Registered kind, e.g. `lstm`, `gbdt`, `naive`; `loadModel` dispatches on it. */
  readonly kind: string;
  readonly task: Task;
  /** Hyperparameters as JSON, enough to construct an identical unfitted model. */
  config(): Record<string, unknown>;
  fit(train: SampleSet, validation?: SampleSet, options?: FitOptions): Promise<FitResult>;
  /** Regression: the predicted value. Classification: the predicted class index. Length n. */
  predict(x: SampleSet): Promise<Float32Array>;
  /** Classification only: probabilities `[n, classes]` row-major (binary: 2 columns). */
  predictProba?(x: SampleSet): Promise<Float32Array>;
  /** Write the fitted model into `dir` (created if missing), atomically per file. */
  save(dir: string): Promise<void>;
  /** Release native or tensor memory, where the model holds any. */
  dispose?(): void;
}

/** Number of samples in a set. */
export function sampleCount(s: SampleSet): number {
  return s.shape[0];
}

/** Number of classes implied by a task and its class names. */
export function classCount(task: Task, classes?: readonly string[]): number {
  if (task === 'regression') return 1;
  if (task === 'binary') return 2;
  if (!classes || classes.length < 2) throw new RangeError('multiclass task needs at least two class names');
  return classes.length;
}

/**
 * One Float64Array per feature, taken at one time step of every sample (default the last, the
 * bar the label is predicted at). Tabular sets have a single step.
 */
export function sampleColumns(s: SampleSet, step = -1): Float64Array[] {
  const n = s.shape[0];
  const f = s.shape[s.shape.length - 1];
  const steps = s.shape.length === 3 ? s.shape[1] : 1;
  const t = step < 0 ? steps + step : step;
  if (t < 0 || t >= steps) throw new RangeError(`sampleColumns: step ${step} outside 0..${steps - 1}`);
  return Array.from({ length: f }, (_, j) => Float64Array.from({ length: n }, (_, i) => s.x[(i * steps + t) * f + j]));
}
