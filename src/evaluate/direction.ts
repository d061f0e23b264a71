import { studentTCdf } from '../util/distributions';
import { averageRanks, pearson } from './moments';
import { checkPaired } from './regression';

/** How often a forecast's sign matches the realised return's sign. */
export interface DirectionalAccuracy {
  /** Rows scored: those whose realised value is non-zero (a zero return has no direction to get right). */
  readonly n: number;
  readonly hits: number;
  /** hits / n; NaN when nothing was scored. */
  readonly accuracy: number;
  /** Share of scored rows whose realised value is positive. */
  readonly upShare: number;
  /** max(upShare, 1 - upShare): the accuracy of always calling the more common direction. */
  readonly majorityRate: number;
  /** Rows skipped because the realised value was 0 (or NaN). */
  readonly zeroRealised: number;
  /** Scored rows predicted as exactly 0: counted as misses, since such a forecast takes no side. */
  readonly zeroPredicted: number;
}

/** Sign agreement between `predicted` (e.g. predicted returns) and `realised` returns. */
export function directionalAccuracy(predicted: ArrayLike<number>, realised: ArrayLike<number>): DirectionalAccuracy {
  checkPaired(predicted, realised);
  let n = 0;
  let hits = 0;
  let up = 0;
  let zeroPredicted = 0;
  for (let i = 0; i < realised.length; i++) {
    const r = realised[i];
    if (r === 0 || Number.isNaN(r)) continue;
    n++;
    if (r > 0) up++;
    const p = predicted[i];
    if (p === 0) zeroPredicted++;
    else if (p > 0 === r > 0) hits++;
  }
  const upShare = up / n;
  return {
    n,
    hits,
    accuracy: hits / n,
    upShare,
    majorityRate: Math.max(upShare, 1 - upShare),
    zeroRealised: realised.length - n,
    zeroPredicted,
  };
}

/** Correlation between forecasts and realised returns, with two-sided p-values for "no correlation". */
export interface InformationCoefficient {
  readonly n: number;
  /** Pearson correlation (`scipy.stats.pearsonr`). */
  readonly pearson: number;
  readonly pearsonPValue: number;
  /** Spearman rank correlation: Pearson on average ranks (`scipy.stats.spearmanr`). */
  readonly spearman: number;
  /** t-distribution approximation with n - 2 degrees of freedom, as SciPy uses. */
  readonly spearmanPValue: number;
}

export function informationCoefficient(predicted: ArrayLike<number>, realised: ArrayLike<number>): InformationCoefficient {
  checkPaired(predicted, realised);
  const n = predicted.length;
  const r = pearson(predicted, realised);
  const rho = pearson(averageRanks(predicted), averageRanks(realised));
  return { n, pearson: r, pearsonPValue: correlationPValue(r, n), spearman: rho, spearmanPValue: correlationPValue(rho, n) };
}

/** Two-sided p-value of a correlation r over n pairs: t = r·sqrt((n-2)/(1-r²)) ~ t(n-2). */
function correlationPValue(r: number, n: number): number {
  if (Number.isNaN(r) || n < 3) return Number.NaN;
  if (Math.abs(r) >= 1) return 0;
  const t = r * Math.sqrt((n - 2) / (1 - r * r));
  return 2 * studentTCdf(-Math.abs(t), n - 2);
}
