/**
 * A vectorised, next-bar backtest of target positions on one price series.
 *
 * Timing. `positions[t]` is decided at bar t's close (from forecasts that saw bars up to t)
 * and is never traded on bar t itself:
 * - `next-open` (default): filled at bar t+1's open. The old position earns the overnight gap
 *   close[t] → open[t+1]; the new one earns open[t+1] → close[t+1] and onwards. As in
 *   backtesting.py with `trade_on_close=False`.
 * - `close-to-close`: filled at bar t's closing price (a market-on-close order placed just
 *   before the close), so the position earns bar t+1's close-to-close return. Use it only when
 *   the forecast can be made before the close; it needs no open prices.
 *
 * Money. Equity starts at `initialEquity`. A position is a signed fraction of current equity,
 * rebalanced to its target at each fill; between fills it earns position × price return.
 * Costs (commission + slippage, in basis points of traded notional) are charged at each fill on
 * |target - held|: equity × (1 - cost·|Δ|). A reversal (long to short or back) is an exit followed
 * by an entry, charged (1 - cost·|held|)(1 - cost·|target|). The last bar's target is never traded.
 *
 * Trades. A trade is a run of bars holding a position of one sign (size changes within it do not
 * split it). Its return is equity right after its exit fill (after exit costs) over equity right
 * before its entry fill, minus 1: the trade's effect on the account, costs included; with a
 * position of 100% of equity this is the price move net of costs. A trade still open at the end
 * is valued at the last close without exit costs and marked `open`.
 */

export type Execution = 'next-open' | 'close-to-close';

export interface BacktestInput {
  /** Closing prices, one per bar. */
  readonly close: ArrayLike<number>;
  /** Opening prices; required for `next-open` execution. */
  readonly open?: ArrayLike<number>;
  /** Bar times (epoch ms), for Start/End and trade times. Default: bar indices. */
  readonly timestamps?: ArrayLike<number>;
  /** Target position decided at each bar's close (signed fraction of equity; NaN = flat). */
  readonly positions: ArrayLike<number>;
}

export interface BacktestOptions {
  /** Default `next-open`. */
  readonly execution?: Execution;
  /** Commission in basis points of traded notional. Default 1. */
  readonly commissionBps?: number;
  /** Slippage in basis points of traded notional. Default 1. */
  readonly slippageBps?: number;
  /** Default 10 000 (backtesting.py's default cash). */
  readonly initialEquity?: number;
}

export interface Trade {
  /** 1 long, -1 short. */
  readonly direction: 1 | -1;
  /** First bar whose return the position earns (next-open: the bar whose open filled it). */
  readonly entryBar: number;
  /** Last bar whose return the position earns (next-open: the bar whose open closed it). */
  readonly exitBar: number;
  readonly entryTime: number;
  readonly exitTime: number;
  /** Fill prices: next-open at opens; close-to-close at the closes of the bars before entryBar / at exitBar. */
  readonly entryPrice: number;
  readonly exitPrice: number;
  /** Position (fraction of equity, unsigned) at entry. */
  readonly size: number;
  /** Equity after exit over equity before entry, minus 1 (fraction, costs included). */
  readonly return: number;
  /** Equity change in account currency. */
  readonly pnl: number;
  /** Still open at the last bar (valued at its close, no exit costs). */
  readonly open: boolean;
}

export interface BacktestResult {
  readonly execution: Execution;
  readonly timestamps: Float64Array;
  readonly close: Float64Array;
  /** Equity at each bar's close; equity[0] = initial equity (nothing is held during bar 0). */
  readonly equity: Float64Array;
  /** Drawdown fraction 1 - equity / running peak (0 at a new high). */
  readonly drawdown: Float64Array;
  /** Position held at each bar's close (signed fraction of equity). */
  readonly position: Float64Array;
  /** Strategy return of each bar, net of costs: equity[t] / equity[t-1] - 1; returns[0] = 0. */
  readonly returns: Float64Array;
  /** Costs paid in each bar, in account currency. */
  readonly costs: Float64Array;
  readonly trades: readonly Trade[];
}

export function runBacktest(input: BacktestInput, options: BacktestOptions = {}): BacktestResult {
  const execution = options.execution ?? 'next-open';
  const costRate = ((options.commissionBps ?? 1) + (options.slippageBps ?? 1)) / 1e4;
  const initial = options.initialEquity ?? 10_000;
  const { close, open, positions } = input;
  const n = close.length;
  if (n < 2) throw new RangeError(`backtest needs at least 2 bars, got ${n}`);
  if (positions.length !== n) throw new RangeError(`positions has ${positions.length} values for ${n} bars`);
  if (execution === 'next-open' && (!open || open.length !== n)) throw new RangeError('next-open execution needs an open price per bar');
  if (!(costRate >= 0 && costRate < 1)) throw new RangeError(`costs must be in [0, 10000) bps, got ${costRate * 1e4}`);
  const checkPrice = (v: number, name: string, i: number) => {
    if (!(v > 0 && Number.isFinite(v))) throw new RangeError(`${name}[${i}] = ${v} is not a positive price`);
  };
  for (let i = 0; i < n; i++) {
    checkPrice(close[i], 'close', i);
    if (execution === 'next-open') checkPrice(open![i], 'open', i);
    if (Math.abs(positions[i]) === Infinity) throw new RangeError(`positions[${i}] is infinite`);
  }
  const timestamps = input.timestamps ? Float64Array.from(input.timestamps) : Float64Array.from({ length: n }, (_, i) => i);
  if (timestamps.length !== n) throw new RangeError(`timestamps has ${timestamps.length} values for ${n} bars`);

  const equity = new Float64Array(n);
  const position = new Float64Array(n);
  const returns = new Float64Array(n);
  const costs = new Float64Array(n);
  const trades: Trade[] = [];
  let current: { direction: 1 | -1; entryBar: number; entryPrice: number; size: number; startEquity: number } | undefined;
  const closeTrade = (exitBar: number, exitPrice: number, endEquity: number, isOpen: boolean) => {
    const t = current!;
    trades.push({
      direction: t.direction,
      entryBar: t.entryBar,
      exitBar,
      entryTime: timestamps[t.entryBar],
      exitTime: timestamps[exitBar],
      entryPrice: t.entryPrice,
      exitPrice,
      size: t.size,
      return: endEquity / t.startEquity - 1,
      pnl: endEquity - t.startEquity,
      open: isOpen,
    });
    current = undefined;
  };

  equity[0] = initial;
  for (let t = 1; t < n; t++) {
    const held = position[t - 1];
    const target = Number.isNaN(positions[t - 1]) ? 0 : positions[t - 1];
    const fillPrice = execution === 'next-open' ? open![t] : close[t - 1];
    let e = equity[t - 1] * (1 + held * (fillPrice / close[t - 1] - 1));
    if (target !== held) {
      const before = e;
      const reversal = held * target < 0;
      if (held !== 0 && (target === 0 || reversal)) {
        e *= 1 - costRate * Math.abs(held);
        // next-open exits earn bar t's gap; close-to-close exits earn nothing of bar t.
        closeTrade(execution === 'next-open' ? t : t - 1, fillPrice, e, false);
      }
      if (target !== 0 && (held === 0 || reversal)) {
        current = { direction: target > 0 ? 1 : -1, entryBar: t, entryPrice: fillPrice, size: Math.abs(target), startEquity: e };
        e *= 1 - costRate * Math.abs(target);
      } else if (target !== 0) {
        e *= 1 - costRate * Math.abs(target - held);
      }
      costs[t] = before - e;
    }
    e *= 1 + target * (close[t] / fillPrice - 1);
    equity[t] = e;
    position[t] = target;
    returns[t] = e / equity[t - 1] - 1;
  }
  if (current) closeTrade(n - 1, close[n - 1], equity[n - 1], true);

  const drawdown = new Float64Array(n);
  let peak = -Infinity;
  for (let t = 0; t < n; t++) {
    peak = Math.max(peak, equity[t]);
    drawdown[t] = 1 - equity[t] / peak;
  }
  return { execution, timestamps, close: Float64Array.from(close), equity, drawdown, position, returns, costs, trades };
}
