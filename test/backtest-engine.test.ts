import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runBacktest } from '../src/backtest/engine';
import { probabilityConfidence, targetPositions } from '../src/backtest/positions';
import { backtestStats, formatStats } from '../src/backtest/stats';
import { Rng } from '../src/util/random';

function near(actual: number, expected: number, what: string, tol = 1e-9): void {
  assert.ok(Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected)), `${what}: ${actual} vs ${expected}`);
}

const open = [100, 101, 103, 102, 104];
const close = [100, 102, 101, 105, 106];
const day = 86_400_000;
const timestamps = close.map((_, i) => Date.UTC(2024, 0, 1) + i * day);

describe('next-open execution', () => {
  it('a long signal at bar 0 close fills at bar 1 open and is flat again from bar 3 open (no costs)', () => {
    const r = runBacktest({ open, close, timestamps, positions: [1, 1, 0, 0, 0] }, { commissionBps: 0, slippageBps: 0 });
    const e = 10_000;
    const expected = [e, (e * 102) / 101, e, (e * 102) / 101, (e * 102) / 101];
    expected.forEach((v, t) => near(r.equity[t], v, `equity[${t}]`));
    assert.deepEqual(Array.from(r.position), [0, 1, 1, 0, 0]);
    assert.equal(r.trades.length, 1);
    const [trade] = r.trades;
    assert.deepEqual([trade.direction, trade.entryBar, trade.exitBar, trade.entryPrice, trade.exitPrice, trade.open], [1, 1, 3, 101, 102, false]);
    assert.equal(trade.entryTime, timestamps[1]);
    near(trade.return, 102 / 101 - 1, 'trade return = open-to-open move');
    near(r.drawdown[2], 1 - 101 / 102, 'drawdown at bar 2');

    const s = backtestStats(r);
    assert.equal(s.Start, '2024-01-01');
    assert.equal(s.End, '2024-01-05');
    assert.equal(s.Duration, 4);
    near(s['Exposure Time [%]'], 60, 'exposure: bars 1..3 of 5');
    near(s['Return [%]'], (102 / 101 - 1) * 100, 'return');
    near(s['Buy & Hold Return [%]'], 6, 'buy & hold');
    near(s['Equity Peak [$]'], (e * 102) / 101, 'peak');
    const g = Math.pow(102 / 101, 1 / 5) - 1; // N = 5 bars, as backtesting.py
    near(s['Return (Ann.) [%]'], (Math.pow(1 + g, 252) - 1) * 100, 'annual return');
    const rets = [102 / 101 - 1, 101 / 102 - 1, 102 / 101 - 1, 0];
    const m = rets.reduce((a, b) => a + b) / 4;
    const s2 = rets.reduce((a, x) => a + (x - m) ** 2, 0) / 3;
    const vol = Math.sqrt(Math.pow(s2 + (1 + g) ** 2, 252) - Math.pow(1 + g, 504));
    near(s['Volatility (Ann.) [%]'], vol * 100, 'annual volatility');
    near(s['Sharpe Ratio'], (Math.pow(1 + g, 252) - 1) / vol, 'sharpe');
    near(s['Sortino Ratio'], (Math.pow(1 + g, 252) - 1) / (Math.sqrt((101 / 102 - 1) ** 2 / 4) * Math.sqrt(252)), 'sortino');
    near(s['Max. Drawdown [%]'], -(1 - 101 / 102) * 100, 'max drawdown');
    near(s['Calmar Ratio'], (Math.pow(1 + g, 252) - 1) / (1 - 101 / 102), 'calmar');
    near(s['Avg. Drawdown [%]'], -(1 - 101 / 102) * 100, 'avg drawdown');
    assert.equal(s['Max. Drawdown Duration'], 2);
    assert.equal(s['Avg. Drawdown Duration'], 2);
    assert.equal(s['# Trades'], 1);
    assert.equal(s['Win Rate [%]'], 100);
    for (const k of ['Best Trade [%]', 'Worst Trade [%]', 'Avg. Trade [%]', 'Expectancy [%]'] as const) near(s[k], (102 / 101 - 1) * 100, k);
    assert.equal(s['Max. Trade Duration'], 2);
    assert.ok(Number.isNaN(s['Profit Factor']), 'no losing trade: undefined, as backtesting.py');
    assert.ok(formatStats(s).includes('Buy & Hold Return [%]'));
  });

  it('costs in basis points are charged on entry and exit, on the traded notional', () => {
    const c = 0.0015;
    const r = runBacktest({ open, close, positions: [1, 1, 0, 0, 0] }, { commissionBps: 10, slippageBps: 5 });
    near(r.equity[1], (10_000 * (1 - c) * 102) / 101, 'after entry cost');
    near(r.equity[2], 10_000 * (1 - c), 'bar 2');
    near(r.equity[4], (10_000 * (1 - c) ** 2 * 102) / 101, 'final');
    near(r.costs[1], 15, 'entry cost $');
    near(r.costs[3], ((10_000 * (1 - c) * 102) / 101) * c, 'exit cost $');
    near(r.trades[0].return, (1 - c) ** 2 * (102 / 101) - 1, 'trade return net of costs');
    assert.equal(r.trades[0].pnl, r.equity[4] - 10_000);
  });
});

describe('close-to-close execution', () => {
  it('reversals are an exit plus an entry; a trade open at the end is valued at the last close', () => {
    const c = 0.001;
    const closes = [100, 110, 99, 99, 108.9];
    const r = runBacktest({ close: closes, positions: [1, -1, -1, 0.5, 0] }, { execution: 'close-to-close', commissionBps: 10, slippageBps: 0 });
    const E1 = 10_000 * (1 - c) * 1.1;
    const E2 = 10_000 * (1 - c) ** 3 * 1.21;
    const E4 = E2 * (1 - c) * (1 - 0.5 * c) * 1.05;
    [10_000, E1, E2, E2, E4].forEach((v, t) => near(r.equity[t], v, `equity[${t}]`));
    assert.deepEqual(
      r.trades.map((t) => [t.direction, t.entryBar, t.exitBar, t.entryPrice, t.exitPrice, t.size, t.open]),
      [
        [1, 1, 1, 100, 110, 1, false],
        [-1, 2, 3, 110, 99, 1, false],
        [1, 4, 4, 99, 108.9, 0.5, true],
      ],
    );
    near(r.trades[0].return, (1 - c) ** 2 * 1.1 - 1, 'long');
    near(r.trades[1].return, (1 - c) ** 2 * 1.1 - 1, 'short earns the 10% fall');
    near(r.trades[2].return, (1 - 0.5 * c) * 1.05 - 1, 'half-size long, no exit cost while open');
    const s = backtestStats(r);
    assert.equal(s.Start, 0);
    near(s['Exposure Time [%]'], 80, 'exposure');
    assert.equal(s['# Trades'], 3);
  });

  it('win rate, profit factor and the geometric average trade', () => {
    // +10%, -5%, +2% trades, each separated by a flat bar.
    const closes = [100, 110, 110, 104.5, 104.5, 106.59];
    const r = runBacktest({ close: closes, positions: [1, 0, 1, 0, 1, 0] }, { execution: 'close-to-close', commissionBps: 0, slippageBps: 0 });
    const s = backtestStats(r);
    assert.equal(s['# Trades'], 3);
    near(s['Win Rate [%]'], 200 / 3, 'win rate');
    near(s['Profit Factor'], (0.1 + 0.02) / 0.05, 'profit factor');
    near(s['Expectancy [%]'], ((0.1 - 0.05 + 0.02) / 3) * 100, 'expectancy');
    near(s['Avg. Trade [%]'], (Math.cbrt(1.1 * 0.95 * 1.02) - 1) * 100, 'geometric mean trade');
    near(s['Best Trade [%]'], 10, 'best');
    near(s['Worst Trade [%]'], -5, 'worst');
  });
});

describe('no look-ahead', () => {
  it("equity up to bar t depends only on positions decided at bars before t; the last bar's is never traded", () => {
    const rng = new Rng(11);
    const n = 60;
    const closes = Array.from({ length: n }, (_, i) => 100 * Math.exp(0.01 * i + 0.02 * Math.sin(i)));
    const opens = closes.map((c, i) => (i === 0 ? c : closes[i - 1] * (1 + 0.003 * rng.normal())));
    const positions = Array.from({ length: n }, () => rng.int(3) - 1);
    const base = runBacktest({ open: opens, close: closes, positions });
    for (const k of [0, 17, n - 1]) {
      const changed = positions.slice();
      changed[k] = changed[k] === 1 ? -1 : 1;
      const other = runBacktest({ open: opens, close: closes, positions: changed });
      assert.deepEqual(Array.from(other.equity.subarray(0, k + 1)), Array.from(base.equity.subarray(0, k + 1)), `bar ${k}`);
      if (k < n - 1) assert.notEqual(other.equity[k + 1], base.equity[k + 1]);
    }
  });

  it('a same-bar "forecast" earns nothing it should not: perfect knowledge of bar t is traded on bar t+1', () => {
    const closes = [100, 101, 100, 101, 100, 101, 100];
    // Signal = sign of the bar's own return (known only at its close): traded next bar, it is always wrong.
    const positions = closes.map((c, i) => (i === 0 ? 0 : Math.sign(c - closes[i - 1])));
    const r = runBacktest({ close: closes, positions }, { execution: 'close-to-close', commissionBps: 0, slippageBps: 0, initialEquity: 1 });
    assert.ok(r.equity[closes.length - 1] < 1);
  });
});

describe('positions from forecasts', () => {
  it('thresholds, fixed fraction, confidence scaling and NaN as flat', () => {
    assert.deepEqual(Array.from(targetPositions([0.02, -0.01, 0, Number.NaN], { fraction: 0.5 })), [0.5, 0, 0, 0]);
    assert.deepEqual(Array.from(targetPositions([0.7, 0.5, 0.3], { longAbove: 0.55, shortBelow: 0.45 })), [1, 0, -1]);
    const p = [0.8, 0.5, 0.1];
    const scaled = targetPositions(p, { longAbove: 0.5, shortBelow: 0.5, confidence: probabilityConfidence(p) });
    [0.6, 0, -0.8].forEach((v, i) => near(scaled[i], v, `scaled[${i}]`));
    assert.throws(() => targetPositions([1], { fraction: 0 }), RangeError);
  });
});
