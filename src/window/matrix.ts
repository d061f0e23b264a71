import pl from 'nodejs-polars';
import { type BarTable, symbolSlice } from '../data/bars';
import { barsToFrame } from '../data/frame';
import { UsageError } from '../errors';
import { FEATURE_CATALOG, type FeatureSpec, buildFeatures, featureColumns, validateFeatureSpec } from '../features';
import type { FeatureMatrix } from '../records/samples';
import { releaseNativeMemory } from '../util/native-memory';

/** Element type of a feature matrix built from a polars frame. */
export type MatrixDtype = 'float32' | 'float64';

/** Interleave per-feature columns (each one value per row; null/undefined read as NaN) into a matrix. */
export function featureMatrix(names: readonly string[], columns: readonly ArrayLike<number | null | undefined>[]): FeatureMatrix {
  if (names.length !== columns.length) throw new UsageError(`featureMatrix: ${names.length} names but ${columns.length} columns`);
  if (names.length === 0) throw new UsageError('featureMatrix: no features');
  const rows = columns[0].length;
  const nf = names.length;
  const values = new Float64Array(rows * nf);
  columns.forEach((col, f) => {
    if (col.length !== rows) throw new UsageError(`featureMatrix: column ${names[f]} has ${col.length} rows, expected ${rows}`);
    for (let r = 0; r < rows; r++) {
      const v = col[r];
      values[r * nf + f] = v === null || v === undefined ? Number.NaN : v;
    }
  });
  return { names, values };
}

// Columns converted per polars call: a group's float32 values are two 64-byte cache lines of a
// matrix row, so interleaving writes whole lines, and the copies held at once stay 32 columns.
const GROUP_COLUMNS = 32;
// Rows interleaved per pass over a group, so the group's source slices stay in cache.
const BLOCK_ROWS = 256;

/**
 * The numeric columns `names` of `frame` as a row-major matrix, without boxing a single value
 * (`Series.toArray()` allocates a JS number per value: seconds and gigabytes at 800k x 95).
 * Columns go through polars 32 at a time: nulls become NaN and the values are cast to `dtype`
 * there, copied out with `toTypedArray` and interleaved into the matrix, so the memory beyond
 * the result is two copies of 32 columns.
 *
 * `float32` (the default) halves the matrix; its 24-bit mantissa (relative error 6e-8) is far
 * below the noise of any feature, and the models compute in float32 anyway. Ask for `float64`
 * where exact agreement with polars' Float64 values matters.
 */
export function frameFeatureMatrix(frame: pl.DataFrame, names: readonly string[], dtype: MatrixDtype = 'float32'): FeatureMatrix {
  const values = dtype === 'float32' ? new Float32Array(frame.height * names.length) : new Float64Array(frame.height * names.length);
  copyFrameColumns(frame, names, values, 0);
  return { names, values };
}

/** Write the columns `names` of `frame` into rows `firstRow`.. of the row-major matrix `values` (see frameFeatureMatrix). */
function copyFrameColumns(frame: pl.DataFrame, names: readonly string[], values: Float32Array | Float64Array, firstRow: number): void {
  if (names.length === 0) throw new UsageError('frameFeatureMatrix: no features');
  const missing = names.filter((c) => !frame.columns.includes(c));
  if (missing.length) throw new UsageError(`frameFeatureMatrix: frame lacks column(s) ${missing.join(', ')}`);
  const rows = frame.height;
  const nf = names.length;
  const type = values instanceof Float32Array ? pl.Float32 : pl.Float64;
  const dtypes = new Map(frame.columns.map((c, k) => [c, String(frame.dtypes[k])]));
  const asFloat = (c: string) => (dtypes.get(c) === String(pl.Float64) ? pl.col(c) : pl.col(c).cast(pl.Float64));
  for (let f0 = 0; f0 < nf; f0 += GROUP_COLUMNS) {
    const group = names.slice(f0, f0 + GROUP_COLUMNS);
    const converted = frame.select(...group.map((c) => asFloat(c).fillNull(Number.NaN).cast(type)));
    const cols = group.map((c) => converted.getColumn(c).toTypedArray() as Float32Array | Float64Array);
    for (let r0 = 0; r0 < rows; r0 += BLOCK_ROWS) {
      const r1 = Math.min(rows, r0 + BLOCK_ROWS);
      for (let g = 0; g < cols.length; g++) {
        const col = cols[g];
        for (let r = r0, i = (firstRow + r0) * nf + f0 + g; r < r1; r++, i += nf) values[i] = col[r];
      }
    }
  }
}

/**
 * Bars per polars query when the features allow splitting the panel by symbol. One query over
 * 164 symbols x 5040 bars x 95 features held 1.1 GB of columns at its peak; per group of
 * symbols, the peak is a group's columns and the time is the same.
 */
export const FEATURE_CHUNK_BARS = 131_072;

/**
 * The features of `spec` over `bars` as a row-major matrix (rows as in `bars`): the polars
 * query of `buildFeatures` and the copy of `frameFeatureMatrix`, run on groups of whole symbols
 * of about `chunkBars` bars. Every feature reads only its own symbol's bars, so groups give the
 * same values as one query; a cross-sectional feature reads all symbols at a timestamp, and
 * then the whole panel goes in one query. Each group's polars columns are released before the
 * next group runs, so the peak holds one group's.
 */
export async function barFeatureMatrix(bars: BarTable, spec: FeatureSpec, dtype: MatrixDtype = 'float32', chunkBars = FEATURE_CHUNK_BARS): Promise<FeatureMatrix> {
  const names = featureColumns(spec);
  const crossSection = validateFeatureSpec(spec).some((d) => FEATURE_CATALOG[d.name].crossSection);
  if (crossSection || bars.timestamp.length <= chunkBars) return frameFeatureMatrix(buildFeatures(barsToFrame(bars), spec), names, dtype);
  const values = dtype === 'float32' ? new Float32Array(bars.timestamp.length * names.length) : new Float64Array(bars.timestamp.length * names.length);
  for (let from = 0; from < bars.symbols.length; ) {
    let to = from + 1;
    while (to < bars.symbols.length && bars.symbols[to].end - bars.symbols[from].start <= chunkBars) to++;
    copyFrameColumns(buildFeatures(barsToFrame(symbolSlice(bars, from, to)), spec), names, values, bars.symbols[from].start);
    await releaseNativeMemory();
    from = to;
  }
  return { names, values };
}
