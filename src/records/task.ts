import { DataError, UsageError } from '../errors';

/**
 * What is predicted, and what the classes mean. The bottom layer: labels, datasets, models and
 * evaluation all speak these types, so none of them needs to import another to agree on them.
 */
export type Task = 'regression' | 'binary' | 'multiclass';

/** Number of model outputs a task implies: 1 for regression, else the class count. */
export function classCount(task: Task, classes?: readonly string[]): number {
  if (task === 'regression') return 1;
  if (task === 'binary') return 2;
  if (!classes || classes.length < 2) throw new UsageError('multiclass task needs at least two class names');
  return classes.length;
}

function namedClass(names: readonly string[] | undefined, name: string): number {
  return names?.findIndex((n) => n.toUpperCase() === name) ?? -1;
}

/** The class meaning "up": the one named UP (any case), else the last (label builders order classes down to up). */
export function upClass(k: number, names?: readonly string[]): number {
  const i = namedClass(names, 'UP');
  return i >= 0 ? i : k - 1;
}

/** The class meaning "down": named DOWN, else the first. */
export function downClass(names?: readonly string[]): number {
  const i = namedClass(names, 'DOWN');
  return i >= 0 ? i : 0;
}

/** The class meaning "flat" for a zero move: named FLAT, else the middle one. */
export function flatClass(k: number, names?: readonly string[]): number {
  const i = namedClass(names, 'FLAT');
  return i >= 0 ? i : Math.floor(k / 2);
}

/**
 * Row-wise argmax of a row-major `[rows, k]` matrix. Ties go to the lowest class index, a
 * documented rule rather than an accident of iteration order.
 */
export function argmaxRows(matrix: ArrayLike<number>, rows: number, k: number): Float32Array {
  const out = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (matrix[r * k + j] > matrix[r * k + best]) best = j;
    out[r] = best;
  }
  return out;
}

/** One-hot `[n, k]` probabilities of class indices. */
export function oneHot(classes: ArrayLike<number>, k: number): Float32Array {
  const out = new Float32Array(classes.length * k);
  for (let r = 0; r < classes.length; r++) out[r * k + classes[r]] = 1;
  return out;
}

/**
 * A signed score whose sign is the forecast direction: the predicted value (regression) or
 * P(UP) - P(DOWN) (classification; for binary 2P(UP) - 1).
 */
export function directionalScore(task: Task, pred: ArrayLike<number>, proba: ArrayLike<number> | undefined, classes?: readonly string[]): Float64Array {
  const n = pred.length;
  if (task === 'regression') return Float64Array.from(pred);
  const k = classCount(task, classes);
  if (!proba || proba.length !== n * k) throw new UsageError(`directional score of a ${task} forecast needs [${n}, ${k}] probabilities`);
  const up = upClass(k, classes);
  const down = downClass(classes);
  return Float64Array.from({ length: n }, (_, i) => proba[i * k + up] - proba[i * k + down]);
}

/** Rejects targets the task cannot learn from, naming the first bad rows. */
export function checkTargets(task: Task, y: Float32Array, classes: number, source: string): void {
  const bad: number[] = [];
  for (let r = 0; r < y.length && bad.length < 10; r++) {
    const v = y[r];
    const ok = task === 'regression' ? Number.isFinite(v) : Number.isInteger(v) && v >= 0 && v < classes;
    if (!ok) bad.push(r);
  }
  if (bad.length === 0) return;
  const expected = task === 'regression' ? 'a finite number' : `a class index in [0, ${classes - 1}]`;
  throw new DataError(bad.map((row) => ({ code: 'bad_target', severity: 'error' as const, source, row, field: 'y', message: `target ${y[row]} is not ${expected}` })));
}

/** Softmax of `margin[from .. from+k)` into `out[to .. to+k)`, shifted by the row maximum for stability. */
export function softmaxRow(margin: ArrayLike<number>, from: number, k: number, out: Float64Array | Float32Array, to: number): void {
  let max = -Infinity;
  for (let j = 0; j < k; j++) max = Math.max(max, margin[from + j]);
  let sum = 0;
  for (let j = 0; j < k; j++) sum += Math.exp(margin[from + j] - max);
  for (let j = 0; j < k; j++) out[to + j] = Math.exp(margin[from + j] - max) / sum;
}
