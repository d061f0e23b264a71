import pl from 'nodejs-polars';
import { ALPHA158_FEATURES } from './alpha158';
import { CROSS_SECTION_FEATURES } from './cross-section';
import { atr, ema, macdLine, macdSignal, previous, rollingStd, rsi, safeDiv, smaOf, stdOf } from './indicators';
import type { FeatureKind, FeatureParams, ParamDef } from './kind';
import { type FeaturePlan } from './plan';

/**
 * Every feature the kit can compute. A feature spec names entries of this catalog;
 * each entry yields ONE column named `<name>_<param values in the order listed>`
 * (`rsi_14`, `macd_signal_12_26_9`, `bb_pctb_20_2`), or just `<name>` when it has no
 * parameters (`hl_spread`, `dow`). Every feature is Float64.
 *
 * Conventions: prices are `close`/`high`/`low` as given (pass adjusted bars for total
 * returns); "bar k" counts from a symbol's first bar (0); the warm-up is the number of
 * leading null rows per symbol. A ratio whose denominator is 0 is null, never +/-Infinity.
 *
 * How they are computed: rolling windows and recursive averages (EMA, Wilder) run per symbol
 * (`.over('symbol')`), the ones several features use as shared columns of the `FeaturePlan`;
 * plain shifts run over the whole table and the builder nulls each feature's first `warmup`
 * bars per symbol, which covers every bar whose shift reaches into the previous symbol.
 */

export type { FeatureKind, FeatureParams, ParamDef };

const close = () => pl.col('close');
const high = () => pl.col('high');
const low = () => pl.col('low');
const volume = () => pl.col('volume');

const period = (def: number, min = 1): Record<string, ParamDef> => ({ period: { default: def, min, integer: true } });
const MACD_PARAMS: Record<string, ParamDef> = {
  fast: { default: 12, min: 2, integer: true },
  slow: { default: 26, min: 2, integer: true },
  signal: { default: 9, min: 1, integer: true },
};
const BB_PARAMS: Record<string, ParamDef> = { ...period(20, 2), stddev: { default: 2, min: 0, integer: false } };

const macdWarmup = (p: FeatureParams) => p.slow - 1 + p.signal - 1;

const bands = (plan: FeaturePlan, p: FeatureParams) => {
  const middle = smaOf(plan, 'close', p.period);
  const band = stdOf(plan, 'close', p.period).mul(p.stddev);
  return { upper: middle.add(band), middle, lower: middle.sub(band) };
};
const zscore = (plan: FeaturePlan, col: string, n: number) => safeDiv(pl.col(col).sub(smaOf(plan, col, n)), stdOf(plan, col, n));

export const FEATURE_CATALOG: Readonly<Record<string, FeatureKind>> = {
  ret: {
    params: period(1),
    formula: 'simple return over n bars: close_t / close_{t-n} - 1',
    warmup: (p) => p.period,
    warmupText: 'n',
    expr: (p) => close().div(close().shift(p.period)).sub(1),
  },
  logret: {
    params: period(1),
    formula: 'log return over n bars: ln(close_t / close_{t-n})',
    warmup: (p) => p.period,
    warmupText: 'n',
    expr: (p) => close().div(close().shift(p.period)).log(),
  },
  vol_chg: {
    params: period(1),
    formula: 'volume change over n bars: volume_t / volume_{t-n} - 1 (null where volume_{t-n} is 0)',
    warmup: (p) => p.period,
    warmupText: 'n',
    expr: (p) => safeDiv(volume(), volume().shift(p.period)).sub(1),
  },
  hl_spread: {
    params: {},
    formula: 'high-low spread relative to the close: (high - low) / close',
    warmup: () => 0,
    warmupText: '0',
    expr: () => high().sub(low()).div(close()),
  },
  close_pos: {
    params: {},
    formula: "close's position in the bar's range: (close - low) / (high - low), 0 at the low, 1 at the high (null where high = low)",
    warmup: () => 0,
    warmupText: '0',
    expr: () => safeDiv(close().sub(low()), high().sub(low())),
  },
  sma: {
    params: period(20, 2),
    formula: 'simple moving average of the last n closes (TA-Lib SMA)',
    warmup: (p) => p.period - 1,
    warmupText: 'n-1',
    expr: (p, plan) => smaOf(plan, 'close', p.period),
  },
  ema: {
    params: period(20, 2),
    formula: 'exponential moving average, k = 2/(n+1), seeded by the SMA of the first n closes (TA-Lib EMA)',
    warmup: (p) => p.period - 1,
    warmupText: 'n-1',
    expr: (p, plan) => ema(plan, 'close', p.period),
  },
  sma_ratio: {
    params: period(20, 2),
    formula: 'close / SMA(n)',
    warmup: (p) => p.period - 1,
    warmupText: 'n-1',
    expr: (p, plan) => close().div(smaOf(plan, 'close', p.period)),
  },
  ema_ratio: {
    params: period(20, 2),
    formula: 'close / EMA(n) (TA-Lib-seeded EMA)',
    warmup: (p) => p.period - 1,
    warmupText: 'n-1',
    expr: (p, plan) => close().div(ema(plan, 'close', p.period)),
  },
  rsi: {
    params: period(14, 2),
    formula:
      'TA-Lib RSI: Wilder averages G, L of gains/losses of close changes, seeded by the simple mean of changes 1..n, ' +
      'then G_t = (G_{t-1}(n-1) + gain_t)/n; RSI = 100 G/(G+L), 0 when G+L = 0',
    warmup: (p) => p.period,
    warmupText: 'n',
    expr: (p, plan) => rsi(plan, p.period),
  },
  macd: {
    params: MACD_PARAMS,
    formula:
      'TA-Lib MACD line: EMA_fast(close) - EMA_slow(close), both seeded at bar slow-1 by the SMA of the fast/slow closes ending there',
    warmup: macdWarmup,
    warmupText: 'slow+signal-2 (33 for 12/26/9)',
    expr: (p, plan) => macdLine(plan, p.fast, p.slow),
  },
  macd_signal: {
    params: MACD_PARAMS,
    formula: 'TA-Lib MACD signal: EMA_signal of the MACD line, seeded by the mean of its first `signal` values',
    warmup: macdWarmup,
    warmupText: 'slow+signal-2 (33 for 12/26/9)',
    expr: (p, plan) => macdSignal(plan, p.fast, p.slow, p.signal),
  },
  macd_hist: {
    params: MACD_PARAMS,
    formula: 'TA-Lib MACD histogram: MACD line - signal',
    warmup: macdWarmup,
    warmupText: 'slow+signal-2 (33 for 12/26/9)',
    expr: (p, plan) => macdLine(plan, p.fast, p.slow).sub(macdSignal(plan, p.fast, p.slow, p.signal)),
  },
  bb_upper: {
    params: BB_PARAMS,
    formula: 'TA-Lib BBANDS upper band: SMA(n) + k * population std of the last n closes',
    warmup: (p) => p.period - 1,
    warmupText: 'n-1',
    expr: (p, plan) => bands(plan, p).upper,
  },
  bb_middle: {
    params: BB_PARAMS,
    formula: 'TA-Lib BBANDS middle band: SMA(n)',
    warmup: (p) => p.period - 1,
    warmupText: 'n-1',
    expr: (p, plan) => bands(plan, p).middle,
  },
  bb_lower: {
    params: BB_PARAMS,
    formula: 'TA-Lib BBANDS lower band: SMA(n) - k * population std of the last n closes',
    warmup: (p) => p.period - 1,
    warmupText: 'n-1',
    expr: (p, plan) => bands(plan, p).lower,
  },
  bb_pctb: {
    params: BB_PARAMS,
    formula: 'Bollinger %B: (close - lower) / (upper - lower) (null where the bands touch)',
    warmup: (p) => p.period - 1,
    warmupText: 'n-1',
    expr: (p, plan) => {
      const b = bands(plan, p);
      return safeDiv(close().sub(b.lower), b.upper.sub(b.lower));
    },
  },
  bb_width: {
    params: BB_PARAMS,
    formula: 'Bollinger bandwidth: (upper - lower) / middle',
    warmup: (p) => p.period - 1,
    warmupText: 'n-1',
    expr: (p, plan) => {
      const b = bands(plan, p);
      return b.upper.sub(b.lower).div(b.middle);
    },
  },
  atr: {
    params: period(14),
    formula:
      'TA-Lib ATR: true range TR_t = max(high-low, |high-close_{t-1}|, |low-close_{t-1}|); ' +
      'seeded at bar n by the mean of TR over bars 1..n, then ATR_t = (ATR_{t-1}(n-1) + TR_t)/n',
    warmup: (p) => p.period,
    warmupText: 'n',
    expr: (p, plan) => atr(plan, p.period),
  },
  natr: {
    params: period(14),
    formula: 'TA-Lib NATR: 100 * ATR(n) / close',
    warmup: (p) => p.period,
    warmupText: 'n',
    expr: (p, plan) => atr(plan, p.period).div(close()).mul(100),
  },
  volatility: {
    params: period(20, 2),
    formula: 'rolling volatility: sample (n-1) standard deviation of the last n one-bar log returns (not annualised)',
    warmup: (p) => p.period,
    warmupText: 'n',
    expr: (p, plan) => rollingStd(close().div(previous(plan, 'close')).log(), p.period, 1),
  },
  zscore_close: {
    params: period(20, 2),
    formula: 'rolling z-score of the close: (close - SMA(n)) / population std of the last n closes (null where that std is 0)',
    warmup: (p) => p.period - 1,
    warmupText: 'n-1',
    expr: (p, plan) => zscore(plan, 'close', p.period),
  },
  zscore_volume: {
    params: period(20, 2),
    formula: 'rolling z-score of the volume: (volume - mean of last n volumes) / their population std (null where that std is 0)',
    warmup: (p) => p.period - 1,
    warmupText: 'n-1',
    expr: (p, plan) => zscore(plan, 'volume', p.period),
  },
  dow: {
    params: {},
    formula: "day of week of the bar's UTC date: 0 = Monday ... 6 = Sunday",
    warmup: () => 0,
    warmupText: '0',
    expr: () => pl.col('date').date.weekday().cast(pl.Float64).sub(1),
  },
  ...ALPHA158_FEATURES,
  ...CROSS_SECTION_FEATURES,
};
