import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildDataset, parseDatasetConfig } from '../src/dataset';
import { Scaler } from '../src/scale';
import { UsageError } from '../src/errors';
import { allWindows, sampleCount, windowShape } from '../src/records/samples';
import { SHARED_SKIP, shared } from './helpers';

const SYNTHETIC = { source: 'synthetic', symbols: ['AAA', 'BBB'], bars: 400, seed: 5 };

test('dataset from a config: sequence windows per split, aligned features, scaler fitted on train', async () => {
  const config = { source: SYNTHETIC, features: 'basic', label: { kind: 'updown' }, lookback: 10, scaler: 'none' };
  const ds = await buildDataset(config);
  const { bars, features } = ds.prepared;
  const [n, lookback, nf] = windowShape(ds.train);
  const x = allWindows(ds.train);
  assert.equal(lookback, 10);
  assert.equal(nf, ds.record.featureColumns.length);
  assert.ok(ds.validation && sampleCount(ds.validation) > 0 && sampleCount(ds.test) > 0);
  assert.equal(ds.record.samples.train, n);
  assert.equal(n + sampleCount(ds.validation!) + sampleCount(ds.test) + ds.prepared.split.folds[0].purged + ds.record.samples.excluded.total, bars.close.length);
  // Unscaled, the last step of each window holds the sample bar's own logret_1.
  const col = features.names.indexOf('logret_1');
  for (let k = 0; k < n; k += 37) {
    const range = bars.symbols.find((s) => s.symbol === ds.train.symbols![k])!;
    const t = bars.timestamp.subarray(range.start, range.end).indexOf(ds.train.timestamps![k]) + range.start;
    const want = Math.log(bars.close[t] / bars.close[t - 1]);
    assert.ok(Math.abs(x[(k * lookback + lookback - 1) * nf + col] - want) < 1e-6, `sample ${k}`);
  }
  // Every training sample's label ends before validation starts, for both symbols.
  assert.deepEqual(new Set(ds.train.symbols), new Set(['AAA', 'BBB']));
  assert.ok(Math.max(...ds.train.timestamps!) < Math.min(...ds.validation!.timestamps!));
});

test('the record rebuilds the same samples and carries the fitted scaler', async () => {
  const config = { source: SYNTHETIC, features: 'basic', label: { kind: 'return', horizonBars: 3 }, split: { kind: 'chronological', fractions: [0.8, 0, 0.2] }, lookback: 2 };
  const ds = await buildDataset(config);
  assert.equal(ds.validation, undefined);
  assert.deepEqual(windowShape(ds.train).slice(1), [2, ds.record.featureColumns.length]);
  const record = JSON.parse(JSON.stringify(ds.record));
  const again = await buildDataset(record.config);
  assert.deepEqual(allWindows(again.train), allWindows(ds.train));
  assert.deepEqual(again.test.y, ds.test.y);
  const scaler = Scaler.fromJSON(record.scaler);
  assert.deepEqual(Array.from(scaler.center), Array.from(ds.scaler.center));
  assert.match(record.split, /chronological split/);
});

test('bad configs name the field', () => {
  assert.throws(() => parseDatasetConfig({ source: SYNTHETIC, label: { kind: 'updown' } }), /features: is required/);
  assert.throws(() => parseDatasetConfig({ source: SYNTHETIC, features: 'basic', label: { kind: 'updown' }, lookback: 0 }), UsageError);
  assert.throws(() => parseDatasetConfig({ source: SYNTHETIC, features: 'nope', label: { kind: 'updown' } }), /unknown feature preset/);
  assert.throws(() => parseDatasetConfig({ source: SYNTHETIC, features: 'basic', label: { kind: 'updown' }, lookbak: 5 }), /lookbak: unknown key \(did you mean "lookback"\?\)/);
  assert.throws(() => parseDatasetConfig({ source: SYNTHETIC, features: 'basic', label: { kind: 'updown', horizon: 5 } }), /label\.horizon: unknown key \(did you mean "horizonBars"\?\)/);
  assert.throws(() => parseDatasetConfig({ source: SYNTHETIC, features: 'basic', label: { kind: 'updown' }, spilt: { kind: 'walk-forward' } }), /spilt: unknown key \(did you mean "split"\?\)/);
});

test('real data: SPY technical features with triple-barrier labels', { skip: SHARED_SKIP }, async () => {
  const ds = await buildDataset({
    source: { source: 'csv', files: [shared('market', 'SPY_daily.csv')], symbols: ['SPY'] },
    features: 'technical',
    label: { kind: 'triple-barrier', horizonBars: 10, profitTaking: 1.5, stopLoss: 1.5 },
    split: { kind: 'chronological', validationStart: '2019-01-01', testStart: '2021-01-01', embargoBars: 5 },
    lookback: 20,
  });
  assert.equal(ds.train.classes!.length, 3);
  for (const set of [ds.train, ds.validation!, ds.test]) {
    const counts = [0, 1, 2].map((c) => set.y.filter((y) => y === c).length);
    assert.ok(counts.every((c) => c > 0), `every class occurs: ${counts}`);
  }
  assert.ok(Math.max(...ds.train.timestamps!) < Date.UTC(2019, 0, 1));
  assert.ok(Math.min(...ds.test.timestamps!) >= Date.UTC(2021, 0, 1));
  // The scaler is fitted on exactly the training samples' bars: their features come out centred, unit variance.
  const [n, lookback, nf] = windowShape(ds.train);
  const x = allWindows(ds.train);
  for (let f = 0; f < nf; f++) {
    let sum = 0;
    let squares = 0;
    for (let k = 0; k < n; k++) {
      const v = x[(k * lookback + lookback - 1) * nf + f];
      sum += v;
      squares += v * v;
    }
    assert.ok(Math.abs(sum / n) < 1e-4, `${ds.record.featureColumns[f]} mean ${sum / n}`);
    assert.ok(Math.abs(squares / n - 1) < 1e-3, `${ds.record.featureColumns[f]} variance ${squares / n}`);
  }
  assert.ok(ds.record.samples.excluded.missingFeatures > 0);
});
