import type { BinnedMatrix } from './binning';
import type { GbdtKernels, NodeRows } from './kernels';
import { type SplitContext, type SplitParams, leafWeight } from './split';
import type { Tree } from './tree';

/** A tree with the bin of each split, which routes binned rows without touching raw values. */
export interface GrownTree {
  readonly tree: Tree;
  /** Split node: rows with code <= splitBin go left (code = missing follows defaultLeft); -1 sends only missing left. */
  readonly splitBin: Int32Array;
}

/**
 * Grows depth-wise trees on a binned matrix. Gradient/hessian histograms are built for
 * the smaller child only (while its parent is partitioned); the larger is the parent's
 * histogram minus the smaller, computed in the parent's buffer. Each tree works on its own
 * copy of the sampled rows' codes and gradient pairs, kept in node order: partitioning a
 * node moves its rows' codes (a word at a time) and pairs, stably, so every node's rows are
 * contiguous and in ascending row order. Histogram building then reads memory sequentially
 * at every depth (reading scattered rows of the original matrix was latency-bound below the
 * root), and sums in the same order as before. Below the kernels' `inPlaceBytes` the matrix
 * is read in place through the row ids instead (the copying costs more than the scattered
 * reads there), and partitions read the split feature from a feature-major copy of the codes.
 * The inner loops are the kernels' (kernels.ts); all buffers are reused across trees.
 */
export class TreeGrower {
  private readonly p: SplitParams;
  private readonly nodes: NodeRows;
  private readonly hists: Float64Array[] = [];
  private readonly binCounts: Int32Array;
  private readonly sums = new Float64Array(2);
  private readonly splitContext: SplitContext;
  /** The best split of the last findSplit call (see `findSplit`), reused so the hot path allocates nothing. */
  private readonly best = new Float64Array(8);

  constructor(
    private readonly m: BinnedMatrix,
    params: SplitParams,
    private readonly kernels: GbdtKernels,
  ) {
    // XGBoost holds these parameters as float32; rounding them here keeps gains identical.
    const f = Math.fround;
    this.p = { maxDepth: params.maxDepth, minChildWeight: f(params.minChildWeight), gamma: f(params.gamma), alpha: f(params.alpha), lambda: f(params.lambda), learningRate: f(params.learningRate) };
    const n = m.rows;
    const wordsPerRow = (m.rowStride * m.codes.BYTES_PER_ELEMENT) / 4;
    const byId = m.codes.byteLength <= kernels.inPlaceBytes;
    const keep = byId ? 0 : n;
    const words = kernels.alloc(4 * wordsPerRow * keep);
    this.nodes = {
      codes: byId ? m.codes : m.codes instanceof Uint8Array ? new Uint8Array(words) : new Uint16Array(words),
      rowStride: m.rowStride,
      slot: m.slotOffset,
      gh: new Float64Array(kernels.alloc(16 * keep)),
      rows: new Uint32Array(n),
      byId,
      columns: byId ? kernels.columns(m) : new Uint8Array(0),
      words: new Uint32Array(words),
      wordsPerRow,
      scratchRows: new Uint32Array(n),
      scratchWords: new Uint32Array(wordsPerRow * keep),
      scratchGH: new Float64Array(2 * keep),
    };
    this.binCounts = new Int32Array(m.features);
    for (let f = 0; f < m.features; f++) this.binCounts[f] = m.cuts.ptr[f + 1] - m.cuts.ptr[f];
    this.splitContext = { slot: m.slotOffset, binCounts: this.binCounts, hasMissing: m.hasMissing, params: Float64Array.of(this.p.minChildWeight, this.p.alpha, this.p.lambda, this.p.gamma) };
  }

  /**
   * Grow one tree from gradient pairs `gh` (interleaved g, h per row) over the ascending row
   * ids `sample[0..count)`, splitting only on `features`. Adds each sampled row's leaf value
   * to `margin[row * stride + offset]`, in float32 like XGBoost's prediction cache.
   */
  grow(gh: Float64Array, sample: Uint32Array, count: number, features: Int32Array, margin: Float64Array, stride: number, offset: number): GrownTree {
    const { m, p, nodes, kernels } = this;
    const { rows } = nodes;
    const all = features.length === m.features;
    this.gather(gh, sample, count);
    const sums = this.sums;
    kernels.sumPairs(nodes, 0, count, sums);
    const t = new NodeList();
    t.add(0, count, sums[0], sums[1], p);
    const hists: (Float64Array | undefined)[] = [this.take()];
    kernels.histogram(hists[0]!, nodes, features, all, 0, count);
    let level = [0];
    for (let depth = 0; depth < p.maxDepth && level.length > 0; depth++) {
      const next: number[] = [];
      const childrenSplit = depth + 1 < p.maxDepth;
      for (const node of level) {
        const hist = hists[node]!;
        hists[node] = undefined;
        const best = this.best;
        if (!kernels.findSplit(hist, t.g[node], t.h[node], features, this.splitContext, best)) {
          this.hists.push(hist);
          continue;
        }
        const [gain, f, bin, defaultLeft, gl, hl, gr, hr] = best;
        const begin = t.begin[node];
        const end = t.end[node];
        const split = { feature: f, bin, missing: this.binCounts[f], defaultLeft: defaultLeft === 1 };
        // XGBoost builds the child with the smaller hessian sum (the left one on ties).
        const leftSmaller = !(hr < hl);
        // Leaves below the last split level only need their row ids.
        const small = childrenSplit ? this.take() : null;
        const mid = kernels.partition(nodes, split, begin, end, childrenSplit && !nodes.byId, small, leftSmaller, features, all);
        const left = t.add(begin, mid, gl, hl, p);
        const right = t.add(mid, end, gr, hr, p);
        t.split(node, left, right, f, bin, bin < 0 ? m.cuts.minValues[f] : m.cuts.values[m.cuts.ptr[f] + bin], split.defaultLeft, gain);
        if (small) {
          kernels.subtract(hist, small);
          hists[left] = leftSmaller ? small : hist;
          hists[right] = leftSmaller ? hist : small;
          next.push(left, right);
        } else {
          this.hists.push(hist);
        }
      }
      level = next;
    }
    for (const h of hists) if (h) this.hists.push(h);
    const leaves = t.leaves();
    kernels.addLeaves(margin, rows, leaves.bounds, leaves.values, stride, offset);
    return t.finish();
  }

  /** The sampled rows' ids, codes and pairs, in row order, as the root's node order. */
  private gather(gh: Float64Array, sample: Uint32Array, count: number): void {
    const { nodes, m } = this;
    const { rows, words: orderedWords, wordsPerRow: w } = nodes;
    const words = new Uint32Array(m.codes.buffer, m.codes.byteOffset, w * m.rows);
    rows.set(sample.subarray(0, count));
    if (nodes.byId) {
      nodes.gh = gh;
      return;
    }
    const orderedGH = nodes.gh;
    if (count === m.rows) {
      orderedWords.set(words);
      orderedGH.set(gh.subarray(0, 2 * count));
      return;
    }
    for (let i = 0; i < count; i++) {
      const r = rows[i];
      for (let k = 0; k < w; k++) orderedWords[i * w + k] = words[r * w + k];
      orderedGH[2 * i] = gh[2 * r];
      orderedGH[2 * i + 1] = gh[2 * r + 1];
    }
  }

  private take(): Float64Array {
    const bytes = 16 * this.m.totalSlots;
    const h = this.hists.pop() ?? new Float64Array(this.kernels.alloc(bytes));
    h.fill(0);
    return h;
  }

}

/** Growing tree nodes in plain arrays; frozen into typed arrays by `finish`. */
class NodeList {
  size = 0;
  readonly begin: number[] = [];
  readonly end: number[] = [];
  readonly g: number[] = [];
  readonly h: number[] = [];
  readonly left: number[] = [];
  readonly right: number[] = [];
  readonly feature: number[] = [];
  readonly bin: number[] = [];
  readonly threshold: number[] = [];
  readonly defaultLeft: number[] = [];
  readonly gain: number[] = [];
  readonly weight: number[] = [];
  readonly leafValue: number[] = [];

  add(begin: number, end: number, g: number, h: number, p: SplitParams): number {
    const w = Math.fround(leafWeight(g, h, p));
    this.begin.push(begin);
    this.end.push(end);
    this.g.push(g);
    this.h.push(h);
    this.left.push(-1);
    this.right.push(-1);
    this.feature.push(0);
    this.bin.push(0);
    this.threshold.push(0);
    this.defaultLeft.push(0);
    this.gain.push(0);
    this.weight.push(w);
    this.leafValue.push(Math.fround(w * Math.fround(p.learningRate)));
    return this.size++;
  }

  split(node: number, left: number, right: number, feature: number, bin: number, threshold: number, defaultLeft: boolean, gain: number): void {
    this.left[node] = left;
    this.right[node] = right;
    this.feature[node] = feature;
    this.bin[node] = bin;
    this.threshold[node] = threshold;
    this.defaultLeft[node] = defaultLeft ? 1 : 0;
    this.gain[node] = gain;
    this.leafValue[node] = 0;
  }

  /** Each leaf's node positions (begin, end pairs) and value. */
  leaves(): { bounds: Int32Array; values: Float64Array } {
    const nodes = this.left.flatMap((l, node) => (l < 0 ? [node] : []));
    return { bounds: Int32Array.from(nodes.flatMap((n) => [this.begin[n], this.end[n]])), values: Float64Array.from(nodes, (n) => this.leafValue[n]) };
  }

  finish(): GrownTree {
    return {
      tree: {
        left: Int32Array.from(this.left),
        right: Int32Array.from(this.right),
        feature: Int32Array.from(this.feature),
        threshold: Float32Array.from(this.threshold),
        defaultLeft: Uint8Array.from(this.defaultLeft),
        leafValue: Float32Array.from(this.leafValue),
        baseWeight: Float32Array.from(this.weight),
        gain: Float32Array.from(this.gain),
        cover: Float32Array.from(this.h),
      },
      splitBin: Int32Array.from(this.bin),
    };
  }
}

/** Adds the leaf value of each listed row, routing it by bin codes. */
export function addBinnedOutput(grown: GrownTree, m: BinnedMatrix, rowIds: Uint32Array, count: number, margin: Float64Array, stride: number, offset: number): void {
  const { tree, splitBin } = grown;
  const { codes, rowStride, cuts } = m;
  for (let i = 0; i < count; i++) {
    const r = rowIds[i];
    let node = 0;
    while (tree.left[node] >= 0) {
      const f = tree.feature[node];
      const c = codes[r * rowStride + f];
      const missing = cuts.ptr[f + 1] - cuts.ptr[f];
      node = (c === missing ? tree.defaultLeft[node] === 1 : c <= splitBin[node]) ? tree.left[node] : tree.right[node];
    }
    const j = r * stride + offset;
    margin[j] = Math.fround(margin[j] + tree.leafValue[node]);
  }
}
