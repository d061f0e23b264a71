import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { activeBackend, initBackend } from '../src/backend';
import type { FitResult } from '../src/models/model';
import { NeuralModel } from '../src/models/nn';
import { createModel } from '../src/models/registry';
import { LearningRateScheduler, adamUpdate, clipByGlobalNorm } from '../src/train';
import { nativeArraysOrSkip } from './helpers';
import { Rng } from '../src/util/random';
import { trainModel } from '../src/models';
import { syntheticWindows } from './nn-fixtures';

const data = syntheticWindows({ bars: 700, lookback: 8, signal: 0.3 });
const SMALL = { units: [6], dense: [4], epochs: 3, batchSize: 32 };

function weightsOf(m: NeuralModel): Float32Array[] {
  return m.layersModel!.getWeights().map((w) => w.dataSync() as Float32Array);
}

test('the same config trained twice gives identical weights and metrics; another seed does not', async () => {
  for (const [kind, cfg] of [
    ['lstm', { ...SMALL, dropout: 0.3 }],
    ['transformer', { dModel: 8, heads: 2, layers: 1, ffUnits: 8, epochs: 2 }],
  ] as const) {
    const run = async (seed: number) => {
      const m = createModel(kind, 'binary', { ...cfg, seed }) as NeuralModel;
      const fit = await m.fit(data.train, data.validation);
      const out = { fit, weights: weightsOf(m), proba: await m.predictProba(data.test) };
      m.dispose();
      return out;
    };
    const [a, b, c] = [await run(42), await run(42), await run(43)];
    assert.deepEqual(a.fit.history, b.fit.history, `${kind}: same history`);
    a.weights.forEach((w, i) => assert.deepEqual(w, b.weights[i], `${kind}: weight ${i} identical`));
    assert.deepEqual(a.proba, b.proba);
    assert.notDeepEqual(a.weights, c.weights, `${kind}: seed changes weights`);
  }
});

for (const optimizer of ['sgd', 'adam']) test(`no tensor leaks (${optimizer}): numTensors identical after every epoch and unchanged by predict/evaluate`, async () => {
  await initBackend();
  const counts: number[] = [];
  const m = createModel('gru', 'multiclass', { units: [5, 4], dense: [3], pooling: 'attention', epochs: 4, earlyStoppingPatience: 10, schedule: { type: 'plateau', patience: 1 }, optimizer }) as NeuralModel;
  const multi = syntheticWindows({ bars: 300, lookback: 8, signal: 0.3, task: 'multiclass' });
  await m.fit(multi.train, multi.validation, { onEpochEnd: () => counts.push(tf.memory().numTensors), classWeights: [2, 1, 2] });
  assert.equal(counts.length, 4);
  assert.ok(counts.every((c) => c === counts[0]), `per-epoch tensor counts ${counts}`);
  const before = tf.memory().numTensors;
  await m.predict(multi.test);
  await m.predictProba(multi.test);
  m.evaluate(multi.test);
  assert.equal(tf.memory().numTensors, before);
  // A second fit (fine-tuning) leaves no more tensors behind than the model itself holds.
  await m.fit(multi.train, multi.validation, { epochs: 1 });
  assert.equal(tf.memory().numTensors, before);
  m.dispose();
});

test('early stopping stops after `patience` epochs without improvement and restores the best weights', async () => {
  // A learning rate this high makes validation loss get worse after the first epochs.
  const m = createModel('lstm', 'binary', { ...SMALL, epochs: 30, learningRate: 0.3, earlyStoppingPatience: 2, clipNorm: 0 }) as NeuralModel;
  const fit = await m.fit(data.train, data.validation);
  const val = fit.history.val_loss;
  assert.ok(fit.epochs < 30, `stopped early after ${fit.epochs} epochs`);
  assert.equal(fit.epochs, fit.bestEpoch! + 3);
  assert.equal(Math.min(...val), val[fit.bestEpoch!]);
  assert.ok(Math.abs(m.evaluate(data.validation).loss - val[fit.bestEpoch!]) < 1e-5, 'restored weights give the best validation loss');
  m.dispose();
});

test('class weights shift a binary model toward the heavier class', async () => {
  const mean = async (classWeights?: number[]): Promise<number> => {
    const m = createModel('gru', 'binary', { units: [4], dense: [], epochs: 2, learningRate: 0.01 });
    await m.fit(data.train, undefined, { classWeights });
    const p = await m.predictProba!(data.test);
    m.dispose?.();
    let s = 0;
    for (let i = 1; i < p.length; i += 2) s += p[i];
    return s / (p.length / 2);
  };
  const [plain, upWeighted] = [await mean(), await mean([1, 4])];
  assert.ok(upWeighted > plain + 0.1, `P(up) ${plain} -> ${upWeighted}`);
  await assert.rejects(mean([1]), /no valid weight for class 1/);
});

test('learning-rate schedules', () => {
  const step = new LearningRateScheduler({ type: 'step', every: 2, factor: 0.5 }, 0.1, 10);
  assert.deepEqual([0, 1, 2, 3, 4].map((e) => step.rate(e)), [0.1, 0.1, 0.05, 0.05, 0.025]);
  const cos = new LearningRateScheduler({ type: 'cosine', minLearningRate: 0.01 }, 0.1, 10);
  assert.equal(cos.rate(0), 0.1);
  assert.ok(Math.abs(cos.rate(5) - 0.055) < 1e-12);
  const plateau = new LearningRateScheduler({ type: 'plateau', factor: 0.5, patience: 2, minLearningRate: 0.03 }, 0.1, 10);
  for (const loss of [1, 0.9, 0.95, 0.91]) plateau.observe(loss);
  assert.equal(plateau.rate(4), 0.05);
  for (const loss of [0.92, 0.93]) plateau.observe(loss);
  assert.equal(plateau.rate(6), 0.03);
});

test('clipByGlobalNorm bounds the global norm and leaves small gradients alone', () => {
  const g = [Float32Array.of(3, 0), Float32Array.of(0, 4)];
  clipByGlobalNorm(g, 1);
  assert.deepEqual([...g[0], ...g[1]].map((v) => Math.round(v * 1e6) / 1e6), [0.6, 0, 0, 0.8]);
  const same = [Float32Array.of(3, 0), Float32Array.of(0, 4)];
  clipByGlobalNorm(same, 10);
  assert.deepEqual([...same[0], ...same[1]], [3, 0, 0, 4]);
});

test('trainModel: history, learning rate log, callbacks and kept-epoch metrics; resume continues from weights', async () => {
  const seen: number[] = [];
  const r = await trainModel(data.train, data.validation, { kind: 'lstm', task: 'binary', config: { ...SMALL, schedule: { type: 'step', every: 1, factor: 0.5 } }, onEpochEnd: (e) => seen.push(e) });
  const fit: FitResult = r.fit;
  assert.deepEqual(seen, [0, 1, 2]);
  assert.deepEqual(fit.history.lr, [0.001, 0.0005, 0.00025]);
  for (const k of ['loss', 'acc', 'val_loss', 'val_acc']) assert.equal(fit.history[k].length, 3);
  assert.equal(r.metrics.val_loss, fit.history.val_loss[fit.bestEpoch!]);
  assert.equal(r.backend.name, activeBackend()?.name);
  const before = weightsOf(r.model as NeuralModel);
  const resumed = await trainModel(data.train, data.validation, { model: r.model, epochs: 1 });
  assert.equal(resumed.model, r.model);
  const after = weightsOf(r.model as NeuralModel);
  assert.notDeepEqual(after, before);
  // Fine-tuning starts from the trained weights, so its first epoch beats a fresh model's first epoch.
  assert.ok(resumed.fit.history.loss[0] < fit.history.loss[0]);
  r.model.dispose?.();
});

test('the native Adam and gradient-sum passes and the JavaScript ones give the same bits', (t) => {
  const native = nativeArraysOrSkip(t);
  if (!native) return;
  const rng = new Rng(11);
  const n = 4099;
  // Gradients and moments across magnitudes, zeros and signs included.
  const wide = () => (rng.int(9) === 0 ? 0 : (rng.uniform() - 0.5) * 10 ** (rng.int(12) - 8));
  const w = Float32Array.from({ length: n }, wide);
  const g = Float32Array.from({ length: n }, wide);
  const m = Float32Array.from({ length: n }, wide);
  const v = Float32Array.from({ length: n }, () => Math.abs(wide()));
  for (const step of [1, 2, 1000]) {
    const stepSize = 1e-3 / (1 - 0.9 ** step);
    const vScale = 1 / (1 - 0.999 ** step);
    const js = [w.slice(), m.slice(), v.slice()];
    const nat = [w.slice(), m.slice(), v.slice()];
    adamUpdate(js[0], g, js[1], js[2], 0.9, 0.999, 1e-7, stepSize, vScale);
    native.adamUpdate(nat[0], g, nat[1], nat[2], 0.9, 0.999, 1e-7, stepSize, vScale);
    assert.deepEqual(nat, js, `step ${step}`);
    assert.notDeepEqual(js[0], w, 'the pass changes the weights');
  }
  assert.throws(() => native.adamUpdate(w, g, m, new Float32Array(3), 0.9, 0.999, 1e-7, 1, 1), /different lengths/);
  // The gradient sum of data-parallel steps: float32 adds, across magnitudes (cancellations,
  // subnormal-sized and far-apart exponents), equal to the JavaScript loop's bits.
  const a = Float32Array.from({ length: n }, wide);
  const b = Float32Array.from({ length: n }, (_, i) => (i % 7 === 0 ? -a[i] : wide()));
  const sum = a.slice();
  native.addInto(sum, b);
  const twin = a.slice();
  for (let i = 0; i < n; i++) twin[i] += b[i];
  assert.deepEqual(sum, twin);
  assert.throws(() => native.addInto(sum, b.subarray(1)), /different lengths/);
});
