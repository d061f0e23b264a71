/**
 * Split finding as XGBoost's `hist` method does it: scores, leaf weights and the best split
 * of a node from its gradient/hessian histogram (the JavaScript kernel; native/gbdt.cc has
 * the same arithmetic).
 */

/** The per-tree parameters of split finding, with XGBoost's meanings. */
export interface SplitParams {
  readonly maxDepth: number;
  readonly minChildWeight: number;
  readonly gamma: number;
  readonly alpha: number;
  readonly lambda: number;
  readonly learningRate: number;
}

/** XGBoost's `kRtEps`: a split must reduce the loss by more than this. */
const MIN_GAIN = 1e-6;

function thresholdL1(g: number, alpha: number): number {
  return g > alpha ? g - alpha : g < -alpha ? g + alpha : 0;
}

/** Optimal leaf weight -T(G)/(H+lambda), 0 when the hessian sum is below minChildWeight. */
export function leafWeight(g: number, h: number, p: SplitParams): number {
  if (h < p.minChildWeight || h <= 0) return 0;
  return -thresholdL1(g, p.alpha) / (h + p.lambda);
}

/** Score T(G)^2/(H+lambda) of a set of rows (XGBoost's gain of a node, before its minChildWeight test). */
function score(g: number, h: number, alpha: number, lambda: number): number {
  if (h <= 0) return 0;
  const t = thresholdL1(g, alpha);
  return (t * t) / (h + lambda);
}

/** What split finding reads besides a node's histogram and sums. */
export interface SplitContext {
  readonly slot: Int32Array;
  readonly binCounts: Int32Array;
  readonly hasMissing: Uint8Array;
  /** minChildWeight, alpha, lambda, gamma (float32-rounded). */
  readonly params: Float64Array;
}

/**
 * XGBoost's split enumeration: per feature, a forward scan (missing values go right; its
 * last candidate separates missing from present values), then, when the node has missing
 * values for the feature, a backward scan (missing values go left). A candidate replaces
 * the best only when strictly better, so ties keep the lower feature and the forward
 * direction. Gains are rounded to float32 where XGBoost rounds them, so near-ties resolve
 * as in XGBoost. Writes [gain, feature, bin, defaultLeft (1/0), gL, hL, gR, hR] of the best
 * split to `out`; false when no split gains enough.
 */
export function findSplit(hist: Float64Array, g: number, h: number, features: Int32Array, ctx: SplitContext, out: Float64Array): boolean {
  const [mcw, alpha, lambda, gamma] = ctx.params;
  const { slot, binCounts, hasMissing } = ctx;
  const best = new BestSplit(g, h, mcw, alpha, lambda, h < mcw ? 0 : Math.fround(score(g, h, alpha, lambda)));
  for (let k = 0; k < features.length; k++) {
    const f = features[k];
    best.scan(hist, 2 * slot[f], binCounts[f], f, false);
    // The backward scan only when the node has missing values of f (a NaN sum scans too).
    if (hasMissing[f] !== 0 && !(hist[2 * (slot[f] + binCounts[f]) + 1] <= 0)) best.scan(hist, 2 * slot[f], binCounts[f], f, true);
  }
  if (best.feature < 0 || best.gain <= MIN_GAIN || best.gain < gamma || best.hl === 0 || best.hr === 0) return false;
  out[0] = best.gain;
  out[1] = best.feature;
  out[2] = best.bin;
  out[3] = best.defaultLeft ? 1 : 0;
  out[4] = best.gl;
  out[5] = best.hl;
  out[6] = best.gr;
  out[7] = best.hr;
  return true;
}

/** The best candidate so far of a node's split search, and the scan that updates it. */
class BestSplit {
  gain = 0;
  feature = -1;
  bin = 0;
  defaultLeft = false;
  gl = 0;
  hl = 0;
  gr = 0;
  hr = 0;

  constructor(
    private readonly g: number,
    private readonly h: number,
    private readonly mcw: number,
    private readonly alpha: number,
    private readonly lambda: number,
    private readonly parentGain: number,
  ) {}

  /**
   * One direction's scan of feature f's bins (`nb` of them from `hist[base]`): bins
   * accumulate on the scanned side (the left one forward, the right one backward, which then
   * takes the missing values' other side), the rest is the other. Gains add the scanned
   * side's score first.
   */
  scan(hist: Float64Array, base: number, nb: number, f: number, backward: boolean): void {
    const { g, h, mcw, alpha, lambda, parentGain } = this;
    const f32 = Math.fround;
    let gs = 0;
    let hs = 0;
    for (let i = 0; i < nb; i++) {
      const b = backward ? nb - 1 - i : i;
      const hb = hist[base + 2 * b + 1];
      // An empty bin repeats the previous candidate, which a strict improvement never replaces.
      if (hb === 0 && hist[base + 2 * b] === 0) continue;
      gs += hist[base + 2 * b];
      hs += hb;
      const go = g - gs;
      const ho = h - hs;
      if (ho < mcw) break;
      if (hs >= mcw) {
        const gain = f32(f32(f32(score(gs, hs, alpha, lambda)) + f32(score(go, ho, alpha, lambda))) - parentGain);
        if (gain > this.gain) {
          this.gain = gain;
          this.feature = f;
          this.bin = backward ? b - 1 : b;
          this.defaultLeft = backward;
          this.gl = backward ? go : gs;
          this.hl = backward ? ho : hs;
          this.gr = backward ? gs : go;
          this.hr = backward ? hs : ho;
        }
      }
    }
  }
}
