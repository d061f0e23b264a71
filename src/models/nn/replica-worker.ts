/**
 * A training replica (see replicas.ts): rebuilds the network from its topology and weights,
 * then answers each step's slice with its gradients at the weights sent along.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../backend';
import { setKernelThreads, useFusedLayers } from '../../kernels';
import { type BatchSlice, sliceGradients } from '../../train/loop';
import { assignValues } from '../../train/optimizer';
import { type ReplicaSetup, sharedArrays } from './replicas';
// Registers the kit's custom layers, so the topology deserialises.
import './layers';

const setup = workerData as ReplicaSetup;

/** Dropout seeds moved by a large odd step per replica, so its masks differ from the others'. */
function offsetDropoutSeeds(topology: unknown): unknown {
  return JSON.parse(JSON.stringify(topology), function (this: Record<string, unknown>, key, value) {
    if (key === 'seed' && typeof value === 'number' && this && typeof this === 'object' && 'rate' in this) return value + setup.replica * 1_000_003;
    return value;
  });
}

async function main(): Promise<void> {
  await initBackend({ backend: setup.backend });
  // The batch is already split across threads; a replica's kernels use its own.
  setKernelThreads(1);
  const topology = offsetDropoutSeeds(setup.fused ? useFusedLayers(setup.topology) : setup.topology);
  const net = await tf.models.modelFromJSON({ modelTopology: topology } as tf.io.ModelJSON);
  const initial = net.weights.map((w, i) => tf.tensor(setup.weights[i], w.read().shape));
  net.setWeights(initial);
  tf.dispose(initial);
  const variables = net.trainableWeights.map((w) => w.read() as tf.Variable);
  const weights = sharedArrays(setup.shared.weights, setup.shared.sizes);
  const gradients = sharedArrays(setup.shared.gradients, setup.shared.sizes);
  parentPort!.on('message', ({ slice }: { slice: BatchSlice }) => {
    try {
      variables.forEach((v, k) => assignValues(v, weights[k]));
      const { loss, metric } = sliceGradients(net, variables, slice, setup.loss, false, gradients);
      parentPort!.postMessage({ loss, metric });
    } catch (err) {
      parentPort!.postMessage({ error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    }
  });
  parentPort!.postMessage({ ready: true });
}

main().catch((err: unknown) => parentPort!.postMessage({ error: err instanceof Error ? (err.stack ?? err.message) : String(err) }));
