import { availableParallelism } from 'node:os';
import { UsageError } from '../../errors';
import type { Task } from '../model';

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
   * Threads for binning and histogram building (worker threads over shared memory; small
   * matrices use fewer). The fitted trees do not depend on it. Default: every core.
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

type Check = (v: number) => boolean;
const RULES: Record<Exclude<keyof GbdtParams, 'baseScore' | 'objective'>, [Check, string]> = {
  nEstimators: [(v) => Number.isInteger(v) && v >= 1, 'an integer >= 1'],
  learningRate: [(v) => v > 0, 'a number > 0'],
  maxDepth: [(v) => Number.isInteger(v) && v >= 1 && v <= 30, 'an integer in [1, 30]'],
  maxBin: [(v) => Number.isInteger(v) && v >= 2 && v <= 65535, 'an integer in [2, 65535]'],
  minChildWeight: [(v) => v >= 0, 'a number >= 0'],
  gamma: [(v) => v >= 0, 'a number >= 0'],
  alpha: [(v) => v >= 0, 'a number >= 0'],
  lambda: [(v) => v >= 0, 'a number >= 0'],
  subsample: [(v) => v > 0 && v <= 1, 'a number in (0, 1]'],
  colsampleByTree: [(v) => v > 0 && v <= 1, 'a number in (0, 1]'],
  earlyStoppingRounds: [(v) => Number.isInteger(v) && v >= 0, 'an integer >= 0'],
  seed: [(v) => Number.isInteger(v), 'an integer'],
  threads: [(v) => Number.isInteger(v) && v >= 1 && v <= MAX_THREADS, `an integer in [1, ${MAX_THREADS}]`],
};

/** Defaults merged with `config`, every field checked; unknown keys are a UsageError naming them. */
export function resolveGbdtParams(task: Task, config: Record<string, unknown>): GbdtParams {
  const known = new Set([...Object.keys(DEFAULT_GBDT_PARAMS), 'objective']);
  const unknown = Object.keys(config).filter((k) => !known.has(k));
  if (unknown.length > 0) throw new UsageError(`gbdt: unknown parameter(s) ${unknown.join(', ')}; known: ${[...known].join(', ')}`);
  const p = { ...DEFAULT_GBDT_PARAMS, ...config } as Record<string, unknown>;
  for (const [name, [ok, expected]] of Object.entries(RULES)) {
    const v = p[name];
    if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) throw new UsageError(`gbdt: ${name} must be ${expected}; got ${JSON.stringify(v)}`);
  }
  const base = p.baseScore;
  const baseOk = base === 'mean' || (typeof base === 'number' && Number.isFinite(base) && (task !== 'binary' || (base > 0 && base < 1)));
  if (!baseOk) throw new UsageError(`gbdt: baseScore must be 'mean' or a number${task === 'binary' ? ' in (0, 1)' : ''}; got ${JSON.stringify(base)}`);
  const expected = objectiveForTask(task);
  if (p.objective !== undefined && p.objective !== expected) {
    throw new UsageError(`gbdt: objective "${String(p.objective)}" does not fit a ${task} task; use "${expected}" or leave it out`);
  }
  return { ...(p as unknown as GbdtParams), objective: expected };
}
