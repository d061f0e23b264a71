/**
 * The backtest engine, its statistics table and the equal-weight portfolio against values computed
 * independently with pandas/NumPy by test/fixtures/backtest/make_reference.py (from the documented
 * engine contract and backtesting.py's `compute_stats`, with our documented conventions).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { type BacktestOptions, type BacktestResult, runBacktest } from '../src/backtest/engine';
import { portfolioBacktest } from '../src/backtest/portfolio';
import { backtestStats } from '../src/backtest/stats';

const FIXTURES = resolve(__dirname, '..', '..', 'test', 'fixtures', 'backtest');
const REF = JSON.parse(readFileSync(join(FIXTURES, 'reference.json'), 'utf8'));

/**
 * Relative tolerance. The largest error measured when this was written was 2e-13 (statistics) and
 * 5e-15 (equity). Quantities that are a ratio minus 1 (bar and trade returns, drawdown) or an equity
 * difference (PnL, costs) lose absolute digits to that subtraction, so they are compared relative
 * to their scale (1, or the equity) when they are smaller than it.
 */
const TOL = 1e-12;

type Num = number | 'NaN' | 'Infinity' | '-Infinity';
interface Case {
  name: string;
  options: BacktestOptions;
  barsPerYear: number;
  close: Num[];
  open?: Num[];
  timestamps?: Num[];
  positions: Num[];
}
interface RefCase extends Case {
  expected: { equity: Num[]; drawdown: Num[]; position: Num[]; returns: Num[]; costs: Num[]; trades: Record<string, Num | boolean>[]; stats: Record<string, Num | string> };
}

/** The fixture writes non-finite numbers as strings (JSON has none). */
function num(x: Num): number {
  return typeof x === 'string' ? Number(x) : x;
}
const nums = (xs: readonly Num[]) => xs.map(num);

/** Compares two numbers: NaN only matches NaN, infinities exactly, others within TOL of max(|actual|, |expected|, scale); returns that error. */
function check(actual: number, expected: number, what: string, scale = 0): number {
  assert.equal(typeof actual, 'number', `${what}: not a number (${String(actual)})`);
  if (Number.isNaN(expected) || Number.isNaN(actual)) {
    assert.ok(Number.isNaN(expected) && Number.isNaN(actual), `${what}: ${actual}, reference ${expected}`);
    return 0;
  }
  if (actual === expected) return 0;
  const err = Math.abs(actual - expected) / Math.max(Math.abs(actual), Math.abs(expected), scale);
  assert.ok(err <= TOL, `${what}: ${actual}, reference ${expected} (relative error ${err.toExponential(2)})`);
  return err;
}

/** `scale`: one for every element, or one per element. */
function checkArray(actual: ArrayLike<number>, expected: readonly Num[], what: string, scale: number | ArrayLike<number> = 0): number {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    worst = Math.max(worst, check(actual[i], num(expected[i]), `${what}[${i}]`, typeof scale === 'number' ? scale : scale[i]));
  }
  return worst;
}

function run(c: Case): BacktestResult {
  return runBacktest(
    { close: nums(c.close), positions: nums(c.positions), ...(c.open ? { open: nums(c.open) } : {}), ...(c.timestamps ? { timestamps: nums(c.timestamps) } : {}) },
    c.options,
  );
}

describe('backtest against the pandas reference (test/fixtures/backtest)', () => {
  const cases = REF.cases as RefCase[];

  it('the fixture covers both executions, every cost level, reversals, size changes, open trades and no trades', () => {
    const executions = new Set(cases.map((c) => c.options.execution ?? 'next-open'));
    assert.deepEqual([...executions].sort(), ['close-to-close', 'next-open']);
    const bps = new Set(cases.map((c) => (c.options.commissionBps ?? 1) + (c.options.slippageBps ?? 1)));
    for (const b of [0, 2, 15]) assert.ok(bps.has(b), `a case with ${b} bps`);
    const trades = cases.flatMap((c) => c.expected.trades);
    assert.ok(trades.some((t) => t.open === true && t.direction === 1) && trades.some((t) => t.open === true && t.direction === -1), 'long and short trades open at the end');
    assert.ok(cases.some((c) => c.expected.trades.length === 0), 'a case without trades');
    const held = cases.flatMap((c) => nums(c.expected.position));
    assert.ok(held.some((p, i) => i > 0 && p * held[i - 1] < 0), 'a direct reversal');
    assert.ok(held.some((p, i) => i > 0 && p * held[i - 1] > 0 && p !== held[i - 1]), 'a size change inside a trade');
    assert.ok(cases.some((c) => c.positions.includes('NaN')), 'NaN positions');
  });

  for (const c of cases) {
    it(c.name, (t) => {
      const r = run(c);
      const e = c.expected;
      let worst = 0;
      for (const k of ['equity', 'position'] as const) worst = Math.max(worst, checkArray(r[k], e[k], `${c.name}: ${k}`));
      for (const k of ['drawdown', 'returns'] as const) worst = Math.max(worst, checkArray(r[k], e[k], `${c.name}: ${k}`, 1));
      worst = Math.max(worst, checkArray(r.costs, e.costs, `${c.name}: costs`, r.equity));
      const equity0 = r.equity[0];

      assert.equal(r.trades.length, e.trades.length, `${c.name}: number of trades`);
      r.trades.forEach((trade, i) => {
        const want = e.trades[i];
        for (const k of ['direction', 'entryBar', 'exitBar', 'entryTime', 'exitTime', 'entryPrice', 'exitPrice', 'size', 'open'] as const) {
          assert.equal(trade[k], want[k], `${c.name}: trade ${i} ${k}`);
        }
        worst = Math.max(
          worst,
          check(trade.return, num(want.return as Num), `${c.name}: trade ${i} return`, 1),
          check(trade.pnl, num(want.pnl as Num), `${c.name}: trade ${i} pnl`, equity0),
        );
      });

      const stats = backtestStats(r, { barsPerYear: c.barsPerYear }) as unknown as Record<string, number | string>;
      assert.deepEqual(Object.keys(stats), Object.keys(e.stats), `${c.name}: the statistics and their order`);
      for (const [k, want] of Object.entries(e.stats)) {
        if (k === 'Start' || k === 'End') assert.equal(stats[k], want, `${c.name}: ${k}`);
        else worst = Math.max(worst, check(stats[k] as number, num(want as Num), `${c.name}: ${k}`));
      }
      t.diagnostic(`largest relative error ${worst.toExponential(2)}`);
    });
  }

  it('equal-weight portfolio of three symbols with different spans and missing days', (t) => {
    const { symbols, barsPerYear, expected } = REF.portfolio as { symbols: Case[]; barsPerYear: number; expected: Record<string, any> };
    const parts = symbols.map((s) => {
      const r = run(s);
      const close = nums(s.close);
      return {
        timestamps: r.timestamps,
        returns: r.returns,
        buyHold: Float64Array.from(close, (x, i) => (i === 0 ? 0 : x / close[i - 1] - 1)),
        tradeReturns: r.trades.map((x) => x.return),
      };
    });
    const p = portfolioBacktest(parts, barsPerYear);
    assert.deepEqual(Array.from(p.timestamps), nums(expected.timestamps), 'portfolio timestamps');
    let worst = 0;
    worst = Math.max(worst, checkArray(p.returns, expected.returns, 'portfolio returns', 1));
    for (const k of ['equity', 'buyHoldEquity'] as const) worst = Math.max(worst, checkArray(p[k], expected[k], `portfolio ${k}`));
    assert.deepEqual(Object.keys(p.stats), Object.keys(expected.stats), 'portfolio statistics and their order');
    for (const [k, want] of Object.entries(expected.stats)) worst = Math.max(worst, check((p.stats as any)[k], num(want as Num), `portfolio ${k}`));
    t.diagnostic(`largest relative error ${worst.toExponential(2)}`);
  });
});
