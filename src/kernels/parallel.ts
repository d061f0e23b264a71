import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../errors';
import { ThreadPeer } from '../util/thread-peer';

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

const helpers: ThreadPeer[] = [];

function helper(i: number): ThreadPeer {
  while (helpers.length <= i) {
    const peer = new ThreadPeer(KERNEL_WORKER_PATH, {}, `kernel worker ${helpers.length + 1}`);
    // Helpers never keep the process alive; they idle on their port between calls.
    peer.worker.unref();
    helpers.push(peer);
  }
  return helpers[i];
}

/** A request sent to a helper; `wait` blocks for its reply and returns its arrays. */
export interface Pending {
  wait(): Float32Array[];
}

/**
 * Send a request with `arrays` to helper `i` (batch slice i + 1). The arrays
 * of the reply are views into shared memory, valid until the next request
 * to the same helper: copy what must outlive that.
 */
export function request(i: number, message: object, arrays: readonly Float32Array[] = []): Pending {
  const reply = helper(i).request(message, arrays);
  return { wait: () => reply.wait().arrays };
}

/** Send a request that has no reply (freeing a helper's tape). */
export function notify(i: number, message: object): void {
  if (i < helpers.length) helpers[i].notify(message);
}

/** Bytes of kernel memory held by live tapes on the helper threads (for leak checks). */
export function helperLiveBytes(): number {
  const pending = helpers.map((_, i) => request(i, { op: 'liveBytes' }));
  return pending.reduce((sum, p) => sum + p.wait()[0][0], 0);
}

/** Stop the helper threads (they restart on the next parallel call). */
export async function stopKernelThreads(): Promise<void> {
  const all = helpers.splice(0);
  await Promise.all(all.map((h) => h.terminate()));
}
