import { join } from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import type { BackendName } from '../../backend';
import type { LossSpec } from '../../train/losses';
import type { BatchSlice, GradientReplicas, SliceResult } from '../../train/loop';
import { ThreadPeer } from '../../util/thread-peer';

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
}

/** A slice request: the slice's fields but its arrays, which travel in shared memory. */
export interface SliceRequest {
  readonly shape: BatchSlice['shape'];
  readonly denominator: number;
  readonly weighted: boolean;
}

/**
 * Copies of a network on worker threads, one per extra thread, for data-parallel training
 * (`TrainLoopOptions.replicas`). Each step sends every replica the current trainable weights and
 * a slice of the batch through shared memory and blocks for its slice's gradients only after
 * this thread has done its own slice; the whole forward and backward pass, tfjs's ops included,
 * runs in parallel, and only the gradient sum and the optimizer step stay on the calling thread.
 * Replicas run their fused kernels on one thread each.
 */
export class WorkerReplicas implements GradientReplicas {
  private constructor(private readonly peers: ThreadPeer[]) {}

  get count(): number {
    return this.peers.length;
  }

  /** Start `count` replicas of `net` and wait until each has rebuilt it. */
  static async start(count: number, net: tf.LayersModel, setup: Omit<ReplicaSetup, 'topology' | 'weights' | 'replica'>): Promise<WorkerReplicas> {
    const topology = net.toJSON(null, false);
    const weights = net.weights.map((w) => (w.read().dataSync() as Float32Array).slice());
    const peers: ThreadPeer[] = [];
    try {
      for (let i = 0; i < count; i++) peers.push(new ThreadPeer(REPLICA_WORKER_PATH, { ...setup, topology, weights, replica: i + 1 } satisfies ReplicaSetup, `training replica ${i + 1}`));
      // The first request is answered once the replica has rebuilt the network (or with why it could not).
      const ready = peers.map((p) => p.request({ op: 'ready' }));
      // One event-loop turn first, so the workers' start-up events are not held behind the wait below.
      await new Promise((resolve) => setImmediate(resolve));
      for (const r of ready) r.wait();
    } catch (err) {
      await Promise.all(peers.map((p) => p.terminate()));
      throw err;
    }
    return new WorkerReplicas(peers);
  }

  gradients(values: readonly Float32Array[], slices: readonly BatchSlice[]): { wait(): SliceResult[] } {
    const replies = slices.map((slice, i) => {
      const request: SliceRequest = { shape: slice.shape, denominator: slice.denominator, weighted: slice.w !== undefined };
      return this.peers[i].request({ op: 'slice', ...request }, [slice.x, slice.y, ...(slice.w ? [slice.w] : []), ...values]);
    });
    return {
      wait: () =>
        replies.map((r) => {
          const { message, arrays } = r.wait();
          return { loss: message.loss as number, metric: message.metric as number, grads: arrays };
        }),
    };
  }

  async close(): Promise<void> {
    const all = this.peers.splice(0);
    await Promise.all(all.map((p) => p.terminate()));
  }
}
