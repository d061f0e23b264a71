/**
 * Quantile binning as XGBoost's `hist` method does it (1.7, `HostSketchContainer`): per
 * feature, the non-missing training values go in row order through the same weighted
 * quantile sketch (`WQuantileSketch`), whose summary is pruned to `maxBin * 8` and then to
 * `maxBin + 1` entries (`WQSummary::SetPrune`); the entries after the first become the
 * bins' upper bounds. Ranks are float32 as in XGBoost, so the cut points are XGBoost's own.
 */

/** Bin upper bounds of every feature, concatenated. */
export interface BinCuts {
  /** Feature f's ascending bin upper bounds are `values[ptr[f] .. ptr[f+1])`; bin b holds `cut[b-1] <= x < cut[b]`. */
  readonly values: Float32Array;
  readonly ptr: Int32Array;
  /** Per feature, a value below every training value: the threshold of a split that sends only missing values left. */
  readonly minValues: Float32Array;
}

/**
 * The training matrix as histogram slots, row-major `[n, features]`: the code of row r,
 * feature f is `slotOffset[f] + bin` (`slotOffset[f] + binCount(f)` when missing), so
 * histogram building indexes the histogram directly. Row-major because a node's histogram
 * reads all features of its rows: one gather per row (measured faster than column-major).
 */
export interface BinnedMatrix {
  readonly codes: Uint16Array | Uint32Array;
  /**
   * The same codes as local bins, column-major `[features, n]` (missing = `binCount(f)`):
   * partitioning a node reads one feature of its ascending rows, nearly sequentially here.
   */
  readonly columns: Uint8Array | Uint16Array;
  readonly rows: number;
  readonly features: number;
  readonly cuts: BinCuts;
  /** Histogram slot of feature f's bin 0; feature f owns `binCount(f) + 1` slots (the last for missing values). */
  readonly slotOffset: Int32Array;
  readonly totalSlots: number;
  /** Features with at least one missing training value. */
  readonly hasMissing: Uint8Array;
}

const SKETCH_FACTOR = 8;
const f32 = Math.fround;

/** A quantile summary: distinct values with rank bounds and weights, as XGBoost's WQSummary (float32 ranks). */
interface Summary {
  value: Float32Array;
  rmin: Float32Array;
  rmax: Float32Array;
  wmin: Float32Array;
  size: number;
}

function emptySummary(capacity: number): Summary {
  return { value: new Float32Array(capacity), rmin: new Float32Array(capacity), rmax: new Float32Array(capacity), wmin: new Float32Array(capacity), size: 0 };
}

function put(s: Summary, rmin: number, rmax: number, wmin: number, value: number): void {
  const k = s.size++;
  s.rmin[k] = rmin;
  s.rmax[k] = rmax;
  s.wmin[k] = wmin;
  s.value[k] = value;
}

function copyEntry(dst: Summary, src: Summary, i: number): void {
  put(dst, src.rmin[i], src.rmax[i], src.wmin[i], src.value[i]);
}

/** Exact summary of unit-weight values (XGBoost's `Queue::MakeSummary`); sorts `values` in place. */
function exactSummary(values: Float32Array): Summary {
  const count = values.length;
  values.sort();
  const s = emptySummary(count);
  let i = 0;
  while (i < count) {
    let j = i + 1;
    while (j < count && values[j] === values[i]) j++;
    put(s, i, j, j - i, values[i]);
    i = j;
  }
  return s;
}

/** XGBoost's `WQSummary::SetPrune`: keep about `maxSize` entries at evenly spaced ranks. */
function prune(src: Summary, maxSize: number): Summary {
  if (src.size <= maxSize) return src;
  const out = emptySummary(maxSize);
  const begin = src.rmax[0];
  const range = f32(src.rmin[src.size - 1] - src.rmax[0]);
  const n = maxSize - 1;
  copyEntry(out, src, 0);
  let i = 1;
  let last = 0;
  for (let k = 1; k < n; k++) {
    const dx2 = f32(2 * f32(f32(f32(k * range) / n) + begin));
    while (i < src.size - 1 && dx2 >= f32(src.rmax[i + 1] + src.rmin[i + 1])) i++;
    if (i === src.size - 1) break;
    const rminNext = f32(src.rmin[i] + src.wmin[i]);
    const rmaxPrev = f32(src.rmax[i + 1] - src.wmin[i + 1]);
    if (dx2 < f32(rminNext + rmaxPrev)) {
      if (i !== last) {
        copyEntry(out, src, i);
        last = i;
      }
    } else if (i + 1 !== last) {
      copyEntry(out, src, i + 1);
      last = i + 1;
    }
  }
  if (last !== src.size - 1) copyEntry(out, src, src.size - 1);
  return out;
}

/** XGBoost's `WQSummary::SetCombine`: merge two summaries, then repair rank bounds (`FixError`). */
function combine(a: Summary, b: Summary): Summary {
  if (a.size === 0) return b;
  if (b.size === 0) return a;
  const out = emptySummary(a.size + b.size);
  let i = 0;
  let j = 0;
  let aPrevRmin = 0;
  let bPrevRmin = 0;
  while (i < a.size && j < b.size) {
    if (a.value[i] === b.value[j]) {
      put(out, f32(a.rmin[i] + b.rmin[j]), f32(a.rmax[i] + b.rmax[j]), f32(a.wmin[i] + b.wmin[j]), a.value[i]);
      aPrevRmin = f32(a.rmin[i] + a.wmin[i]);
      bPrevRmin = f32(b.rmin[j] + b.wmin[j]);
      i++;
      j++;
    } else if (a.value[i] < b.value[j]) {
      put(out, f32(a.rmin[i] + bPrevRmin), f32(a.rmax[i] + f32(b.rmax[j] - b.wmin[j])), a.wmin[i], a.value[i]);
      aPrevRmin = f32(a.rmin[i] + a.wmin[i]);
      i++;
    } else {
      put(out, f32(b.rmin[j] + aPrevRmin), f32(b.rmax[j] + f32(a.rmax[i] - a.wmin[i])), b.wmin[j], b.value[j]);
      bPrevRmin = f32(b.rmin[j] + b.wmin[j]);
      j++;
    }
  }
  const bRmax = f32(b.rmin[b.size - 1] + b.wmin[b.size - 1]);
  for (; i < a.size; i++) put(out, f32(a.rmin[i] + bPrevRmin), f32(a.rmax[i] + bRmax), a.wmin[i], a.value[i]);
  const aRmax = f32(a.rmin[a.size - 1] + a.wmin[a.size - 1]);
  for (; j < b.size; j++) put(out, f32(b.rmin[j] + aPrevRmin), f32(b.rmax[j] + aRmax), b.wmin[j], b.value[j]);
  let prevRmin = 0;
  let prevRmax = 0;
  for (let k = 0; k < out.size; k++) {
    if (out.rmin[k] < prevRmin) out.rmin[k] = prevRmin;
    else prevRmin = out.rmin[k];
    if (out.rmax[k] < prevRmax) out.rmax[k] = prevRmax;
    const rminNext = f32(out.rmin[k] + out.wmin[k]);
    if (out.rmax[k] < rminNext) out.rmax[k] = rminNext;
    prevRmax = out.rmax[k];
  }
  return out;
}

/**
 * XGBoost's `WQuantileSketch` fed one column in row order: values fill a buffer of
 * `2 * limitSize`; a full buffer is summarised and merged up a ladder of pruned levels.
 * Columns that fit the buffer get an exact summary (then pruned to `limitSize`).
 */
function sketchColumn(column: Float32Array, maxBin: number): Summary {
  const n = column.length;
  const eps = 1 / f32(Math.max(1, Math.min(maxBin, n)) * SKETCH_FACTOR);
  let nlevel = 1;
  let limit = 0;
  for (;;) {
    limit = Math.min(n, Math.ceil(nlevel / eps) + 1);
    if (2 ** nlevel * limit >= n) break;
    nlevel++;
  }
  // The buffer holds distinct consecutive values with their counts; a full buffer's chunk
  // of the column is summarised (its counts per value are the chunk's occurrences) when a
  // value arrives that cannot merge into the last entry.
  const capacity = 2 * limit;
  let tail = 0;
  let chunkStart = 0;
  const levels: Summary[] = [];
  const pushTemp = (temp: Summary): void => {
    for (let l = 1; ; l++) {
      const current = levels[l];
      if (!current || current.size === 0) {
        levels[l] = prune(temp, limit);
        return;
      }
      temp = combine(prune(temp, limit), current);
      if (temp.size > limit) {
        levels[l] = emptySummary(0);
      } else {
        levels[l] = temp;
        return;
      }
    }
  };
  for (let r = 0; r < n; r++) {
    if (tail === capacity && column[r - 1] !== column[r]) {
      pushTemp(exactSummary(column.slice(chunkStart, r)));
      tail = 0;
      chunkStart = r;
    }
    if (tail === 0 || column[r - 1] !== column[r]) tail++;
  }
  const out = exactSummary(column.slice(chunkStart, n));
  if (levels.length === 0) return prune(out, limit);
  let acc = prune(out, limit);
  for (let l = 1; l < levels.length; l++) {
    const level = levels[l];
    if (!level || level.size === 0) continue;
    acc = acc.size === 0 ? level : prune(combine(acc, level), limit);
  }
  return acc;
}

/** Cut points of every feature of a row-major `[rows, features]` matrix (NaN = missing). */
export function quantileCuts(x: Float32Array, rows: number, features: number, maxBin: number): BinCuts {
  const values: number[] = [];
  const ptr = new Int32Array(features + 1);
  const minValues = new Float32Array(features);
  const column = new Float32Array(rows);
  for (let f = 0; f < features; f++) {
    let m = 0;
    for (let r = 0; r < rows; r++) {
      const v = x[r * features + f];
      if (v === v) column[m++] = v;
    }
    ptr[f] = values.length;
    if (m === 0) {
      minValues[f] = 1e-5;
      values.push(f32(1e-5 + f32(1e-5 + 1e-5)));
      continue;
    }
    const intermediate = Math.min(m, maxBin * SKETCH_FACTOR);
    const bins = Math.min(intermediate, maxBin);
    const s = prune(prune(sketchColumn(column.subarray(0, m), maxBin), intermediate), bins + 1);
    minValues[f] = f32(s.value[0] - Math.abs(s.value[0]) - 1e-5);
    const required = Math.min(s.size, bins);
    for (let i = 1; i < required; i++) {
      if (i === 1 || s.value[i] > values[values.length - 1]) values.push(s.value[i]);
    }
    const top = s.value[s.size - 1];
    values.push(f32(top + f32(Math.abs(top) + f32(1e-5))));
  }
  ptr[features] = values.length;
  return { values: Float32Array.from(values), ptr, minValues };
}

export function binCount(cuts: BinCuts, feature: number): number {
  return cuts.ptr[feature + 1] - cuts.ptr[feature];
}

/** Bin of one non-missing value: the first cut above it, clamped to the last bin. */
export function binOf(cuts: BinCuts, feature: number, v: number): number {
  const begin = cuts.ptr[feature];
  let lo = begin;
  let hi = cuts.ptr[feature + 1];
  const end = hi;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cuts.values[mid] <= v) lo = mid + 1;
    else hi = mid;
  }
  return (lo === end ? end - 1 : lo) - begin;
}

/** Bin a row-major matrix with given cuts. */
export function binMatrix(x: Float32Array, rows: number, features: number, cuts: BinCuts): BinnedMatrix {
  const hasMissing = new Uint8Array(features);
  const slotOffset = new Int32Array(features + 1);
  for (let f = 0; f < features; f++) slotOffset[f + 1] = slotOffset[f] + binCount(cuts, f) + 1;
  const codes = slotOffset[features] <= 65536 ? new Uint16Array(rows * features) : new Uint32Array(rows * features);
  let maxBins = 0;
  for (let f = 0; f < features; f++) maxBins = Math.max(maxBins, binCount(cuts, f));
  const columns = maxBins <= 255 ? new Uint8Array(rows * features) : new Uint16Array(rows * features);
  for (let f = 0; f < features; f++) {
    const base = slotOffset[f];
    const missing = binCount(cuts, f);
    for (let r = 0; r < rows; r++) {
      const v = x[r * features + f];
      const bin = v === v ? binOf(cuts, f, v) : missing;
      if (bin === missing) hasMissing[f] = 1;
      codes[r * features + f] = base + bin;
      columns[f * rows + r] = bin;
    }
  }
  return { codes, columns, rows, features, cuts, slotOffset, totalSlots: slotOffset[features], hasMissing };
}
