import { test } from 'node:test';
import assert from 'node:assert/strict';
import { barsToFrame } from '../src/data/frame';
import { syntheticMarket } from '../src/data/synthetic';
import { FEATURE_CATALOG, buildFeatures, featureColumns, validateFeatureSpec, type FeatureSpec } from '../src/features';
import { LOOP_FEATURES, referenceFeatures } from '../bench/features_loops';

// Every catalog feature the loop oracle covers at its defaults, plus non-default parameters for the multi-parameter ones.
const SPEC: FeatureSpec = [
  ...Object.keys(LOOP_FEATURES).map((name) => ({ name })),
  { name: 'macd_hist', params: { fast: 5, slow: 10, signal: 4 } },
  { name: 'bb_pctb', params: { period: 10, stddev: 1.5 } },
  { name: 'rsi', params: { period: 3 } },
  { name: 'ret', params: { period: 7 } },
];

test('polars features equal the plain-loop reference on a multi-symbol table with degenerate bars', () => {
  const bars = syntheticMarket({ symbols: ['A', 'B', 'C'], bars: 260, seed: 11 }).bars;
  // Degenerate bars the formulas must handle: zero volume, high = low = close, a flat stretch.
  const b = bars.symbols[1].start;
  bars.volume[b + 50] = 0;
  bars.high[b + 60] = bars.low[b + 60] = bars.open[b + 60] = bars.close[b + 60];
  for (let i = b + 100; i < b + 130; i++) {
    bars.open[i] = bars.high[i] = bars.low[i] = bars.close[i] = 50;
    bars.volume[i] = 1000;
  }
  const c = bars.symbols[2].start;
  for (let i = c; i < c + 8; i++) bars.open[i] = bars.high[i] = bars.low[i] = bars.close[i] = 20;
  const got = buildFeatures(barsToFrame(bars), SPEC);
  const want = referenceFeatures(bars, SPEC);
  const defs = validateFeatureSpec(SPEC);
  featureColumns(SPEC).forEach((column, k) => {
    const g = got.getColumn(column).toArray() as (number | null)[];
    const w = want[column];
    for (let i = 0; i < w.length; i++) {
      const gi = g[i];
      if (Number.isNaN(w[i])) {
        assert.equal(gi, null, `${column} row ${i}: reference has no value, polars ${gi}`);
      } else {
        assert.ok(gi !== null && Math.abs(gi - w[i]) <= 1e-9 * Math.max(1, Math.abs(w[i])), `${column} row ${i}: polars ${gi}, loops ${w[i]}`);
      }
    }
    // Warm-up: the symbol's first `warmup` rows are null and the next one is not (A is regular).
    const warmup = FEATURE_CATALOG[defs[k].name].warmup(defs[k].params ?? {});
    assert.ok(g.slice(0, warmup).every((v) => v === null), `${column} warm-up is null`);
    assert.notEqual(g[warmup], null, `${column} starts at bar ${warmup}`);
  });
  // The degenerate bars produce nulls, not infinities, where a ratio is undefined.
  const row = (column: string, i: number) => got.getColumn(column).get(b + i) as number | null;
  assert.equal(row('vol_chg_1', 51), null);
  assert.equal(row('close_pos', 60), null);
  assert.equal(row('bb_pctb_20_2', 125), null);
  assert.equal(row('zscore_close_20', 125), null);
  // RSI is 0 when the average gain and loss are both 0 (TA-Lib's convention), here on C's flat start.
  assert.equal(got.getColumn('rsi_3').get(c + 3), 0);
  assert.ok((got.getColumn('rsi_3').get(c + 8) as number) > 0);
});
