/**
 * A training replica (see replicas.ts): rebuilds the network from its topology and weights,
 * then trains in lockstep with the calling thread: each step it computes its slice's gradients,
 * waits for every other thread's, and applies the same summed update to its own weights.
 */
import { workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../backend';
import { setKernelThreads, useFusedLayers } from '../../kernels';
import { type StepSpec, sliceGradients, stepGradients } from '../../train/loop';
import { Optimizer, assignValues } from '../../train/optimizer';
import { type PeerWorkerData, servePeer } from '../../util/thread-peer';
import { type ReplicaSetup, type StepRequest, failedSlot, gradientViews, readySlot, resultSlot } from './replicas';
// Registers the kit's custom layers, so the topology deserialises.
import './layers';

const setup = workerData as ReplicaSetup & PeerWorkerData;
const { memory } = setup;
const threads = memory.gradients.length;
const views = memory.gradients.map((byParity) => byParity.map((b) => gradientViews(b, memory.lengths)));

/** Dropout seeds moved by a large odd step per replica, so its masks differ from the others'. */
function offsetDropoutSeeds(topology: unknown): unknown {
  return JSON.parse(JSON.stringify(topology), function (this: Record<string, unknown>, key, value) {
    if (key === 'seed' && typeof value === 'number' && this && typeof this === 'object' && 'rate' in this) return value + setup.replica * 1_000_003;
    return value;
  });
}

async function rebuild(): Promise<{ net: tf.LayersModel; variables: tf.Variable[] }> {
  await initBackend({ backend: setup.backend });
  // The batch is already split across threads; a replica's kernels use its own.
  setKernelThreads(1);
  const topology = offsetDropoutSeeds(setup.fused ? useFusedLayers(setup.topology) : setup.topology);
  const net = await tf.models.modelFromJSON({ modelTopology: topology } as tf.io.ModelJSON);
  const initial = net.weights.map((w, i) => tf.tensor(setup.weights[i], w.read().shape));
  net.setWeights(initial);
  tf.dispose(initial);
  return { net, variables: net.trainableWeights.map((w) => w.read() as tf.Variable) };
}

/** A training run's state: this copy's weights, optimizer and summed gradients. */
interface Run {
  readonly spec: StepSpec;
  readonly optimizer: Optimizer;
  readonly values: Float32Array[];
  readonly sum: Float32Array[];
}

const replica = rebuild();
// Requests wait for the rebuild; a failed rebuild is every request's error.
replica.catch(() => undefined);
let run: Run | undefined;
let lastError: unknown;
/** By step parity: where the calling thread writes this replica's slices (replaced when a slice outgrows it). */
const inputs: SharedArrayBuffer[] = [new SharedArrayBuffer(0), new SharedArrayBuffer(0)];

function signal(step: number, failed: boolean): void {
  const c = memory.control;
  if (failed) Atomics.store(c, failedSlot(setup.replica), step);
  Atomics.store(c, readySlot(setup.replica), step);
  Atomics.notify(c, readySlot(setup.replica));
}

/** Block until every other thread is done with `step`; false when one's slice failed (the step is skipped). */
function othersDone(step: number): boolean {
  const c = memory.control;
  let ok = true;
  for (let t = 0; t < threads; t++) {
    if (t === setup.replica) continue;
    for (let seen = Atomics.load(c, readySlot(t)); seen < step; seen = Atomics.load(c, readySlot(t))) Atomics.wait(c, readySlot(t), seen);
    if (Atomics.load(c, failedSlot(t)) === step) ok = false;
  }
  return ok;
}

function step(m: StepRequest, variables: tf.Variable[], net: tf.LayersModel): void {
  const done = m.step + 1;
  const parity = m.step % 2;
  const mine = views[setup.replica][parity];
  try {
    if (!run) throw new Error('a step before the run began');
    if (m.input) inputs[parity] = m.input;
    const [n, lookback, features] = m.shape;
    const xs = n * lookback * features;
    const input = new Float32Array(inputs[parity], 0, xs + 2 * n);
    let loss = 0;
    let metric = 0;
    if (n > 0) {
      const slice = { x: input.subarray(0, xs), shape: m.shape, y: input.subarray(xs, xs + n), ...(m.weighted ? { w: input.subarray(xs + n, xs + 2 * n) } : {}), denominator: m.denominator };
      ({ loss, metric } = sliceGradients(net, variables, slice, setup.loss, false, mine));
    } else {
      // A batch smaller than the thread count leaves trailing slices empty: no gradient, same update.
      for (const g of mine) g.fill(0);
    }
    const at = resultSlot(setup.replica, parity);
    memory.results[at] = loss;
    memory.results[at + 1] = metric;
  } catch (err) {
    lastError = err;
    signal(done, true);
    return;
  }
  signal(done, false);
  if (!othersDone(done)) return;
  const parts = views.map((byParity) => byParity[parity]);
  run.optimizer.setLearningRate(m.learningRate);
  run.optimizer.applyGradients(variables, run.values, stepGradients(parts, run.spec.clipNorm, run.sum));
}

servePeer(setup, async (m, arrays) => {
  const { net, variables } = await replica;
  switch (m.op) {
    case 'ready':
      return undefined;
    case 'begin': {
      const spec = m.spec as StepSpec;
      const values = arrays.map((a) => a.slice());
      variables.forEach((v, k) => assignValues(v, values[k]));
      run = { spec, optimizer: new Optimizer(spec), values, sum: values.map((v) => new Float32Array(v.length)) };
      return undefined;
    }
    case 'step':
      step(m as unknown as StepRequest, variables, net);
      return undefined;
    case 'error':
      throw lastError;
    case 'end': {
      if (!run) throw new Error('a run ended that never began');
      const k = run.values.findIndex((v, i) => v.length !== arrays[i].length || v.some((x, j) => !Object.is(x, arrays[i][j])));
      if (k >= 0) throw new Error(`weights diverged from the calling thread's (variable ${k}): a replicated step was applied differently`);
      return undefined;
    }
    default:
      throw new Error(`unknown request ${String(m.op)}`);
  }
});
