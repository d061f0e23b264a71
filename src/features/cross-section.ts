import pl from 'nodejs-polars';
import type { FeatureKind, ParamDef } from './kind';
import { nullF64, rollingStd, safeDiv } from './indicators';
import { type FeaturePlan, perSymbol } from './plan';

/**
 * Features that compare a symbol with the others in the table at the same bar timestamp
 * (`.over('date')`): ranks, z-scores, the equal-weight market. They read no bar after their
 * own timestamp, so they are as causal as the per-symbol features; unlike those, a symbol's
 * values depend on which symbols share the table, and on a one-symbol table the cross-section
 * is degenerate (rank 1, z-score null, relative return 0, beta 1).
 *
 * The returns they compare are null on each symbol's first n bars (never a ratio across two
 * symbols), and symbols without a value at a timestamp are left out of its cross-section.
 */

const PERIOD: Record<string, ParamDef> = { period: { default: 1, min: 1, integer: true } };
const WINDOW: Record<string, ParamDef> = { period: { default: 60, min: 2, integer: true } };

/** The symbol's own n-bar simple return: null on its first n bars. */
function ownReturn(plan: FeaturePlan, n: number): pl.Expr {
  return plan.shared(`own_ret_${n}`, 2, () => {
    const close = pl.col('close');
    return pl.when(plan.bar().lt(n)).then(nullF64()).otherwise(close.div(close.shift(n)).sub(1));
  });
}

/** Equal-weight mean of the symbols' n-bar returns at each timestamp. */
function marketReturn(plan: FeaturePlan, n: number): pl.Expr {
  return plan.shared(`market_ret_${n}`, 3, () => ownReturn(plan, n).mean().over('date'));
}

function perReturn(formula: string, expr: (n: number, plan: FeaturePlan) => pl.Expr): FeatureKind {
  return { params: PERIOD, formula, warmup: (p) => p.period, warmupText: 'n', expr: (p, plan) => expr(p.period, plan), crossSection: true };
}

export const CROSS_SECTION_FEATURES: Readonly<Record<string, FeatureKind>> = {
  cs_rank_ret: perReturn(
    "percentile rank of the symbol's n-bar return among the symbols at the same timestamp, ties averaged: rank / count, in (0, 1]",
    (n, plan) => {
      const r = ownReturn(plan, n);
      return r.rank('average').over('date').cast(pl.Float64).div(r.count().over('date'));
    },
  ),
  cs_zscore_ret: perReturn(
    "z-score of the symbol's n-bar return across the symbols at the same timestamp: (r - mean) / sample std (null where fewer than 2 symbols or all equal)",
    (n, plan) => {
      const r = ownReturn(plan, n);
      return safeDiv(r.sub(marketReturn(plan, n)), plan.shared(`cs_std_ret_${n}`, 3, () => r.std().over('date')));
    },
  ),
  mkt_rel_ret: perReturn("the symbol's n-bar return minus the equal-weight mean of all symbols' n-bar returns at the same timestamp", (n, plan) =>
    ownReturn(plan, n).sub(marketReturn(plan, n)),
  ),
  mkt_beta: {
    params: WINDOW,
    formula:
      "beta of the symbol's one-bar returns to the equal-weight market's one-bar returns over its last n bars: cov / var of the market (population moments; null where the market's returns are constant)",
    warmup: (p) => p.period,
    warmupText: 'n',
    crossSection: true,
    expr: (p, plan) => {
      const n = p.period;
      const r = ownReturn(plan, 1);
      const m = marketReturn(plan, 1);
      return plan.shared(`mkt_beta_${n}`, 5, () => {
        const mean = (e: pl.Expr) => perSymbol(e.rollingMean({ windowSize: n }));
        const cov = mean(r.mul(m)).sub(mean(r).mul(mean(m)));
        return safeDiv(cov, plan.shared(`market_var_1_${n}`, 4, () => rollingStd(m, n, 0).pow(2)));
      });
    },
  },
};
