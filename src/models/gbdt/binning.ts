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
 * The training matrix as bins, row-major: the code of row r, feature f is
 * `codes[r * rowStride + f]`, its bin, or `binCount(f)` when missing; one byte each unless
 * some feature needs more codes. Row-major because a node's histogram reads all features of
 * its rows; rows padded to whole 32-bit words so tree growing can move them a word at a time.
 */
export interface BinnedMatrix {
  readonly codes: Uint8Array | Uint16Array;
  /** Codes per row: `features` rounded up to a whole number of 32-bit words. */
  readonly rowStride: number;
  readonly rows: number;
  readonly features: number;
  readonly cuts: BinCuts;
  /** Histogram slot of feature f's bin 0, `f * (most bins + 1)`; its bins are followed by its missing-value slot. */
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

/** Below this many values the built-in sort beats three counting passes. */
const RADIX_MIN = 256;
let radixKeys = new Uint32Array(0);
let radixTemp = new Uint32Array(0);
const radixCounts = new Int32Array(3 * 2048);

/**
 * Sorts float32 values (no NaN) ascending in place, in the order `Float32Array.sort` gives
 * (-0 before +0): an LSD radix sort of 11-bit digits over keys that order like the floats
 * (sign bit flipped for positives, all bits for negatives).
 */
export function sortFloat32(values: Float32Array): void {
  const n = values.length;
  if (n < RADIX_MIN) {
    values.sort();
    return;
  }
  if (radixKeys.length < n) {
    radixKeys = new Uint32Array(n);
    radixTemp = new Uint32Array(n);
  }
  const bits = new Uint32Array(values.buffer, values.byteOffset, n);
  let keys = radixKeys;
  let temp = radixTemp;
  const counts = radixCounts;
  counts.fill(0);
  for (let i = 0; i < n; i++) {
    const u = bits[i];
    const k = (u & 0x80000000 ? ~u : u | 0x80000000) >>> 0;
    keys[i] = k;
    counts[k & 2047]++;
    counts[2048 + ((k >>> 11) & 2047)]++;
    counts[4096 + (k >>> 22)]++;
  }
  for (let pass = 0; pass < 3; pass++) {
    const c = pass * 2048;
    const shift = pass * 11;
    let sum = 0;
    for (let d = 0; d < 2048; d++) {
      const t = counts[c + d];
      counts[c + d] = sum;
      sum += t;
    }
    for (let i = 0; i < n; i++) {
      const k = keys[i];
      temp[counts[c + ((k >>> shift) & 2047)]++] = k;
    }
    const swap = keys;
    keys = temp;
    temp = swap;
  }
  for (let i = 0; i < n; i++) {
    const k = keys[i];
    bits[i] = k & 0x80000000 ? k & 0x7fffffff : ~k;
  }
}

/** Exact summary of unit-weight values (XGBoost's `Queue::MakeSummary`); sorts `values` in place. */
function exactSummary(values: Float32Array): Summary {
  const count = values.length;
  sortFloat32(values);
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

/** One feature's ascending bin upper bounds and its below-everything value. */
export interface FeatureCuts {
  readonly values: Float32Array;
  readonly minValue: number;
  /** Whether the feature has a missing (NaN) training value. */
  readonly hasMissing: boolean;
}

function cutsOfColumn(column: Float32Array, maxBin: number, hasMissing: boolean): FeatureCuts {
  const m = column.length;
  if (m === 0) return { values: Float32Array.of(f32(1e-5 + f32(1e-5 + 1e-5))), minValue: 1e-5, hasMissing };
  const values: number[] = [];
  const intermediate = Math.min(m, maxBin * SKETCH_FACTOR);
  const bins = Math.min(intermediate, maxBin);
  const s = prune(prune(sketchColumn(column, maxBin), intermediate), bins + 1);
  const required = Math.min(s.size, bins);
  for (let i = 1; i < required; i++) {
    if (i === 1 || s.value[i] > values[values.length - 1]) values.push(s.value[i]);
  }
  const top = s.value[s.size - 1];
  values.push(f32(top + f32(Math.abs(top) + f32(1e-5))));
  return { values: Float32Array.from(values), minValue: f32(s.value[0] - Math.abs(s.value[0]) - 1e-5), hasMissing };
}

/** Features gathered into columns per pass over the matrix: one pass reads a few adjacent features of every row, not one. */
const GATHER_FEATURES = 8;
/** Rows per gather block: a block of the matrix stays in cache while its features are copied out. */
const BLOCK_ROWS = 1024;

/**
 * Cut points of features [f0, f1) of a row-major `[rows, features]` matrix (NaN = missing).
 * Each feature's cuts depend on its own column only, so any split of the features across
 * threads gives the same cuts.
 */
export function cutsOfFeatures(x: Float32Array, rows: number, features: number, f0: number, f1: number, maxBin: number): FeatureCuts[] {
  const out: FeatureCuts[] = [];
  const columns = Array.from({ length: Math.min(GATHER_FEATURES, f1 - f0) }, () => new Float32Array(rows));
  const counts = new Int32Array(columns.length);
  for (let g0 = f0; g0 < f1; g0 += GATHER_FEATURES) {
    const width = Math.min(GATHER_FEATURES, f1 - g0);
    counts.fill(0);
    for (let b = 0; b < rows; b += BLOCK_ROWS) {
      const bEnd = Math.min(rows, b + BLOCK_ROWS);
      for (let j = 0; j < width; j++) {
        const column = columns[j];
        let m = counts[j];
        for (let r = b, k = b * features + g0 + j; r < bEnd; r++, k += features) {
          const v = x[k];
          if (v === v) column[m++] = v;
        }
        counts[j] = m;
      }
    }
    for (let j = 0; j < width; j++) out.push(cutsOfColumn(columns[j].subarray(0, counts[j]), maxBin, counts[j] < rows));
  }
  return out;
}

/** Per-feature cuts joined into one `BinCuts`. */
export function joinCuts(list: readonly FeatureCuts[]): BinCuts {
  const ptr = new Int32Array(list.length + 1);
  list.forEach((c, f) => (ptr[f + 1] = ptr[f] + c.values.length));
  const values = new Float32Array(ptr[list.length]);
  list.forEach((c, f) => values.set(c.values, ptr[f]));
  return { values, ptr, minValues: Float32Array.from(list, (c) => c.minValue) };
}

/** Cut points of every feature of a row-major `[rows, features]` matrix (NaN = missing). */
export function quantileCuts(x: Float32Array, rows: number, features: number, maxBin: number): BinCuts {
  return joinCuts(cutsOfFeatures(x, rows, features, 0, features, maxBin));
}

export function binCount(cuts: BinCuts, feature: number): number {
  return cuts.ptr[feature + 1] - cuts.ptr[feature];
}

/** Bin of one non-missing value: the first cut above it, clamped to the last bin. */
export function binOf(cuts: BinCuts, feature: number, v: number): number {
  const begin = cuts.ptr[feature];
  const nb = cuts.ptr[feature + 1] - begin;
  const values = cuts.values;
  // Branch-free halving (the comparison feeds a mask, not a jump): values are random, so a
  // branchy search mispredicts at every level.
  let p = begin;
  for (let n = nb; n > 1; ) {
    const half = n >>> 1;
    p += half & -+(values[p + half] <= v);
    n -= half;
  }
  return Math.min(nb - 1, p - begin + +(values[p] <= v));
}

/**
 * Where the bins go: the code type fits every feature's bins plus its missing code, and
 * every feature owns the same number of histogram slots (the most bins + 1), so histogram
 * building finds a feature's slots by a running offset instead of a table.
 */
export function binLayout(cuts: BinCuts, hasMissing: Uint8Array, rows: number, features: number, alloc: (bytes: number) => ArrayBufferLike = (b) => new ArrayBuffer(b)): BinnedMatrix {
  let maxCode = 0;
  let maxBins = 0;
  for (let f = 0; f < features; f++) {
    maxCode = Math.max(maxCode, binCount(cuts, f) - 1 + hasMissing[f]);
    maxBins = Math.max(maxBins, binCount(cuts, f));
  }
  const slotOffset = Int32Array.from({ length: features + 1 }, (_, f) => f * (maxBins + 1));
  const wide = maxCode > 255;
  const perWord = wide ? 2 : 4;
  const rowStride = Math.ceil(features / perWord) * perWord;
  const n = rows * rowStride;
  const codes = wide ? new Uint16Array(alloc(2 * n)) : new Uint8Array(alloc(n));
  return { codes, rowStride, rows, features, cuts, slotOffset, totalSlots: slotOffset[features], hasMissing };
}

/**
 * Fill rows [r0, r1) of `m`'s codes from the row-major matrix `x`. Works a block of rows at
 * a time, feature by feature, so the block stays in cache while each feature is binned.
 */
export function binRows(x: Float32Array, m: BinnedMatrix, r0: number, r1: number): void {
  const { codes, rowStride, features, cuts } = m;
  const values = cuts.values;
  for (let b = r0; b < r1; b += BLOCK_ROWS) {
    const bEnd = Math.min(r1, b + BLOCK_ROWS);
    for (let f = 0; f < features; f++) {
      const begin = cuts.ptr[f];
      const nb = cuts.ptr[f + 1] - begin;
      let r = b;
      // binOf for four rows at once: four independent search chains keep the core busy
      // while each waits on its loads (one chain is latency-bound).
      for (; r + 3 < bEnd; r += 4) {
        const k = r * features + f;
        const o = r * rowStride + f;
        const v0 = x[k];
        const v1 = x[k + features];
        const v2 = x[k + 2 * features];
        const v3 = x[k + 3 * features];
        let p0 = begin;
        let p1 = begin;
        let p2 = begin;
        let p3 = begin;
        for (let n = nb; n > 1; ) {
          const half = n >>> 1;
          p0 += half & -+(values[p0 + half] <= v0);
          p1 += half & -+(values[p1 + half] <= v1);
          p2 += half & -+(values[p2 + half] <= v2);
          p3 += half & -+(values[p3 + half] <= v3);
          n -= half;
        }
        const c0 = v0 !== v0 ? nb : Math.min(nb - 1, p0 - begin + +(values[p0] <= v0));
        const c1 = v1 !== v1 ? nb : Math.min(nb - 1, p1 - begin + +(values[p1] <= v1));
        const c2 = v2 !== v2 ? nb : Math.min(nb - 1, p2 - begin + +(values[p2] <= v2));
        const c3 = v3 !== v3 ? nb : Math.min(nb - 1, p3 - begin + +(values[p3] <= v3));
        codes[o] = c0;
        codes[o + rowStride] = c1;
        codes[o + 2 * rowStride] = c2;
        codes[o + 3 * rowStride] = c3;
      }
      for (; r < bEnd; r++) {
        const v = x[r * features + f];
        codes[r * rowStride + f] = v === v ? binOf(cuts, f, v) : nb;
      }
    }
  }
}

/** Per feature, 1 when some value is missing. */
export function missingFeatures(x: Float32Array, rows: number, features: number): Uint8Array {
  const out = new Uint8Array(features);
  for (let r = 0; r < rows; r++) for (let f = 0; f < features; f++) if (x[r * features + f] !== x[r * features + f]) out[f] = 1;
  return out;
}

/** Bin a row-major matrix with given cuts. */
export function binMatrix(x: Float32Array, rows: number, features: number, cuts: BinCuts): BinnedMatrix {
  const m = binLayout(cuts, missingFeatures(x, rows, features), rows, features);
  binRows(x, m, 0, rows);
  return m;
}
