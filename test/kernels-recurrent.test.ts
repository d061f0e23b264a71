import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { FusedGRU, FusedLSTM, fallbackReason, kernelHeap, useFusedLayers } from '../src/kernels';
import { Rng } from '../src/util/random';

type Kind = 'lstm' | 'gru';
type LayerArgs = Parameters<typeof tf.layers.lstm>[0];

function randomTensor(rng: Rng, shape: number[], scale = 1): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = (rng.uniform() * 2 - 1) * scale;
  return tf.tensor(v, shape);
}

function makeLayer(kind: Kind, fused: boolean, args: LayerArgs): tf.layers.Layer {
  if (kind === 'lstm') return fused ? new FusedLSTM(args) : tf.layers.lstm(args);
  return fused ? new FusedGRU(args) : tf.layers.gru(args);
}

/** Largest |a - b| relative to the reference's scale, elementwise with a floor at 1% of its largest magnitude. */
function relativeError(actual: tf.Tensor, expected: tf.Tensor): number {
  const a = actual.dataSync();
  const b = expected.dataSync();
  assert.deepEqual(actual.shape, expected.shape);
  let scale = 0;
  for (const v of b) scale = Math.max(scale, Math.abs(v));
  let worst = 0;
  for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(Math.abs(b[i]), 0.01 * scale, 1e-12));
  return worst;
}

interface Case {
  readonly name: string;
  readonly kind: Kind;
  readonly batch: number;
  readonly steps: number;
  readonly inDim: number;
  /** One entry per stacked layer. */
  readonly layers: readonly LayerArgs[];
}

/** Outputs and gradients (w.r.t. the input and every weight) of a stack of layers sharing weights with `weightsFrom`. */
function outputsAndGrads(c: Case, fused: boolean, x: tf.Variable, probe: tf.Tensor, weightsFrom?: tf.layers.Layer[]) {
  const layers = c.layers.map((args) => makeLayer(c.kind, fused, { ...args }));
  const model = tf.sequential({ layers: [tf.layers.inputLayer({ inputShape: [c.steps, c.inDim] }), ...layers] });
  if (weightsFrom) layers.forEach((l, i) => l.setWeights(weightsFrom[i].getWeights()));
  const vars = layers.flatMap((l) => l.trainableWeights.map((w) => w.read() as tf.Variable));
  const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(model.apply(x) as tf.Tensor, probe)), [x, ...vars]);
  const y = model.apply(x) as tf.Tensor;
  value.dispose();
  return { layers, model, y, grads: [x, ...vars].map((v) => grads[v.name]) };
}

const CASES: readonly Case[] = [
  { name: 'LSTM last step', kind: 'lstm', batch: 5, steps: 7, inDim: 3, layers: [{ units: 6 }] },
  { name: 'LSTM sequences, sigmoid gates, units not a multiple of 4', kind: 'lstm', batch: 3, steps: 9, inDim: 10, layers: [{ units: 5, returnSequences: true, recurrentActivation: 'sigmoid' }] },
  { name: 'LSTM stacked, no bias in first', kind: 'lstm', batch: 7, steps: 12, inDim: 4, layers: [{ units: 8, returnSequences: true, useBias: false }, { units: 3 }] },
  { name: 'GRU last step', kind: 'gru', batch: 5, steps: 7, inDim: 3, layers: [{ units: 6 }] },
  { name: 'GRU sequences, sigmoid gates', kind: 'gru', batch: 3, steps: 9, inDim: 10, layers: [{ units: 5, returnSequences: true, recurrentActivation: 'sigmoid' }] },
  { name: 'GRU stacked', kind: 'gru', batch: 7, steps: 12, inDim: 4, layers: [{ units: 8, returnSequences: true }, { units: 3, recurrentActivation: 'sigmoid' }] },
];

describe('fused recurrent layers match tfjs', () => {
  for (const c of CASES) {
    it(`${c.name}: outputs and all gradients within 1e-4`, () => {
      const rng = new Rng(7);
      const before = tf.memory().numTensors;
      tf.tidy(() => {
        const x = tf.variable(randomTensor(rng, [c.batch, c.steps, c.inDim], 2));
        const units = c.layers.at(-1)!.units;
        const outShape = c.layers.at(-1)!.returnSequences ? [c.batch, c.steps, units] : [c.batch, units];
        const probe = randomTensor(rng, outShape);
        const ref = outputsAndGrads(c, false, x, probe);
        // Scale up recurrent weights so gates leave hardSigmoid's linear zone and saturate sometimes.
        ref.layers.forEach((l) => l.setWeights(l.getWeights().map((w) => tf.mul(w, 1.5))));
        const expected = outputsAndGrads(c, false, x, probe, ref.layers);
        const actual = outputsAndGrads(c, true, x, probe, ref.layers);
        actual.layers.forEach((l) => assert.equal(fallbackReason(l as FusedLSTM, x, { training: true }), undefined));
        assert.ok(relativeError(actual.y, expected.y) < 1e-4, `output error ${relativeError(actual.y, expected.y)}`);
        assert.equal(actual.grads.length, expected.grads.length);
        actual.grads.forEach((g, i) => {
          const err = relativeError(g, expected.grads[i]);
          assert.ok(err < 1e-4, `gradient ${i} error ${err}`);
        });
        [ref, expected, actual].forEach((r) => r.model.layers.forEach((l) => l.dispose()));
        x.dispose();
      });
      assert.equal(tf.memory().numTensors, before);
    });
  }

  it('forms the input gradient only when it is asked for: never for a first layer trained on data', () => {
    const rng = new Rng(5);
    const recurrent = require('../src/kernels/recurrent') as typeof import('../src/kernels/recurrent');
    const original = recurrent.recurrentBackward;
    const asked: boolean[] = [];
    recurrent.recurrentBackward = (tape, dy, dx, into) => {
      asked.push(dx !== false);
      return original(tape, dy, dx, into);
    };
    try {
      tf.tidy(() => {
        const c = CASES[2];
        const x = randomTensor(rng, [c.batch, c.steps, c.inDim]);
        const fused = c.layers.map((args) => makeLayer(c.kind, true, { ...args }));
        const model = tf.sequential({ layers: [tf.layers.inputLayer({ inputShape: [c.steps, c.inDim] }), ...fused] });
        const vars = fused.flatMap((l) => l.trainableWeights.map((w) => w.read() as tf.Variable));
        const loss = (input: tf.Tensor) => () => tf.sum(tf.square(model.apply(input) as tf.Tensor)) as tf.Scalar;
        const weightsOnly = tf.variableGrads(loss(x), vars).grads;
        // Backward runs last layer first: the second layer's input leads to the first layer's weights.
        assert.deepEqual(asked, [true, false]);
        const xv = tf.variable(x);
        const withInput = tf.variableGrads(loss(xv), [xv, ...vars]).grads;
        assert.deepEqual(asked, [true, false, true, true]);
        for (const v of vars) assert.equal(relativeError(weightsOnly[v.name], withInput[v.name]), 0, v.name);
        xv.dispose();
        fused.forEach((l) => l.dispose());
      });
    } finally {
      recurrent.recurrentBackward = original;
    }
  });

  it('falls back to tfjs for what the kernels do not cover (goBackwards)', () => {
    const rng = new Rng(3);
    const x = randomTensor(rng, [2, 5, 3]);
    const ref = tf.layers.lstm({ units: 4, goBackwards: true });
    const fused = new FusedLSTM({ units: 4, goBackwards: true });
    const expected = ref.apply(x) as tf.Tensor;
    fused.apply(x);
    fused.setWeights(ref.getWeights());
    assert.ok(relativeError(fused.apply(x) as tf.Tensor, expected) < 1e-6);
  });
});

describe('fused kernels', () => {
  it('tanh and sigmoid approximations stay within 3e-7 of float64', () => {
    const heap = kernelHeap();
    const n = 4096;
    const xp = heap.alloc(n * 4);
    const yp = heap.alloc(n * 4);
    const x = heap.view(xp, n);
    for (let i = 0; i < n; i++) x[i] = (i - n / 2) / 160 + 1e-3;
    heap.kernels.tanhArray(xp, yp, n);
    const tanh = Array.from(heap.view(yp, n));
    heap.kernels.sigmoidArray(xp, yp, n);
    const sigmoid = Array.from(heap.view(yp, n));
    const xs = Array.from(heap.view(xp, n));
    heap.release(xp);
    heap.release(yp);
    xs.forEach((v, i) => {
      assert.ok(Math.abs(tanh[i] - Math.tanh(v)) <= 3e-7 * Math.abs(Math.tanh(v)) + 1e-9, `tanh(${v})`);
      const s = 1 / (1 + Math.exp(-v));
      assert.ok(Math.abs(sigmoid[i] - s) <= 3e-7 * s, `sigmoid(${v})`);
    });
  });
});

describe('fused layers in models', () => {
  function buildModel(kind: Kind, fused: boolean, seed: number): tf.Sequential {
    const init = (s: number) => ({ kernelInitializer: tf.initializers.glorotUniform({ seed: seed + s }), recurrentInitializer: tf.initializers.glorotUniform({ seed: seed + s + 10 }) });
    const model = tf.sequential({
      layers: [
        makeLayer(kind, fused, { units: 8, returnSequences: true, inputShape: [10, 3], ...init(1) }),
        makeLayer(kind, fused, { units: 8, ...init(2) }),
        tf.layers.dense({ units: 1, kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 3 }) }),
      ],
    });
    model.compile({ optimizer: tf.train.adam(0.01), loss: 'meanSquaredError' });
    return model;
  }

  /** A learnable target: a weighted sum of the window with noise; 70 rows so batch 32 leaves a ragged last batch. */
  function dataset(seed: number) {
    const rng = new Rng(seed);
    const n = 70;
    const x = new Float32Array(n * 10 * 3);
    const y = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < 30; j++) x[i * 30 + j] = rng.uniform() * 2 - 1;
      y[i] = 0.5 * x[i * 30 + 27] - 0.3 * x[i * 30 + 1] + 0.05 * (rng.uniform() - 0.5);
    }
    return { x: tf.tensor(x, [n, 10, 3]), y: tf.tensor(y, [n, 1]) };
  }

  for (const kind of ['lstm', 'gru'] as const) {
    it(`${kind}: trains like tfjs's layer from the same seed, without leaking tensors`, async () => {
      const data = dataset(11);
      const heapBefore = kernelHeap().liveBytes();
      const losses: number[] = [];
      for (const fused of [false, true]) {
        const model = buildModel(kind, fused, 5);
        const counts: number[] = [];
        const history = await model.fit(data.x, data.y, {
          epochs: 6,
          batchSize: 32,
          shuffle: false,
          validationSplit: 0.25,
          verbose: 0,
          callbacks: { onEpochEnd: async () => void counts.push(tf.memory().numTensors) },
        });
        assert.ok(counts.every((c) => c === counts[0]), `tensor count grew across epochs: ${counts.join(',')}`);
        const valLoss = history.history.val_loss as number[];
        assert.ok(valLoss.at(-1)! < valLoss[0], `${fused ? 'fused' : 'tfjs'} validation loss did not fall: ${valLoss.join(', ')}`);
        losses.push(valLoss.at(-1)!);
        (model.predict(data.x) as tf.Tensor).dispose();
        model.dispose();
      }
      assert.equal(kernelHeap().liveBytes(), heapBefore, 'kernel memory still held after training and predicting');
      assert.ok(Math.abs(losses[1] - losses[0]) <= 1e-3 * losses[0], `validation loss tfjs ${losses[0]} vs fused ${losses[1]}`);
      tf.dispose([data.x, data.y]);
    });
  }

  it('saves as standard LSTM/GRU layers and loads back fused or plain with the same predictions', async () => {
    // Seeded weights: unseeded ones made this comparison pass or fail by chance (a gate near
    // hardSigmoid's kink can land either side in the two implementations).
    const init = (seed: number) => ({ kernelInitializer: tf.initializers.glorotUniform({ seed }), recurrentInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) });
    const model = tf.sequential({ layers: [new FusedLSTM({ units: 4, returnSequences: true, inputShape: [6, 2], ...init(7) }), new FusedGRU({ units: 3, ...init(9) })] });
    const x = randomTensor(new Rng(1), [3, 6, 2]);
    const expected = model.predict(x) as tf.Tensor;
    let artifacts: tf.io.ModelArtifacts | undefined;
    await model.save(tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    const json = JSON.stringify(artifacts!.modelTopology);
    assert.match(json, /"class_name":"LSTM"/);
    assert.match(json, /"class_name":"GRU"/);
    assert.doesNotMatch(json, /Fused/);
    const plain = await tf.loadLayersModel(tf.io.fromMemory(artifacts!));
    assert.equal(plain.layers[0].constructor, tf.layers.lstm({ units: 1 }).constructor);
    const fused = await tf.loadLayersModel(tf.io.fromMemory({ ...artifacts!, modelTopology: useFusedLayers(artifacts!.modelTopology) }));
    assert.ok(fused.layers[0] instanceof FusedLSTM && fused.layers[1] instanceof FusedGRU);
    for (const loaded of [plain, fused]) assert.ok(relativeError(loaded.predict(x) as tf.Tensor, expected) < 1e-5);
  });
});
