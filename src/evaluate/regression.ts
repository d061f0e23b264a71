import { mean } from './moments';

/** Error metrics of a regressor, defined as scikit-learn defines them. */
export interface RegressionMetrics {
  readonly n: number;
  /** Mean absolute error: mean |y - ŷ|. */
  readonly mae: number;
  /** Root mean squared error: sqrt(mean (y - ŷ)²). */
  readonly rmse: number;
  /** Coefficient of determination 1 - SS_res / SS_tot; NaN when y is constant (SS_tot = 0). */
  readonly r2: number;
  /**
   * Mean absolute percentage error as a fraction (0.05 = 5%): mean |y - ŷ| / |y| over rows with
   * y ≠ 0; NaN when every target is 0. Unlike scikit-learn, which divides by max(|y|, 2.2e-16) and
   * so explodes on zero targets, zero targets are skipped and counted in `mapeSkipped`.
   */
  readonly mape: number;
  readonly mapeSkipped: number;
}

export function regressionMetrics(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): RegressionMetrics {
  checkPaired(yTrue, yPred);
  const n = yTrue.length;
  const yMean = mean(yTrue);
  let abs = 0;
  let sq = 0;
  let tot = 0;
  let pct = 0;
  let pctRows = 0;
  for (let i = 0; i < n; i++) {
    const e = yTrue[i] - yPred[i];
    abs += Math.abs(e);
    sq += e * e;
    tot += (yTrue[i] - yMean) * (yTrue[i] - yMean);
    if (yTrue[i] !== 0) {
      pct += Math.abs(e) / Math.abs(yTrue[i]);
      pctRows++;
    }
  }
  return {
    n,
    mae: abs / n,
    rmse: Math.sqrt(sq / n),
    r2: tot > 0 ? 1 - sq / tot : Number.NaN,
    mape: pctRows > 0 ? pct / pctRows : Number.NaN,
    mapeSkipped: n - pctRows,
  };
}

/** Throws a RangeError unless both series are non-empty and of equal length. */
export function checkPaired(a: ArrayLike<number>, b: ArrayLike<number>): void {
  if (a.length !== b.length) throw new RangeError(`series lengths differ: ${a.length} vs ${b.length}`);
  if (a.length === 0) throw new RangeError('no rows to score');
}
