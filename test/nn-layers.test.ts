import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { UsageError } from '../src/errors';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AttentionPooling, LastTimeStep, LayerNorm, MultiHeadSelfAttention, NeuralModel, SequenceDense, SinusoidalPositionalEncoding, TransformerEncoderBlock } from '../src/models/nn';
import { createModel, loadModel, modelKinds } from '../src/models/registry';
import { kernelHeap } from '../src/kernels/heap';
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

/** Largest absolute difference between two same-shaped tensors. */
function maxDiff(a: tf.Tensor, b: tf.Tensor): number {
  assert.deepEqual(a.shape, b.shape);
  return tf.tidy(() => a.sub(b).abs().max().dataSync()[0]);
}

/** Output and gradients (input first, then each trainable weight) of `apply` under a fixed non-trivial loss. */
function outputAndGrads(apply: (x: tf.Tensor) => tf.Tensor, x: tf.Tensor, weights: tf.Variable[]): tf.Tensor[] {
  return tf.tidy(() => {
    const y = apply(x);
    const probe = tf.randomNormal(y.shape, 0, 1, 'float32', 11);
    const loss = (input: tf.Tensor) => apply(input).mul(probe).sum().add(apply(input).square().mean()) as tf.Scalar;
    const dx = tf.grad(loss)(x);
    const { grads } = tf.variableGrads(() => loss(x), weights);
    return [y, dx, ...weights.map((w) => grads[w.name])];
  });
}

test('LayerNorm matches tf.layers.layerNormalization: outputs and gradients', async () => {
  await initBackend();
  const x = tf.randomNormal([3, 5, 7], 2, 3, 'float32', 1);
  const ours = new LayerNorm({ epsilon: 1e-6, name: 'ours_norm' });
  const theirs = tf.layers.layerNormalization({ epsilon: 1e-6, name: 'tfjs_norm' });
  ours.apply(x);
  theirs.apply(x);
  assert.deepEqual(ours.weights.map((w) => [w.name, w.shape]), [['ours_norm/gamma', [7]], ['ours_norm/beta', [7]]]);
  // Same non-trivial gamma and beta on both, so their gradients and effect are exercised.
  const values = [tf.randomNormal([7], 1, 0.5, 'float32', 2), tf.randomNormal([7], 0, 0.5, 'float32', 3)];
  ours.setWeights(values);
  theirs.setWeights(values);
  const a = outputAndGrads((t) => ours.apply(t) as tf.Tensor, x, ours.trainableWeights.map((w) => w.read() as tf.Variable));
  const b = outputAndGrads((t) => theirs.apply(t) as tf.Tensor, x, theirs.trainableWeights.map((w) => w.read() as tf.Variable));
  ['output', 'dx', 'dgamma', 'dbeta'].forEach((what, i) => assert.ok(maxDiff(a[i], b[i]) < 2e-5, `${what} differs by ${maxDiff(a[i], b[i])}`));
  tf.dispose([x, ...values, ...a, ...b]);
});

/** Multi-head self-attention written op by op, straight from the definition, as the reference. */
function referenceAttention(x: tf.Tensor, w: tf.Tensor[], h: number, k: number): tf.Tensor {
  const [wq, bq, wk, bk, wv, bv, wo, bo] = w;
  const [b, t, d] = x.shape as [number, number, number];
  const heads = (kernel: tf.Tensor, bias: tf.Tensor) => x.reshape([b * t, d]).matMul(kernel.reshape([d, h * k])).add(bias.reshape([h * k])).reshape([b, t, h, k]).transpose([0, 2, 1, 3]);
  const p = tf.softmax(tf.matMul(heads(wq, bq), heads(wk, bk), false, true).div(Math.sqrt(k)));
  const c = tf.matMul(p, heads(wv, bv)).transpose([0, 2, 1, 3]).reshape([b * t, h * k]);
  return c.matMul(wo.reshape([h * k, d])).add(bo).reshape([b, t, d]);
}

test('multi-head self-attention matches the op-by-op definition: outputs and gradients, padded shapes too', async () => {
  await initBackend();
  // keyDim 3 and 7 steps exercise the padding to the GEMM's multiples of 4; keyDim 8 and 12 steps do not pad.
  for (const [h, k, t, d] of [[2, 3, 7, 5], [4, 8, 12, 32]]) {
    const layer = new MultiHeadSelfAttention({ numHeads: h, keyDim: k, seed: 4 });
    const x = tf.randomNormal([3, t, d], 0, 1, 'float32', 5);
    layer.apply(x);
    // Non-zero biases, so their gradients and placement are checked.
    layer.setWeights(layer.weights.map((w, i) => tf.randomNormal(w.shape as number[], 0, 0.5, 'float32', 20 + i)));
    const vars = layer.trainableWeights.map((w) => w.read() as tf.Variable);
    const a = outputAndGrads((s) => layer.apply(s) as tf.Tensor, x, vars);
    const b = outputAndGrads((s) => referenceAttention(s, vars, h, k), x, vars);
    const names = ['output', 'dx', ...layer.trainableWeights.map((w) => w.name)];
    names.forEach((what, i) => assert.ok(maxDiff(a[i], b[i]) < 1e-4 * Math.max(1, tf.tidy(() => b[i].abs().max().dataSync()[0])), `heads ${h} keyDim ${k}: ${what} differs by ${maxDiff(a[i], b[i])}`));
    tf.dispose([x, ...a, ...b]);
  }
});

test('SequenceDense matches tf.layers.dense on sequences and rows, ReLU or linear', async () => {
  await initBackend();
  for (const [shape, activation] of [[[4, 6, 5], 'relu'], [[9, 5], 'linear']] as const) {
    const init = () => tf.initializers.glorotUniform({ seed: 8 });
    const ours = new SequenceDense({ units: 3, activation, kernelInitializer: init(), biasInitializer: tf.initializers.constant({ value: 0.1 }) });
    const theirs = tf.layers.dense({ units: 3, activation, kernelInitializer: init(), biasInitializer: tf.initializers.constant({ value: 0.1 }) });
    const x = tf.randomNormal([...shape], 0, 1, 'float32', 9);
    ours.apply(x);
    theirs.apply(x);
    const a = outputAndGrads((s) => ours.apply(s) as tf.Tensor, x, ours.trainableWeights.map((w) => w.read() as tf.Variable));
    const b = outputAndGrads((s) => theirs.apply(s) as tf.Tensor, x, theirs.trainableWeights.map((w) => w.read() as tf.Variable));
    ['output', 'dx', 'dkernel', 'dbias'].forEach((what, i) => assert.ok(maxDiff(a[i], b[i]) < 1e-5, `${activation} ${what} differs by ${maxDiff(a[i], b[i])}`));
    assert.equal(ours.getConfig().units, 3);
    tf.dispose([x, ...a, ...b]);
  }
});

test('a saved and reloaded Transformer predicts identically, through its registered layer classes', async () => {
  const d = syntheticWindows({ bars: 300, lookback: 6, signal: 0.3 });
  const m = createModel('transformer', 'binary', { dModel: 8, heads: 2, layers: 2, ffUnits: 8, epochs: 1 });
  await m.fit(d.train);
  const before = await m.predictProba!(d.test);
  const dir = mkdtempSync(join(tmpdir(), 'stocklab-transformer-'));
  try {
    await m.save!(dir);
    const loaded = await loadModel(dir);
    const classes = (loaded as NeuralModel).layersModel!.layers.map((l) => l.getClassName());
    for (const cls of ['TransformerEncoderBlock', 'SequenceDense']) assert.ok(classes.includes(cls), `${cls} survives saving`);
    assert.deepEqual(await loaded.predictProba!(d.test), before);
    loaded.dispose?.();
  } finally {
    rmSync(dir, { recursive: true, force: true });
    m.dispose?.();
  }
});

test('a Transformer saved with separate block layers (before the fused block) loads into fused blocks and predicts as it did', async () => {
  // Saved by the composition-era kit: 2 blocks of dModel 8, 2 heads, ff 8, trained 2 epochs on this data.
  const dir = join(__dirname, '..', '..', 'test', 'fixtures', 'transformer-composition');
  const d = syntheticWindows({ bars: 300, lookback: 6, signal: 0.3 });
  const loaded = await loadModel(dir);
  const classes = (loaded as NeuralModel).layersModel!.layers.map((l) => l.getClassName());
  assert.equal(classes.filter((c) => c === 'TransformerEncoderBlock').length, 2);
  assert.ok(!classes.includes('MultiHeadSelfAttention'));
  const expected = JSON.parse(readFileSync(join(dir, 'expected-proba.json'), 'utf8')) as number[];
  const p = await loaded.predictProba!(d.test);
  expected.forEach((e, i) => assert.ok(Math.abs(p[i] - e) < 1e-5, `probability ${i}: ${p[i]} vs ${e}`));
  loaded.dispose?.();
});

test('Transformer training leaves no tensors or kernel-heap blocks behind', async () => {
  const d = syntheticWindows({ bars: 200, lookback: 5, signal: 0.3 });
  const m = createModel('transformer', 'binary', { dModel: 8, heads: 2, layers: 1, ffUnits: 8, epochs: 1 });
  await m.fit(d.train);
  await m.predictProba!(d.test);
  const tensors = tf.memory().numTensors;
  const heapBytes = kernelHeap().liveBytes();
  await m.fit(d.train, d.validation, { epochs: 2 });
  await m.predictProba!(d.test);
  assert.equal(tf.memory().numTensors, tensors);
  assert.equal(kernelHeap().liveBytes(), heapBytes);
  m.dispose?.();
});

/**
 * The encoder block's dropout masks as specified: 1/(1 - rate) where the hash of (seed, index)
 * is at least rate·2³², else 0. The kernels of every build must draw exactly these.
 */
function referenceMask(length: number, seed: number, rate: number): Float32Array {
  const out = new Float32Array(length);
  const s = Math.imul(seed | 0, 0x9e3779b1);
  for (let i = 0; i < length; i++) {
    let h = (s ^ Math.imul(i, 0x85ebca77)) >>> 0;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    h = (h ^ (h >>> 16)) >>> 0;
    out[i] = h >= rate * 4294967296 ? 1 / (1 - rate) : 0;
  }
  return out;
}

/** The kernels' dropout mask of `length` values. */
function kernelMask(length: number, seed: number, rate: number): Float32Array {
  const heap = kernelHeap();
  const ptr = heap.alloc(Math.ceil(length / 16) * 64);
  try {
    heap.kernels.dropoutMask(ptr, length, seed, rate);
    return heap.view(ptr, length).slice();
  } finally {
    heap.release(ptr);
  }
}

/** The block the fused TransformerEncoderBlock replaces, as the composition of the kit's separate layers, sharing `block`'s weights; `masks` multiply the two dropout sites. */
function compositionBlock(block: TransformerEncoderBlock, x: tf.Tensor, masks?: [tf.Tensor, tf.Tensor]): tf.Tensor {
  const [b, t, d] = x.shape as [number, number, number];
  const w = block.trainableWeights.map((v) => v.read());
  const h = block.numHeads;
  let a = referenceAttention(x, w.slice(0, 8), h, d / h);
  if (masks) a = a.mul(masks[0].reshape([b, t, d]));
  const norm = (r: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor) => {
    const { mean, variance } = tf.moments(r, -1, true);
    return r.sub(mean).div(variance.add(block.epsilon).sqrt()).mul(gamma).add(beta);
  };
  const h1 = norm(x.add(a), w[8], w[9]);
  let f = tf.relu(h1.reshape([b * t, d]).matMul(w[10]).add(w[11])).matMul(w[12]).add(w[13]).reshape([b, t, d]);
  if (masks) f = f.mul(masks[1].reshape([b, t, d]));
  return norm(h1.add(f), w[14], w[15]);
}

test('the fused encoder block matches the layer composition: outputs and gradients, padded widths, dropout', async () => {
  await initBackend();
  // dModel 6 and ffUnits 5 pad to the GEMMs' multiples of 4; dModel 32 with 4 heads is the default shape.
  for (const [h, d, f, t, rate] of [[2, 6, 5, 7, 0], [4, 32, 64, 12, 0], [2, 8, 12, 5, 0.3]]) {
    const block = new TransformerEncoderBlock({ numHeads: h, ffUnits: f, rate, seed: 7 });
    const x = tf.randomNormal([3, t, d], 0, 1, 'float32', 5);
    block.apply(x);
    assert.deepEqual(block.weights.map((v) => v.name.replace(/^[^/]*\//, '')).slice(0, 2), ['attention/query/kernel', 'attention/query/bias']);
    // Non-trivial biases, gammas and betas, so their gradients and placement are checked.
    block.setWeights(block.weights.map((v, i) => tf.randomNormal(v.shape as number[], i === 8 || i === 14 ? 1 : 0, 0.5, 'float32', 40 + i)));
    const vars = block.trainableWeights.map((v) => v.read() as tf.Variable);
    // Training calls draw masks from seed + 2k and seed + 2k + 1: replay them for the reference.
    let call = 0;
    const masks = (): [tf.Tensor, tf.Tensor] | undefined => {
      if (rate === 0) return undefined;
      const [m1, m2] = [referenceMask(3 * t * d, 7 + 2 * call, rate), referenceMask(3 * t * d, 7 + 2 * call + 1, rate)];
      call++;
      return [tf.tensor(m1), tf.tensor(m2)];
    };
    const a = outputAndGrads((s) => block.apply(s, { training: true }) as tf.Tensor, x, vars);
    const b = outputAndGrads((s) => compositionBlock(block, s, masks()), x, vars);
    const names = ['output', 'dx', ...block.trainableWeights.map((v) => v.name)];
    names.forEach((what, i) => assert.ok(maxDiff(a[i], b[i]) < 2e-4 * Math.max(1, tf.tidy(() => b[i].abs().max().dataSync()[0])), `heads ${h} d ${d} ff ${f} rate ${rate}: ${what} differs by ${maxDiff(a[i], b[i])}`));
    const inference = tf.tidy(() => maxDiff(block.apply(x) as tf.Tensor, compositionBlock(block, x)));
    assert.ok(inference < 1e-4, `inference differs by ${inference}`);
    tf.dispose([x, ...a, ...b]);
  }
});

test('fused encoder block dropout: seeded masks, fresh each training call, the rate kept', async () => {
  await initBackend();
  // Odd lengths and seeds past 2^31 cover the kernels' tails and integer wrapping.
  for (const [length, seed, rate] of [[100_003, 3, 0.25], [37, 2 ** 31 + 5, 0.1], [1000, -7, 0.9]]) {
    const mask = kernelMask(length, seed, rate);
    assert.deepEqual(mask, referenceMask(length, seed, rate), `mask of length ${length}, seed ${seed}, rate ${rate}`);
    const dropped = mask.filter((v) => v === 0).length / length;
    if (length > 10_000) assert.ok(Math.abs(dropped - rate) < 0.01, `dropped ${dropped}`);
  }
  assert.notDeepEqual(kernelMask(1000, 4, 0.25), kernelMask(1000, 3, 0.25));
  const x = tf.randomNormal([2, 5, 8], 0, 1, 'float32', 1);
  const run = () => {
    const block = new TransformerEncoderBlock({ numHeads: 2, ffUnits: 8, rate: 0.5, seed: 11 });
    return [0, 1].map(() => tf.tidy(() => Array.from((block.apply(x, { training: true }) as tf.Tensor).dataSync())));
  };
  const [first, second] = [run(), run()];
  assert.deepEqual(first, second);
  assert.notDeepEqual(first[0], first[1]);
  x.dispose();
});
