import { Rng } from '../../util/random';
import { type BinnedMatrix, binLayout, joinCuts } from './binning';
import { TreeGrower, addBinnedOutput } from './grow';
import { baseMargin, evalMetric } from './objective';
import type { GbdtParams, Objective } from './params';
import { type GbdtKernelChoice, type GbdtKernels, gbdtKernels } from './kernels';
import { type Tree, addTreeOutput } from './tree';

/** Matrix cells per thread below which another thread costs more (start-up, dispatch) than it saves. */
const CELLS_PER_THREAD = 1 << 19;

/** Threads worth using for a matrix: at most `threads`, one per feature, and one per `CELLS_PER_THREAD` cells. */
export function usefulThreads(threads: number, rows: number, features: number): number {
  return Math.max(1, Math.min(threads, features, Math.floor((rows * features) / CELLS_PER_THREAD)));
}

/** A fitted ensemble of trees: everything prediction needs, and what XGBoost's JSON format holds. */
export interface Booster {
  readonly objective: Objective;
  /** Trees per round: 1, or the class count for `multi:softprob`. */
  readonly outputs: number;
  /** Initial prediction in output units (a probability for `binary:logistic`), as XGBoost's `base_score`. */
  readonly baseScore: number;
  readonly features: number;
  /** Round-major: tree `round * outputs + k` adds to output k. */
  readonly trees: readonly Tree[];
}

/** A row-major feature matrix with its targets. */
export interface BoostData {
  readonly x: Float32Array;
  readonly y: Float32Array;
  readonly rows: number;
  /** Optional per-row weight scaling gradients and hessians. */
  readonly weight?: Float64Array;
}

export interface BoostHooks {
  /** Called after each round with `loss` (training metric) and `val_loss` when validating. */
  readonly onRound?: (round: number, logs: Readonly<Record<string, number>>) => void;
  /** Evaluate the metric on the training rows every round (`history.loss`). Default true. */
  readonly trainMetric?: boolean;
}

export interface BoostResult {
  readonly booster: Booster;
  /** The objective's default metric per round: `loss` on training rows (unless turned off), `val_loss` on validation rows. */
  readonly history: { loss: number[]; val_loss?: number[] };
  /** 0-based round whose trees were kept (the last unless early stopping cut the model back). */
  readonly bestIteration: number;
  readonly rounds: number;
}

/**
 * Boost `params.nEstimators` rounds of depth-wise histogram trees. With `valid` and
 * `params.earlyStoppingRounds > 0`, stops when the validation metric has not improved for
 * that many rounds and keeps only the trees up to the best round. Only training rows are
 * binned: validation rows go through the trees' thresholds. `params.threads` threads bin the
 * matrix and build histograms (fewer on small matrices); the trees are the same for any count.
 * The inner loops run in the native addon when it is loaded (kernels.ts); `kernelChoice`
 * 'js' keeps them in JavaScript (the same trees, bit for bit; tests compare the two).
 */
export function fitBooster(objective: Objective, outputs: number, features: number, params: GbdtParams, train: BoostData, valid?: BoostData, hooks: BoostHooks = {}, kernelChoice: GbdtKernelChoice = 'auto'): BoostResult {
  const kernels = gbdtKernels(usefulThreads(params.threads, train.rows, features), kernelChoice);
  try {
    return boost(objective, outputs, features, params, train, valid, hooks, kernels);
  } finally {
    kernels.close();
  }
}

function boost(objective: Objective, outputs: number, features: number, params: GbdtParams, train: BoostData, valid: BoostData | undefined, hooks: BoostHooks, kernels: GbdtKernels): BoostResult {
  const n = train.rows;
  const m = binTraining(train.x, n, features, params.maxBin, kernels);
  const baseScore = params.baseScore === 'mean' ? meanBaseScore(objective, train.y, n) : params.baseScore;
  const margin = new Float64Array(n * outputs).fill(baseMargin(objective, baseScore));
  const validMargin = valid ? new Float64Array(valid.rows * outputs).fill(baseMargin(objective, baseScore)) : undefined;
  const gh = Array.from({ length: outputs }, () => new Float64Array(2 * n));
  const grower = new TreeGrower(m, params, kernels);
  const rng = new Rng(params.seed);
  const all = Uint32Array.from({ length: n }, (_, i) => i);
  const sample = params.subsample < 1 ? new Uint32Array(n) : all;
  const outOfSample = new Uint32Array(params.subsample < 1 ? n : 0);
  const allFeatures = Int32Array.from({ length: features }, (_, i) => i);
  const trees: Tree[] = [];
  const history: { loss: number[]; val_loss?: number[] } = valid ? { loss: [], val_loss: [] } : { loss: [] };
  let best = Infinity;
  let bestIteration = 0;
  let round = 0;
  for (; round < params.nEstimators; round++) {
    kernels.gradients(objective, margin, train.y, n, outputs, train.weight, gh);
    for (let k = 0; k < outputs; k++) {
      let count = n;
      let outCount = 0;
      if (params.subsample < 1) {
        count = 0;
        for (let r = 0; r < n; r++) {
          if (rng.uniform() < params.subsample) sample[count++] = r;
          else outOfSample[outCount++] = r;
        }
      }
      const cols = params.colsampleByTree < 1 ? sampleFeatures(rng, features, params.colsampleByTree) : allFeatures;
      const grown = grower.grow(gh[k], sample, count, cols, margin, outputs, k);
      if (outCount > 0) addBinnedOutput(grown, m, outOfSample, outCount, margin, outputs, k);
      if (valid && validMargin) addTreeOutput(grown.tree, valid.x, valid.rows, features, validMargin, outputs, k);
      trees.push(grown.tree);
    }
    const logs: Record<string, number> = {};
    if (hooks.trainMetric !== false) {
      logs.loss = evalMetric(objective, margin, train.y, n, outputs);
      history.loss.push(logs.loss);
    }
    if (valid && validMargin && history.val_loss) {
      logs.val_loss = evalMetric(objective, validMargin, valid.y, valid.rows, outputs);
      history.val_loss.push(logs.val_loss);
      if (logs.val_loss < best) {
        best = logs.val_loss;
        bestIteration = round;
      }
    } else {
      bestIteration = round;
    }
    hooks.onRound?.(round, logs);
    if (valid && params.earlyStoppingRounds > 0 && round - bestIteration >= params.earlyStoppingRounds) {
      round++;
      break;
    }
  }
  const kept = params.earlyStoppingRounds > 0 ? trees.slice(0, (bestIteration + 1) * outputs) : trees;
  if (params.earlyStoppingRounds === 0) bestIteration = round - 1;
  return { booster: { objective, outputs, baseScore, features, trees: kept }, history, bestIteration, rounds: round };
}

function meanBaseScore(objective: Objective, y: Float32Array, n: number): number {
  if (objective === 'multi:softprob') return 0.5;
  let sum = 0;
  for (let r = 0; r < n; r++) sum += y[r];
  const mean = sum / n;
  return objective === 'binary:logistic' ? Math.min(Math.max(mean, 1e-6), 1 - 1e-6) : mean;
}

/** XGBoost's column sampler: max(1, floor(fraction * features)) features, drawn without replacement, ascending. */
function sampleFeatures(rng: Rng, features: number, fraction: number): Int32Array {
  const take = Math.max(1, Math.floor(fraction * features));
  const order = rng.shuffle(Int32Array.from({ length: features }, (_, i) => i));
  return order.subarray(0, take).sort();
}

/** Raw scores `[rows, outputs]` of a row-major matrix, using the first `treeCount` trees (default all). */
export function predictMargin(booster: Booster, x: Float32Array, rows: number, treeCount = booster.trees.length): Float64Array {
  const margin = new Float64Array(rows * booster.outputs).fill(baseMargin(booster.objective, booster.baseScore));
  for (let t = 0; t < treeCount; t++) addTreeOutput(booster.trees[t], x, rows, booster.features, margin, booster.outputs, t % booster.outputs);
  return margin;
}

/**
 * Cuts and codes of a training matrix. The kernels may sketch features and bin rows on
 * several threads; every cut and code is a function of its own column or value, so the
 * result is the same.
 */
function binTraining(x: Float32Array, rows: number, features: number, maxBin: number, kernels: GbdtKernels): BinnedMatrix {
  const list = kernels.cuts(x, rows, features, maxBin);
  const m = binLayout(joinCuts(list), Uint8Array.from(list, (c) => (c.hasMissing ? 1 : 0)), rows, features, (b) => kernels.alloc(b));
  kernels.binRows(x, m);
  return m;
}
