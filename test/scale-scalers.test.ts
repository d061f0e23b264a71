import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Scaler, fitScaler, type ScalerKind } from '../src/scale';
import { UsageError } from '../src/errors';
import { Rng } from '../src/util/random';

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(b));

// Two features, six rows, row-major. Feature 0: 1, 2, 3, 4, 100, NaN. Feature 1: constant 7 (and a NaN).
const X = Float64Array.from([1, 7, 2, 7, 3, NaN, 4, 7, 100, 7, NaN, 7]);

test('standard scaler: mean and population std per feature, NaN ignored, constant column -> 0', () => {
  const s = fitScaler('standard', X, 2);
  const v = [1, 2, 3, 4, 100];
  const mean = v.reduce((a, b) => a + b) / 5;
  const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / 5);
  assert.ok(close(s.center[0], mean) && close(s.scale[0], std));
  assert.equal(s.center[1], 7);
  assert.equal(s.scale[1], 1);
  const out = s.transform(X);
  assert.ok(close(out[0], (1 - mean) / std));
  assert.equal(out[1], 0);
  assert.ok(Number.isNaN(out[5]) && Number.isNaN(out[10]));
});

test('min-max and robust scalers', () => {
  const mm = fitScaler('minmax', X, 2);
  assert.deepEqual([mm.center[0], mm.scale[0]], [1, 99]);
  assert.equal(mm.transform(X)[8], 1);
  const rb = fitScaler('robust', X, 2);
  // numpy: median([1,2,3,4,100]) = 3, percentile 25 = 2, 75 = 4
  assert.deepEqual([rb.center[0], rb.scale[0]], [3, 2]);
  assert.equal(rb.transform(X)[8], 48.5);
  const even = fitScaler('robust', Float64Array.from([1, 2, 3, 10]), 1);
  // numpy: median 2.5, q25 = 1.75, q75 = 4.75
  assert.deepEqual([even.center[0], even.scale[0]], [2.5, 3]);
});

test('fit reads only the training rows: other rows change no statistic', () => {
  const rng = new Rng(1);
  const rows = 200;
  const x = Float64Array.from({ length: rows * 3 }, () => rng.normal() * 5 + 2);
  const train = Int32Array.from({ length: 140 }, (_, i) => i);
  for (const kind of ['standard', 'minmax', 'robust'] as ScalerKind[]) {
    const a = fitScaler(kind, x, 3, train);
    const perturbed = x.slice();
    for (let i = 140 * 3; i < perturbed.length; i++) perturbed[i] = rng.normal() * 1000;
    const b = fitScaler(kind, perturbed, 3, train);
    assert.deepEqual(b.toJSON(), a.toJSON(), kind);
    // Same as fitting on the sliced training matrix.
    assert.deepEqual(fitScaler(kind, x.subarray(0, 140 * 3), 3).toJSON(), a.toJSON(), kind);
    const c = fitScaler(kind, perturbed, 3);
    assert.notDeepEqual(c.toJSON(), a.toJSON(), `${kind}: fitting on all rows differs`);
  }
});

test('inverseTransform undoes transform; Float32 in gives Float32 out', () => {
  for (const kind of ['standard', 'minmax', 'robust', 'none'] as ScalerKind[]) {
    const s = fitScaler(kind, X, 2);
    const back = s.inverseTransform(s.transform(X));
    for (let i = 0; i < X.length; i++) assert.ok(Number.isNaN(X[i]) ? Number.isNaN(back[i]) : close(back[i], X[i]), `${kind} ${i}`);
    const f32 = s.transform(Float32Array.from(X));
    assert.ok(f32 instanceof Float32Array);
  }
});

test('toJSON / fromJSON round trip through JSON text', () => {
  const s = fitScaler('robust', X, 2);
  const loaded = Scaler.fromJSON(JSON.parse(JSON.stringify(s)));
  assert.equal(loaded.kind, 'robust');
  assert.deepEqual(Array.from(loaded.transform(X)), Array.from(s.transform(X)));
  assert.throws(() => Scaler.fromJSON({ kind: 'standard', center: [0], scale: [0] }), UsageError);
  assert.throws(() => Scaler.fromJSON({ kind: 'zscore', center: [0], scale: [1] }), /scaler kind must be one of/);
});

test('misuse is reported', () => {
  assert.throws(() => new Scaler('standard').transform(X), /before fit/);
  assert.throws(() => fitScaler('standard', X, 5), /do not form rows of 5 features/);
  assert.throws(() => fitScaler('standard', X, 2, [0, 6]), /training row 6/);
  assert.throws(() => fitScaler('standard', X, 2).transform(new Float64Array(3)), UsageError);
  // A feature with no finite training value maps through unchanged.
  const s = fitScaler('standard', Float64Array.from([NaN, 1, NaN, 2]), 2);
  assert.deepEqual([s.center[0], s.scale[0]], [0, 1]);
});
