/**
 * The inner loops of GBDT fitting (quantile sketch, binning, gradients, histogram building,
 * split finding, row partitioning, leaf updates) behind one interface, in two builds:
 * JavaScript (this thread, or worker threads over shared memory) and native (native/gbdt.cc,
 * threads inside the addon). Both compute the same values in the same order, so the trees do
 * not depend on which runs or on the thread count; the control flow (binning.ts, grow.ts,
 * booster.ts) is shared.
 */
import { nativeAddon } from '../../kernels';
import { type BinnedMatrix, type FeatureCuts, binRows, cutsOfFeatures } from './binning';
import { computeGradients } from './objective';
import { type SplitContext, findSplit } from './split';
import { WorkerPool, part } from './parallel';
import type { Objective } from './params';

/** Which build of the kernels a fit uses: `auto` takes the native one when the addon is loaded. */
export type GbdtKernelChoice = 'auto' | 'js';

/**
 * A tree's rows as grow.ts keeps them: `rows` holds row ids in node order; `codes` and `gh`
 * are read at node positions, or at row ids when `byId` (a matrix read in place);
 * partitions move `rows`, and with `moveData` also `words` (the codes as 32-bit words,
 * `wordsPerRow` per row) and `gh`, through the scratch buffers.
 */
export interface NodeRows {
  readonly codes: Uint8Array | Uint16Array;
  readonly rowStride: number;
  readonly slot: Int32Array;
  gh: Float64Array;
  readonly rows: Uint32Array;
  readonly byId: boolean;
  /** With `byId`, the codes feature-major (`columns[f * rows.length + r]`): partitions read one feature of scattered rows. */
  readonly columns: Uint8Array | Uint16Array;
  readonly words: Uint32Array;
  readonly wordsPerRow: number;
  readonly scratchRows: Uint32Array;
  readonly scratchWords: Uint32Array;
  readonly scratchGH: Float64Array;
}

/** A split to partition by: code <= bin goes left, the missing code follows `defaultLeft`. */
export interface RowSplit {
  readonly feature: number;
  readonly bin: number;
  /** The feature's missing-value code (its bin count). */
  readonly missing: number;
  readonly defaultLeft: boolean;
}

export interface GbdtKernels {
  /**
   * Code matrices up to this size are read in place through row ids while growing a tree;
   * larger ones are copied into node order (see grow.ts).
   */
  readonly inPlaceBytes: number;
  /** Memory for arrays the kernels' threads read. */
  alloc(bytes: number): ArrayBufferLike;
  /** Cut points of every feature of a row-major `[rows, features]` matrix (NaN = missing). */
  cuts(x: Float32Array, rows: number, features: number, maxBin: number): FeatureCuts[];
  /** Fill every row of `m`'s codes from the row-major matrix `x`. */
  binRows(x: Float32Array, m: BinnedMatrix): void;
  /** `m`'s codes feature-major: code of row r, feature f at `f * m.rows + r`. */
  columns(m: BinnedMatrix): Uint8Array | Uint16Array;
  /** Sum the pairs of node positions [begin, end) into `hist`, in row blocks (buildHistogram), for `features` (`all`: every feature of the matrix, in order). */
  histogram(hist: Float64Array, nodes: NodeRows, features: Int32Array, all: boolean, begin: number, end: number): void;
  /**
   * Stable partition of node positions [begin, end); returns the first right position. With
   * `small`, also builds the histogram of the `smallLeft` side into it (as `histogram` would).
   */
  partition(nodes: NodeRows, split: RowSplit, begin: number, end: number, moveData: boolean, small: Float64Array | null, smallLeft: boolean, features: Int32Array, all: boolean): number;
  /** objective.ts's `computeGradients`. */
  gradients(objective: Objective, margin: Float64Array, y: Float32Array, rows: number, outputs: number, weight: Float64Array | undefined, gh: Float64Array[]): void;
  /** grow.ts's `findSplit`. */
  findSplit(hist: Float64Array, g: number, h: number, features: Int32Array, ctx: SplitContext, out: Float64Array): boolean;
  /** hist -= small, slot by slot (the larger child's histogram from its parent's). */
  subtract(hist: Float64Array, small: Float64Array): void;
  /** Sums of g and h over node positions [begin, end), in row blocks (rowBlocks), into `out[0]`, `out[1]`. */
  sumPairs(nodes: NodeRows, begin: number, end: number, out: Float64Array): void;
  /**
   * Adds to `margin[rows[i] * stride + offset]` (in float32, as XGBoost's prediction cache)
   * the value of the leaf holding node position i: leaf j holds [bounds[2j], bounds[2j+1]).
   */
  addLeaves(margin: Float64Array, rows: Uint32Array, bounds: Int32Array, values: Float64Array, stride: number, offset: number): void;
  /** Releases threads. */
  close(): void;
}

/** Node positions per row block, at least (see rowBlocks). */
const ROW_BLOCK_MIN = 8192;
const ROW_BLOCKS_MAX = 16;

/**
 * The blocks (equal parts, `part(n, blocks, j)`) a node of `n` positions is summed in,
 * histograms and gradient sums alike: each block in position order, then the blocks in block
 * order. A function of the node's size only, so native threads may take blocks without
 * changing any sum (native/gbdt.cc's rowBlocks).
 */
export function rowBlocks(n: number): number {
  return Math.max(1, Math.min(ROW_BLOCKS_MAX, Math.floor(n / ROW_BLOCK_MIN)));
}

function sumPairs(nodes: NodeRows, begin: number, end: number, out: Float64Array): void {
  const { gh, rows } = nodes;
  const n = end - begin;
  const blocks = rowBlocks(n);
  let g = 0;
  let h = 0;
  for (let j = 0; j < blocks; j++) {
    const [b0, b1] = part(n, blocks, j);
    let bg = 0;
    let bh = 0;
    for (let i = begin + b0; i < begin + b1; i++) {
      const r = nodes.byId ? rows[i] : i;
      bg += gh[2 * r];
      bh += gh[2 * r + 1];
    }
    g += bg;
    h += bh;
  }
  out[0] = g;
  out[1] = h;
}

function subtract(hist: Float64Array, small: Float64Array): void {
  for (let s = 0; s < hist.length; s++) hist[s] -= small[s];
}

function addLeaves(margin: Float64Array, rows: Uint32Array, bounds: Int32Array, values: Float64Array, stride: number, offset: number): void {
  for (let j = 0; j < values.length; j++) {
    const v = values[j];
    for (let i = bounds[2 * j]; i < bounds[2 * j + 1]; i++) {
      const k = rows[i] * stride + offset;
      margin[k] = Math.fround(margin[k] + v);
    }
  }
}

/**
 * The kernels for a fit on `threads` threads: native when the addon is loaded (and `choice`
 * allows), JavaScript otherwise, with a worker pool for more than one thread.
 */
export function gbdtKernels(threads: number, choice: GbdtKernelChoice = 'auto'): GbdtKernels {
  const addon = choice === 'auto' ? nativeGbdt() : undefined;
  return addon ? nativeKernels(addon, threads) : new JsKernels(threads > 1 ? new WorkerPool(threads - 1) : undefined);
}

/** The build `gbdtKernels(threads, choice)` gives on this thread. */
export function gbdtKernelBuild(choice: GbdtKernelChoice = 'auto'): 'native' | 'js' {
  return choice === 'auto' && nativeGbdt() ? 'native' : 'js';
}

function nativeGbdt(): NativeGbdt | undefined {
  const addon = nativeAddon();
  // An addon built from older sources lacks some functions: then it is not used.
  return addon && NATIVE_FUNCTIONS.every((f) => typeof addon[f] === 'function') ? (addon as unknown as NativeGbdt) : undefined;
}

/** A row block's histogram (buildHistogram), kept for the thread's next call. */
let blockHist = new Float64Array(0);

/**
 * Sums the gradient pairs `gh` of node positions [begin, end) into the (feature, bin) slots
 * of `hist`, reading codes `codes[r * rowStride + f]` and pairs `gh[2r], gh[2r + 1]` of
 * r = `rows[i]` (`rows` null: r = i), for the features `list[k0..k1)`
 * (`list` null: features k0..k1-1). Positions are summed in row blocks (rowBlocks): the first
 * into `hist`, each other into a zeroed histogram then added to `hist`, in block order, as
 * the native kernel sums them on any number of threads. Each slot's sum does not depend on
 * the feature range, so splitting features across threads changes nothing either.
 */
export function buildHistogram(
  hist: Float64Array,
  codes: Uint8Array | Uint16Array,
  rowStride: number,
  slot: Int32Array,
  list: Int32Array | null,
  k0: number,
  k1: number,
  gh: Float64Array,
  rows: Uint32Array | null,
  begin: number,
  end: number,
): void {
  const n = end - begin;
  const blocks = rowBlocks(n);
  const source = { codes, rowStride, slot, list, gh, rows };
  const [first, firstEnd] = part(n, blocks, 0);
  sumRows(hist, source, k0, k1, begin + first, begin + firstEnd);
  if (blocks === 1) return;
  if (blockHist.length < hist.length) blockHist = new Float64Array(hist.length);
  const width = 2 * (slot[1] - slot[0]);
  for (let j = 1; j < blocks; j++) {
    const [b0, b1] = part(n, blocks, j);
    for (let k = k0; k < k1; k++) {
      const s = 2 * slot[list === null ? k : list[k]];
      blockHist.fill(0, s, s + width);
    }
    sumRows(blockHist, source, k0, k1, begin + b0, begin + b1);
    for (let k = k0; k < k1; k++) {
      const s = 2 * slot[list === null ? k : list[k]];
      for (let i = s; i < s + width; i++) hist[i] += blockHist[i];
    }
  }
}

/** What buildHistogram reads besides positions and features (its arguments of those names). */
interface HistogramSource {
  readonly codes: Uint8Array | Uint16Array;
  readonly rowStride: number;
  readonly slot: Int32Array;
  readonly list: Int32Array | null;
  readonly gh: Float64Array;
  readonly rows: Uint32Array | null;
}

/** buildHistogram's sums over one block of positions, in order. */
function sumRows(hist: Float64Array, source: HistogramSource, k0: number, k1: number, begin: number, end: number): void {
  const { codes, rowStride, slot, list, gh, rows } = source;
  if (list === null) {
    // All features: slots are `f * stride + bin`, so the slot base is a running offset, and
    // four features per step give four independent accumulation chains.
    const stride2 = 2 * (slot[1] - slot[0]);
    const o0 = k0 * stride2;
    for (let i = begin; i < end; i++) {
      const r = rows === null ? i : rows[i];
      const g = gh[2 * r];
      const h = gh[2 * r + 1];
      const base = r * rowStride;
      const stop = base + k1;
      let j = base + k0;
      let o = o0;
      for (; j < stop - 3; j += 4, o += 4 * stride2) {
        const a = o + (codes[j] << 1);
        const b = o + stride2 + (codes[j + 1] << 1);
        const c = o + 2 * stride2 + (codes[j + 2] << 1);
        const d = o + 3 * stride2 + (codes[j + 3] << 1);
        hist[a] += g;
        hist[a + 1] += h;
        hist[b] += g;
        hist[b + 1] += h;
        hist[c] += g;
        hist[c + 1] += h;
        hist[d] += g;
        hist[d + 1] += h;
      }
      for (; j < stop; j++, o += stride2) {
        const a = o + (codes[j] << 1);
        hist[a] += g;
        hist[a + 1] += h;
      }
    }
    return;
  }
  for (let i = begin; i < end; i++) {
    const r = rows === null ? i : rows[i];
    const g = gh[2 * r];
    const h = gh[2 * r + 1];
    const base = r * rowStride;
    for (let k = k0; k < k1; k++) {
      const f = list[k];
      const s = (slot[f] + codes[base + f]) << 1;
      hist[s] += g;
      hist[s + 1] += h;
    }
  }
}

/** JavaScript kernels; with `pool`, sketching, binning and histograms are split across its threads. */
class JsKernels implements GbdtKernels {
  /** Shared-array ids known to the pool's workers. */
  private readonly ids = new Map<ArrayBufferView, number>();

  constructor(private readonly pool: WorkerPool | undefined) {}

  /** A matrix that fits in cache is read in place (copying rows costs more there); helpers read node positions only. */
  get inPlaceBytes(): number {
    return this.pool ? 0 : 4 << 20;
  }

  columns(m: BinnedMatrix): Uint8Array | Uint16Array {
    const { codes, rows, features, rowStride } = m;
    const out = codes instanceof Uint8Array ? new Uint8Array(rows * features) : new Uint16Array(rows * features);
    for (let r = 0; r < rows; r++) for (let f = 0; f < features; f++) out[f * rows + r] = codes[r * rowStride + f];
    return out;
  }

  alloc(bytes: number): ArrayBufferLike {
    return this.pool ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
  }

  cuts(x: Float32Array, rows: number, features: number, maxBin: number): FeatureCuts[] {
    const { pool } = this;
    if (!pool) return cutsOfFeatures(x, rows, features, 0, features, maxBin);
    const threads = pool.helpers + 1;
    const { xs, id: xId } = this.sharedCopy(x, rows * features);
    let own: FeatureCuts[] = [];
    const tasks = Array.from({ length: pool.helpers }, (_, i) => {
      const [f0, f1] = part(features, threads, i + 1);
      return { kind: 'cuts', x: xId, rows, features, f0, f1, maxBin };
    });
    const [f0, f1] = part(features, threads, 0);
    const theirs = pool.run<FeatureCuts[]>(tasks, () => (own = cutsOfFeatures(xs, rows, features, f0, f1, maxBin)));
    return [...own, ...theirs.flat()];
  }

  binRows(x: Float32Array, m: BinnedMatrix): void {
    const { pool } = this;
    if (!pool) {
      binRows(x, m, 0, m.rows);
      return;
    }
    const threads = pool.helpers + 1;
    const { xs, id: xId } = this.sharedCopy(x, m.rows * m.features);
    const common = { kind: 'bin', x: xId, codes: this.idOf(m.codes), rowStride: m.rowStride, rows: m.rows, features: m.features, cuts: m.cuts };
    const [r0, r1] = part(m.rows, threads, 0);
    pool.run(
      Array.from({ length: pool.helpers }, (_, i) => {
        const [b0, b1] = part(m.rows, threads, i + 1);
        return { ...common, r0: b0, r1: b1 };
      }),
      () => binRows(xs, m, r0, r1),
    );
    // Binning is the matrix's last use.
    pool.unshare(xId);
    this.shared = undefined;
  }

  histogram(hist: Float64Array, nodes: NodeRows, features: Int32Array, all: boolean, begin: number, end: number): void {
    const { pool } = this;
    const list = all ? null : features;
    const { codes, rowStride, slot, gh } = nodes;
    if (!pool) {
      buildHistogram(hist, codes, rowStride, slot, list, 0, features.length, gh, nodes.byId ? nodes.rows : null, begin, end);
      return;
    }
    const threads = pool.helpers + 1;
    const common = { kind: 'hist', codes: this.idOf(codes), gh: this.idOf(gh), hist: this.idOf(hist), rowStride, slot, list, begin, end };
    const tasks = Array.from({ length: pool.helpers }, (_, i) => {
      const [k0, k1] = part(features.length, threads, i + 1);
      return { ...common, k0, k1 };
    });
    const [k0, k1] = part(features.length, threads, 0);
    pool.run(tasks, () => buildHistogram(hist, codes, rowStride, slot, list, k0, k1, gh, null, begin, end));
  }

  /**
   * Left rows move down in place, right rows go through the scratch buffers. (A branch-free
   * scatter through scratch measured slower: the copies cost more than the mispredictions.)
   */
  partition(nodes: NodeRows, split: RowSplit, begin: number, end: number, moveData: boolean, small: Float64Array | null, smallLeft: boolean, features: Int32Array, all: boolean): number {
    const { codes, rowStride: stride, rows, words, gh, scratchRows, scratchWords, scratchGH, wordsPerRow: w } = nodes;
    const { feature, bin, missing, defaultLeft } = split;
    const column = nodes.byId ? nodes.columns.subarray(feature * rows.length, (feature + 1) * rows.length) : null;
    let l = begin;
    let r = 0;
    for (let i = begin; i < end; i++) {
      const c = column === null ? codes[i * stride + feature] : column[rows[i]];
      if (c === missing ? defaultLeft : c <= bin) {
        if (l !== i) {
          rows[l] = rows[i];
          if (moveData) {
            for (let k = 0; k < w; k++) words[l * w + k] = words[i * w + k];
            gh[2 * l] = gh[2 * i];
            gh[2 * l + 1] = gh[2 * i + 1];
          }
        }
        l++;
      } else {
        scratchRows[r] = rows[i];
        if (moveData) {
          for (let k = 0; k < w; k++) scratchWords[r * w + k] = words[i * w + k];
          scratchGH[2 * r] = gh[2 * i];
          scratchGH[2 * r + 1] = gh[2 * i + 1];
        }
        r++;
      }
    }
    rows.set(scratchRows.subarray(0, r), l);
    if (moveData) {
      words.set(scratchWords.subarray(0, r * w), l * w);
      gh.set(scratchGH.subarray(0, 2 * r), 2 * l);
    }
    if (small) {
      if (smallLeft) this.histogram(small, nodes, features, all, begin, l);
      else this.histogram(small, nodes, features, all, l, end);
    }
    return l;
  }

  readonly gradients = computeGradients;
  readonly findSplit = findSplit;
  readonly subtract = subtract;
  readonly sumPairs = sumPairs;
  readonly addLeaves = addLeaves;

  close(): void {
    this.pool?.close();
  }

  /** A shared copy of the training matrix, made once for both sketching and binning. */
  private shared?: { x: Float32Array; xs: Float32Array; id: number };

  private sharedCopy(x: Float32Array, length: number): { xs: Float32Array; id: number } {
    if (this.shared?.x !== x) {
      if (this.shared) this.pool!.unshare(this.shared.id);
      const xs = new Float32Array(new SharedArrayBuffer(4 * length));
      xs.set(x.subarray(0, length));
      this.shared = { x, xs, id: this.pool!.share(xs) };
    }
    return this.shared;
  }

  private idOf(array: ArrayBufferView): number {
    let id = this.ids.get(array);
    if (id === undefined) {
      id = this.pool!.share(array);
      this.ids.set(array, id);
    }
    return id;
  }
}

const NATIVE_FUNCTIONS = ['gbdtCuts', 'gbdtBinRows', 'gbdtColumns', 'gbdtHistogram', 'gbdtPartition', 'gbdtSumPairs', 'gbdtAddLeaves', 'gbdtExp', 'gbdtGradients', 'gbdtSoftmaxGradients', 'gbdtFindSplit', 'gbdtSubtract'] as const;

let expChecked: boolean | undefined;

/**
 * Whether the addon's exp (fdlibm's, as V8's Math.exp) gives Math.exp's results on sample
 * margins, so native logistic gradients equal JavaScript's. Checked once per thread; a
 * JavaScript engine with another exp keeps the JavaScript gradients.
 */
function sameExp(addon: NativeGbdt): boolean {
  if (expChecked === undefined) {
    const x = new Float64Array(4096);
    let u = 12345;
    for (let i = 0; i < x.length; i++) {
      u = (Math.imul(u, 1103515245) + 12345) >>> 0;
      const v = (u / 2 ** 32 - 0.5) * (i < 2048 ? 80 : 1);
      x[i] = i % 2 === 0 ? Math.fround(v) : v;
    }
    x[0] = 1;
    const out = new Float64Array(x.length);
    addon.gbdtExp(x, out);
    expChecked = x.every((v, i) => Object.is(out[i], Math.exp(v)));
  }
  return expChecked;
}

/** native/gbdt.cc's exports (argument order as documented there). */
interface NativeGbdt {
  gbdtCuts(x: Float32Array, rows: number, features: number, maxBin: number, values: Float32Array, counts: Int32Array, minValues: Float32Array, hasMissing: Uint8Array, threads: number): void;
  gbdtBinRows(x: Float32Array, codes: Uint8Array | Uint16Array, rowStride: number, rows: number, features: number, cutValues: Float32Array, cutPtr: Int32Array, threads: number): void;
  gbdtHistogram(hist: Float64Array, codes: Uint8Array | Uint16Array, rowStride: number, slot: Int32Array, list: Int32Array | null, gh: Float64Array, count: number, rows: Uint32Array | null, begin: number, end: number, threads: number): void;
  gbdtPartition(
    hist: Float64Array | null,
    codes: Uint8Array | Uint16Array,
    rowStride: number,
    slot: Int32Array,
    list: Int32Array | null,
    gh: Float64Array,
    count: number,
    smallLeft: boolean,
    rows: Uint32Array,
    scratch: Uint32Array,
    columns: Uint8Array | Uint16Array,
    begin: number,
    end: number,
    feature: number,
    bin: number,
    missing: number,
    defaultLeft: boolean,
    threads: number,
  ): number;
  gbdtColumns(codes: Uint8Array | Uint16Array, rowStride: number, rows: number, features: number, out: Uint8Array | Uint16Array, threads: number): void;
  gbdtExp(x: Float64Array, out: Float64Array): void;
  gbdtGradients(logistic: boolean, margin: Float64Array, y: Float32Array, rows: number, weight: Float64Array | null, gh: Float64Array, threads: number): void;
  gbdtSoftmaxGradients(margin: Float64Array, y: Float32Array, rows: number, outputs: number, weight: Float64Array | null, gh: Float64Array[], threads: number): void;
  gbdtFindSplit(hist: Float64Array, slot: Int32Array, binCounts: Int32Array, hasMissing: Uint8Array, features: Int32Array, g: number, h: number, params: Float64Array, out: Float64Array, threads: number): boolean;
  gbdtSubtract(hist: Float64Array, small: Float64Array, threads: number): void;
  gbdtSumPairs(gh: Float64Array, rows: Uint32Array | null, begin: number, end: number, out: Float64Array, threads: number): void;
  gbdtAddLeaves(margin: Float64Array, rows: Uint32Array, bounds: Int32Array, values: Float64Array, stride: number, offset: number, threads: number): void;
}

function nativeKernels(addon: NativeGbdt, threads: number): GbdtKernels {
  return {
    // Reading rows through ids (prefetched) beats moving them at every size.
    inPlaceBytes: Infinity,
    alloc: (bytes) => new ArrayBuffer(bytes),
    cuts(x, rows, features, maxBin) {
      const width = maxBin + 1;
      const values = new Float32Array(features * width);
      const counts = new Int32Array(features);
      const minValues = new Float32Array(features);
      const hasMissing = new Uint8Array(features);
      addon.gbdtCuts(x, rows, features, maxBin, values, counts, minValues, hasMissing, threads);
      return Array.from({ length: features }, (_, f) => ({ values: values.slice(f * width, f * width + counts[f]), minValue: minValues[f], hasMissing: hasMissing[f] === 1 }));
    },
    binRows(x, m) {
      addon.gbdtBinRows(x, m.codes, m.rowStride, m.rows, m.features, m.cuts.values, m.cuts.ptr, threads);
    },
    columns(m) {
      const out = m.codes instanceof Uint8Array ? new Uint8Array(m.rows * m.features) : new Uint16Array(m.rows * m.features);
      addon.gbdtColumns(m.codes, m.rowStride, m.rows, m.features, out, threads);
      return out;
    },
    histogram(hist, nodes, features, all, begin, end) {
      addon.gbdtHistogram(hist, nodes.codes, nodes.rowStride, nodes.slot, all ? null : features, nodes.gh, features.length, nodes.byId ? nodes.rows : null, begin, end, threads);
    },
    // Rows are always read through ids (inPlaceBytes), so only ids move.
    partition(n, split, begin, end, _moveData, small, smallLeft, features, all) {
      return addon.gbdtPartition(small, n.codes, n.rowStride, n.slot, all ? null : features, n.gh, features.length, smallLeft, n.rows, n.scratchRows, n.columns, begin, end, split.feature, split.bin, split.missing, split.defaultLeft, threads);
    },
    gradients(objective, margin, y, rows, outputs, weight, gh) {
      if (objective !== 'reg:squarederror' && !sameExp(addon)) computeGradients(objective, margin, y, rows, outputs, weight, gh);
      else if (objective === 'multi:softprob') addon.gbdtSoftmaxGradients(margin, y, rows, outputs, weight ?? null, gh, threads);
      else addon.gbdtGradients(objective === 'binary:logistic', margin, y, rows, weight ?? null, gh[0], threads);
    },
    findSplit(hist, g, h, features, ctx, out) {
      return addon.gbdtFindSplit(hist, ctx.slot, ctx.binCounts, ctx.hasMissing, features, g, h, ctx.params, out, threads);
    },
    subtract(hist, small) {
      addon.gbdtSubtract(hist, small, threads);
    },
    sumPairs(nodes, begin, end, out) {
      addon.gbdtSumPairs(nodes.gh, nodes.byId ? nodes.rows : null, begin, end, out, threads);
    },
    addLeaves(margin, rows, bounds, values, stride, offset) {
      addon.gbdtAddLeaves(margin, rows, bounds, values, stride, offset, threads);
    },
    close() {},
  };
}
