import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type BarTable, type SymbolBars, makeBarTable, symbolBars } from '../src/data/bars';
import { barsToFrame } from '../src/data/frame';
import { syntheticMarket } from '../src/data/synthetic';
import { Rng } from '../src/util/random';
import { PRESETS, buildFeatures, featureColumns, type FeatureSpec } from '../src/features';

const ALL_PRESETS: FeatureSpec = Object.values(PRESETS).flat().filter((d, i, all) => all.findIndex((e) => JSON.stringify(e) === JSON.stringify(d)) === i);
const COLUMNS = featureColumns(ALL_PRESETS);

function features(bars: BarTable): Record<string, (number | null)[]> {
  const df = buildFeatures(barsToFrame(bars), ALL_PRESETS);
  return Object.fromEntries(COLUMNS.map((c) => [c, df.getColumn(c).toArray() as (number | null)[]]));
}

/** A copy of `bars` (one symbol) whose bars after `t` are replaced by a different, still valid, path. */
function perturbAfter(bars: BarTable, t: number, seed: number): BarTable {
  const rng = new Rng(seed);
  const copy = (c: Float64Array) => Float64Array.from(c);
  const p = { symbol: bars.symbols[0].symbol, timestamp: bars.timestamp, open: copy(bars.open), high: copy(bars.high), low: copy(bars.low), close: copy(bars.close), volume: copy(bars.volume) };
  for (let i = t + 1; i < bars.close.length; i++) {
    const f = Math.exp(rng.normal() * 0.3);
    p.open[i] *= f;
    p.close[i] *= f * 1.01;
    p.low[i] = Math.min(p.open[i], p.close[i]) * 0.97;
    p.high[i] = Math.max(p.open[i], p.close[i]) * 1.05;
    p.volume[i] = Math.round(p.volume[i] * Math.exp(rng.normal()));
  }
  return makeBarTable(bars.interval, [p]);
}

test('no look-ahead: changing bars after t changes no feature at or before t (every preset feature)', () => {
  const bars = syntheticMarket({ bars: 160, seed: 3 }).bars;
  const base = features(bars);
  for (const t of [0, 20, 33, 34, 90, 158]) {
    const moved = features(perturbAfter(bars, t, 100 + t));
    for (const c of COLUMNS) {
      assert.deepEqual(moved[c].slice(0, t + 1), base[c].slice(0, t + 1), `${c} at or before bar ${t}`);
      // The perturbation is real: features after t do move (dow excepted).
      if (c !== 'dow' && t < 150) assert.notDeepEqual(moved[c].slice(t + 1), base[c].slice(t + 1), `${c} after ${t}`);
    }
  }
});

test('multi-symbol: each symbol gets exactly its single-symbol features, whatever its neighbours', () => {
  const market = syntheticMarket({ symbols: ['A', 'B', 'C'], bars: 150, seed: 9 }).bars;
  const part = (symbol: string, n: number): SymbolBars => {
    const one = symbolBars(market, symbol);
    const cut = (c: Float64Array) => c.subarray(0, n);
    return { symbol, timestamp: cut(one.timestamp), open: cut(one.open), high: cut(one.high), low: cut(one.low), close: cut(one.close), volume: cut(one.volume) };
  };
  // C is shorter than the MACD warm-up: all its MACD values are null, and none leak from B.
  const parts = [part('A', 150), part('B', 90), part('C', 20)];
  const alone = Object.fromEntries(parts.map((p) => [p.symbol, features(makeBarTable('1d', [p]))]));
  for (const order of [[0, 1, 2], [2, 0, 1], [1, 2, 0]]) {
    const table = makeBarTable('1d', order.map((k) => parts[k]));
    const together = features(table);
    for (const s of table.symbols) {
      for (const c of COLUMNS) assert.deepEqual(together[c].slice(s.start, s.end), alone[s.symbol][c], `${c} of ${s.symbol} in order ${order}`);
    }
  }
  assert.ok(alone.C['macd_12_26_9'].every((v) => v === null));
  assert.ok(alone.C['rsi_14'][14] !== null);
});

test('rows must be grouped by symbol and ascending in time', () => {
  const bars = syntheticMarket({ symbols: ['A', 'B'], bars: 40, seed: 1 }).bars;
  const frame = barsToFrame(bars);
  assert.throws(() => buildFeatures(frame.sort('date'), PRESETS.basic), /grouped by symbol/);
  assert.throws(() => buildFeatures(frame.sort(['symbol', 'date'], true), PRESETS.basic), /not after the previous row/);
  assert.throws(() => buildFeatures(frame.drop('volume'), PRESETS.basic), /lacks column\(s\) volume/);
});
