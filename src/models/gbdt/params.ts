import { ConfigError, either, int, literal, num, obj, oneOf, opt } from '../../config/schema';
import type { Task } from '../../records/task';
import { lagsSchema } from '../tabular-input';
import { availableParallelism } from 'node:os';

export type Objective = 'reg:squarederror' | 'binary:logistic' | 'multi:softprob';

/**
 * Hyperparameters of the histogram gradient-boosted trees. Names follow XGBoost's
 * (camelCased) and so do the defaults (XGBoost 1.7, `tree_method=hist`), so a parameter set
 * copied from a Python notebook means the same thing here.
 */
export interface GbdtParams {
  /** Boosting rounds (trees per output). Default 100. */
  readonly nEstimators: number;
  /** Shrinkage `eta` applied to every leaf. Default 0.3. */
  readonly learningRate: number;
  /** Depth-wise growth stops at this depth. Default 6. */
  readonly maxDepth: number;
  /** Quantile bins per feature. Default 256. */
  readonly maxBin: number;
  /** Minimum hessian sum in each child of a split. Default 1. */
  readonly minChildWeight: number;
  /** Minimum loss reduction (`min_split_loss`) a split must reach. Default 0. */
  readonly gamma: number;
  /** L1 penalty on leaf weights (`reg_alpha`). Default 0. */
  readonly alpha: number;
  /** L2 penalty on leaf weights (`reg_lambda`). Default 1. */
  readonly lambda: number;
  /** Fraction of rows drawn (without replacement, per tree) to grow each tree. Default 1. */
  readonly subsample: number;
  /** Fraction of features drawn per tree. Default 1. */
  readonly colsampleByTree: number;
  /**
   * Initial prediction before any tree: a value (a probability for `binary:logistic`), or
   * `'mean'` for the training target's mean (class rate). Default 0.5, as XGBoost 1.7.
   */
  readonly baseScore: number | 'mean';
  /** Stop after this many rounds without validation improvement; 0 = never. Default 0. */
  readonly earlyStoppingRounds: number;
  /** Seed for row and feature sampling. Default 0. */
  readonly seed: number;
  /**
   * Threads for binning, gradients, histograms and partitions (the native addon's threads, or
   * JavaScript worker threads over shared memory without it; small matrices use fewer). The
   * fitted trees do not depend on it. Default: every core.
   */
  readonly threads: number;
  /** Derived from the task unless given; must agree with it. */
  readonly objective?: Objective;
}

export const DEFAULT_GBDT_PARAMS: GbdtParams = {
  nEstimators: 100,
  learningRate: 0.3,
  maxDepth: 6,
  maxBin: 256,
  minChildWeight: 1,
  gamma: 0,
  alpha: 0,
  lambda: 1,
  subsample: 1,
  colsampleByTree: 1,
  baseScore: 0.5,
  earlyStoppingRounds: 0,
  seed: 0,
  threads: availableParallelism(),
};

/** More threads than this is a typo, not a machine. */
const MAX_THREADS = 1024;

const OBJECTIVE_OF_TASK: Record<Task, Objective> = {
  regression: 'reg:squarederror',
  binary: 'binary:logistic',
  multiclass: 'multi:softprob',
};

export function objectiveForTask(task: Task): Objective {
  return OBJECTIVE_OF_TASK[task];
}

const D = DEFAULT_GBDT_PARAMS;
const fraction = (doc: string) => num({ min: 0, max: 1, exclusiveMin: true, doc });

/** The hyperparameters as a strict schema (XGBoost names, camelCased), plus the tabular `lags`. */
export const gbdtConfigSchema = obj(
  {
    nEstimators: opt(int({ min: 1, doc: 'Boosting rounds (trees per output).' }), D.nEstimators),
    learningRate: opt(num({ min: 0, exclusiveMin: true, doc: 'Shrinkage eta applied to every leaf.' }), D.learningRate),
    maxDepth: opt(int({ min: 1, max: 30 }), D.maxDepth),
    maxBin: opt(int({ min: 2, max: 65535, doc: 'Quantile bins per feature.' }), D.maxBin),
    minChildWeight: opt(num({ min: 0, doc: 'Minimum hessian sum in each child of a split.' }), D.minChildWeight),
    gamma: opt(num({ min: 0, doc: 'Minimum loss reduction a split must reach.' }), D.gamma),
    alpha: opt(num({ min: 0, doc: 'L1 penalty on leaf weights.' }), D.alpha),
    lambda: opt(num({ min: 0, doc: 'L2 penalty on leaf weights.' }), D.lambda),
    subsample: opt(fraction('Fraction of rows drawn per tree.'), D.subsample),
    colsampleByTree: opt(fraction('Fraction of features drawn per tree.'), D.colsampleByTree),
    baseScore: opt(either(literal('mean'), (v) => typeof v === 'string', num(), "Initial prediction, or 'mean' for the training target mean."), D.baseScore),
    earlyStoppingRounds: opt(int({ min: 0, doc: 'Stop after this many rounds without validation improvement; 0 = never.' }), D.earlyStoppingRounds),
    seed: opt(int(), D.seed),
    objective: opt(oneOf(['reg:squarederror', 'binary:logistic', 'multi:softprob'] as const, 'Derived from the task; must agree with it.')),
    threads: opt(int({ min: 1, max: MAX_THREADS, doc: 'Threads for binning and histograms; the trees do not depend on it. Default: every core.' })),
    lags: opt(lagsSchema),
  },
  { doc: 'XGBoost-style histogram gradient-boosted trees.' },
);

/** Defaults merged with `config`, every field checked; unknown keys are a `ConfigError` naming them. */
export function resolveGbdtParams(task: Task, config: Record<string, unknown>, path = 'gbdt config'): GbdtParams & { readonly lags?: readonly number[] } {
  const p = gbdtConfigSchema.parse(config, path);
  if (task === 'binary' && typeof p.baseScore === 'number' && !(p.baseScore > 0 && p.baseScore < 1)) {
    throw new ConfigError(`${path}.baseScore`, `must be 'mean' or a number in (0, 1) for a binary task, got ${p.baseScore}`);
  }
  const expected = objectiveForTask(task);
  if (p.objective !== undefined && p.objective !== expected) {
    throw new ConfigError(`${path}.objective`, `"${p.objective}" does not fit a ${task} task; use "${expected}" or leave it out`);
  }
  return { ...p, threads: p.threads ?? availableParallelism(), objective: expected };
}
