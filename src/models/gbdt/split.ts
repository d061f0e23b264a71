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
  const f32 = Math.fround;
  const parentGain = h < mcw ? 0 : f32(score(g, h, alpha, lambda));
  let best = 0;
  let bestF = -1;
  let bestBin = 0;
  let bestDL = false;
  let bGL = 0;
  let bHL = 0;
  let bGR = 0;
  let bHR = 0;
  for (let k = 0; k < features.length; k++) {
    const f = features[k];
    const nb = binCounts[f];
    const base = 2 * slot[f];
    let gl = 0;
    let hl = 0;
    for (let b = 0; b < nb; b++) {
      const hb = hist[base + 2 * b + 1];
      // An empty bin repeats the previous candidate, which a strict improvement never replaces.
      if (hb === 0 && hist[base + 2 * b] === 0) continue;
      gl += hist[base + 2 * b];
      hl += hb;
      const gr = g - gl;
      const hr = h - hl;
      if (hr < mcw) break;
      if (hl >= mcw) {
        const gain = f32(f32(f32(score(gl, hl, alpha, lambda)) + f32(score(gr, hr, alpha, lambda))) - parentGain);
        if (gain > best) {
          best = gain;
          bestF = f;
          bestBin = b;
          bestDL = false;
          bGL = gl;
          bHL = hl;
          bGR = gr;
          bHR = hr;
        }
      }
    }
    if (hasMissing[f] === 0 || hist[base + 2 * nb + 1] <= 0) continue;
    let gr = 0;
    let hr = 0;
    for (let b = nb - 1; b >= 0; b--) {
      const hb = hist[base + 2 * b + 1];
      if (hb === 0 && hist[base + 2 * b] === 0) continue;
      gr += hist[base + 2 * b];
      hr += hb;
      const gl2 = g - gr;
      const hl2 = h - hr;
      if (hl2 < mcw) break;
      if (hr >= mcw) {
        const gain = f32(f32(f32(score(gr, hr, alpha, lambda)) + f32(score(gl2, hl2, alpha, lambda))) - parentGain);
        if (gain > best) {
          best = gain;
          bestF = f;
          bestBin = b - 1;
          bestDL = true;
          bGL = gl2;
          bHL = hl2;
          bGR = gr;
          bHR = hr;
        }
      }
    }
  }
  if (bestF < 0 || best <= MIN_GAIN || best < gamma || bHL === 0 || bHR === 0) return false;
  out[0] = best;
  out[1] = bestF;
  out[2] = bestBin;
  out[3] = bestDL ? 1 : 0;
  out[4] = bGL;
  out[5] = bHL;
  out[6] = bGR;
  out[7] = bHR;
  return true;
}
