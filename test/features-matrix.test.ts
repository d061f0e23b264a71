import { test } from 'node:test';
import assert from 'node:assert/strict';
import pl from 'nodejs-polars';
import { barsToFrame } from '../src/data/frame';
import { syntheticMarket } from '../src/data/synthetic';
import { PRESETS, buildFeatures, featureColumns } from '../src/features';
import { barFeatureMatrix, featureMatrix, frameFeatureMatrix } from '../src/window';

test('frameFeatureMatrix equals the boxed featureMatrix (float64) and rounds to float32, nulls as NaN', () => {
  const bars = syntheticMarket({ symbols: ['A', 'B', 'C'], bars: 700, seed: 5 }).bars;
  const names = featureColumns(PRESETS.technical);
  const frame = buildFeatures(barsToFrame(bars), PRESETS.technical);
  // More rows than one interleaving block and more columns than one group, to cross both edges.
  const wide = frame.withColumns(...names.map((c) => pl.col(c).mul(-1).alias(`${c}_neg`)), ...names.map((c) => pl.col(c).mul(2).alias(`${c}_dbl`)));
  const all = [...names, ...names.map((c) => `${c}_neg`), ...names.map((c) => `${c}_dbl`)];
  assert.ok(all.length > 32, `${all.length} columns cross a group boundary`);
  const want = featureMatrix(all, all.map((c) => wide.getColumn(c).toArray() as (number | null)[]));
  const f64 = frameFeatureMatrix(wide, all, 'float64');
  assert.ok(f64.values instanceof Float64Array);
  assert.deepEqual(f64.names, all);
  assert.equal(f64.values.length, want.values.length);
  let nans = 0;
  for (let i = 0; i < want.values.length; i++) {
    if (Number.isNaN(want.values[i])) nans++;
    assert.ok(Object.is(f64.values[i], want.values[i]), `value ${i}: ${f64.values[i]} vs ${want.values[i]}`);
  }
  assert.ok(nans > 0, 'warm-up nulls arrive as NaN');
  const f32 = frameFeatureMatrix(wide, all);
  assert.ok(f32.values instanceof Float32Array);
  for (let i = 0; i < want.values.length; i++) assert.ok(Object.is(f32.values[i], Math.fround(want.values[i])), `float32 value ${i}`);
});

test('frameFeatureMatrix names a missing column', () => {
  const frame = pl.DataFrame({ a: [1, null, 3] });
  assert.throws(() => frameFeatureMatrix(frame, ['a', 'b']), /lacks column\(s\) b/);
  assert.deepEqual([...frameFeatureMatrix(frame, ['a']).values], [1, NaN, 3]);
});

test('barFeatureMatrix in groups of symbols equals one query over the panel, bit for bit; cross-sectional features stay in one query', async () => {
  const bars = syntheticMarket({ symbols: ['A', 'B', 'C', 'D', 'E'], bars: 400, seed: 9 }).bars;
  const spec = [...PRESETS.technical, ...PRESETS.alpha158.slice(0, 40)];
  const whole = frameFeatureMatrix(buildFeatures(barsToFrame(bars), spec), featureColumns(spec));
  // 900 bars per group: groups of 2, 2 and 1 symbols.
  const grouped = await barFeatureMatrix(bars, spec, 'float32', 900);
  assert.deepEqual(grouped.names, whole.names);
  assert.equal(grouped.values.length, whole.values.length);
  for (let i = 0; i < whole.values.length; i++) assert.ok(Object.is(grouped.values[i], whole.values[i]), `value ${i}: ${grouped.values[i]} vs ${whole.values[i]}`);
  const panel = [...PRESETS.basic, ...PRESETS.cross_section];
  const wholePanel = frameFeatureMatrix(buildFeatures(barsToFrame(bars), panel), featureColumns(panel));
  const groupedPanel = await barFeatureMatrix(bars, panel, 'float32', 900);
  for (let i = 0; i < wholePanel.values.length; i++) assert.ok(Object.is(groupedPanel.values[i], wholePanel.values[i]), `cross-sectional value ${i}`);
});
