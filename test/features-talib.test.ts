import { test } from 'node:test';
import assert from 'node:assert/strict';
import pl from 'nodejs-polars';
import { readBarsCsv } from '../src/data/csv';
import { barsToFrame } from '../src/data/frame';
import { buildFeatures, featureColumns, warmupBars, type FeatureSpec } from '../src/features';
import { SHARED_SKIP, shared } from './helpers';

// Every indicator column the TA-Lib oracle file holds, spelled as our spec spells it.
const ORACLE_SPEC: FeatureSpec = [
  { name: 'sma', params: { period: 20 } },
  { name: 'ema', params: { period: 20 } },
  { name: 'rsi', params: { period: 14 } },
  { name: 'macd', params: { fast: 12, slow: 26, signal: 9 } },
  { name: 'macd_signal', params: { fast: 12, slow: 26, signal: 9 } },
  { name: 'macd_hist', params: { fast: 12, slow: 26, signal: 9 } },
  { name: 'bb_upper', params: { period: 20, stddev: 2 } },
  { name: 'bb_middle', params: { period: 20, stddev: 2 } },
  { name: 'bb_lower', params: { period: 20, stddev: 2 } },
  { name: 'atr', params: { period: 14 } },
];

test('indicators equal TA-Lib C on SPY daily and start at the same bar', { skip: SHARED_SKIP }, () => {
  const bars = readBarsCsv(shared('market', 'SPY_daily.csv')).bars;
  const ours = buildFeatures(barsToFrame(bars), ORACLE_SPEC);
  const oracle = pl.readCSV(shared('indicators', 'SPY_daily_talib.csv'));
  assert.equal(oracle.height, ours.height);
  const columns = featureColumns(ORACLE_SPEC);
  // The oracle's column names are our column names: the naming scheme is TA-Lib's parameter order.
  assert.deepEqual(columns.filter((c) => !oracle.columns.includes(c)), []);
  for (const column of columns) {
    const got = ours.getColumn(column).toArray() as (number | null)[];
    const want = oracle.getColumn(column).cast(pl.Float64).toArray() as (number | null)[];
    const firstWant = want.findIndex((v) => v !== null);
    assert.equal(got.findIndex((v) => v !== null), firstWant, `${column}: first non-null bar`);
    assert.ok(firstWant > 0 && firstWant < 40, `${column}: oracle starts at ${firstWant}`);
    for (let i = firstWant; i < want.length; i++) {
      const w = want[i] as number;
      const g = got[i];
      assert.ok(g !== null && Number.isFinite(g), `${column} row ${i}: got ${g}`);
      // The oracle is printed to 8 decimals: 1e-8 absolute or 1e-6 relative.
      const err = Math.abs(g - w);
      assert.ok(err <= 1e-8 || err <= 1e-6 * Math.abs(w), `${column} row ${i}: got ${g}, TA-Lib ${w}`);
    }
  }
  // bb_pctb is derived from the same bands.
  const pctb = buildFeatures(barsToFrame(bars), [{ name: 'bb_pctb' }]).getColumn('bb_pctb_20_2').toArray() as number[];
  const up = oracle.getColumn('bb_upper_20_2').cast(pl.Float64).toArray() as number[];
  const lo = oracle.getColumn('bb_lower_20_2').cast(pl.Float64).toArray() as number[];
  for (const i of [19, 100, 2000, 4861]) assert.ok(Math.abs(pctb[i] - (bars.close[i] - lo[i]) / (up[i] - lo[i])) < 1e-6, `bb_pctb row ${i}`);
  assert.equal(warmupBars(ORACLE_SPEC), 33);
});
