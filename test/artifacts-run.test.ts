import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { listRuns, listVersions, loadRun, saveRun } from '../src/artifacts';
import { loadLayersModel } from '../src/models/nn/layers-io';
import { allWindows, denseSamples, sampleCount, windowShape } from '../src/records/samples';
import { DataError } from '../src/errors';
import { activeBackend } from '../src/backend';
import { loadModel, trainModel } from '../src/models';
import { syntheticWindows } from './nn-fixtures';

const data = syntheticWindows({ bars: 400, lookback: 6, signal: 0.3 });

test('saveRun writes a complete versioned folder; loadRun restores identical predictions', async () => {
  const root = mkdtempSync(join(tmpdir(), 'stocklab-runs-'));
  const trained = await trainModel(data.train, data.validation, { kind: 'lstm', task: 'binary', config: { units: [5], dense: [3], pooling: 'attention', bidirectional: true, epochs: 2 } });
  const saved = await saveRun({ root, name: 'lstm-up', model: trained.model, train: data.train, validation: data.validation, fit: trained.fit, metrics: trained.metrics, scaler: { mean: [0], std: [1] }, features: { log_return: 'ln(close/close[-1])' }, labels: { kind: 'direction', horizon: 1 } });
  assert.equal(saved.version, 'v0001');
  assert.deepEqual(readdirSync(saved.dir).sort(), ['config.json', 'history.json', 'metrics.json', 'model-meta.json', 'model.json', 'scaler.json', 'weights.bin']);
  assert.deepEqual(readdirSync(join(root, 'lstm-up')), ['v0001'], 'no temp folder left behind');
  const config = JSON.parse(readFileSync(join(saved.dir, 'config.json'), 'utf8'));
  assert.equal(config.model.kind, 'lstm');
  assert.equal(config.seed, 42);
  assert.equal(config.backend, activeBackend()?.name, 'the backend that trained it, whichever loaded');
  assert.ok(['tensorflow', 'wasm', 'cpu'].includes(config.backend));
  assert.equal(config.packages.tfjs, tf.version.tfjs);
  assert.equal(config.packages.stocklab, '0.1.0');
  assert.deepEqual(config.featureNames, ['log_return']);
  assert.match(config.data.train.sha256, /^[0-9a-f]{64}$/);
  assert.notEqual(config.data.train.sha256, config.data.validation.sha256);
  assert.equal(JSON.parse(readFileSync(join(saved.dir, 'history.json'), 'utf8')).val_loss.length, 2);

  const again = await saveRun({ root, name: 'lstm-up', model: trained.model, train: data.train });
  assert.equal(again.version, 'v0002');
  assert.deepEqual(listVersions('lstm-up', root), ['v0001', 'v0002']);
  assert.deepEqual(listRuns(root), ['lstm-up']);

  const expected = await trained.model.predictProba!(data.test);
  const latest = await loadRun('lstm-up', { root, data: data.test });
  assert.equal(latest.version, 'v0002');
  const first = await loadRun('lstm-up', { root, version: 'v0001' });
  assert.deepEqual(first.scaler, { mean: [0], std: [1] });
  assert.equal(first.metrics.val_loss, trained.metrics.val_loss);
  assert.deepEqual(await first.model.predictProba!(data.test), expected);
  const byPath = await loadRun(saved.dir);
  assert.deepEqual(await byPath.model.predict(data.test), await trained.model.predict(data.test));
  await assert.rejects(loadRun('lstm-up', { root, version: 'v0009' }), /no version "v0009"; saved: v0001, v0002/);
  await assert.rejects(loadRun('nope', { root }), /no saved versions of run "nope"/);
  for (const m of [trained.model, latest.model, first.model, byPath.model]) m.dispose?.();
});

test('a model is refused for data whose feature columns differ, naming them', async () => {
  const root = mkdtempSync(join(tmpdir(), 'stocklab-runs-'));
  const x1 = allWindows(data.train);
  const two = denseSamples({
    x: Float32Array.from({ length: x1.length * 2 }, (_, i) => x1[i >> 1]),
    shape: [sampleCount(data.train), 6, 2],
    y: data.train.y,
    featureNames: ['log_return', 'volume_z'],
  });
  const t = await trainModel(two, undefined, { kind: 'gru', task: 'binary', config: { units: [3], dense: [], epochs: 1 } });
  await saveRun({ root, name: 'g', model: t.model, train: two });
  await assert.rejects(loadRun('g', { root, data: { features: { names: ['log_return', 'rsi_14'], values: new Float32Array(0) } } }), (e: Error) => e instanceof DataError && /"volume_z".*missing/.test(e.message) && /"rsi_14" is not one/.test(e.message));
  await assert.rejects(loadRun('g', { root, data: { features: { names: ['volume_z', 'log_return'], values: new Float32Array(0) } } }), /"log_return" is column 1 in the data but column 0/);
  // The model itself refuses mismatched input at predict time too.
  await assert.rejects(t.model.predict({ ...two, features: { ...two.features, names: ['a', 'b'] } }), DataError);
  t.model.dispose?.();
});

test('saved networks are standard tfjs layers models: tf.loadLayersModel reads them (transformer, custom layers)', async () => {
  const root = mkdtempSync(join(tmpdir(), 'stocklab-runs-'));
  const multi = syntheticWindows({ bars: 300, lookback: 6, signal: 0.3, task: 'multiclass' });
  const t = await trainModel(multi.train, undefined, { kind: 'transformer', task: 'multiclass', config: { dModel: 8, heads: 2, layers: 1, ffUnits: 8, dropout: 0.2, epochs: 1 } });
  const { dir } = await saveRun({ root, name: 'tf', model: t.model, train: multi.train });
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  assert.equal(json.format, 'layers-model');
  assert.deepEqual(json.weightsManifest[0].paths, ['weights.bin']);
  const classNames = new Set<string>(json.modelTopology.config.layers.map((l: { class_name: string }) => l.class_name));
  for (const c of ['TransformerEncoderBlock', 'SinusoidalPositionalEncoding', 'SequenceDense']) assert.ok(classNames.has(c), c);
  // Through the generic registry, and through plain tfjs with the layers module imported.
  const viaRegistry = await loadModel(dir);
  assert.deepEqual(await viaRegistry.predictProba!(multi.test), await t.model.predictProba!(multi.test));
  const plain = await loadLayersModel(dir);
  const fromJson = await tf.loadLayersModel(tf.io.fromMemory(json.modelTopology, json.weightsManifest[0].weights, new Uint8Array(readFileSync(join(dir, 'weights.bin'))).buffer));
  const x = tf.tensor(allWindows(multi.test), windowShape(multi.test));
  const [a, b] = [plain.predict(x) as tf.Tensor, fromJson.predict(x) as tf.Tensor];
  assert.deepEqual(Array.from(a.dataSync()), Array.from(b.dataSync()));
  assert.deepEqual(Float32Array.from(a.dataSync()), await t.model.predictProba!(multi.test));
  tf.dispose([x, a, b]);
  for (const m of [plain, fromJson]) m.dispose();
  for (const m of [t.model, viaRegistry]) m.dispose?.();
  assert.ok(!existsSync(join(root, 'tf', 'v0002')));
});
