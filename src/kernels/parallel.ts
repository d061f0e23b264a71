import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { UsageError } from '../errors';

/**
 * Threads of the fused recurrent kernels. A layer call splits its batch into
 * contiguous slices, one per thread: this thread runs the first, helper
 * worker threads (each with its own kernel instance) the others, and the
 * caller blocks until all are done, so tfjs still sees one synchronous op.
 *
 * Results across thread counts: outputs and input gradients are computed row
 * by row and are bitwise identical for any thread count; weight gradients
 * are per-slice sums added in slice order, so they differ in the last bits
 * between thread counts (and are reproducible for a given count).
 */

/** Rows below which a slice is not worth a thread: messaging costs ~0.1 ms per call. */
const MIN_ROWS_PER_THREAD = 8;

let threads: number | undefined;

function threadsFromEnv(): number {
  const raw = process.env.STOCKLAB_THREADS;
  if (raw === undefined || raw === '') return availableParallelism();
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`STOCKLAB_THREADS must be a positive integer; got "${raw}"`);
  return n;
}

/**
 * Threads the fused kernels use for training and prediction. Default: every
 * core (`os.availableParallelism()`), or `STOCKLAB_THREADS` when set.
 */
export function kernelThreads(): number {
  threads ??= threadsFromEnv();
  return threads;
}

/** Set the kernels' thread count (1 runs everything on the calling thread). */
export function setKernelThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`threads must be a positive integer; got ${n}`);
  threads = n;
}

/** Batch slices [start, end) for `batch` rows: at most kernelThreads(), each at least MIN_ROWS_PER_THREAD rows. */
export function batchSlices(batch: number): [number, number][] {
  const n = Math.max(1, Math.min(kernelThreads(), Math.floor(batch / MIN_ROWS_PER_THREAD)));
  const out: [number, number][] = [];
  for (let i = 0; i < n; i++) out.push([Math.floor((i * batch) / n), Math.floor(((i + 1) * batch) / n)]);
  return out;
}

export const KERNEL_WORKER_PATH = join(__dirname, 'worker.js');

/**
 * Float arrays crossing threads travel through shared memory: the sender
 * copies them into its SharedArrayBuffer for that peer and posts only their
 * offsets (structured cloning the same arrays cost ~10% of a training step).
 * Requests and replies alternate, so one buffer per direction suffices.
 */
export class SharedFloats {
  private buffer = new SharedArrayBuffer(0);
  private sent = false;

  /** Copy `arrays` in; the result goes in a message. The buffer travels only when it was (re)allocated. */
  pack(arrays: readonly Float32Array[]): Packed {
    const floats = arrays.reduce((n, a) => n + a.length, 0);
    if (floats * 4 > this.buffer.byteLength) {
      this.buffer = new SharedArrayBuffer(Math.max(floats * 4, this.buffer.byteLength * 2));
      this.sent = false;
    }
    const view = new Float32Array(this.buffer);
    const parts: [number, number][] = [];
    let at = 0;
    for (const a of arrays) {
      view.set(a, at);
      parts.push([at, a.length]);
      at += a.length;
    }
    const packed: Packed = { parts, buffer: this.sent ? undefined : this.buffer };
    this.sent = true;
    return packed;
  }
}

export interface Packed {
  readonly parts: readonly [number, number][];
  readonly buffer?: SharedArrayBuffer;
}

/** The receiving end: views of the arrays a peer packed (valid until the peer packs again). */
export class SharedFloatsReader {
  private buffer = new SharedArrayBuffer(0);

  unpack(p: Packed): Float32Array[] {
    if (p.buffer) this.buffer = p.buffer;
    return p.parts.map(([at, n]) => new Float32Array(this.buffer, at * 4, n));
  }
}

/** One helper thread: requests go out on `port`; each reply is counted in `signal[0]` so this thread can block on it. */
interface Helper {
  readonly worker: Worker;
  readonly port: MessagePort;
  readonly signal: Int32Array;
  readonly out: SharedFloats;
  readonly in: SharedFloatsReader;
  /** Replies expected so far. */
  expected: number;
}

const helpers: Helper[] = [];

function helper(i: number): Helper {
  while (helpers.length <= i) {
    if (!existsSync(KERNEL_WORKER_PATH)) throw new Error(`kernel worker not built: ${KERNEL_WORKER_PATH} is missing; run the build`);
    const { port1, port2 } = new MessageChannel();
    const signal = new Int32Array(new SharedArrayBuffer(8));
    const worker = new Worker(KERNEL_WORKER_PATH, { workerData: { port: port2, signal }, transferList: [port2] });
    // Helpers never keep the process alive; they idle on their port between calls.
    worker.unref();
    helpers.push({ worker, port: port1, signal, out: new SharedFloats(), in: new SharedFloatsReader(), expected: 0 });
  }
  return helpers[i];
}

/** A request sent to helper `i`; `wait` blocks for its reply and returns its arrays. */
export interface Pending {
  wait(): Float32Array[];
}

/**
 * Send a request with `arrays` to helper `i` (batch slice i + 1). The arrays
 * of the reply are views into shared memory, valid until the next request
 * to the same helper: copy what must outlive that.
 */
export function request(i: number, message: object, arrays: readonly Float32Array[] = []): Pending {
  const h = helper(i);
  h.port.postMessage({ ...message, data: h.out.pack(arrays) });
  const ticket = ++h.expected;
  return {
    wait: () => {
      // Replies come in request order; block until ours has been posted.
      for (;;) {
        const seen = Atomics.load(h.signal, 0);
        if (seen >= ticket) break;
        if (Atomics.wait(h.signal, 0, seen, 60_000) === 'timed-out' && h.worker.threadId < 0) throw new Error('kernel worker thread exited');
      }
      const reply = receiveMessageOnPort(h.port);
      if (!reply) throw new Error('kernel worker signalled a reply that is not on its port');
      const body = reply.message as { error?: string; data?: Packed };
      if (body.error !== undefined) throw new Error(`kernel worker ${i + 1}: ${body.error}`);
      return h.in.unpack(body.data!);
    },
  };
}

/** Send a request that has no reply (freeing a helper's tape). */
export function notify(i: number, message: object): void {
  if (i < helpers.length) helpers[i].port.postMessage({ ...message, data: { parts: [] } });
}

/** Bytes of kernel memory held by live tapes on the helper threads (for leak checks). */
export function helperLiveBytes(): number {
  const pending = helpers.map((_, i) => request(i, { op: 'liveBytes' }));
  return pending.reduce((sum, p) => sum + p.wait()[0][0], 0);
}

/** Stop the helper threads (they restart on the next parallel call). */
export async function stopKernelThreads(): Promise<void> {
  const all = helpers.splice(0);
  await Promise.all(all.map((h) => h.worker.terminate()));
}
