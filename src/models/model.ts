/**
 * The one contract every model in the kit implements (neural nets, gradient-boosted trees,
 * baselines, ensembles), in the manner of scikit-learn: hyperparameters go in at construction
 * and are reported by `config()`, `fit` learns, `predict` and `predictProba` never refit, `save`
 * writes a folder that `loadModel` reads back. What differs between kinds is declared in
 * `tags`, never guessed by generic code (walk-forward evaluation, the CLI, notebooks).
 */
import type { Schema } from '../config/schema';
import type { SampleSet } from '../records/samples';
import type { FitResult } from '../records/fit';
import type { Task } from '../records/task';

export type { FitResult };

/**
 * What a kind consumes and produces. `sequence` models read whole windows; `tabular` models
 * read a declared set of lagged bars (`lags` in their config), never a silent last-bar slice.
 */
export interface ModelTags {
  readonly input: 'sequence' | 'tabular';
  readonly tasks: readonly Task[];
  /** A model that costs nothing to run (naive, majority, buy-and-hold): never reported as an edge. */
  readonly baseline: boolean;
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


export interface Model {
  /** Registered kind, e.g. `lstm`, `gbdt`, `naive`; `loadModel` dispatches on it. */
  readonly kind: string;
  readonly task: Task;
  readonly tags: ModelTags;
  /** Hyperparameters as JSON, enough to construct an identical unfitted model. */
  config(): Record<string, unknown>;
  fit(train: SampleSet, validation?: SampleSet, options?: FitOptions): Promise<FitResult>;
  /** Regression: the predicted value. Classification: the predicted class index. Length n. */
  predict(x: SampleSet): Promise<Float32Array>;
  /** Class probabilities `[n, classes]` row-major (binary: 2 columns). Regressors throw a `UsageError`. */
  predictProba(x: SampleSet): Promise<Float32Array>;
  /** Per input column (feature or lagged feature), how much the fitted model relies on it; undefined where a kind has no such notion. */
  importance(): Readonly<Record<string, number>> | undefined;
  /** What the model reads of each sample, for summaries: e.g. `30 bars x 20 features` or `lags 0,1,2 x 20 features`. */
  inputDescription(): string;
  /** Write the fitted model into `dir` (created if missing), atomically per file. */
  save(dir: string): Promise<void>;
  /** Release native or tensor memory; a no-op where a model holds none. */
  dispose(): void;
}

/** File in every saved model folder naming its kind; written by `Model.save`. */
export const MODEL_META_FILE = 'model-meta.json';

/** Creating and loading models by kind: what a factory gets to build members (ensembles). */
export interface ModelCatalog {
  create(kind: string, task: Task, config?: Record<string, unknown>): Model;
  load(dir: string): Promise<Model>;
  /** A kind's config checked (nested models included), errors naming `path`. */
  parseConfig(kind: string, config: unknown, path: string): Record<string, unknown>;
  /** The features a kind's parsed config names (see `ModelFactory.namedFeatures`). */
  namedFeatures(kind: string, config: Record<string, unknown>): readonly NamedFeature[];
}

/** A feature a model config names, and the config field that names it (`returnFeature`, `members[0].config.returnFeature`). */
export interface NamedFeature {
  readonly feature: string;
  readonly field: string;
}

/** How to build and load one kind of model. */
export interface ModelFactory {
  readonly kind: string;
  readonly tags: ModelTags;
  /** The kind's hyperparameters, strictly validated (unknown keys are errors) and documented in the JSON Schema. */
  readonly configSchema: Schema<Record<string, unknown>>;
  /** Checks the schema cannot express alone, such as the configs of nested member models. */
  checkConfig?(config: Record<string, unknown>, path: string, catalog: ModelCatalog): void;
  /**
   * Features the config names, each with its field (relative to the config), so an experiment
   * can reject one its dataset does not produce before loading any data.
   */
  namedFeatures?(config: Record<string, unknown>, catalog: ModelCatalog): readonly NamedFeature[];
  /** A new, unfitted model from a config that passed `configSchema`. */
  create(task: Task, config: Record<string, unknown>, catalog: ModelCatalog): Model;
  /** A fitted model from a folder written by `Model.save`. */
  load(dir: string, catalog: ModelCatalog): Promise<Model>;
}
