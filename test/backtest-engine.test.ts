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

// Every number of the engine and the statistics table is checked against an independent pandas
// computation in backtest-reference.test.ts; these tests pin the timing of fills and trades on
// examples small enough to read.

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

    const s = backtestStats(r);
    assert.equal(s.Start, '2024-01-01');
    assert.equal(s.End, '2024-01-05');
    assert.ok(formatStats(s).includes('Buy & Hold Return [%]'));
  });
});

describe('close-to-close execution', () => {
  it('reversals are an exit plus an entry; a trade open at the end is valued at the last close', () => {
    const closes = [100, 110, 99, 99, 108.9];
    const r = runBacktest({ close: closes, positions: [1, -1, -1, 0.5, 0] }, { execution: 'close-to-close', commissionBps: 10, slippageBps: 0 });
    assert.deepEqual(
      r.trades.map((t) => [t.direction, t.entryBar, t.exitBar, t.entryPrice, t.exitPrice, t.size, t.open]),
      [
        [1, 1, 1, 100, 110, 1, false],
        [-1, 2, 3, 110, 99, 1, false],
        [1, 4, 4, 99, 108.9, 0.5, true],
      ],
    );
    assert.equal(backtestStats(r).Start, 0);
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
