import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { setKernelThreads } from '../src/kernels';
import { buildRecurrentNetwork, buildTransformerNetwork, fusedRecurrentLayer } from '../src/models/nn/architecture';
import { recurrentConfigSchema, transformerConfigSchema } from '../src/models/nn/config';
import { WorkerReplicas } from '../src/models/nn/replicas';
import { denseSamples } from '../src/records/samples';
import { type TrainLoopOptions, trainNetwork } from '../src/train/loop';
import { Rng } from '../src/util/random';

const STEPS = 6;
const FEATURES = 4;

/** 3 classes from the sign of the last step's first feature (with a flat band): learnable. */
function data(n: number, seed: number) {
  const rng = new Rng(seed);
  const x = Float32Array.from({ length: n * STEPS * FEATURES }, () => rng.normal());
  const y = Float32Array.from({ length: n }, (_, i) => {
    const v = x[(i * STEPS + STEPS - 1) * FEATURES];
    return v > 0.4 ? 2 : v < -0.4 ? 0 : 1;
  });
  return denseSamples({ x, shape: [n, STEPS, FEATURES], y, featureNames: ['a', 'b', 'c', 'd'], classes: ['down', 'flat', 'up'] });
}

const config = recurrentConfigSchema.parse({ units: [16], dense: [], dropout: 0.1, seed: 3 }, 'test');
const options: TrainLoopOptions = {
  seed: 5,
  epochs: 4,
  batchSize: 32,
  schedule: { type: 'constant' },
  clipNorm: 1,
  earlyStoppingPatience: 0,
  optimizer: 'adam',
  learningRate: 0.01,
  momentum: 0,
  task: 'multiclass',
  regressionLoss: 'mse',
  huberDelta: 1,
};

/** Built in a tidy scope: tfjs's LSTM forget-bias initializer leaves tensors behind otherwise. */
function network(): tf.LayersModel {
  let net: tf.LayersModel | undefined;
  tf.tidy(() => {
    net = buildRecurrentNetwork('lstm', config, { lookback: STEPS, features: FEATURES }, 'multiclass', 3, fusedRecurrentLayer);
  });
  return net!;
}

async function train(replicaCount: number, build = network, fused = true): Promise<{ weights: Float32Array[]; loss: number[]; acc: number[] }> {
  await initBackend();
  const net = build();
  const replicas = replicaCount > 0 ? await WorkerReplicas.start(replicaCount, net, { backend: (await initBackend()).name, fused, loss: options }) : undefined;
  try {
    const fit = await trainNetwork(net, data(1200, 1), undefined, { ...options, ...(replicas ? { replicas } : {}) });
    return { weights: net.getWeights().map((w) => w.dataSync() as Float32Array), loss: [...fit.history.loss], acc: [...fit.history.acc] };
  } finally {
    await replicas?.close();
    net.dispose();
  }
}

test('data-parallel training: learns like one thread, reproducible for a given replica count, leaks no tensors', async () => {
  setKernelThreads(1);
  const one = await train(0);
  const before = tf.memory().numTensors;
  const a = await train(2);
  const b = await train(2);
  assert.equal(tf.memory().numTensors, before, 'tensors left behind by a replicated fit');
  a.weights.forEach((w, k) => assert.deepEqual(w, b.weights[k], `weight ${k} differs between two runs with 2 replicas`));
  for (const run of [one, a]) {
    assert.ok(run.loss.at(-1)! < run.loss[0] * 0.8, `loss fell: ${run.loss.join(', ')}`);
    assert.ok(run.acc.at(-1)! > 0.6, `accuracy above the 3-class chance rate: ${run.acc.join(', ')}`);
  }
  // Same data, same shuffles: replicas change sums' order and dropout masks, not what is learned.
  assert.ok(Math.abs(a.loss.at(-1)! - one.loss.at(-1)!) < 0.15, `final loss ${a.loss.at(-1)} vs one thread ${one.loss.at(-1)}`);
  assert.notDeepEqual(a.weights[0], one.weights[0], 'replicas ran (weights differ in the last bits from one thread)');
});

test('the Transformer trains data-parallel too: its fused encoder blocks run in the replicas, reproducibly', async () => {
  setKernelThreads(1);
  const c = transformerConfigSchema.parse({ dModel: 8, heads: 2, layers: 1, ffUnits: 8, dropout: 0.1, seed: 3 }, 'test');
  const transformer = () => buildTransformerNetwork(c, { lookback: STEPS, features: FEATURES }, 'multiclass', 3);
  const before = tf.memory().numTensors;
  const [a, b] = [await train(2, transformer, false), await train(2, transformer, false)];
  assert.equal(tf.memory().numTensors, before, 'tensors left behind by a replicated fit');
  a.weights.forEach((w, k) => assert.deepEqual(w, b.weights[k], `weight ${k} differs between two runs with 2 replicas`));
  assert.ok(a.loss.at(-1)! < a.loss[0], `loss fell: ${a.loss.join(', ')}`);
});

test('a failing replica rejects the step with its error, naming the replica', async () => {
  await initBackend();
  const net = network();
  const replicas = await WorkerReplicas.start(1, net, { backend: (await initBackend()).name, fused: true, loss: options });
  try {
    const values = net.trainableWeights.map((w) => w.read().dataSync() as Float32Array);
    replicas.begin(values, options);
    // A feature more than the network takes: the replica's forward pass rejects the slice.
    const bad = { x: new Float32Array(STEPS * (FEATURES + 1)), shape: [1, STEPS, FEATURES + 1] as const, y: Float32Array.of(0), denominator: 1 };
    assert.throws(() => replicas.post([{ ...bad, x: new Float32Array(5) }], 0.01), /slice 1 has 5 window values for shape \[1,6,5\]/);
    replicas.post([bad], 0.01);
    replicas.ownDone(true);
    assert.throws(() => replicas.wait(), /training replica 1: .*(shape|dimension)/i);
    // The failed step was skipped everywhere: the replica still holds the weights it began with.
    replicas.end(values);
  } finally {
    await replicas.close();
    net.dispose();
  }
});

test('replicas apply the same update as the calling thread: their weights match it bit for bit, and a mismatch is an error', async () => {
  setKernelThreads(1);
  await initBackend();
  const net = network();
  const replicas = await WorkerReplicas.start(2, net, { backend: (await initBackend()).name, fused: true, loss: options });
  try {
    // trainNetwork ends each run by comparing every replica's weights with its own (end()).
    await trainNetwork(net, data(300, 2), undefined, { ...options, epochs: 2, batchSize: 41, replicas });
    const values = net.trainableWeights.map((w) => (w.read().dataSync() as Float32Array).slice());
    replicas.begin(values, options);
    replicas.end(values);
    values[1][0] += 1e-3;
    assert.throws(() => replicas.end(values), /training replica 1: .*weights diverged from the calling thread's \(variable 1\)/);
  } finally {
    await replicas.close();
    net.dispose();
  }
});

test('onBatchEnd reports every batch once, in order, with the running mean loss that ends at the epoch loss (one thread and replicas)', async () => {
  await initBackend();
  const set = data(300, 4);
  for (const replicaCount of [0, 1]) {
    const net = network();
    const replicas = replicaCount > 0 ? await WorkerReplicas.start(replicaCount, net, { backend: (await initBackend()).name, fused: true, loss: options }) : undefined;
    try {
      const seen: [number, number, number][] = [];
      const fit = await trainNetwork(net, set, undefined, { ...options, epochs: 2, batchSize: 64, ...(replicas ? { replicas } : {}), onBatchEnd: (e, b, loss) => seen.push([e, b, loss]) });
      // 300 samples in batches of 64: four full batches and one of 44.
      assert.deepEqual(
        seen.map(([e, b]) => [e, b]),
        [0, 1].flatMap((e) => [0, 1, 2, 3, 4].map((b) => [e, b])),
      );
      for (const e of [0, 1]) assert.ok(Math.abs(seen[e * 5 + 4][2] - fit.history.loss[e]) < 1e-12, `epoch ${e}: last running loss ${seen[e * 5 + 4][2]}, epoch loss ${fit.history.loss[e]}`);
    } finally {
      await replicas?.close();
      net.dispose();
    }
  }
});
