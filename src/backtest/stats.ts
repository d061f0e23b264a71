/**
 * The statistics table, named and defined as backtesting.py's `compute_stats` defines them
 * (its definitions for a bar-indexed series: every duration is a number of bars).
 *
 * Notation: E₀..E_{N-1} the equity at each of the N bars' closes, rₜ = Eₜ/Eₜ₋₁ - 1 (t ≥ 1),
 * Y = bars per year, ddₜ = 1 - Eₜ / max(E₀..Eₜ), trade returns as defined in `engine.ts`.
 */
import { formatTable } from '../util/table';
import { max, mean, sum, variance } from '../evaluate/moments';
import type { BacktestResult } from './engine';

export interface StatsOptions {
  /** Bars per year for annualising. Default 252 (daily bars; backtesting.py's figure for daily data without weekends). */
  readonly barsPerYear?: number;
}

export interface BacktestStats {
  /** Time of the first bar (ISO 8601; a bare date when at midnight UTC), or its index without timestamps. */
  readonly Start: string | number;
  /** Time of the last bar, as Start. */
  readonly End: string | number;
  /** Bars from Start to End: N - 1. */
  readonly Duration: number;
  /** Share of the N bars that fall inside some trade, from its entry bar to its exit bar inclusive, × 100. */
  readonly 'Exposure Time [%]': number;
  /** E_{N-1}. */
  readonly 'Equity Final [$]': number;
  /** max Eₜ. */
  readonly 'Equity Peak [$]': number;
  /** (E_{N-1} - E₀) / E₀ × 100. */
  readonly 'Return [%]': number;
  /** (close_{N-1} - close₀) / close₀ × 100: holding the asset over the whole period. */
  readonly 'Buy & Hold Return [%]': number;
  /**
   * ((1 + g)^Y - 1) × 100 with g the geometric mean bar return exp(Σ ln(1 + rₜ) / N) - 1.
   * The divisor is N, not N - 1, because backtesting.py counts the first bar's undefined return as 0;
   * g = 0 if any rₜ <= -1.
   */
  readonly 'Return (Ann.) [%]': number;
  /** sqrt((s² + (1+g)²)^Y - (1+g)^(2Y)) × 100, s² the sample variance (ddof 1) of r₁..r_{N-1}. */
  readonly 'Volatility (Ann.) [%]': number;
  /** Return (Ann.) [%] / Volatility (Ann.) [%] (risk-free rate 0). NaN when volatility is 0. */
  readonly 'Sharpe Ratio': number;
  /** ((1+g)^Y - 1) / (sqrt(mean over t of min(rₜ, 0)²) × sqrt(Y)). */
  readonly 'Sortino Ratio': number;
  /** ((1+g)^Y - 1) / max ddₜ; NaN without drawdown. */
  readonly 'Calmar Ratio': number;
  /** -max ddₜ × 100 (negative, as backtesting.py prints it). */
  readonly 'Max. Drawdown [%]': number;
  /**
   * -mean of the drawdown periods' depths × 100. A drawdown period runs between consecutive bars
   * with dd = 0 (the last bar counts as an end) that are more than one bar apart; its depth is the
   * largest dd in it.
   */
  readonly 'Avg. Drawdown [%]': number;
  /** Longest drawdown period, in bars (from the peak bar to the recovery bar, or the last bar); NaN without one. */
  readonly 'Max. Drawdown Duration': number;
  /** Mean drawdown period length, in bars; NaN without a period. */
  readonly 'Avg. Drawdown Duration': number;
  /** Number of trades, the one still open at the end included. */
  readonly '# Trades': number;
  /** Share of trades with return > 0, × 100; NaN without trades. */
  readonly 'Win Rate [%]': number;
  /** Largest trade return × 100. */
  readonly 'Best Trade [%]': number;
  /** Smallest trade return × 100. */
  readonly 'Worst Trade [%]': number;
  /** Geometric mean trade return exp(mean ln(1 + return)) - 1, × 100 (0 if any trade lost everything). */
  readonly 'Avg. Trade [%]': number;
  /** Longest trade, exit bar - entry bar. */
  readonly 'Max. Trade Duration': number;
  /** Mean of exit bar - entry bar over trades. */
  readonly 'Avg. Trade Duration': number;
  /** Sum of winning trade returns / |sum of losing trade returns|; NaN without losing trades. */
  readonly 'Profit Factor': number;
  /** Arithmetic mean trade return × 100. */
  readonly 'Expectancy [%]': number;
  /** System quality number sqrt(#trades) × mean(pnl) / std(pnl, ddof 1), pnl in account currency. */
  readonly SQN: number;
  /** Kelly criterion W - (1 - W) / (mean winning pnl / mean |losing pnl|), W the win rate. */
  readonly 'Kelly Criterion': number;
}

export function backtestStats(result: BacktestResult, options: StatsOptions = {}): BacktestStats {
  const Y = options.barsPerYear ?? 252;
  const { equity, drawdown: dd, trades, close, timestamps } = result;
  const N = equity.length;
  const r = result.returns.subarray(1);
  const { annualReturn, annualVol } = annualised(result.returns, Y);
  let downside = 0;
  for (const x of r) downside += Math.min(x, 0) ** 2;
  downside = Math.sqrt(downside / r.length) * Math.sqrt(Y);
  const maxDd = max(dd);
  const { depths, durations: ddDurations } = drawdownPeriods(dd);

  const exposed = new Uint8Array(N);
  for (const t of trades) exposed.fill(1, t.entryBar, t.exitBar + 1);
  const rets = trades.map((t) => t.return);
  const pnl = trades.map((t) => t.pnl);
  const durations = trades.map((t) => t.exitBar - t.entryBar);
  const winRate = trades.length > 0 ? rets.filter((x) => x > 0).length / trades.length : Number.NaN;

  return {
    Start: formatTime(timestamps[0], result),
    End: formatTime(timestamps[N - 1], result),
    Duration: N - 1,
    'Exposure Time [%]': (sum(exposed) / N) * 100,
    'Equity Final [$]': equity[N - 1],
    'Equity Peak [$]': max(equity),
    'Return [%]': ((equity[N - 1] - equity[0]) / equity[0]) * 100,
    'Buy & Hold Return [%]': ((close[N - 1] - close[0]) / close[0]) * 100,
    'Return (Ann.) [%]': annualReturn * 100,
    'Volatility (Ann.) [%]': annualVol * 100,
    'Sharpe Ratio': sharpeOf(annualReturn, annualVol),
    'Sortino Ratio': annualReturn / downside,
    'Calmar Ratio': maxDd > 0 ? annualReturn / maxDd : Number.NaN,
    'Max. Drawdown [%]': -maxDd * 100,
    'Avg. Drawdown [%]': -mean(depths) * 100,
    'Max. Drawdown Duration': ddDurations.length > 0 ? max(ddDurations) : Number.NaN,
    'Avg. Drawdown Duration': mean(ddDurations),
    '# Trades': trades.length,
    'Win Rate [%]': winRate * 100,
    'Best Trade [%]': trades.length > 0 ? max(rets) * 100 : Number.NaN,
    'Worst Trade [%]': trades.length > 0 ? -max(rets.map((x) => -x)) * 100 : Number.NaN,
    'Avg. Trade [%]': trades.length > 0 ? (rets.some((x) => x <= -1) ? 0 : Math.expm1(mean(rets.map(Math.log1p)))) * 100 : Number.NaN,
    'Max. Trade Duration': trades.length > 0 ? max(durations) : Number.NaN,
    'Avg. Trade Duration': mean(durations),
    'Profit Factor': profitFactor(rets),
    'Expectancy [%]': mean(rets) * 100,
    SQN: (Math.sqrt(trades.length) * mean(pnl)) / (Math.sqrt(variance(pnl)) || Number.NaN),
    'Kelly Criterion': winRate - (1 - winRate) / (mean(pnl.filter((x) => x > 0)) / -mean(pnl.filter((x) => x < 0))),
  };
}

/**
 * Annualised geometric return and volatility as backtesting.py computes them, from per-bar
 * returns whose first entry is the start bar's (0): the geometric mean spreads over every bar.
 */
export function annualised(returns: Float64Array, barsPerYear: number): { annualReturn: number; annualVol: number } {
  const N = returns.length;
  const r = returns.subarray(1);
  let logSum = 0;
  for (const x of r) logSum += x <= -1 ? Number.NaN : Math.log1p(x);
  const g = Number.isNaN(logSum) ? 0 : Math.expm1(logSum / N);
  const annualReturn = Math.pow(1 + g, barsPerYear) - 1;
  const annualVol = Math.sqrt(Math.pow(variance(r) + (1 + g) ** 2, barsPerYear) - Math.pow(1 + g, 2 * barsPerYear));
  return { annualReturn, annualVol };
}

export function sharpeOf(annualReturn: number, annualVol: number): number {
  return annualVol > 0 ? annualReturn / annualVol : Number.NaN;
}

/** Gross winning over gross losing trade returns (NaN without a losing trade). */
export function profitFactor(tradeReturns: readonly number[]): number {
  let wins = 0;
  let losses = 0;
  for (const x of tradeReturns) {
    if (x > 0) wins += x;
    else losses -= x;
  }
  return losses > 0 ? wins / losses : Number.NaN;
}

/**
 * Drawdown periods as backtesting.py finds them: between consecutive "anchor" bars (bars at a
 * peak, dd = 0, plus the last bar) more than one bar apart. Without any such period, the
 * non-zero drawdowns stand in as depths (backtesting.py's fallback) and there are no durations.
 */
function drawdownPeriods(dd: Float64Array): { depths: number[]; durations: number[] } {
  const anchors: number[] = [];
  dd.forEach((d, i) => {
    if (d === 0) anchors.push(i);
  });
  if (anchors.at(-1) !== dd.length - 1) anchors.push(dd.length - 1);
  const depths: number[] = [];
  const durations: number[] = [];
  for (let k = 1; k < anchors.length; k++) {
    const [prev, cur] = [anchors[k - 1], anchors[k]];
    if (cur > prev + 1) {
      durations.push(cur - prev);
      depths.push(max(dd.subarray(prev, cur + 1)));
    }
  }
  if (depths.length === 0) return { depths: Array.from(dd.filter((d) => d > 0)), durations: [] };
  return { depths, durations };
}

/** The statistics as a two-column text table. */
export function formatStats(stats: BacktestStats): string {
  return formatTable(
    ['statistic', 'value'],
    Object.entries(stats).map(([k, v]) => [k, v]),
  );
}

function formatTime(t: number, result: BacktestResult): string | number {
  const isIndex = result.timestamps.every((x, i) => x === i);
  if (isIndex) return t;
  const iso = new Date(t).toISOString();
  return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso;
}
