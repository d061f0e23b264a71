/**
 * From forecasts to target positions. A position is a signed fraction of equity
 * (1 = fully long, -0.5 = half short), decided at a bar's close from that bar's
 * forecast; the backtest trades it on the next bar.
 */

export interface PositionRules {
  /**
   * Long when the score is above this. Default 0, which suits signed scores: predicted
   * returns, and a classifier's P(UP) - P(DOWN) in [-1, 1] (the score the experiment runner
   * trades). Only a raw probability P(UP) in [0, 1] needs 0.5.
   */
  readonly longAbove?: number;
  /** Short when the score is below this. Default: never short (long/flat). */
  readonly shortBelow?: number;
  /** Fraction of equity per position, > 0. Default 1. */
  readonly fraction?: number;
  /** Per-bar confidence in [0, 1] that scales the fraction (see `probabilityConfidence`). Default: none. */
  readonly confidence?: ArrayLike<number>;
}

/**
 * Target position per bar: +fraction·confidence when score > longAbove, -fraction·confidence
 * when score < shortBelow, else 0. A NaN score (no forecast) means flat.
 */
export function targetPositions(scores: ArrayLike<number>, rules: PositionRules = {}): Float64Array {
  const longAbove = rules.longAbove ?? 0;
  const shortBelow = rules.shortBelow ?? -Infinity;
  const fraction = rules.fraction ?? 1;
  const { confidence } = rules;
  if (!(fraction > 0)) throw new RangeError(`position fraction must be > 0, got ${fraction}`);
  if (shortBelow > longAbove) throw new RangeError(`shortBelow (${shortBelow}) must not exceed longAbove (${longAbove})`);
  if (confidence && confidence.length !== scores.length) throw new RangeError(`confidence has ${confidence.length} values for ${scores.length} scores`);
  const out = new Float64Array(scores.length);
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i];
    const side = s > longAbove ? 1 : s < shortBelow ? -1 : 0;
    if (side === 0) continue;
    const c = confidence ? confidence[i] : 1;
    if (!(c >= 0 && c <= 1)) throw new RangeError(`confidence[${i}] = ${c} is outside [0, 1]`);
    out[i] = side * fraction * c;
  }
  return out;
}

/** Confidence of a binary up/down probability: |2p - 1| (0 at a coin flip, 1 at certainty). */
export function probabilityConfidence(pUp: ArrayLike<number>): Float64Array {
  return Float64Array.from(pUp, (p) => Math.abs(2 * p - 1));
}
