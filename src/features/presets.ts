import { UsageError } from '../errors';
import { ALPHA158_FEATURES, ALPHA158_ROLLING, ALPHA158_WINDOWS } from './alpha158';
import type { FeatureSpec } from './spec';

/** Qlib's Alpha158 layout: the per-bar features, then each rolling family over each window. */
function alpha158(): FeatureSpec {
  const perBar = Object.keys(ALPHA158_FEATURES).filter((name) => !ALPHA158_ROLLING.includes(name));
  return [...perBar.map((name) => ({ name })), ...ALPHA158_ROLLING.flatMap((name) => ALPHA158_WINDOWS.map((period) => ({ name, params: { period } })))];
}

/**
 * Named feature sets, for `--preset` and quick experiments.
 * - `basic`: five OHLCV-derived, scale-free features of the kind simple LSTM guides feed (warm-up 5 bars).
 * - `technical`: returns, volume, range, trend, momentum, Bollinger, ATR, volatility, z-scores
 *   and day of week (warm-up 33 bars, set by MACD 12/26/9).
 * - `alpha158`: Qlib's Alpha158 factor library (see src/features/alpha158.ts): 9 KBAR shape
 *   features, 4 price ratios, and 29 rolling families (ROC, MA, STD, BETA, RSQR, RESI, MAX, MIN,
 *   QTLU, QTLD, RANK, RSV, IMAX, IMIN, IMXD, CORR, CORD, CNTP, CNTN, CNTD, SUMP, SUMN, SUMD,
 *   VMA, VSTD, WVMA, VSUMP, VSUMN, VSUMD) over 5, 10, 20, 30 and 60 bars: 158 features,
 *   warm-up 60 bars. Per symbol: a symbol's values do not depend on the other symbols.
 * - `cross_section`: the symbol against the others at the same timestamp: percentile rank and
 *   z-score of its 1- and 5-bar returns, its return relative to the equal-weight market, and its
 *   60-bar beta to that market (7 features, warm-up 60 bars). Meant for multi-symbol tables,
 *   alone or appended to another preset (`[...PRESETS.alpha158, ...PRESETS.cross_section]`).
 */
export const PRESETS: Readonly<Record<string, FeatureSpec>> = {
  basic: [{ name: 'logret', params: { period: 1 } }, { name: 'ret', params: { period: 5 } }, { name: 'hl_spread' }, { name: 'close_pos' }, { name: 'vol_chg', params: { period: 1 } }],
  technical: [
    { name: 'logret', params: { period: 1 } },
    { name: 'ret', params: { period: 5 } },
    { name: 'ret', params: { period: 20 } },
    { name: 'vol_chg', params: { period: 1 } },
    { name: 'hl_spread' },
    { name: 'close_pos' },
    { name: 'sma_ratio', params: { period: 20 } },
    { name: 'ema_ratio', params: { period: 20 } },
    { name: 'rsi', params: { period: 14 } },
    { name: 'macd', params: { fast: 12, slow: 26, signal: 9 } },
    { name: 'macd_signal', params: { fast: 12, slow: 26, signal: 9 } },
    { name: 'macd_hist', params: { fast: 12, slow: 26, signal: 9 } },
    { name: 'bb_pctb', params: { period: 20, stddev: 2 } },
    { name: 'bb_width', params: { period: 20, stddev: 2 } },
    { name: 'atr', params: { period: 14 } },
    { name: 'natr', params: { period: 14 } },
    { name: 'volatility', params: { period: 20 } },
    { name: 'zscore_close', params: { period: 20 } },
    { name: 'zscore_volume', params: { period: 20 } },
    { name: 'dow' },
  ],
  alpha158: alpha158(),
  cross_section: [
    { name: 'cs_rank_ret', params: { period: 1 } },
    { name: 'cs_rank_ret', params: { period: 5 } },
    { name: 'cs_zscore_ret', params: { period: 1 } },
    { name: 'cs_zscore_ret', params: { period: 5 } },
    { name: 'mkt_rel_ret', params: { period: 1 } },
    { name: 'mkt_rel_ret', params: { period: 5 } },
    { name: 'mkt_beta', params: { period: 60 } },
  ],
};

/** The preset called `name`; a `UsageError` listing the presets when there is none. */
export function presetSpec(name: string): FeatureSpec {
  const spec = Object.prototype.hasOwnProperty.call(PRESETS, name) ? PRESETS[name] : undefined;
  if (!spec) throw new UsageError(`unknown feature preset "${name}"; expected one of ${Object.keys(PRESETS).join(', ')}`);
  return spec;
}
