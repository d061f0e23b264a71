import pl from 'nodejs-polars';
import type { FeatureKind, FeatureParams, ParamDef } from './kind';
import { nullF64, previous as prev, rollingStd, safeDiv, smaOf } from './indicators';
import { type FeaturePlan, col, perSymbol } from './plan';

/**
 * Qlib's Alpha158 factor families (qlib/contrib/data/loader.py, `Alpha158DL`) as catalog
 * entries: the KBAR shape features, price ratios, and 29 rolling families whose window is the
 * `period` parameter (the `alpha158` preset takes 5, 10, 20, 30, 60 bars). Column names are
 * Qlib's, lower-cased: `kmid`, `ma_20`, `imxd_60`.
 *
 * Where they differ from Qlib, deliberately:
 * - Qlib adds 1e-12 to denominators; here a ratio whose denominator is 0 is null, as across
 *   the catalog (`kmid2` on a bar with high = low, `vma` on a zero-volume bar).
 * - Correlations and R^2 are null where a window is constant (Qlib: NaN where the std is
 *   within 2e-5 of 0).
 * - Bars carry no VWAP, so Qlib's VWAP0 becomes `typ0`, the typical price (H+L+C)/3 over the
 *   close; VOLUME0 (volume / volume, always 1) is left out.
 * - Warm-ups are full windows: a rolling feature of n bars is null until n values exist (Qlib's
 *   min_periods=1 operators give values from a part window).
 *
 * Windows run per symbol (`.over('symbol')`), over inputs that never mix two symbols, so a
 * symbol's values are bit-identical whatever shares the table; plain shifts (ROC, RANK, the
 * IMAX/IMIN comparisons) reach into the previous symbol only within the warm-up, which the
 * builder nulls.
 */

const open = () => col('open');
const high = () => col('high');
const low = () => col('low');
const close = () => col('close');
const volume = () => col('volume');
const win = (n: number) => ({ windowSize: n });

/** Qlib's Alpha158 windows. */
export const ALPHA158_WINDOWS = [5, 10, 20, 30, 60] as const;

const WINDOW: Record<string, ParamDef> = { period: { default: 20, min: 2, integer: true } };

function bar(formula: string, expr: () => pl.Expr): FeatureKind {
  return { params: {}, formula, warmup: () => 0, warmupText: '0', expr };
}

/** A rolling family: `warmupExtra` is 0 for windows of raw bars, 1 for windows of bar-to-bar changes. */
function rolling(formula: string, warmupExtra: 0 | 1, expr: (n: number, plan: FeaturePlan) => pl.Expr): FeatureKind {
  return {
    params: WINDOW,
    formula,
    warmup: (p: FeatureParams) => p.period - 1 + warmupExtra,
    warmupText: warmupExtra ? 'n' : 'n-1',
    expr: (p, plan) => expr(p.period, plan),
  };
}


// Extremes, quantiles and weighted sums are computed afresh from each window's values (no
// running sums), so they need no partition: a window reaching into the previous symbol lies in
// the warm-up, and every other window is the same whatever precedes the symbol.
const maxHigh = (plan: FeaturePlan, n: number) => plan.shared(`max_high_${n}`, 1, () => high().rollingMax(win(n)));
const minLow = (plan: FeaturePlan, n: number) => plan.shared(`min_low_${n}`, 1, () => low().rollingMin(win(n)));

// Row keys for rolling arg-max: key = rank * 2^26 - bar, with `rank` the dense rank of the value
// within its symbol and `bar` the row's position in it. The rolling max of the key is the
// window's largest value and, among equal values, its oldest bar, which the key gives back
// exactly (ranks and bars below 2^26, so the key stays below 2^53). polars has no rolling
// arg-max, and a comparison per lag costs thousands of expressions.
const KEY_SCALE = 2 ** 26;

/**
 * 1-based position, oldest first, of the first bar among the last n at the window's extreme of
 * `name` (numpy argmax + 1, as Qlib's IdxMax/IdxMin): `descending` ranks turn the max into the min.
 */
function argExtreme(plan: FeaturePlan, name: 'high' | 'low', descending: boolean, n: number): pl.Expr {
  const tag = `${name}_${descending ? 'desc' : 'asc'}`;
  return plan.shared(`arg_${tag}_${n}`, 5, () => {
    const bar = plan.bar();
    const key = plan.shared(`arg_key_${tag}`, 3, () => perSymbol(col(name).rank('dense', descending)).cast(pl.Float64).mul(KEY_SCALE).sub(bar));
    const top = plan.shared(`arg_top_${tag}_${n}`, 4, () => key.rollingMax(win(n)));
    const bestBar = top.div(KEY_SCALE).ceil().mul(KEY_SCALE).sub(top);
    return bestBar.sub(bar).add(n);
  });
}
const idxMax = (plan: FeaturePlan, n: number) => argExtreme(plan, 'high', false, n);
const idxMin = (plan: FeaturePlan, n: number) => argExtreme(plan, 'low', true, n);

/**
 * OLS slope of the last n closes against time 1..n: one weighted rolling sum, with weights
 * (i - (n+1)/2) / sum_i (i - (n+1)/2)^2, so no moment differences cancel.
 */
function slope(plan: FeaturePlan, n: number): pl.Expr {
  return plan.shared(`slope_close_${n}`, 1, () => {
    const centre = (n + 1) / 2;
    const ss = (n * (n * n - 1)) / 12;
    const weights = Array.from({ length: n }, (_, i) => (i + 1 - centre) / ss);
    return close().rollingSum({ windowSize: n, weights });
  });
}
const sampleCloseStd = (plan: FeaturePlan, n: number) => plan.shared(`std1_close_${n}`, 1, () => rollingStd(close(), n, 1));
/** Std of the last n closes with divisor n - ddof; the population figure rescales the sample one. */
const closeStd = (plan: FeaturePlan, n: number, ddof: 0 | 1) => (ddof === 1 ? sampleCloseStd(plan, n) : sampleCloseStd(plan, n).mul(Math.sqrt((n - 1) / n)));

/** Pearson correlation of the last n values of x and y; null where either window is constant. */
function correlation(plan: FeaturePlan, key: string, x: () => pl.Expr, y: () => pl.Expr, n: number): pl.Expr {
  // The stds are hidden columns because the result reads each twice (polars would compute it twice).
  return plan.shared(`${key}_${n}`, 4, () => {
    const xs = plan.shared(`${key}_x`, 2, x);
    const ys = plan.shared(`${key}_y`, 2, y);
    const mean = (e: pl.Expr) => perSymbol(e.rollingMean(win(n)));
    const cov = mean(xs.mul(ys)).sub(mean(xs).mul(mean(ys)));
    const sx = plan.shared(`${key}_sx_${n}`, 3, () => rollingStd(xs, n, 0));
    const sy = plan.shared(`${key}_sy_${n}`, 3, () => rollingStd(ys, n, 0));
    return pl.when(sx.eq(0).or(sy.eq(0))).then(nullF64()).otherwise(cov.div(sx.mul(sy)));
  });
}
const corrPriceVolume = (plan: FeaturePlan, n: number) => correlation(plan, 'corr_close_logvol', close, () => volume().add(1).log(), n);
const corrChanges = (plan: FeaturePlan, n: number) =>
  correlation(plan, 'corr_closeratio_logvolratio', () => close().div(prev(plan, 'close')), () => safeDiv(volume(), prev(plan, 'volume')).add(1).log(), n);

/** Mean over the last n bars of an up (`gt`) or down (`lt`) close-to-close move indicator. */
const moveShare = (plan: FeaturePlan, dir: 'gt' | 'lt', n: number) =>
  plan.shared(`cnt_${dir}_${n}`, 2, () => perSymbol(close()[dir](prev(plan, 'close')).cast(pl.Float64).rollingMean(win(n))));

/**
 * Sums over the last n bars of the positive and negative parts of a column's bar-to-bar change,
 * and of its absolute value. Zero total movement is detected exactly (rolling max of |change|
 * is 0), not from the sliding sum, whose residue of earlier values is not exactly 0.
 */
function moves(plan: FeaturePlan, col: string, n: number): { up: pl.Expr; down: pl.Expr; total: pl.Expr } {
  const change = () => pl.col(col).sub(prev(plan, col));
  const up = plan.shared(`up_${col}`, 2, () => pl.when(change().gt(0)).then(change()).otherwise(pl.lit(0)));
  const down = plan.shared(`down_${col}`, 2, () => pl.when(change().lt(0)).then(change().mul(-1)).otherwise(pl.lit(0)));
  const abs = plan.shared(`abs_${col}`, 2, () => change().abs());
  const sum = (e: pl.Expr, what: string) => plan.shared(`sum_${what}_${col}_${n}`, 3, () => perSymbol(e.rollingSum(win(n))));
  const still = plan.shared(`still_${col}_${n}`, 3, () => perSymbol(abs.rollingMax(win(n))).eq(0));
  const total = pl.when(still).then(nullF64()).otherwise(sum(abs, 'abs'));
  return { up: sum(up, 'up'), down: sum(down, 'down'), total };
}

const ratio = (a: pl.Expr, b: pl.Expr) => safeDiv(a, b);

/**
 * Lags 1..n-1 cut at the Alpha158 windows, so RANK over 5, 10, ..., 60 bars shares its
 * comparisons: RANK_60 adds lags 30..59 to the blocks RANK_30 already summed.
 */
function lagBlocks(n: number): [number, number][] {
  const cuts = [...new Set([...ALPHA158_WINDOWS.filter((w) => w < n), n])].sort((a, b) => a - b);
  return cuts.map((to, i) => [i === 0 ? 1 : cuts[i - 1], to - 1] as [number, number]).filter(([from, to]) => from <= to);
}

/** Sum over lags from..to of 1 if that past close is below the close, 0.5 if equal, else 0. */
function rankBlock(plan: FeaturePlan, from: number, to: number): pl.Expr {
  return plan.shared(`rank_lags_${from}_${to}`, 1, () => {
    const past = Array.from({ length: to - from + 1 }, (_, i) => plan.memo(`shift_close_${from + i}`, () => close().shift(from + i)));
    const below = pl.sumHorizontal(past.map((p) => p.lt(close()))).cast(pl.Float64);
    const equal = pl.sumHorizontal(past.map((p) => p.eq(close()))).cast(pl.Float64);
    return below.add(equal.mul(0.5));
  });
}

export const ALPHA158_FEATURES: Readonly<Record<string, FeatureKind>> = {
  kmid: bar('Qlib KMID: (close - open) / open', () => close().sub(open()).div(open())),
  klen: bar('Qlib KLEN: (high - low) / open', () => high().sub(low()).div(open())),
  kmid2: bar('Qlib KMID2: (close - open) / (high - low) (null where high = low)', () => ratio(close().sub(open()), high().sub(low()))),
  kup: bar('Qlib KUP: (high - max(open, close)) / open', () => high().sub(pl.maxHorizontal([open(), close()])).div(open())),
  kup2: bar('Qlib KUP2: (high - max(open, close)) / (high - low) (null where high = low)', () => ratio(high().sub(pl.maxHorizontal([open(), close()])), high().sub(low()))),
  klow: bar('Qlib KLOW: (min(open, close) - low) / open', () => pl.minHorizontal([open(), close()]).sub(low()).div(open())),
  klow2: bar('Qlib KLOW2: (min(open, close) - low) / (high - low) (null where high = low)', () => ratio(pl.minHorizontal([open(), close()]).sub(low()), high().sub(low()))),
  ksft: bar('Qlib KSFT: (2 close - high - low) / open', () => close().mul(2).sub(high()).sub(low()).div(open())),
  ksft2: bar('Qlib KSFT2: (2 close - high - low) / (high - low) (null where high = low)', () => ratio(close().mul(2).sub(high()).sub(low()), high().sub(low()))),
  open0: bar('Qlib OPEN0: open / close', () => open().div(close())),
  high0: bar('Qlib HIGH0: high / close', () => high().div(close())),
  low0: bar('Qlib LOW0: low / close', () => low().div(close())),
  typ0: bar("typical price over close: (high + low + close) / 3 / close (stands in for Qlib's VWAP0; bars carry no VWAP)", () => high().add(low()).add(close()).div(3).div(close())),
  roc: {
    params: WINDOW,
    formula: 'Qlib ROC: close_{t-n} / close_t',
    warmup: (p) => p.period,
    warmupText: 'n',
    expr: (p) => close().shift(p.period).div(close()),
  },
  ma: rolling('Qlib MA: mean of the last n closes / close', 0, (n, plan) => smaOf(plan, 'close', n).div(close())),
  std: rolling('Qlib STD: sample (n-1) std of the last n closes / close', 0, (n, plan) => closeStd(plan, n, 1).div(close())),
  beta: rolling('Qlib BETA: OLS slope of the last n closes against time (1 per bar) / close', 0, (n, plan) => slope(plan, n).div(close())),
  rsqr: rolling('Qlib RSQR: R^2 of the OLS fit of the last n closes against time (null where they are constant)', 0, (n, plan) => {
    const varTime = (n * n - 1) / 12;
    return safeDiv(slope(plan, n).pow(2).mul(varTime), closeStd(plan, n, 0).pow(2));
  }),
  resi: rolling('Qlib RESI: residual of the close from the OLS fit of the last n closes against time / close', 0, (n, plan) =>
    close().sub(smaOf(plan, 'close', n)).sub(slope(plan, n).mul((n - 1) / 2)).div(close()),
  ),
  max: rolling('Qlib MAX: highest high of the last n bars / close', 0, (n, plan) => maxHigh(plan, n).div(close())),
  min: rolling('Qlib MIN: lowest low of the last n bars / close', 0, (n, plan) => minLow(plan, n).div(close())),
  qtlu: rolling('Qlib QTLU: 0.8 quantile (linear interpolation) of the last n closes / close', 0, (n) =>
    close().rollingQuantile({ quantile: 0.8, interpolation: 'linear', windowSize: n }).div(close()),
  ),
  qtld: rolling('Qlib QTLD: 0.2 quantile (linear interpolation) of the last n closes / close', 0, (n) =>
    close().rollingQuantile({ quantile: 0.2, interpolation: 'linear', windowSize: n }).div(close()),
  ),
  rank: rolling("Qlib RANK: percentile rank of the close among the last n closes, ties averaged: (1 + #lower + #equal/2) / n (pandas rank(pct=True))", 0, (n, plan) =>
    pl.sumHorizontal(lagBlocks(n).map(([from, to]) => rankBlock(plan, from, to))).add(1).div(n),
  ),
  rsv: rolling('Qlib RSV: (close - lowest low) / (highest high - lowest low) over the last n bars (null where they are equal)', 0, (n, plan) =>
    ratio(close().sub(minLow(plan, n)), maxHigh(plan, n).sub(minLow(plan, n))),
  ),
  imax: rolling('Qlib IMAX: position (1 = oldest, n = now; first of ties) of the highest high among the last n bars / n', 0, (n, plan) => idxMax(plan, n).div(n)),
  imin: rolling('Qlib IMIN: position (1 = oldest, n = now; first of ties) of the lowest low among the last n bars / n', 0, (n, plan) => idxMin(plan, n).div(n)),
  imxd: rolling('Qlib IMXD: (IMAX position - IMIN position) / n', 0, (n, plan) => idxMax(plan, n).sub(idxMin(plan, n)).div(n)),
  corr: rolling('Qlib CORR: correlation of the last n closes with ln(volume + 1) (null where either is constant)', 0, (n, plan) => corrPriceVolume(plan, n)),
  cord: rolling(
    'Qlib CORD: correlation over the last n bars of close_t / close_{t-1} with ln(volume_t / volume_{t-1} + 1) (null where either is constant or a volume ratio is undefined)',
    1,
    (n, plan) => corrChanges(plan, n),
  ),
  cntp: rolling('Qlib CNTP: share of the last n bars whose close rose', 1, (n, plan) => moveShare(plan, 'gt', n)),
  cntn: rolling('Qlib CNTN: share of the last n bars whose close fell', 1, (n, plan) => moveShare(plan, 'lt', n)),
  cntd: rolling('Qlib CNTD: CNTP - CNTN', 1, (n, plan) => moveShare(plan, 'gt', n).sub(moveShare(plan, 'lt', n))),
  sump: rolling('Qlib SUMP: sum of close rises / sum of |close changes| over the last n bars (null if the close never moved)', 1, (n, plan) => {
    const m = moves(plan, 'close', n);
    return m.up.div(m.total);
  }),
  sumn: rolling('Qlib SUMN: sum of close falls / sum of |close changes| over the last n bars (null if the close never moved)', 1, (n, plan) => {
    const m = moves(plan, 'close', n);
    return m.down.div(m.total);
  }),
  sumd: rolling('Qlib SUMD: (sum of rises - sum of falls) / sum of |close changes| over the last n bars (null if the close never moved)', 1, (n, plan) => {
    const m = moves(plan, 'close', n);
    return m.up.sub(m.down).div(m.total);
  }),
  vma: rolling('Qlib VMA: mean of the last n volumes / volume (null where volume is 0)', 0, (n, plan) => ratio(smaOf(plan, 'volume', n), volume())),
  vstd: rolling('Qlib VSTD: sample (n-1) std of the last n volumes / volume (null where volume is 0)', 0, (n) => ratio(rollingStd(volume(), n, 1), volume())),
  wvma: rolling(
    'Qlib WVMA: sample (n-1) std / mean of |close_t / close_{t-1} - 1| * volume over the last n bars (null where that mean is 0)',
    1,
    (n, plan) => {
      const x = plan.shared('abs_ret_volume', 2, () => close().div(prev(plan, 'close')).sub(1).abs().mul(volume()));
      return ratio(rollingStd(x, n, 1), plan.shared(`mean_abs_ret_volume_${n}`, 3, () => perSymbol(x.rollingMean(win(n)))));
    },
  ),
  vsump: rolling('Qlib VSUMP: sum of volume rises / sum of |volume changes| over the last n bars (null if the volume never moved)', 1, (n, plan) => {
    const m = moves(plan, 'volume', n);
    return m.up.div(m.total);
  }),
  vsumn: rolling('Qlib VSUMN: sum of volume falls / sum of |volume changes| over the last n bars (null if the volume never moved)', 1, (n, plan) => {
    const m = moves(plan, 'volume', n);
    return m.down.div(m.total);
  }),
  vsumd: rolling('Qlib VSUMD: (sum of volume rises - falls) / sum of |volume changes| over the last n bars (null if the volume never moved)', 1, (n, plan) => {
    const m = moves(plan, 'volume', n);
    return m.up.sub(m.down).div(m.total);
  }),
};

/** Families of `ALPHA158_FEATURES` that take a window, in Qlib's order. */
export const ALPHA158_ROLLING = Object.keys(ALPHA158_FEATURES).filter((name) => 'period' in ALPHA158_FEATURES[name].params);
