import { UsageError } from '../errors';
import type { FeatureSpec } from './spec';

/**
 * Named feature sets, for `--preset` and quick experiments.
 * - `basic`: five OHLCV-derived, scale-free features of the kind simple LSTM guides feed (warm-up 5 bars).
 * - `technical`: returns, volume, range, trend, momentum, Bollinger, ATR, volatility, z-scores
 *   and day of week (warm-up 33 bars, set by MACD 12/26/9).
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
};

/** The preset called `name`; a `UsageError` listing the presets when there is none. */
export function presetSpec(name: string): FeatureSpec {
  const spec = Object.prototype.hasOwnProperty.call(PRESETS, name) ? PRESETS[name] : undefined;
  if (!spec) throw new UsageError(`unknown feature preset "${name}"; expected one of ${Object.keys(PRESETS).join(', ')}`);
  return spec;
}
