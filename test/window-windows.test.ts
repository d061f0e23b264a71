import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeBarTable, type BarTable } from '../src/data/bars';
import { featureMatrix, scaleMatrix, selectSampleRows, sampleSpans, windowSamples, type LabelColumn } from '../src/window';
import { allWindows, gatherWindows, tabularMatrix, windowShape } from '../src/records/samples';
import { fitScaler } from '../src/scale';
import { makeSplit, segmentIndices } from '../src/split';
import { UsageError } from '../src/errors';

const DAY = 86_400_000;
const T0 = Date.UTC(2021, 0, 4);

/** Symbols A (rows 0..11) and B (rows 12..19, starting 4 days later). */
function bars(): BarTable {
  const part = (symbol: string, n: number, firstDay: number) => {
    const close = Array.from({ length: n }, (_, i) => 100 + i);
    return { symbol, timestamp: close.map((_, i) => T0 + (firstDay + i) * DAY), open: close, high: close, low: close, close, volume: close };
  };
  return makeBarTable('1d', [part('A', 12, 0), part('B', 8, 4)]);
}

// Feature f of row r is 10 * r + f, so a window's content names its rows. Warm-up: f1 NaN for the first 2 bars of each symbol.
const ROWS = 20;
const f0 = Array.from({ length: ROWS }, (_, r) => 10 * r);
const f1 = Array.from({ length: ROWS }, (_, r) => (r < 2 || (r >= 12 && r < 14) ? null : 10 * r + 1));
const FEATURES = featureMatrix(['f0', 'f1'], [f0, f1]);
// Labels: undefined for the last bar of each symbol and at row 8.
const LABELS: LabelColumn = {
  value: Float64Array.from({ length: ROWS }, (_, r) => (r === 11 || r === 19 || r === 8 ? NaN : r % 3)),
  endTime: Float64Array.from({ length: ROWS }, (_, r) => (r === 11 || r === 19 || r === 8 ? NaN : bars().timestamp[r + 1])),
  classes: ['DOWN', 'FLAT', 'UP'],
};

test('sample rows: full NaN-free windows inside the symbol with a label; exclusions counted', () => {
  const picked = selectSampleRows(bars(), FEATURES, LABELS, 3);
  // A: rows 0,1 short; 2,3 hold A's NaN warm-up (rows 0,1); 8 and 11 unlabelled.
  // B: rows 12,13 short; 14,15 hold warm-up; 19 unlabelled.
  assert.deepEqual(Array.from(picked.rows), [4, 5, 6, 7, 9, 10, 16, 17, 18]);
  assert.deepEqual(picked.excluded, { shortHistory: 4, missingFeatures: 4, missingLabel: 3, total: 11 });
  assert.equal(picked.rows.length + picked.excluded.total, ROWS);
});

test('the window of the sample at bar t ends at t, oldest first, never crossing symbols', () => {
  const b = bars();
  const picked = selectSampleRows(b, FEATURES, LABELS, 3);
  const set = windowSamples(b, FEATURES, LABELS, picked.rows, 3);
  assert.deepEqual(windowShape(set), [9, 3, 2]);
  const x = allWindows(set);
  assert.ok(set.features.values === FEATURES.values, 'a view: the matrix is shared, not copied');
  picked.rows.forEach((t, k) => {
    const w = Array.from(x.subarray(k * 6, (k + 1) * 6));
    assert.deepEqual(w, [10 * (t - 2), 10 * (t - 2) + 1, 10 * (t - 1), 10 * (t - 1) + 1, 10 * t, 10 * t + 1], `row ${t}`);
    assert.equal(set.y[k], t % 3);
    assert.equal(set.timestamps![k], b.timestamp[t]);
    assert.equal(set.symbols![k], t < 12 ? 'A' : 'B');
  });
  assert.deepEqual(set.classes, ['DOWN', 'FLAT', 'UP']);
  assert.deepEqual(set.features.names, ['f0', 'f1']);
  assert.deepEqual(Array.from(gatherWindows(set, [8, 0])), [...Array.from(x.subarray(48, 54)), ...Array.from(x.subarray(0, 6))], 'a batch gathers the same windows');
  // Row 13 is B's second bar: a 3-bar window would reach into A.
  assert.throws(() => windowSamples(b, featureMatrix(['f0'], [f0]), LABELS, [13], 3), /cross the start of its symbol/);
  assert.throws(() => windowSamples(b, FEATURES, LABELS, [3], 3), (e: unknown) => e instanceof UsageError && /feature f1/.test(e.message));
  assert.throws(() => windowSamples(b, FEATURES, LABELS, [8], 3), /row 8 has no label/);
});

test('the scaled matrix equals the scaler applied to the raw matrix, in float32', () => {
  const b = bars();
  const picked = selectSampleRows(b, FEATURES, LABELS, 2);
  const scaler = fitScaler('standard', FEATURES.values, 2, picked.rows.subarray(0, 4));
  const scaled = scaleMatrix(FEATURES, scaler);
  assert.ok(scaled.values instanceof Float32Array);
  assert.deepEqual(Array.from(scaled.values), Array.from(Float32Array.from(scaler.transform(FEATURES.values))));
  const set = windowSamples(b, scaled, LABELS, picked.rows, 2);
  assert.ok(Math.abs(allWindows(set)[0]) < 10, 'values are scaled');
});

test('tabular view: the declared lags of each sample, named, oldest lag last', () => {
  const b = bars();
  const set = windowSamples(b, FEATURES, LABELS, [4, 16], 3);
  const plain = tabularMatrix(set, [0]);
  assert.deepEqual([plain.rows, plain.columns], [2, 2]);
  assert.deepEqual(Array.from(plain.x), [40, 41, 160, 161]);
  const lagged = tabularMatrix(set, [0, 1, 2]);
  assert.deepEqual(lagged.names, ['f0', 'f1', 'f0_lag1', 'f1_lag1', 'f0_lag2', 'f1_lag2']);
  assert.deepEqual(Array.from(lagged.x.subarray(0, 6)), [40, 41, 30, 31, 20, 21]);
});

test('pooled symbols share split dates: every symbol has train samples before the test date and test after', () => {
  const b = bars();
  const picked = selectSampleRows(b, FEATURES, LABELS, 1);
  const spans = sampleSpans(b, LABELS, picked.rows);
  const testStart = new Date(T0 + 8 * DAY).toISOString().slice(0, 10);
  const fold = makeSplit(spans, { kind: 'chronological', testStart }).folds[0];
  const train = windowSamples(b, FEATURES, LABELS, Array.from(segmentIndices(fold.train), (i) => picked.rows[i]), 1);
  const test = windowSamples(b, FEATURES, LABELS, Array.from(segmentIndices(fold.test), (i) => picked.rows[i]), 1);
  assert.deepEqual(new Set(train.symbols), new Set(['A', 'B']));
  assert.deepEqual(new Set(test.symbols), new Set(['A', 'B']));
  assert.ok(train.timestamps!.every((t) => t < T0 + 7 * DAY), 'train labels end before the test date');
  assert.ok(test.timestamps!.every((t) => t >= T0 + 8 * DAY));
});
