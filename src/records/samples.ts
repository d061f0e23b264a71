import { UsageError } from '../errors';

/**
 * Feature values aligned with a bar table's rows: row-major `[rows, names.length]`, so the
 * features of consecutive bars are contiguous and a window is one slice. Missing values
 * (feature warm-up) are NaN.
 */
export interface FeatureMatrix {
  readonly names: readonly string[];
  readonly values: Float64Array | Float32Array;
}

export function matrixRows(m: FeatureMatrix): number {
  return m.values.length / m.names.length;
}

/**
 * Samples as a view, never a copy: one shared feature matrix (already scaled), and per sample
 * the matrix row of the bar its label is predicted at. A sample's window is the `lookback` rows
 * ending at that row, gathered when a batch needs it, so memory grows with the feature matrix,
 * not with lookback x samples. Whoever builds the view guarantees a window never crosses the
 * start of its symbol (`windowSamples` checks it).
 */
export interface SampleSet {
  readonly features: FeatureMatrix;
  /** Matrix row of each sample's last (most recent) bar. */
  readonly rows: Int32Array;
  /** Bars per window, ending at (and including) the sample's row. 1 for tabular samples. */
  readonly lookback: number;
  /** Targets: the value (regression), 0/1 (binary) or the class index (multiclass). */
  readonly y: Float32Array;
  /** Class names by index, for classification (e.g. `['DOWN', 'FLAT', 'UP']`). */
  readonly classes?: readonly string[];
  /** Time (epoch ms) of each sample's bar, for reports and backtests. */
  readonly timestamps?: Float64Array;
  /** Symbol of each sample, when pooled across symbols. */
  readonly symbols?: readonly string[];
  /** Bar-table row of each sample (its position in the loaded bars), for backtests and reports. */
  readonly barRows?: Int32Array;
}

export function sampleCount(s: SampleSet): number {
  return s.rows.length;
}

export function featureCount(s: SampleSet): number {
  return s.features.names.length;
}

/** `[n, lookback, features]`. */
export function windowShape(s: SampleSet): [number, number, number] {
  return [s.rows.length, s.lookback, s.features.names.length];
}

/**
 * Windows of the samples `indices` as one `[k, lookback, features]` Float32Array (oldest bar
 * first): what a network consumes per batch. `out` is reused when given.
 */
export function gatherWindows(s: SampleSet, indices: ArrayLike<number>, out?: Float32Array): Float32Array {
  const nf = s.features.names.length;
  const per = s.lookback * nf;
  const x = out ?? new Float32Array(indices.length * per);
  if (x.length < indices.length * per) throw new UsageError(`gatherWindows: output holds ${x.length} values, ${indices.length * per} needed`);
  const v = s.features.values;
  for (let k = 0; k < indices.length; k++) {
    const from = (s.rows[indices[k]] - s.lookback + 1) * nf;
    x.set(v.subarray(from, from + per), k * per);
  }
  return x;
}

/** Every window, materialised: for small sets, tests and exports only. */
export function allWindows(s: SampleSet): Float32Array {
  return gatherWindows(s, Int32Array.from({ length: s.rows.length }, (_, i) => i));
}

/** The samples at `indices` (same matrix, same lookback): a validation split or a batch. */
export function subsetSamples(s: SampleSet, indices: ArrayLike<number>): SampleSet {
  const pick = <T extends Float64Array | Float32Array | Int32Array>(a: T): T => {
    const out = new (a.constructor as new (n: number) => T)(indices.length);
    for (let k = 0; k < indices.length; k++) out[k] = a[indices[k]];
    return out;
  };
  return {
    features: s.features,
    rows: pick(s.rows),
    lookback: s.lookback,
    y: pick(s.y),
    ...(s.classes ? { classes: s.classes } : {}),
    ...(s.timestamps ? { timestamps: pick(s.timestamps) } : {}),
    ...(s.symbols ? { symbols: Array.from({ length: indices.length }, (_, k) => s.symbols![indices[k]]) } : {}),
    ...(s.barRows ? { barRows: pick(s.barRows) } : {}),
  };
}

/**
 * A sample set over dense arrays, as users and tests write them: tabular `[n, features]`
 * or sequence windows `[n, lookback, features]`. The array is the feature matrix, one block of
 * `lookback` rows per sample, so no copy is made.
 */
export function denseSamples(input: {
  readonly x: Float32Array;
  readonly shape: readonly [number, number] | readonly [number, number, number];
  readonly y: Float32Array;
  readonly featureNames: readonly string[];
  readonly classes?: readonly string[];
  readonly timestamps?: Float64Array;
  readonly symbols?: readonly string[];
}): SampleSet {
  const [n, lookback, nf] = input.shape.length === 2 ? [input.shape[0], 1, input.shape[1]] : input.shape;
  if (input.x.length !== n * lookback * nf) throw new UsageError(`samples: x has ${input.x.length} values; shape [${input.shape.join(', ')}] needs ${n * lookback * nf}`);
  if (input.featureNames.length !== nf) throw new UsageError(`samples: ${input.featureNames.length} feature names for ${nf} features`);
  if (input.y.length !== n) throw new UsageError(`samples: ${input.y.length} targets for ${n} samples`);
  return {
    features: { names: input.featureNames, values: input.x },
    rows: Int32Array.from({ length: n }, (_, i) => i * lookback + lookback - 1),
    lookback,
    y: input.y,
    ...(input.classes ? { classes: input.classes } : {}),
    ...(input.timestamps ? { timestamps: input.timestamps } : {}),
    ...(input.symbols ? { symbols: input.symbols } : {}),
  };
}

/** Lags a tabular model sees by default: the last five bars, as far as the window reaches. */
export const DEFAULT_LAGS: readonly number[] = [0, 1, 2, 3, 4];

/** The lags a tabular model will use: the given ones (each must fit the window), or the default cut to it. */
export function resolveLags(s: SampleSet, lags: readonly number[] | undefined, who: string): number[] {
  if (lags === undefined) return DEFAULT_LAGS.filter((l) => l < s.lookback);
  for (const l of lags) {
    if (!(Number.isInteger(l) && l >= 0)) throw new UsageError(`${who}: lag ${l} is not an integer >= 0`);
    if (l >= s.lookback) throw new UsageError(`${who}: lag ${l} reaches beyond the dataset's ${s.lookback}-bar window; raise dataset.lookback to ${l + 1} or drop the lag`);
  }
  return [...lags];
}

/** Column names of a tabular view: `<feature>` for lag 0, `<feature>_lag<l>` otherwise, lag by lag. */
export function lagNames(featureNames: readonly string[], lags: readonly number[]): string[] {
  return lags.flatMap((l) => featureNames.map((f) => (l === 0 ? f : `${f}_lag${l}`)));
}

/** A row-major `[n, features * lags]` matrix for tabular models, with its column names. */
export interface TabularMatrix {
  readonly x: Float32Array;
  readonly rows: number;
  readonly columns: number;
  readonly names: readonly string[];
}

/**
 * The tabular view tree and linear models fit on: for each sample, the features of the bars
 * `lags` steps back (0 = the sample's bar). Declared lags, never a silent last-bar slice.
 */
export function tabularMatrix(s: SampleSet, lags: readonly number[]): TabularMatrix {
  const nf = s.features.names.length;
  const n = s.rows.length;
  const columns = nf * lags.length;
  const x = new Float32Array(n * columns);
  const v = s.features.values;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < lags.length; j++) {
      const from = (s.rows[i] - lags[j]) * nf;
      const to = i * columns + j * nf;
      for (let f = 0; f < nf; f++) x[to + f] = v[from + f];
    }
  }
  return { x, rows: n, columns, names: lagNames(s.features.names, lags) };
}

/** One Float64Array per feature at lag `lag` of every sample (default the sample's own bar). */
export function sampleColumns(s: SampleSet, lag = 0): Float64Array[] {
  if (!(Number.isInteger(lag) && lag >= 0 && lag < s.lookback)) throw new RangeError(`sampleColumns: lag ${lag} outside 0..${s.lookback - 1}`);
  const nf = s.features.names.length;
  const v = s.features.values;
  return Array.from({ length: nf }, (_, j) => Float64Array.from(s.rows, (r) => v[(r - lag) * nf + j]));
}
