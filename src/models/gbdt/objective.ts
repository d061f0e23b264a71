import type { Objective } from './params';
import { softmaxRow } from '../../records/task';

/** Probabilities are clipped here in log losses and kept off zero in hessians, as XGBoost does. */
const EPS = 1e-16;

export function sigmoid(m: number): number {
  return 1 / (1 + Math.exp(-m));
}

/** Margin of a base score given in output units (a probability for the logistic objective). */
export function baseMargin(objective: Objective, baseScore: number): number {
  return Math.fround(objective === 'binary:logistic' ? Math.log(baseScore / (1 - baseScore)) : baseScore);
}

const f32 = Math.fround;

/**
 * Gradient pairs of every output, written interleaved (g, h per row) into `gh[k]`.
 * `margin` is row-major `[rows, outputs]`; `weight` (optional) scales each row's pair.
 * Multiclass hessians are 2p(1-p), XGBoost's (deliberately conservative) choice. Pairs are
 * rounded to float32 as XGBoost stores them, so near-tied splits resolve the same way.
 */
export function computeGradients(objective: Objective, margin: Float64Array, y: Float32Array, rows: number, outputs: number, weight: Float64Array | undefined, gh: Float64Array[]): void {
  if (objective === 'reg:squarederror') {
    const out = gh[0];
    for (let r = 0; r < rows; r++) {
      const w = weight ? weight[r] : 1;
      out[2 * r] = f32((margin[r] - y[r]) * w);
      out[2 * r + 1] = f32(w);
    }
  } else if (objective === 'binary:logistic') {
    const out = gh[0];
    for (let r = 0; r < rows; r++) {
      const w = weight ? weight[r] : 1;
      const p = f32(sigmoid(margin[r]));
      out[2 * r] = f32((p - y[r]) * w);
      out[2 * r + 1] = f32(Math.max(f32(p * (1 - p)), EPS) * w);
    }
  } else {
    for (let r = 0; r < rows; r++) {
      const w = weight ? weight[r] : 1;
      const base = r * outputs;
      let max = -Infinity;
      for (let k = 0; k < outputs; k++) max = Math.max(max, margin[base + k]);
      let sum = 0;
      for (let k = 0; k < outputs; k++) sum += Math.exp(margin[base + k] - max);
      for (let k = 0; k < outputs; k++) {
        const p = f32(Math.exp(margin[base + k] - max) / sum);
        gh[k][2 * r] = f32((k === y[r] ? p - 1 : p) * w);
        gh[k][2 * r + 1] = f32(Math.max(f32(2 * p * f32(1 - p)), EPS) * w);
      }
    }
  }
}

/** Name of the evaluation metric XGBoost uses by default for the objective. */
export function metricName(objective: Objective): string {
  return objective === 'reg:squarederror' ? 'rmse' : objective === 'binary:logistic' ? 'logloss' : 'mlogloss';
}

/** The default evaluation metric (lower is better) of margins against targets. */
export function evalMetric(objective: Objective, margin: Float64Array, y: Float32Array, rows: number, outputs: number): number {
  let sum = 0;
  if (objective === 'reg:squarederror') {
    for (let r = 0; r < rows; r++) sum += (margin[r] - y[r]) ** 2;
    return Math.sqrt(sum / rows);
  }
  if (objective === 'binary:logistic') {
    for (let r = 0; r < rows; r++) {
      const p = Math.min(Math.max(sigmoid(margin[r]), EPS), 1 - EPS);
      sum -= y[r] === 1 ? Math.log(p) : Math.log(1 - p);
    }
    return sum / rows;
  }
  const prob = new Float64Array(outputs);
  for (let r = 0; r < rows; r++) {
    softmaxRow(margin, r * outputs, outputs, prob, 0);
    sum -= Math.log(Math.max(prob[y[r]], EPS));
  }
  return sum / rows;
}
