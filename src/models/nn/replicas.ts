import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type * as tf from '@tensorflow/tfjs';
import type { BackendName } from '../../backend';
import type { LossSpec } from '../../train/losses';
import type { BatchSlice, GradientReplicas, SliceResult } from '../../train/loop';

export const REPLICA_WORKER_PATH = join(__dirname, 'replica-worker.js');

/** What a replica thread needs to rebuild the network: its topology, every weight, the loss. */
export interface ReplicaSetup {
  readonly backend: BackendName;
  /** `model.toJSON(null, false)`. */
  readonly topology: unknown;
  /** Turn LSTM/GRU layers back into the fused ones (they save under the standard names). */
  readonly fused: boolean;
  /** Every weight of the network (trainable or not), in `model.weights` order. */
  readonly weights: readonly Float32Array[];
  readonly loss: LossSpec;
  /** Offsets this replica's dropout seeds, so slices of one batch draw different masks. */
  readonly replica: number;
  /** Shared memory for the trainable weights (written here before each step) and this replica's gradients (written there), both in variable order. */
  readonly shared: { readonly weights: SharedArrayBuffer; readonly gradients: SharedArrayBuffer; readonly sizes: readonly number[] };
}

/** Views of consecutive float32 arrays of `sizes` over `buffer`. */
export function sharedArrays(buffer: SharedArrayBuffer, sizes: readonly number[]): Float32Array[] {
  let at = 0;
  return sizes.map((n) => {
    const view = new Float32Array(buffer, at * 4, n);
    at += n;
    return view;
  });
}

interface Pending {
  resolve(r: { loss: number; metric: number }): void;
  reject(e: Error): void;
}

/**
 * Copies of a network on worker threads, one per extra thread, for data-parallel training
 * (`TrainLoopOptions.replicas`). Each step writes the current trainable weights to memory shared
 * with every replica and sends each a slice of the batch; a replica writes its slice's gradients
 * to its own shared memory and replies with the loss. The whole forward and backward pass, tfjs's
 * ops included, runs in parallel, and only the gradient sum and the optimizer step stay on the
 * calling thread. Replicas run their fused kernels on one thread each.
 */
export class WorkerReplicas implements GradientReplicas {
  private readonly pending: Pending[][];

  private constructor(
    private readonly workers: Worker[],
    private readonly weights: readonly Float32Array[],
    private readonly grads: readonly (readonly Float32Array[])[],
  ) {
    this.pending = workers.map(() => []);
    workers.forEach((w, i) => {
      w.on('message', (m: { error?: string; loss: number; metric: number }) => {
        const p = this.pending[i].shift();
        if (!p) return;
        if (m.error !== undefined) p.reject(new Error(`training replica ${i + 1}: ${m.error}`));
        else p.resolve(m);
      });
      w.on('error', (e) => this.fail(i, e));
      w.on('exit', (code) => this.fail(i, new Error(`training replica ${i + 1} exited with code ${code}`)));
    });
  }

  get count(): number {
    return this.workers.length;
  }

  /** Start `count` replicas of `net` and wait until each has rebuilt it. */
  static async start(count: number, net: tf.LayersModel, setup: Omit<ReplicaSetup, 'topology' | 'weights' | 'replica' | 'shared'>): Promise<WorkerReplicas> {
    if (!existsSync(REPLICA_WORKER_PATH)) throw new Error(`training replica worker not built: ${REPLICA_WORKER_PATH} is missing; run the build`);
    const topology = net.toJSON(null, false);
    const weights = net.weights.map((w) => (w.read().dataSync() as Float32Array).slice());
    const sizes = net.trainableWeights.map((w) => w.read().size);
    const bytes = 4 * sizes.reduce((a, b) => a + b, 0);
    const sharedWeights = new SharedArrayBuffer(bytes);
    const sharedGrads = Array.from({ length: count }, () => new SharedArrayBuffer(bytes));
    const workers = sharedGrads.map((gradients, i) => new Worker(REPLICA_WORKER_PATH, { workerData: { ...setup, topology, weights, replica: i + 1, shared: { weights: sharedWeights, gradients, sizes } } satisfies ReplicaSetup }));
    const replicas = new WorkerReplicas(
      workers,
      sharedArrays(sharedWeights, sizes),
      sharedGrads.map((g) => sharedArrays(g, sizes)),
    );
    try {
      await Promise.all(workers.map((w, i) => new Promise<void>((resolve, reject) => replicas.pending[i].push({ resolve: () => resolve(), reject }))));
    } catch (err) {
      await replicas.close();
      throw err;
    }
    return replicas;
  }

  gradients(values: readonly Float32Array[], slices: readonly BatchSlice[]): Promise<SliceResult[]> {
    // Replicas read the weights only after the message below, and are done with them (and have
    // written their gradients) before they reply: the next step's writes cannot race them.
    values.forEach((v, k) => this.weights[k].set(v));
    return Promise.all(
      slices.map(
        (slice, i) =>
          new Promise<{ loss: number; metric: number }>((resolve, reject) => {
            this.pending[i].push({ resolve, reject });
            this.workers[i].postMessage({ slice });
          }).then(({ loss, metric }) => ({ loss, metric, grads: this.grads[i] as Float32Array[] })),
      ),
    );
  }

  async close(): Promise<void> {
    const all = this.workers.splice(0);
    await Promise.all(all.map((w) => w.terminate()));
  }

  private fail(i: number, e: Error): void {
    for (const p of this.pending[i]?.splice(0) ?? []) p.reject(e);
  }
}
