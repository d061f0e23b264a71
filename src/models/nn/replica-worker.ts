/**
 * A training replica (see replicas.ts): rebuilds the network from its topology and weights,
 * then answers each step's slice with its gradients at the weights sent along.
 */
import { workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../backend';
import { setKernelThreads, useFusedLayers } from '../../kernels';
import { sliceGradients } from '../../train/loop';
import { assignValues } from '../../train/optimizer';
import { type PeerWorkerData, servePeer } from '../../util/thread-peer';
import type { ReplicaSetup, SliceRequest } from './replicas';
// Registers the kit's custom layers, so the topology deserialises.
import './layers';

const setup = workerData as ReplicaSetup & PeerWorkerData;

/** Dropout seeds moved by a large odd step per replica, so its masks differ from the others'. */
function offsetDropoutSeeds(topology: unknown): unknown {
  return JSON.parse(JSON.stringify(topology), function (this: Record<string, unknown>, key, value) {
    if (key === 'seed' && typeof value === 'number' && this && typeof this === 'object' && 'rate' in this) return value + setup.replica * 1_000_003;
    return value;
  });
}

async function rebuild(): Promise<{ net: tf.LayersModel; variables: tf.Variable[]; gradients: Float32Array[] }> {
  await initBackend({ backend: setup.backend });
  // The batch is already split across threads; a replica's kernels use its own.
  setKernelThreads(1);
  const topology = offsetDropoutSeeds(setup.fused ? useFusedLayers(setup.topology) : setup.topology);
  const net = await tf.models.modelFromJSON({ modelTopology: topology } as tf.io.ModelJSON);
  const initial = net.weights.map((w, i) => tf.tensor(setup.weights[i], w.read().shape));
  net.setWeights(initial);
  tf.dispose(initial);
  const variables = net.trainableWeights.map((w) => w.read() as tf.Variable);
  return { net, variables, gradients: variables.map((v) => new Float32Array(v.size)) };
}

const replica = rebuild();
// Requests wait for the rebuild; a failed rebuild is every request's error.
replica.catch(() => undefined);

servePeer(setup, async (m, arrays) => {
  const { net, variables, gradients } = await replica;
  if (m.op === 'ready') return undefined;
  const r = m as unknown as SliceRequest;
  const [x, y, ...rest] = arrays;
  const w = r.weighted ? rest.shift() : undefined;
  variables.forEach((v, k) => assignValues(v, rest[k]));
  const { loss, metric } = sliceGradients(net, variables, { x, shape: r.shape, y, ...(w ? { w } : {}), denominator: r.denominator }, setup.loss, false, gradients);
  return { message: { loss, metric }, arrays: gradients };
});
