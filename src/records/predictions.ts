import { type Interval, formatTimestamp } from '../data/bars';
import { UsageError } from '../errors';
import { type Task, argmaxRows, classCount, directionalScore } from './task';

/**
 * Out-of-sample forecasts of one model, one row per sample, in typed arrays: what `predict`,
 * `fit-table` and `evaluate` write and `metrics` reads (through one CSV layout), and what every
 * score, backtest and figure is computed from.
 */
export interface Predictions {
  readonly task: Task;
  readonly classes?: readonly string[];
  /** Sample times (epoch ms); NaN where the source had none (a plain table). */
  readonly timestamps: Float64Array;
  readonly symbols: readonly string[];
  /** Bar-table row of each sample, where the forecasts came from loaded bars; -1 otherwise. */
  readonly barRows: Int32Array;
  /** The label: the value (regression) or the class index; NaN where not yet known (latest bars). */
  readonly yTrue: Float64Array;
  /** Predicted value (regression) or class index. */
  readonly yPred: Float32Array;
  /** Class probabilities `[n, classes]` row-major (classification only). */
  readonly proba?: Float32Array;
  /** Directional score: the predicted value, or P(UP) - P(DOWN). Its sign is the forecast direction. */
  readonly score: Float64Array;
  /** The label's realised return (close at the bar to close at the label's end); NaN where unknown. */
  readonly realized: Float64Array;
}

/** Assemble a record from a model's outputs; predicted classes come from the probabilities. */
export function makePredictions(input: {
  readonly task: Task;
  readonly classes?: readonly string[];
  readonly yPred?: Float32Array;
  readonly proba?: Float32Array;
  readonly yTrue?: ArrayLike<number>;
  readonly timestamps?: ArrayLike<number>;
  readonly symbols?: readonly string[];
  readonly barRows?: ArrayLike<number>;
  readonly realized?: ArrayLike<number>;
}): Predictions {
  const { task, classes } = input;
  const k = classCount(task, classes);
  const n = input.yPred?.length ?? (input.proba ? input.proba.length / k : 0);
  if (task !== 'regression' && !input.proba) throw new UsageError(`${task} predictions need class probabilities`);
  const yPred = input.yPred ?? argmaxRows(input.proba!, n, k);
  const column = (a: ArrayLike<number> | undefined, fill: number) => (a ? Float64Array.from(a) : new Float64Array(n).fill(fill));
  const out: Predictions = {
    task,
    ...(classes ? { classes } : {}),
    timestamps: column(input.timestamps, Number.NaN),
    symbols: input.symbols ?? new Array<string>(n).fill(''),
    barRows: input.barRows ? Int32Array.from(input.barRows) : new Int32Array(n).fill(-1),
    yTrue: column(input.yTrue, Number.NaN),
    yPred,
    ...(input.proba ? { proba: input.proba } : {}),
    score: directionalScore(task, yPred, input.proba, classes),
    realized: column(input.realized, Number.NaN),
  };
  for (const [name, len] of [
    ['timestamps', out.timestamps.length],
    ['symbols', out.symbols.length],
    ['barRows', out.barRows.length],
    ['yTrue', out.yTrue.length],
    ['realized', out.realized.length],
  ] as const) {
    if (len !== n) throw new UsageError(`predictions: ${name} has ${len} entries for ${n} forecasts`);
  }
  return out;
}

/** Records in order, concatenated into one (folds pooled); typed copies, no argument spreading. */
export function concatPredictions(parts: readonly Predictions[]): Predictions {
  if (parts.length === 0) throw new UsageError('concatPredictions: nothing to concatenate');
  const { task, classes } = parts[0];
  const cat = <T extends Float64Array | Float32Array | Int32Array>(pick: (p: Predictions) => T): T => {
    const total = parts.reduce((s, p) => s + pick(p).length, 0);
    const out = new (pick(parts[0]).constructor as new (n: number) => T)(total);
    let at = 0;
    for (const p of parts) {
      out.set(pick(p), at);
      at += pick(p).length;
    }
    return out;
  };
  const symbols: string[] = [];
  for (const p of parts) for (const s of p.symbols) symbols.push(s);
  return {
    task,
    ...(classes ? { classes } : {}),
    timestamps: cat((p) => p.timestamps),
    symbols,
    barRows: cat((p) => p.barRows),
    yTrue: cat((p) => p.yTrue),
    yPred: cat((p) => p.yPred),
    ...(parts[0].proba ? { proba: cat((p) => p.proba!) } : {}),
    score: cat((p) => p.score),
    realized: cat((p) => p.realized),
  };
}

/**
 * The one CSV layout for forecasts: `time,symbol,y_true,y_pred,score,realized` then one
 * `p_<class>` column per class. Classes are written by name, so `stocklab metrics` reads the
 * file without being told the task. Unknown values are empty cells.
 */
export function predictionsCsv(p: Predictions, interval?: Interval): string {
  const classes = p.classes;
  const k = p.proba && classes ? classes.length : 0;
  const header = ['time', 'symbol', 'y_true', 'y_pred', 'score', 'realized', ...(k ? classes!.map((c) => `p_${c}`) : [])];
  const cell = (v: number) => (Number.isNaN(v) ? '' : String(v));
  const label = (v: number) => (Number.isNaN(v) ? '' : p.task === 'regression' ? String(v) : (classes?.[v] ?? String(v)));
  const lines = [header.join(',')];
  for (let i = 0; i < p.yPred.length; i++) {
    const t = p.timestamps[i];
    const row = [
      Number.isNaN(t) ? '' : interval ? formatTimestamp(t, interval) : new Date(t).toISOString(),
      p.symbols[i],
      label(p.yTrue[i]),
      label(p.yPred[i]),
      cell(p.score[i]),
      cell(p.realized[i]),
    ];
    for (let j = 0; j < k; j++) row.push(String(p.proba![i * k + j]));
    lines.push(row.join(','));
  }
  return lines.join('\n') + '\n';
}
