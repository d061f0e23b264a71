import { join } from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import type { BackendName } from '../../backend';
import type { LossSpec } from '../../train/losses';
import type { BatchSlice, GradientReplicas, SliceResult, StepSpec } from '../../train/loop';
import { ThreadPeer } from '../../util/thread-peer';

export const REPLICA_WORKER_PATH = join(__dirname, 'replica-worker.js');

/**
 * The memory every thread of a replicated step shares (thread 0 is the caller, replica r is
 * thread r). Each array exists twice, by step parity: a thread writes step k's copy only once
 * every other thread has finished step k - 1, the last step that read it, so nobody waits for
 * a buffer to be read.
 */
export interface StepMemory {
  /** Per thread: ready[t] = last step t has posted its slice's results for; failed[t] = last step its slice failed. */
  readonly control: Int32Array;
  /** [thread][parity]: the thread's slice gradients, every variable back to back. */
  readonly gradients: readonly (readonly SharedArrayBuffer[])[];
  /** [thread][parity]: the slice's loss and metric sum. */
  readonly results: Float64Array;
  /** Trainable variables' lengths, in variable order. */
  readonly lengths: readonly number[];
}

/** Thread t's step-readiness and failure slots in `StepMemory.control`. */
export const readySlot = (t: number): number => 2 * t;
export const failedSlot = (t: number): number => 2 * t + 1;
/** Where thread t's slice loss lies in `StepMemory.results` for a step of this parity (its metric sum follows). */
export const resultSlot = (t: number, parity: number): number => (t * 2 + parity) * 2;

/** Views of one gradient buffer, one per variable. */
export function gradientViews(buffer: SharedArrayBuffer, lengths: readonly number[]): Float32Array[] {
  let at = 0;
  return lengths.map((n) => {
    const view = new Float32Array(buffer, at * 4, n);
    at += n;
    return view;
  });
}

/** What a replica thread needs to rebuild the network: its topology, every weight, the loss, the shared step memory. */
export interface ReplicaSetup {
  readonly backend: BackendName;
  /** `model.toJSON(null, false)`. */
  readonly topology: unknown;
  /** Turn LSTM/GRU layers back into the fused ones (they save under the standard names). */
  readonly fused: boolean;
  /** Every weight of the network (trainable or not), in `model.weights` order. */
  readonly weights: readonly Float32Array[];
  readonly loss: LossSpec;
  /** This replica's thread number (1, 2, ...): offsets its dropout seeds, so slices of one batch draw different masks. */
  readonly replica: number;
  readonly memory: StepMemory;
}

/** A step's message to a replica; its slice lies in the replica's input buffer of the step's parity. */
export interface StepRequest {
  readonly op: 'step';
  readonly step: number;
  readonly shape: BatchSlice['shape'];
  readonly denominator: number;
  readonly weighted: boolean;
  readonly learningRate: number;
  /** A new input buffer for this parity, when the slice outgrew the last one. */
  readonly input?: SharedArrayBuffer;
}

/**
 * How long the calling thread polls for a replica's slice before it sleeps: it has nothing else
 * to do, and waking a sleeping thread on a virtual machine took 0.15-0.6 ms of a 10-15 ms step.
 * (Measured gains are within this machine's run-to-run noise: GRU at seed-004's shape 1.70-1.72x
 * with polling against 1.46-1.52x without in one A/B, 1.56x in a later run; LSTM unchanged.)
 */
const SPIN_MS = 3;
/**
 * Poll `control[slot]` until it reaches `step`, for at most SPIN_MS. A function of its own: V8
 * compiles a hot loop on the spot (on-stack replacement), and code after the loop in the same
 * function, never run by then, deoptimised it when the loop ended: 90 times in 320 seed-004
 * steps, each about 1 ms on this thread and a recompile on the core the replica needs.
 */
function spin(control: Int32Array, slot: number, step: number): void {
  const until = performance.now() + SPIN_MS;
  while (Atomics.load(control, slot) < step && performance.now() < until);
}

/** How long a wait goes before it checks that the thread it waits for is alive. */
const LIVENESS_MS = 60_000;

/**
 * Copies of a network on worker threads, one per extra thread, training in lockstep with the
 * calling thread (see GradientReplicas). A step's slice travels in shared memory with a short
 * message; gradients are read where each thread wrote them; the only waits are for the other
 * threads' slices. Replicas run their fused kernels on one thread each.
 */
export class WorkerReplicas implements GradientReplicas {
  /** Steps posted so far (across runs: the control counts only grow). */
  private steps = 0;
  private readonly ownViews: Float32Array[][];
  private readonly views: Float32Array[][][];
  /** [replica - 1][parity]: the replicas' input buffers. */
  private readonly inputs: SharedArrayBuffer[][];

  private constructor(
    private readonly peers: ThreadPeer[],
    private readonly memory: StepMemory,
  ) {
    this.views = memory.gradients.map((byParity) => byParity.map((b) => gradientViews(b, memory.lengths)));
    this.ownViews = this.views[0];
    this.inputs = peers.map(() => [new SharedArrayBuffer(0), new SharedArrayBuffer(0)]);
  }

  get count(): number {
    return this.peers.length;
  }

  /** Start `count` replicas of `net` and wait until each has rebuilt it. */
  static async start(count: number, net: tf.LayersModel, setup: Omit<ReplicaSetup, 'topology' | 'weights' | 'replica' | 'memory'>): Promise<WorkerReplicas> {
    const topology = net.toJSON(null, false);
    const weights = net.weights.map((w) => (w.read().dataSync() as Float32Array).slice());
    const lengths = net.trainableWeights.map((w) => w.read().size);
    const floats = lengths.reduce((a, b) => a + b, 0);
    const memory: StepMemory = {
      control: new Int32Array(new SharedArrayBuffer(8 * (count + 1))),
      gradients: Array.from({ length: count + 1 }, () => [new SharedArrayBuffer(floats * 4), new SharedArrayBuffer(floats * 4)]),
      results: new Float64Array(new SharedArrayBuffer(8 * 4 * (count + 1))),
      lengths,
    };
    const peers: ThreadPeer[] = [];
    try {
      for (let i = 0; i < count; i++) peers.push(new ThreadPeer(REPLICA_WORKER_PATH, { ...setup, topology, weights, replica: i + 1, memory } satisfies ReplicaSetup, `training replica ${i + 1}`));
      // The first request is answered once the replica has rebuilt the network (or with why it could not).
      const ready = peers.map((p) => p.request({ op: 'ready' }));
      // One event-loop turn first, so the workers' start-up events are not held behind the wait below.
      await new Promise((resolve) => setImmediate(resolve));
      for (const r of ready) r.wait();
    } catch (err) {
      await Promise.all(peers.map((p) => p.terminate()));
      throw err;
    }
    return new WorkerReplicas(peers, memory);
  }

  begin(values: readonly Float32Array[], spec: StepSpec): void {
    const { optimizer, learningRate, momentum, clipNorm } = spec;
    const replies = this.peers.map((p) => p.request({ op: 'begin', spec: { optimizer, learningRate, momentum, clipNorm } satisfies StepSpec }, values));
    for (const r of replies) r.wait();
  }

  ownGradients(): Float32Array[] {
    return this.ownViews[this.steps % 2];
  }

  post(slices: readonly BatchSlice[], learningRate: number): void {
    const step = this.steps;
    const parity = step % 2;
    slices.forEach((slice, i) => {
      if (slice.x.length !== slice.shape[0] * slice.shape[1] * slice.shape[2] || slice.y.length !== slice.shape[0]) throw new Error(`slice ${i + 1} has ${slice.x.length} window values for shape [${slice.shape.join(',')}] and ${slice.y.length} targets`);
    });
    if (slices.length !== this.peers.length) throw new Error(`${slices.length} slices for ${this.peers.length} replicas`);
    slices.forEach((slice, i) => {
      const floats = slice.x.length + 2 * slice.y.length;
      let input: SharedArrayBuffer | undefined;
      if (this.inputs[i][parity].byteLength < floats * 4) {
        input = new SharedArrayBuffer(floats * 4);
        this.inputs[i][parity] = input;
      }
      const view = new Float32Array(this.inputs[i][parity]);
      view.set(slice.x);
      view.set(slice.y, slice.x.length);
      if (slice.w) view.set(slice.w, slice.x.length + slice.y.length);
      const request: StepRequest = { op: 'step', step, shape: slice.shape, denominator: slice.denominator, weighted: slice.w !== undefined, learningRate, ...(input ? { input } : {}) };
      this.peers[i].notify(request);
    });
  }

  ownDone(ok: boolean): void {
    const c = this.memory.control;
    const step = this.steps + 1;
    if (!ok) Atomics.store(c, failedSlot(0), step);
    Atomics.store(c, readySlot(0), step);
    Atomics.notify(c, readySlot(0));
  }

  wait(): SliceResult[] {
    const c = this.memory.control;
    const step = ++this.steps;
    const parity = (step - 1) % 2;
    return this.peers.map((peer, i) => {
      const t = i + 1;
      spin(c, readySlot(t), step);
      for (;;) {
        const seen = Atomics.load(c, readySlot(t));
        if (seen >= step) break;
        if (Atomics.wait(c, readySlot(t), seen, LIVENESS_MS) === 'timed-out' && peer.worker.threadId < 0) throw new Error(`training replica ${t}: thread exited`);
      }
      // The replica kept its error: asking for it throws it, named.
      if (Atomics.load(c, failedSlot(t)) === step) peer.request({ op: 'error' }).wait();
      const at = resultSlot(t, parity);
      return { loss: this.memory.results[at], metric: this.memory.results[at + 1], grads: this.views[t][parity] };
    });
  }

  end(values: readonly Float32Array[]): void {
    const replies = this.peers.map((p) => p.request({ op: 'end' }, values));
    for (const r of replies) r.wait();
  }

  async close(): Promise<void> {
    const all = this.peers.splice(0);
    await Promise.all(all.map((p) => p.terminate()));
  }
}
