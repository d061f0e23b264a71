import pl from 'nodejs-polars';
import { type FeaturePlan, once, perSymbol } from './plan';

/**
 * TA-Lib-compatible indicators as polars expressions over the whole (multi-symbol) table.
 * "First value at bar k" counts bars from the symbol's first bar (0): bars 0..k-1 are null,
 * TA-Lib's lookback is k. Anything that does arithmetic across bars (rolling windows,
 * recursive averages) runs per symbol (`.over('symbol')`), so a symbol's values are
 * bit-identical whatever other symbols share the table; plain shifts and differences run
 * over the whole table, and the values they take across a symbol boundary fall in the
 * warm-up that the feature builder nulls.
 */

/** `null` literal typed as Float64, so `when/then` branches agree on dtype. */
export const nullF64 = once(() => pl.lit(null).cast(pl.Float64));

/** `num / den`, null where `den` is 0 (the ratio is undefined there, not infinite). `den` is evaluated twice: pass a column, not a costly expression. */
export function safeDiv(num: pl.Expr, den: pl.Expr): pl.Expr {
  return pl.when(den.eq(0)).then(nullF64()).otherwise(num.div(den));
}

/** TA-Lib SMA: mean of the last `period` values. First value at bar period-1. */
export function sma(x: pl.Expr, period: number): pl.Expr {
  return x.rollingMean({ windowSize: period });
}

/**
 * Standard deviation of the last `period` values of `x` within each symbol, with divisor
 * period - ddof. First value at bar period-1.
 * polars' rollingStd ignores its `ddof` option and always returns the sample (n-1) figure, so
 * ddof 0 rescales it by sqrt((n-1)/n). Its sliding-window sums also leave a residue of about
 * sqrt(machine epsilon x earlier squares) on windows whose values are all equal, so those,
 * detected exactly by rolling max = rolling min, are set to 0. Only the sliding sums need the
 * per-symbol partition: extremes are exact per window, and a window that reaches into the
 * previous symbol lies in the warm-up.
 */
export function rollingStd(x: pl.Expr, period: number, ddof: 0 | 1): pl.Expr {
  const window = { windowSize: period };
  const sample = perSymbol(x.rollingStd(window));
  const std = ddof === 1 ? sample : sample.mul(Math.sqrt((period - 1) / period));
  return pl.when(x.rollingMax(window).eq(x.rollingMin(window))).then(pl.lit(0)).otherwise(std);
}

/** Population standard deviation of the last `period` values (TA-Lib STDDEV, nbDev 1). */
export function populationStd(x: pl.Expr, period: number): pl.Expr {
  return rollingStd(x, period, 0);
}

/**
 * The symbol's previous value of column `col`: null on its first bar, never the previous
 * symbol's last. Rolling sums carry a residue of every value that passed through the window,
 * so a window must see the same values whatever symbol precedes it in the table.
 */
export function previous(plan: FeaturePlan, col: string): pl.Expr {
  return plan.shared(`prev_${col}`, 1, () => perSymbol(pl.col(col).shift(1)));
}

/** Mean of the last `n` values of column `col` per symbol, shared by every feature of a build that asks for it. */
export function smaOf(plan: FeaturePlan, col: string, n: number): pl.Expr {
  return plan.shared(`sma_${col}_${n}`, 1, () => perSymbol(sma(pl.col(col), n)));
}

/** Population std of the last `n` values of column `col` per symbol, shared like `smaOf`. */
export function stdOf(plan: FeaturePlan, col: string, n: number): pl.Expr {
  return plan.shared(`std_${col}_${n}`, 1, () => populationStd(pl.col(col), n));
}

/**
 * Recursive smoothing y_t = y_{t-1} + alpha (x_t - y_{t-1}) seeded, as TA-Lib seeds it, by the
 * simple mean of the `window` values of `x` ending at bar `seedBar`; null before `seedBar`.
 * Built as hidden columns of `plan`: the input with its warm-up nulled and the seed mean placed
 * at `seedBar`, then `ewmMean(adjust:false)` per symbol, which starts its recursion at that
 * first non-null value. `inputLevel` is the plan level of the columns `x` reads (0: input columns).
 */
export function smoothed(plan: FeaturePlan, key: string, inputLevel: number, x: () => pl.Expr, alpha: number, window: number, seedBar: number): pl.Expr {
  const seedMean = plan.shared(`${key}_seed`, inputLevel + 1, () => perSymbol(x().rollingMean({ windowSize: window })));
  const level = smoothedLevel(inputLevel) - 1;
  const seeded = plan.shared(`${key}_seeded`, level, () => {
    const bar = plan.bar();
    return pl.when(bar.lt(seedBar)).then(nullF64()).when(bar.eq(seedBar)).then(seedMean).otherwise(x());
  });
  return plan.shared(key, level + 1, () => perSymbol(seeded.ewmMean({ alpha, adjust: false })));
}

/** Plan level of the column `smoothed` returns for inputs of `inputLevel`. */
export function smoothedLevel(inputLevel: number): number {
  return inputLevel + 3;
}

/** TA-Lib EMA of column `col`: k = 2/(period+1), seeded by the SMA of its first `period` values. First value at bar period-1. */
export function ema(plan: FeaturePlan, col: string, period: number): pl.Expr {
  return smoothed(plan, `ema_${col}_${period}`, 0, () => pl.col(col), 2 / (period + 1), period, period - 1);
}

/**
 * TA-Lib RSI (Wilder): average gain G and loss L of the close-to-close changes, seeded by the
 * simple mean of changes 1..period, then G_t = (G_{t-1} (period-1) + gain_t) / period (same for L).
 * RSI = 100 G / (G + L); 0 when G + L is 0 (no movement at all), as TA-Lib returns.
 * First value at bar `period`.
 */
export function rsi(plan: FeaturePlan, period: number): pl.Expr {
  const change = pl.col('close').diff(1, 'ignore');
  const gain = plan.shared('gain', 1, () => pl.when(change.gt(0)).then(change).otherwise(pl.lit(0)));
  const loss = plan.shared('loss', 1, () => pl.when(change.lt(0)).then(change.mul(-1)).otherwise(pl.lit(0)));
  const avgGain = smoothed(plan, `rsi_gain_${period}`, 1, () => gain, 1 / period, period, period);
  const avgLoss = smoothed(plan, `rsi_loss_${period}`, 1, () => loss, 1 / period, period, period);
  const total = avgGain.add(avgLoss);
  return pl.when(total.eq(0)).then(pl.lit(0)).otherwise(avgGain.div(total).mul(100));
}

/**
 * TA-Lib MACD line, aligned as TA-Lib aligns it: both EMAs are seeded at bar slow-1, the fast
 * one by the SMA of the `fast` closes ending there (bars slow-fast .. slow-1, not the first
 * `fast` bars), the slow one by the SMA of bars 0..slow-1. MACD = EMA_fast - EMA_slow, defined
 * from bar slow-1; TA-Lib reports it only from bar slow-1 + signal-1, where the signal starts.
 */
export function macdLine(plan: FeaturePlan, fast: number, slow: number): pl.Expr {
  const close = () => pl.col('close');
  const fastEma = smoothed(plan, `macd_fast_${fast}_${slow}`, 0, close, 2 / (fast + 1), fast, slow - 1);
  const slowEma = smoothed(plan, `macd_slow_${fast}_${slow}`, 0, close, 2 / (slow + 1), slow, slow - 1);
  return fastEma.sub(slowEma);
}

/**
 * TA-Lib MACD signal line: EMA_signal of the MACD line (defined from bar slow-1), seeded by the
 * mean of its first `signal` values. First value at bar slow-1 + signal-1 (33 for 12/26/9).
 */
export function macdSignal(plan: FeaturePlan, fast: number, slow: number, signal: number): pl.Expr {
  const line = () => macdLine(plan, fast, slow);
  return smoothed(plan, `macd_signal_${fast}_${slow}_${signal}`, smoothedLevel(0), line, 2 / (signal + 1), signal, slow + signal - 2);
}

/**
 * TA-Lib ATR (Wilder): true range TR_t = max(high_t - low_t, |high_t - close_{t-1}|, |low_t - close_{t-1}|)
 * for t >= 1; seeded at bar `period` by the mean of TR over bars 1..period, then
 * ATR_t = (ATR_{t-1} (period-1) + TR_t) / period. First value at bar `period`.
 */
export function atr(plan: FeaturePlan, period: number): pl.Expr {
  const tr = plan.shared('true_range', 1, () => {
    const prevClose = pl.col('close').shift(1);
    const hl = pl.col('high').sub(pl.col('low'));
    const hc = pl.col('high').sub(prevClose).abs();
    const lc = pl.col('low').sub(prevClose).abs();
    const hlOrHc = pl.when(hl.gtEq(hc)).then(hl).otherwise(hc);
    return pl.when(hlOrHc.gtEq(lc)).then(hlOrHc).otherwise(lc);
  });
  return smoothed(plan, `atr_${period}`, 1, () => tr, 1 / period, period, period);
}
