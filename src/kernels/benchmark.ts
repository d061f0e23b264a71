import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../backend';
import { sized } from '../util/env';
import { FusedGRU, FusedLSTM } from './layers';
import { type RecurrentKind, type RecurrentShape, recurrentBackward, recurrentForward } from './recurrent';
import { alignedBytes, kernelHeap } from './heap';

/** The seeds' setup: windows x steps x features into LSTM(units) -> LSTM(units) -> Dense(25) -> Dense(1). */
export interface RnnBenchOptions {
  /** Training windows per epoch; default 1024 (128 under STOCKLAB_FAST). */
  readonly samples?: number;
  /** Default 60. */
  readonly steps?: number;
  /** Default 10. */
  readonly features?: number;
  /** Default 50. */
  readonly units?: number;
  /** Default 32. */
  readonly batchSize?: number;
  /** Timed epochs per fused model after one warm-up epoch (best is kept); default 3 (1 fast). */
  readonly fusedEpochs?: number;
  /** Timed epochs of tfjs's own layers, which are slow; default 1, after a warm-up on 2 batches. */
  readonly tfjsEpochs?: number;
  /** Default ['lstm', 'gru']. */
  readonly cells?: readonly RecurrentKind[];
}

export interface RnnBenchRow {
  readonly cell: RecurrentKind;
  readonly implementation: 'tfjs' | 'fused';
  readonly backend: string;
  readonly msPerEpoch: number;
  readonly samplesPerSec: number;
}

export interface RnnBenchResult {
  readonly setup: Required<Omit<RnnBenchOptions, 'cells'>> & { readonly cells: readonly RecurrentKind[] };
  readonly rows: readonly RnnBenchRow[];
  /** fused samples/s over tfjs samples/s, per cell. */
  readonly speedup: Partial<Record<RecurrentKind, number>>;
}

function seedsModel(cell: RecurrentKind, fused: boolean, o: RnnBenchResult['setup']): tf.Sequential {
  const make = (args: Parameters<typeof tf.layers.lstm>[0]): tf.layers.Layer => {
    if (cell === 'lstm') return fused ? new FusedLSTM(args) : tf.layers.lstm(args);
    return fused ? new FusedGRU(args) : tf.layers.gru(args);
  };
  const model = tf.sequential({
    layers: [
      make({ units: o.units, returnSequences: true, inputShape: [o.steps, o.features], recurrentInitializer: 'glorotUniform' }),
      make({ units: o.units, recurrentInitializer: 'glorotUniform' }),
      tf.layers.dense({ units: 25, activation: 'relu' }),
      tf.layers.dense({ units: 1 }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'meanSquaredError' });
  return model;
}

async function timeEpochs(model: tf.Sequential, x: tf.Tensor, y: tf.Tensor, batchSize: number, epochs: number): Promise<number> {
  let best = Infinity;
  for (let e = 0; e < epochs; e++) {
    const t0 = performance.now();
    await model.fit(x, y, { epochs: 1, batchSize, shuffle: false, verbose: 0 });
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

/**
 * Training throughput of tfjs's LSTM/GRU layers against the fused ones on the
 * same data, model and backend (wasm), measured in one run.
 */
export async function benchRnnTraining(options: RnnBenchOptions = {}): Promise<RnnBenchResult> {
  const setup = {
    samples: options.samples ?? sized(1024, 128),
    steps: options.steps ?? 60,
    features: options.features ?? 10,
    units: options.units ?? 50,
    batchSize: options.batchSize ?? 32,
    fusedEpochs: options.fusedEpochs ?? sized(3, 1),
    tfjsEpochs: options.tfjsEpochs ?? 1,
    cells: options.cells ?? (['lstm', 'gru'] as const),
  };
  const backend = (await initBackend({ backend: 'wasm' })).name;
  const x = tf.randomNormal([setup.samples, setup.steps, setup.features], 0, 1, 'float32', 1);
  const y = tf.randomNormal([setup.samples, 1], 0, 1, 'float32', 2);
  const warmX = x.slice(0, 2 * setup.batchSize);
  const warmY = y.slice(0, 2 * setup.batchSize);
  const rows: RnnBenchRow[] = [];
  const speedup: RnnBenchResult['speedup'] = {};
  for (const cell of setup.cells) {
    const perSec: Record<string, number> = {};
    for (const fused of [false, true]) {
      const model = seedsModel(cell, fused, setup);
      await model.fit(warmX, warmY, { epochs: 1, batchSize: setup.batchSize, verbose: 0 });
      const ms = await timeEpochs(model, x, y, setup.batchSize, fused ? setup.fusedEpochs : setup.tfjsEpochs);
      model.dispose();
      const implementation = fused ? 'fused' : 'tfjs';
      perSec[implementation] = (setup.samples / ms) * 1000;
      rows.push({ cell, implementation, backend, msPerEpoch: ms, samplesPerSec: perSec[implementation] });
    }
    speedup[cell] = perSec.fused / perSec.tfjs;
  }
  tf.dispose([x, y, warmX, warmY]);
  return { setup, rows, speedup };
}

/** Best-of-`repeats` milliseconds of `run`. */
function bestMs(run: () => void, repeats: number): number {
  let best = Infinity;
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    run();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

export interface GemmRate {
  readonly m: number;
  readonly k: number;
  readonly n: number;
  readonly gflops: number;
}

/**
 * The machine's SIMD GEMM rate on one core through the kernels' own f32x4
 * GEMM (WASM SIMD has no fused multiply-add, so this is the practical peak
 * for any WASM kernel here): best of several shapes that fit in cache.
 */
export function gemmPeak(): { readonly peakGflops: number; readonly shapes: readonly GemmRate[] } {
  const heap = kernelHeap();
  const shapes: [number, number, number][] = [[32, 52, 208], [64, 64, 256], [128, 128, 128], [256, 256, 256]];
  const rates = shapes.map(([m, k, n]) => {
    const a = heap.alloc(alignedBytes(m * k));
    const b = heap.alloc(alignedBytes(k * n));
    const c = heap.alloc(alignedBytes(m * n));
    const bp = heap.alloc(alignedBytes(k * n));
    heap.view(a, m * k).fill(0.5);
    heap.view(b, k * n).fill(0.25);
    heap.kernels.packB(b, n, k, n, false, bp);
    const reps = Math.max(1, Math.round(2e8 / (2 * m * k * n)));
    const ms = bestMs(() => {
      for (let r = 0; r < reps; r++) heap.kernels.gemmPacked(a, k, bp, c, n, m, k, n, false);
    }, 7);
    [bp, c, b, a].forEach((p) => heap.release(p));
    return { m, k, n, gflops: (2 * m * k * n * reps) / ms / 1e6 };
  });
  return { peakGflops: Math.max(...rates.map((r) => r.gflops)), shapes: rates };
}

export interface LayerKernelRate {
  readonly cell: RecurrentKind;
  /** Forward + backward of one layer on one batch, including the host's layout copies. */
  readonly msPerBatch: number;
  /** Multiply-add FLOPs of all the layer's matrix products (input projection, recurrence, gradients). */
  readonly gflops: number;
  readonly fractionOfPeak: number;
}

/** FLOP rate of one fused layer (the seeds' second layer: units in, units out) against the GEMM peak. */
export function layerKernelRate(cell: RecurrentKind, peakGflops: number, o: { batch?: number; steps?: number; units?: number } = {}): LayerKernelRate {
  const batch = o.batch ?? 32;
  const steps = o.steps ?? 60;
  const units = o.units ?? 50;
  const g = cell === 'lstm' ? 4 : 3;
  const shape: RecurrentShape = { kind: cell, batch, steps, inDim: units, units, gateActivation: 'hardSigmoid', returnSequences: true };
  const rand = (n: number, scale: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898) * scale);
  const x = rand(batch * steps * units, 1);
  const weights = { kernel: rand(units * g * units, 0.1), recurrentKernel: rand(units * g * units, 0.1), bias: rand(g * units, 0.1) };
  const ms = bestMs(() => {
    const { output, tape } = recurrentForward(shape, x, weights);
    recurrentBackward(tape!, output);
  }, 10);
  // Six products of rows x units x G·units each: X·W, h·U (over all steps), dZ·Uᵀ, hᵀ·dZ, Xᵀ·dZ, dZ·Wᵀ.
  const flops = 6 * 2 * batch * steps * units * g * units;
  const gflops = flops / ms / 1e6;
  return { cell, msPerBatch: ms, gflops, fractionOfPeak: gflops / peakGflops };
}
