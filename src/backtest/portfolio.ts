import { annualised, profitFactor, sharpeOf } from './stats';

/** One symbol's per-bar strategy and buy-and-hold returns over its backtest span, and its trades' returns. */
export interface SymbolReturns {
  readonly timestamps: Float64Array;
  /** Strategy return of each bar (the first bar of the span has none: 0). */
  readonly returns: Float64Array;
  /** Close-to-close return of each bar (0 on the first). */
  readonly buyHold: Float64Array;
  readonly tradeReturns: readonly number[];
}

export interface PortfolioStats {
  readonly 'Symbols': number;
  readonly 'Bars': number;
  readonly 'Return [%]': number;
  readonly 'Buy & Hold Return [%]': number;
  /** Annualised return over annualised volatility of the portfolio's per-bar returns (as backtesting.py's). */
  readonly 'Sharpe Ratio': number;
  readonly 'Max. Drawdown [%]': number;
  /** Gross winning over gross losing trade returns, pooled over every symbol's trades. */
  readonly 'Profit Factor': number;
  readonly '# Trades': number;
}

/** The pooled view of a multi-symbol backtest: an equal-weight portfolio of every traded symbol. */
export interface PortfolioBacktest {
  readonly timestamps: Float64Array;
  readonly returns: Float64Array;
  readonly equity: Float64Array;
  readonly buyHoldEquity: Float64Array;
  readonly stats: PortfolioStats;
}

/**
 * Equal-weight portfolio, rebalanced every bar: at each time, the mean return of the symbols
 * whose backtest span covers that time. Equity starts at 1.
 */
export function portfolioBacktest(parts: readonly SymbolReturns[], barsPerYear: number): PortfolioBacktest {
  let total = 0;
  for (const p of parts) total += p.timestamps.length;
  const t = new Float64Array(total);
  const r = new Float64Array(total);
  const b = new Float64Array(total);
  let at = 0;
  for (const p of parts) {
    t.set(p.timestamps, at);
    r.set(p.returns, at);
    b.set(p.buyHold, at);
    at += p.timestamps.length;
  }
  const order = Int32Array.from({ length: total }, (_, i) => i).sort((i, j) => t[i] - t[j]);
  const times: number[] = [];
  const rets: number[] = [];
  const holds: number[] = [];
  for (let k = 0; k < total; ) {
    const time = t[order[k]];
    let sr = 0;
    let sb = 0;
    let n = 0;
    for (; k < total && t[order[k]] === time; k++, n++) {
      sr += r[order[k]];
      sb += b[order[k]];
    }
    times.push(time);
    rets.push(sr / n);
    holds.push(sb / n);
  }
  const returns = Float64Array.from(rets);
  const equity = compound(returns);
  const buyHoldEquity = compound(Float64Array.from(holds));
  const trades = parts.flatMap((p) => p.tradeReturns);
  return { timestamps: Float64Array.from(times), returns, equity, buyHoldEquity, stats: stats(parts.length, returns, equity, buyHoldEquity, trades, barsPerYear) };
}

function compound(returns: Float64Array): Float64Array {
  const out = new Float64Array(returns.length);
  let e = 1;
  for (let i = 0; i < returns.length; i++) out[i] = e *= 1 + returns[i];
  return out;
}

function stats(symbols: number, r: Float64Array, equity: Float64Array, hold: Float64Array, trades: readonly number[], barsPerYear: number): PortfolioStats {
  const n = r.length;
  const { annualReturn, annualVol } = annualised(r, barsPerYear);
  let peak = 1;
  let maxDd = 0;
  for (const e of equity) {
    peak = Math.max(peak, e);
    maxDd = Math.max(maxDd, 1 - e / peak);
  }
  return {
    Symbols: symbols,
    Bars: n,
    'Return [%]': n ? (equity[n - 1] - 1) * 100 : 0,
    'Buy & Hold Return [%]': n ? (hold[n - 1] - 1) * 100 : 0,
    'Sharpe Ratio': sharpeOf(annualReturn, annualVol),
    'Max. Drawdown [%]': -maxDd * 100,
    'Profit Factor': profitFactor(trades),
    '# Trades': trades.length,
  };
}
