import pl from 'nodejs-polars';
import { type BarTable } from '../data/bars';
import { barsToFrame } from '../data/frame';
import { UsageError } from '../errors';
import { FEATURE_CATALOG, type FeatureSpec, checkedFeatureQuery, featureColumns, validateFeatureSpec } from '../features';
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

// nodejs-polars wraps every expression and series in a JS object of a few hundred closures, whose
// garbage collection costs 1 to 3 ms each on these machines: more than converting and copying a
// 131k-row column. So the conversions are built once per process, and the columns are read
// through the frame's native handle (`DataFrame._df`, typed in nodejs-polars's declarations),
// which hands out the typed array without a Series wrapper.
const CONVERSIONS = new Map<string, pl.Expr>();

/** `name` (of polars dtype `from`) as `to`, nulls as NaN. */
function conversion(name: string, from: string, to: typeof pl.Float32 | typeof pl.Float64): pl.Expr {
  const key = `${name}\u0000${from}\u0000${String(to)}`;
  let expr = CONVERSIONS.get(key);
  if (!expr) {
    const asFloat = from === String(pl.Float64) ? pl.col(name) : pl.col(name).cast(pl.Float64);
    CONVERSIONS.set(key, (expr = asFloat.fillNull(Number.NaN).cast(to)));
  }
  return expr;
}

/** The native column handle of nodejs-polars's DataFrame: enough of it to read a null-free column. */
interface NativeFrame {
  column(name: string): { toTypedArray(): Float32Array | Float64Array };
}

/**
 * The numeric columns `names` of `frame` as a row-major matrix, without boxing a single value
 * (`Series.toArray()` allocates a JS number per value: seconds and gigabytes at 800k x 95).
 * Columns go through polars 32 at a time: nulls become NaN and the values are cast to `dtype`
 * there, copied out as typed arrays and interleaved into the matrix, so the memory beyond
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
  const columns = frame.columns;
  const missing = names.filter((c) => !columns.includes(c));
  if (missing.length) throw new UsageError(`frameFeatureMatrix: frame lacks column(s) ${missing.join(', ')}`);
  const type = values instanceof Float32Array ? pl.Float32 : pl.Float64;
  const dtypes = frame.dtypes;
  const dtypeOf = new Map(columns.map((c, k) => [c, String(dtypes[k])]));
  for (let f0 = 0; f0 < names.length; f0 += GROUP_COLUMNS) {
    const group = names.slice(f0, f0 + GROUP_COLUMNS);
    const converted = frame.select(...group.map((c) => conversion(c, dtypeOf.get(c) as string, type)));
    interleave(readColumns(converted, group), values, names.length, f0, firstRow);
  }
}

/** The null-free columns `names` of `frame`, as typed arrays. */
function readColumns(frame: pl.DataFrame, names: readonly string[]): (Float32Array | Float64Array)[] {
  const native = frame._df as NativeFrame;
  return names.map((c) => native.column(c).toTypedArray());
}

/** Write `cols` as the columns `f0`.. of rows `firstRow`.. of the row-major matrix `values` of `nf` columns. */
function interleave(cols: readonly (Float32Array | Float64Array)[], values: Float32Array | Float64Array, nf: number, f0: number, firstRow: number): void {
  const rows = cols[0].length;
  for (let r0 = 0; r0 < rows; r0 += BLOCK_ROWS) {
    const r1 = Math.min(rows, r0 + BLOCK_ROWS);
    for (let g = 0; g < cols.length; g++) {
      const col = cols[g];
      for (let r = r0, i = (firstRow + r0) * nf + f0 + g; r < r1; r++, i += nf) values[i] = col[r];
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
 * then the whole panel goes in one query. The bars become one polars frame, symbols as integer
 * codes (a string per bar cost a tenth of a second at 826k bars, and the query only groups by
 * them), of which each group reads a slice (building a frame per group cost more than the
 * group's features); each group's
 * feature columns are released before the next group runs, so the peak holds one group's.
 */
export async function barFeatureMatrix(bars: BarTable, spec: FeatureSpec, dtype: MatrixDtype = 'float32', chunkBars = FEATURE_CHUNK_BARS): Promise<FeatureMatrix> {
  const names = featureColumns(spec);
  if (names.length === 0) throw new UsageError('barFeatureMatrix: no features');
  const crossSection = validateFeatureSpec(spec).some((d) => FEATURE_CATALOG[d.name].crossSection);
  const frame = barsToFrame(bars, 'codes');
  const values = dtype === 'float32' ? new Float32Array(bars.timestamp.length * names.length) : new Float64Array(bars.timestamp.length * names.length);
  // Each group's query ends in the matrix's element type: polars then never holds the Float64
  // feature columns of a whole group at once, which halved the memory the query touches.
  const type = dtype === 'float32' ? pl.Float32 : pl.Float64;
  const converted = names.map((c) => conversion(c, String(pl.Float64), type));
  const groups = crossSection ? [[0, bars.symbols.length]].filter(([, to]) => to > 0) : symbolGroups(bars, chunkBars);
  const query = (k: number): Promise<pl.DataFrame> => {
    const [from, to] = groups[k];
    const start = bars.symbols[from].start;
    return checkedFeatureQuery(frame.slice(start, bars.symbols[to - 1].end - start), spec).select(...converted).collect();
  };
  // The next group's query runs on polars' threads while this thread copies the current group
  // out and collects its garbage; the peak holds two groups' columns.
  let next = groups.length > 0 ? query(0) : undefined;
  for (let k = 0; next; k++) {
    const current = next;
    next = k + 1 < groups.length ? query(k + 1) : undefined;
    // No name holds the group's frame past this line, so the collection below can free it.
    interleave(readColumns(await current, names), values, names.length, 0, bars.symbols[groups[k][0]].start);
    if (next) await releaseNativeMemory();
  }
  return { names, values };
}

/** `[from, to)` ranges of whole symbols of `bars`, each of at most `chunkBars` bars unless one symbol alone has more. */
function symbolGroups(bars: BarTable, chunkBars: number): [number, number][] {
  const groups: [number, number][] = [];
  for (let from = 0; from < bars.symbols.length; ) {
    let to = from + 1;
    while (to < bars.symbols.length && bars.symbols[to].end - bars.symbols[from].start <= chunkBars) to++;
    groups.push([from, to]);
    from = to;
  }
  return groups;
}
