import { DataError } from '../../errors';
import { type SampleSet, type Task, sampleCount } from '../model';

/** A sample set as one row-major `[rows, features]` matrix. */
export interface TabularView {
  readonly x: Float32Array;
  readonly rows: number;
  readonly features: number;
}

/**
 * Tabular models (trees, baselines) see one feature row per sample: tabular sets as they are,
 * sequence windows `[n, lookback, f]` by their last bar's features (the most recent
 * information; pass a flattened-lags set to give a tree the whole window).
 */
export function tabularView(s: SampleSet): TabularView {
  const rows = sampleCount(s);
  if (s.shape.length === 2) return { x: s.x, rows, features: s.shape[1] };
  const [, lookback, features] = s.shape;
  const x = new Float32Array(rows * features);
  for (let r = 0; r < rows; r++) x.set(s.x.subarray((r * lookback + lookback - 1) * features, (r * lookback + lookback) * features), r * features);
  return { x, rows, features };
}

/** Class count of a classification set: its class names, else the largest label + 1 (at least 2). */
export function classesOf(task: Task, s: SampleSet): number {
  if (task === 'regression') return 1;
  if (task === 'binary') return 2;
  if (s.classes && s.classes.length >= 2) return s.classes.length;
  let max = 1;
  for (let i = 0; i < s.y.length; i++) max = Math.max(max, s.y[i]);
  return max + 1;
}

/** Rejects targets the task cannot learn from, naming the first bad rows. */
export function checkTargets(task: Task, s: SampleSet, source: string, classes = classesOf(task, s)): void {
  const bad: number[] = [];
  for (let r = 0; r < s.y.length && bad.length < 10; r++) {
    const v = s.y[r];
    const ok = task === 'regression' ? Number.isFinite(v) : Number.isInteger(v) && v >= 0 && v < classes;
    if (!ok) bad.push(r);
  }
  if (s.y.length !== sampleCount(s)) {
    throw new DataError([{ code: 'target_length', severity: 'error', source, message: `${s.y.length} targets for ${sampleCount(s)} samples` }]);
  }
  if (bad.length === 0) return;
  const expected = task === 'regression' ? 'a finite number' : `a class index in [0, ${classes - 1}]`;
  throw new DataError(bad.map((row) => ({ code: 'bad_target', severity: 'error' as const, source, row, field: 'y', message: `target ${s.y[row]} is not ${expected}` })));
}

/** Row-wise argmax of `[rows, k]` probabilities. */
export function argmaxRows(prob: Float32Array, rows: number, k: number): Float32Array {
  const out = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (prob[r * k + j] > prob[r * k + best]) best = j;
    out[r] = best;
  }
  return out;
}
