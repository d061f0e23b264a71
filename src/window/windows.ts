import { UsageError } from '../errors';
import type { BarTable } from '../data/bars';
import type { SampleSet } from '../models/model';
import type { Scaler } from '../scale/scaler';
import type { SampleSpans } from '../split/split';
import { type FeatureMatrix, matrixRows } from './matrix';

/** What a sample is built from: per-row label values (NaN = undefined) and class names. */
export interface LabelColumn {
  readonly value: Float64Array;
  readonly classes?: readonly string[];
  /** Time of the last bar each label looks at; needed by `sampleSpans`. */
  readonly endTime?: Float64Array;
}

/** Bars that can be samples, and how many were excluded and why. */
export interface SampleRows {
  /** Bar rows t (ascending, grouped by symbol) with a defined label and a full NaN-free window ending at t. */
  readonly rows: Int32Array;
  readonly excluded: {
    /** Fewer than `lookback` bars of the symbol up to t. */
    readonly shortHistory: number;
    /** A feature in the window is NaN (warm-up or a gap). */
    readonly missingFeatures: number;
    /** The label is undefined (e.g. the last horizon bars of each symbol). */
    readonly missingLabel: number;
    readonly total: number;
  };
}

/**
 * Pick the bars that make valid samples for windows of `lookback` bars (1 for tabular
 * samples without lags). A row excluded for several reasons is counted once, under the first
 * of shortHistory, missingFeatures, missingLabel.
 */
export function selectSampleRows(bars: BarTable, features: FeatureMatrix, labels: LabelColumn, lookback: number): SampleRows {
  checkShapes(bars, features, labels, lookback);
  const nf = features.names.length;
  const x = features.values;
  const rows: number[] = [];
  let shortHistory = 0;
  let missingFeatures = 0;
  let missingLabel = 0;
  for (const s of bars.symbols) {
    let lastNaN = -1;
    for (let t = s.start; t < s.end; t++) {
      for (let i = t * nf; i < (t + 1) * nf; i++) {
        if (Number.isNaN(x[i])) {
          lastNaN = t;
          break;
        }
      }
      if (t - s.start + 1 < lookback) shortHistory++;
      else if (lastNaN > t - lookback) missingFeatures++;
      else if (Number.isNaN(labels.value[t])) missingLabel++;
      else rows.push(t);
    }
  }
  return { rows: Int32Array.from(rows), excluded: { shortHistory, missingFeatures, missingLabel, total: shortHistory + missingFeatures + missingLabel } };
}

/** The split axis for sample rows: each sample's bar time and its label's end time. */
export function sampleSpans(bars: BarTable, labels: LabelColumn, rows: ArrayLike<number>): SampleSpans {
  if (!labels.endTime) throw new UsageError('sampleSpans: labels carry no endTime');
  const time = new Float64Array(rows.length);
  const endTime = new Float64Array(rows.length);
  for (let k = 0; k < rows.length; k++) {
    time[k] = bars.timestamp[rows[k]];
    endTime[k] = labels.endTime[rows[k]];
  }
  return { time, endTime };
}

export interface WindowOptions {
  /** Bars per window, ending at (and including) the sample's bar. */
  readonly lookback: number;
  /** Scale values while copying them (a scaler fitted on training rows only). */
  readonly scaler?: Scaler;
}

/**
 * Sequence samples `[n, lookback, features]` in one Float32Array: the window of the sample at
 * bar t holds bars t-lookback+1 .. t of t's symbol, oldest first. Values are copied once, from
 * the feature matrix into the output. Every row must have a defined label and a NaN-free
 * window inside its symbol (use `selectSampleRows`), else a `UsageError` names the row.
 */
export function windowSamples(bars: BarTable, features: FeatureMatrix, labels: LabelColumn, rows: ArrayLike<number>, options: WindowOptions): SampleSet {
  const { x, y } = copyWindows(bars, features, labels, rows, options.lookback, options.scaler);
  return {
    x,
    shape: [rows.length, options.lookback, features.names.length],
    y,
    featureNames: features.names,
    ...(labels.classes ? { classes: labels.classes } : {}),
    timestamps: pickTimes(bars, rows),
    symbols: pickSymbols(bars, rows),
  };
}

export interface TabularOptions {
  /** Earlier bars appended as extra columns (`<name>_lag1` ... `<name>_lag<n>`). Default 0. */
  readonly lags?: number;
  readonly scaler?: Scaler;
}

/**
 * Tabular samples `[n, features * (lags + 1)]` for tree models: the features of bar t, then,
 * with `lags`, those of the earlier bars. Same row rules as `windowSamples` with lookback lags + 1.
 */
export function tabularSamples(bars: BarTable, features: FeatureMatrix, labels: LabelColumn, rows: ArrayLike<number>, options: TabularOptions = {}): SampleSet {
  const lags = options.lags ?? 0;
  const lookback = lags + 1;
  const { x, y } = copyWindows(bars, features, labels, rows, lookback, options.scaler);
  // A flattened window is oldest first: lag `lags` .. lag 0.
  const names: string[] = [];
  for (let lag = lags; lag >= 0; lag--) for (const name of features.names) names.push(lag === 0 ? name : `${name}_lag${lag}`);
  return {
    x,
    shape: [rows.length, names.length],
    y,
    featureNames: names,
    ...(labels.classes ? { classes: labels.classes } : {}),
    timestamps: pickTimes(bars, rows),
    symbols: pickSymbols(bars, rows),
  };
}

function copyWindows(
  bars: BarTable,
  features: FeatureMatrix,
  labels: LabelColumn,
  rows: ArrayLike<number>,
  lookback: number,
  scaler: Scaler | undefined,
): { x: Float32Array; y: Float32Array } {
  checkShapes(bars, features, labels, lookback);
  const nf = features.names.length;
  if (scaler && scaler.features !== nf) throw new UsageError(`scaler was fitted on ${scaler.features} features, the matrix has ${nf}`);
  const per = lookback * nf;
  const x = new Float32Array(rows.length * per);
  const y = new Float32Array(rows.length);
  const symbolStart = symbolStarts(bars);
  for (let k = 0; k < rows.length; k++) {
    const t = rows[k];
    if (!(Number.isInteger(t) && t >= 0 && t < bars.close.length)) throw new UsageError(`sample ${k}: row ${t} is not a bar of the table`);
    if (t - lookback + 1 < symbolStart[t]) throw new UsageError(`sample ${k}: the ${lookback}-bar window ending at row ${t} would cross the start of its symbol`);
    const label = labels.value[t];
    if (Number.isNaN(label)) throw new UsageError(`sample ${k}: row ${t} has no label`);
    y[k] = label;
    const from = (t - lookback + 1) * nf;
    if (scaler) scaler.transformInto(features.values, from, from + per, x, k * per);
    else x.set(features.values.subarray(from, from + per), k * per);
  }
  for (let i = 0; i < x.length; i++) {
    if (Number.isNaN(x[i])) {
      const k = Math.floor(i / per);
      throw new UsageError(`sample ${k}: the window ending at row ${rows[k]} holds a missing value of feature ${features.names[i % nf]}`);
    }
  }
  return { x, y };
}

/** Per row, the first row of its symbol. */
function symbolStarts(bars: BarTable): Int32Array {
  const out = new Int32Array(bars.close.length);
  for (const s of bars.symbols) out.fill(s.start, s.start, s.end);
  return out;
}

function pickTimes(bars: BarTable, rows: ArrayLike<number>): Float64Array {
  const out = new Float64Array(rows.length);
  for (let k = 0; k < rows.length; k++) out[k] = bars.timestamp[rows[k]];
  return out;
}

function pickSymbols(bars: BarTable, rows: ArrayLike<number>): string[] {
  const name = new Array<string>(bars.close.length);
  for (const s of bars.symbols) name.fill(s.symbol, s.start, s.end);
  return Array.from({ length: rows.length }, (_, k) => name[rows[k]]);
}

function checkShapes(bars: BarTable, features: FeatureMatrix, labels: LabelColumn, lookback: number): void {
  if (!Number.isInteger(lookback) || lookback < 1) throw new UsageError(`lookback must be an integer >= 1, got ${lookback}`);
  const n = bars.close.length;
  if (matrixRows(features) !== n) throw new UsageError(`feature matrix has ${matrixRows(features)} rows, the bar table ${n}`);
  if (labels.value.length !== n) throw new UsageError(`labels have ${labels.value.length} rows, the bar table ${n}`);
}
