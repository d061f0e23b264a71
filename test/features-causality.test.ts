import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type BarTable, type SymbolBars, makeBarTable, symbolBars } from '../src/data/bars';
import { barsToFrame } from '../src/data/frame';
import { syntheticMarket } from '../src/data/synthetic';
import { Rng } from '../src/util/random';
import { FEATURE_CATALOG, PRESETS, buildFeatures, featureColumns, validateFeatureSpec, type FeatureSpec } from '../src/features';

const EVERY_PRESET: FeatureSpec = Object.values(PRESETS).flat().filter((d, i, all) => all.findIndex((e) => JSON.stringify(e) === JSON.stringify(d)) === i);
// Per-symbol features: a symbol's values must not depend on its neighbours in the table.
const PER_SYMBOL: FeatureSpec = validateFeatureSpec(EVERY_PRESET).filter((d) => !FEATURE_CATALOG[d.name].crossSection);
const COLUMNS = featureColumns(PER_SYMBOL);

function features(bars: BarTable, spec: FeatureSpec = PER_SYMBOL): Record<string, (number | null)[]> {
  const df = buildFeatures(barsToFrame(bars), spec);
  return Object.fromEntries(featureColumns(spec).map((c) => [c, df.getColumn(c).toArray() as (number | null)[]]));
}

/** A copy of `bars` whose bars after time `afterMs` (every symbol's) are replaced by a different, still valid, path. */
function perturbAfter(bars: BarTable, afterMs: number, seed: number): BarTable {
  const rng = new Rng(seed);
  const parts = bars.symbols.map((s) => {
    const part = (c: Float64Array) => Float64Array.from(c.subarray(s.start, s.end));
    const p = { symbol: s.symbol, timestamp: part(bars.timestamp), open: part(bars.open), high: part(bars.high), low: part(bars.low), close: part(bars.close), volume: part(bars.volume) };
    for (let i = 0; i < p.close.length; i++) {
      if (p.timestamp[i] <= afterMs) continue;
      const f = Math.exp(rng.normal() * 0.3);
      p.open[i] *= f;
      p.close[i] *= f * 1.01;
      p.low[i] = Math.min(p.open[i], p.close[i]) * 0.97;
      p.high[i] = Math.max(p.open[i], p.close[i]) * 1.05;
      p.volume[i] = Math.round(p.volume[i] * Math.exp(rng.normal()));
    }
    return p;
  });
  return makeBarTable(bars.interval, parts);
}

test('no look-ahead: changing bars after t changes no feature at or before t (every preset feature)', () => {
  const bars = syntheticMarket({ bars: 200, seed: 3 }).bars;
  const base = features(bars);
  for (const t of [0, 20, 33, 34, 60, 61, 90, 198]) {
    const moved = features(perturbAfter(bars, bars.timestamp[t], 100 + t));
    for (const c of COLUMNS) {
      assert.deepEqual(moved[c].slice(0, t + 1), base[c].slice(0, t + 1), `${c} at or before bar ${t}`);
      // The perturbation is real: features after t do move (dow excepted).
      if (c !== 'dow' && t < 190) assert.notDeepEqual(moved[c].slice(t + 1), base[c].slice(t + 1), `${c} after ${t}`);
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

test('cross-sectional features: changing the bars of any symbol after t changes no feature of any symbol at or before t', () => {
  // Four symbols on one calendar, two of them listed later, so cross-sections change size.
  const market = syntheticMarket({ symbols: ['A', 'B', 'C', 'D'], bars: 180, seed: 21 }).bars;
  const from = (symbol: string, first: number): SymbolBars => {
    const one = symbolBars(market, symbol);
    const cut = (c: Float64Array) => c.subarray(first);
    return { symbol, timestamp: cut(one.timestamp), open: cut(one.open), high: cut(one.high), low: cut(one.low), close: cut(one.close), volume: cut(one.volume) };
  };
  const bars = makeBarTable('1d', [from('A', 0), from('B', 0), from('C', 40), from('D', 100)]);
  const spec = EVERY_PRESET;
  const columns = featureColumns(spec);
  const base = features(bars, spec);
  const cross = columns.filter((c) => validateFeatureSpec(spec).some((d, k) => FEATURE_CATALOG[d.name].crossSection && columns[k] === c));
  assert.equal(cross.length, PRESETS.cross_section.length);
  for (const c of cross) assert.ok(base[c].some((v) => v !== null && Number.isFinite(v)), `${c} has values`);
  for (const t of [10, 60, 61, 100, 130, 170]) {
    const afterMs = market.timestamp[t];
    // Perturb every symbol, then only the shortest one: its bars alone must not reach back into the others'.
    for (const [k, changed] of [perturbAfter(bars, afterMs, 300 + t), onlySymbol(bars, perturbAfter(bars, afterMs, 400 + t), 'D')].entries()) {
      const moved = features(changed, spec);
      for (const s of bars.symbols) {
        const upTo = s.start + bars.timestamp.subarray(s.start, s.end).filter((ms) => ms <= afterMs).length;
        for (const c of columns) {
          assert.deepEqual(moved[c].slice(s.start, upTo), base[c].slice(s.start, upTo), `${c} of ${s.symbol} at or before bar ${t} (case ${k})`);
        }
      }
      if (t < 160 && k === 0) for (const c of cross) assert.notDeepEqual(moved[c], base[c], `${c} moves after ${t}`);
    }
  }
});

/** `bars` with symbol `symbol`'s rows taken from `other` (same layout). */
function onlySymbol(bars: BarTable, other: BarTable, symbol: string): BarTable {
  const parts = bars.symbols.map((s) => {
    const src = s.symbol === symbol ? other : bars;
    const part = (c: Float64Array) => c.subarray(s.start, s.end);
    return { symbol: s.symbol, timestamp: part(src.timestamp), open: part(src.open), high: part(src.high), low: part(src.low), close: part(src.close), volume: part(src.volume) };
  });
  return makeBarTable(bars.interval, parts);
}

test('rows must be grouped by symbol and ascending in time', () => {
  const bars = syntheticMarket({ symbols: ['A', 'B'], bars: 40, seed: 1 }).bars;
  const frame = barsToFrame(bars);
  assert.throws(() => buildFeatures(frame.sort('date'), PRESETS.basic), /grouped by symbol/);
  assert.throws(() => buildFeatures(frame.sort(['symbol', 'date'], true), PRESETS.basic), /not after the previous row/);
  assert.throws(() => buildFeatures(frame.drop('volume'), PRESETS.basic), /lacks column\(s\) volume/);
});
