import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { UsageError } from '../src/errors';
import { AttentionPooling, LastTimeStep, MultiHeadSelfAttention, NeuralModel, SinusoidalPositionalEncoding } from '../src/models/nn';
import { createModel, modelKinds } from '../src/models/registry';
import { sampleCount } from '../src/records/samples';
import { accuracy, syntheticWindows } from './nn-fixtures';

test('neural kinds are registered', () => {
  for (const kind of ['lstm', 'gru', 'transformer']) assert.ok(modelKinds().includes(kind));
});

test('configs reject unknown keys and invalid values, naming the field', () => {
  assert.throws(() => createModel('lstm', 'binary', { unit: [8] }), (e: Error) => e instanceof UsageError && /lstm config\.unit: unknown key \(did you mean "units"\?\)/.test(e.message));
  assert.throws(() => createModel('gru', 'binary', { dropout: 1.5 }), /gru config\.dropout: expected a number >= 0 and < 1, got 1\.5/);
  assert.throws(() => createModel('transformer', 'binary', { dModel: 10, heads: 4 }), /transformer config\.dModel: must be a multiple of heads \(4\)/);
  assert.throws(() => createModel('lstm', 'binary', { schedule: { type: 'step', every: 0 } }), /schedule.every/);
  assert.throws(() => createModel('lstm', 'binary', { schedule: { type: 'warp' } }), /schedule.type/);
  assert.deepEqual(createModel('lstm', 'binary', { schedule: { type: 'cosine' } }).config().schedule, { type: 'cosine', minLearningRate: 0 });
});

test('multi-head self-attention: Keras weight layout, shape-preserving, differentiable', async () => {
  await initBackend();
  const layer = new MultiHeadSelfAttention({ numHeads: 2, keyDim: 3, seed: 1, name: 'mha' });
  const x = tf.randomNormal([4, 5, 6], 0, 1, 'float32', 3);
  const y = layer.apply(x) as tf.Tensor;
  assert.deepEqual(y.shape, [4, 5, 6]);
  assert.deepEqual(
    layer.weights.map((w) => [w.name.replace(/^mha\//, ''), w.shape]),
    [
      ['query/kernel', [6, 2, 3]], ['query/bias', [2, 3]],
      ['key/kernel', [6, 2, 3]], ['key/bias', [2, 3]],
      ['value/kernel', [6, 2, 3]], ['value/bias', [2, 3]],
      ['attention_output/kernel', [2, 3, 6]], ['attention_output/bias', [6]],
    ],
  );
  const vars = layer.trainableWeights.map((w) => w.read() as tf.Variable);
  const { grads } = tf.variableGrads(() => (layer.apply(x) as tf.Tensor).square().mean() as tf.Scalar, vars);
  for (const v of vars.filter((v) => v.name.includes('kernel'))) assert.ok(grads[v.name].abs().sum().dataSync()[0] > 0, `${v.name} gets a gradient`);
  tf.dispose([x, y, ...Object.values(grads)]);
});

test('positional encoding, attention pooling and last step compute what they claim', async () => {
  await initBackend();
  const zeros = tf.zeros([1, 3, 4]);
  const pe = (new SinusoidalPositionalEncoding().apply(zeros) as tf.Tensor).arraySync() as number[][][];
  assert.deepEqual(pe[0][0], [0, 1, 0, 1]);
  assert.ok(Math.abs(pe[0][2][0] - Math.sin(2)) < 1e-6 && Math.abs(pe[0][2][3] - Math.cos(2 / 100)) < 1e-6);
  // Identical steps: any attention weights average to that step.
  const same = tf.tile(tf.tensor3d([[[1, -2, 3]]]), [2, 4, 1]);
  const pooled = new AttentionPooling({ units: 2, seed: 5 }).apply(same) as tf.Tensor;
  assert.deepEqual(Array.from(pooled.dataSync()).map((v) => Math.round(v * 1e5) / 1e5), [1, -2, 3, 1, -2, 3]);
  const seq = tf.tensor3d([[[1, 2], [3, 4], [5, 6]]]);
  assert.deepEqual((new LastTimeStep().apply(seq) as tf.Tensor).arraySync(), [[5, 6]]);
  tf.dispose([zeros, same, pooled, seq]);
});

test('every architecture variant trains, predicts each task, and keeps probabilities consistent', async () => {
  const bin = syntheticWindows({ bars: 400, lookback: 6, signal: 0.3 });
  const multi = syntheticWindows({ bars: 400, lookback: 6, signal: 0.3, task: 'multiclass' });
  const reg = syntheticWindows({ bars: 400, lookback: 6, signal: 0.3, task: 'regression' });
  const variants: [string, Record<string, unknown>][] = [
    ['lstm', { units: [6, 4], dense: [4], pooling: 'attention', bidirectional: true }],
    ['gru', { units: [5], dense: [], pooling: 'mean' }],
    ['transformer', { dModel: 8, heads: 2, layers: 1, ffUnits: 8, pooling: 'last' }],
  ];
  for (const [kind, cfg] of variants) {
    const m = createModel(kind, 'multiclass', { ...cfg, epochs: 1 });
    await m.fit(multi.train);
    const p = await m.predictProba!(multi.test);
    assert.equal(p.length, sampleCount(multi.test) * 3);
    for (let i = 0; i < 5; i++) assert.ok(Math.abs(p[3 * i] + p[3 * i + 1] + p[3 * i + 2] - 1) < 1e-5);
    const cls = await m.predict(multi.test);
    assert.ok(cls.every((c) => c === 0 || c === 1 || c === 2));
    m.dispose?.();
  }
  const b = createModel('gru', 'binary', { units: [4], dense: [], epochs: 1 });
  await b.fit(bin.train);
  const [pb, cb] = [await b.predictProba!(bin.test), await b.predict(bin.test)];
  assert.equal(pb.length, 2 * sampleCount(bin.test));
  assert.ok(cb.every((c, i) => c === (pb[2 * i + 1] >= 0.5 ? 1 : 0) && Math.abs(pb[2 * i] + pb[2 * i + 1] - 1) < 1e-6));
  assert.ok(accuracy(cb, bin.test.y) > 0.3);
  const r = createModel('lstm', 'regression', { units: [4], dense: [], epochs: 1, loss: 'huber' }) as NeuralModel;
  await r.fit(reg.train, reg.validation);
  const pr = await r.predict(reg.test);
  assert.equal(pr.length, sampleCount(reg.test));
  assert.ok(pr.every(Number.isFinite));
  await assert.rejects(r.predictProba(reg.test), /classification/);
  b.dispose?.();
  r.dispose();
});

test('input checks: wrong shape, lookback, labels', async () => {
  const d = syntheticWindows({ bars: 200, lookback: 5, signal: 0 });
  const m = createModel('gru', 'binary', { units: [3], dense: [], epochs: 1 });
  await assert.rejects(m.fit({ ...d.train, y: d.train.y.map((v) => v * 2) }), /label 2 is not a class index/);
  await m.fit(d.train);
  const short = syntheticWindows({ bars: 200, lookback: 4, signal: 0 });
  await assert.rejects(m.predict(short.test), /lookback 4; the model was built for 5/);
  m.dispose?.();
});
