import { UsageError } from '../errors';
import type { BarTable } from '../data/bars';
import { type FeatureMatrix, type SampleSet, matrixRows } from '../records/samples';
import type { Scaler } from '../scale/scaler';
import type { SampleSpans } from '../split/split';

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

/**
 * Sequence samples as a view over `features` (already scaled, see `scaleMatrix`): the window of
 * the sample at bar t is bars t-lookback+1 .. t of t's symbol, oldest first, gathered only when
 * a batch needs it. Every row must have a defined label and a NaN-free window inside its symbol
 * (use `selectSampleRows`), else a `UsageError` names the row.
 */
export function windowSamples(bars: BarTable, features: FeatureMatrix, labels: LabelColumn, rows: ArrayLike<number>, lookback: number): SampleSet {
  checkShapes(bars, features, labels, lookback);
  const nf = features.names.length;
  const symbolStart = symbolStarts(bars);
  const lastMissing = lastMissingRow(bars, features);
  const y = new Float32Array(rows.length);
  for (let k = 0; k < rows.length; k++) {
    const t = rows[k];
    if (!(Number.isInteger(t) && t >= 0 && t < bars.close.length)) throw new UsageError(`sample ${k}: row ${t} is not a bar of the table`);
    if (t - lookback + 1 < symbolStart[t]) throw new UsageError(`sample ${k}: the ${lookback}-bar window ending at row ${t} would cross the start of its symbol`);
    if (lastMissing[t] > t - lookback) {
      const r = lastMissing[t];
      const f = Array.from({ length: nf }, (_, j) => j).find((j) => Number.isNaN(features.values[r * nf + j]))!;
      throw new UsageError(`sample ${k}: the window ending at row ${t} holds a missing value of feature ${features.names[f]} (row ${r})`);
    }
    const label = labels.value[t];
    if (Number.isNaN(label)) throw new UsageError(`sample ${k}: row ${t} has no label`);
    y[k] = label;
  }
  const barRows = Int32Array.from(rows);
  return {
    features,
    rows: barRows,
    lookback,
    y,
    ...(labels.classes ? { classes: labels.classes } : {}),
    timestamps: pickTimes(bars, rows),
    symbols: pickSymbols(bars, rows),
    barRows,
  };
}

/**
 * The feature matrix scaled once into float32 (what networks and trees consume): every
 * sample set of a fold is a view over it. The scaler was fitted on training rows only; applying
 * it row by row to later rows uses nothing from them.
 */
export function scaleMatrix(features: FeatureMatrix, scaler?: Scaler): FeatureMatrix {
  if (scaler && scaler.features !== features.names.length) throw new UsageError(`scaler was fitted on ${scaler.features} features, the matrix has ${features.names.length}`);
  const values = new Float32Array(features.values.length);
  if (scaler) scaler.transformInto(features.values, 0, features.values.length, values, 0);
  else values.set(features.values);
  return { names: features.names, values };
}

/** Per row, the latest row of its symbol at or before it with a missing feature (or start - 1). */
function lastMissingRow(bars: BarTable, features: FeatureMatrix): Int32Array {
  const nf = features.names.length;
  const x = features.values;
  const out = new Int32Array(bars.close.length);
  for (const s of bars.symbols) {
    let last = s.start - 1;
    for (let t = s.start; t < s.end; t++) {
      for (let i = t * nf; i < (t + 1) * nf; i++) {
        if (Number.isNaN(x[i])) {
          last = t;
          break;
        }
      }
      out[t] = last;
    }
  }
  return out;
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
