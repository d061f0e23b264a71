import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MessageChannel, type MessagePort, Worker, receiveMessageOnPort } from 'node:worker_threads';

/** Control words in shared memory: the task generation workers wait on, finished and started worker counts. */
const GENERATION = 0;
const DONE = 1;
const READY = 2;
/** A worker that has not started in this long (e.g. its module failed to load) is an error, not a hang. */
const START_TIMEOUT_MS = 60_000;

/** A task for one worker; see worker.ts for the kinds. */
export type WorkerTask = { readonly kind: string } & Record<string, unknown>;

/**
 * Helper threads for one fit, driven synchronously: the caller posts one task per worker,
 * does its own share, and blocks until all are done (Atomics on a SharedArrayBuffer, so a
 * dispatch costs microseconds, not an event-loop turn). Messages carry shared buffers and
 * small results; the large arrays (matrix, codes, gradients, histograms) are shared once by
 * `share` and named by id in tasks.
 */
export class WorkerPool {
  private readonly ctrl = new Int32Array(new SharedArrayBuffer(12));
  private readonly workers: { worker: Worker; port: MessagePort }[] = [];
  private nextId = 0;

  /** `helpers` threads besides the caller's. */
  constructor(helpers: number) {
    const js = join(__dirname, 'worker.js');
    // Run from TypeScript sources (ts-node), the worker compiles its own module the same way.
    const file = existsSync(js) ? js : join(__dirname, 'worker.ts');
    const execArgv = file === js ? [] : ['--require', 'ts-node/register/transpile-only'];
    for (let i = 0; i < helpers; i++) {
      const { port1, port2 } = new MessageChannel();
      const worker = new Worker(file, { workerData: { ctrl: this.ctrl.buffer, port: port2 }, transferList: [port2], execArgv });
      worker.unref();
      this.workers.push({ worker, port: port1 });
    }
    const deadline = Date.now() + START_TIMEOUT_MS;
    let ready: number;
    while ((ready = Atomics.load(this.ctrl, READY)) < helpers) {
      if (Date.now() > deadline) {
        this.close();
        throw new Error(`gbdt: ${helpers - ready} of ${helpers} worker threads did not start within ${START_TIMEOUT_MS / 1000} s (${file})`);
      }
      Atomics.wait(this.ctrl, READY, ready, 100);
    }
  }

  get helpers(): number {
    return this.workers.length;
  }

  /** Makes a shared array known to every worker; tasks name it by the returned id. */
  share(array: ArrayBufferView): number {
    const id = this.nextId++;
    for (const w of this.workers) w.port.postMessage({ kind: 'share', id, buffer: array.buffer, offset: array.byteOffset, length: array.byteLength, type: array.constructor.name });
    return id;
  }

  /** Lets the workers drop a shared array (at their next task), so its memory can be freed. */
  unshare(id: number): void {
    for (const w of this.workers) w.port.postMessage({ kind: 'unshare', id });
  }

  /** Runs `tasks[i]` on worker i and `own()` here; returns the workers' results once all are done. */
  run<T>(tasks: readonly WorkerTask[], own: () => void): T[] {
    const { ctrl } = this;
    Atomics.store(ctrl, DONE, 0);
    this.workers.forEach((w, i) => w.port.postMessage(tasks[i]));
    Atomics.add(ctrl, GENERATION, 1);
    Atomics.notify(ctrl, GENERATION);
    own();
    let done: number;
    while ((done = Atomics.load(ctrl, DONE)) < this.workers.length) Atomics.wait(ctrl, DONE, done);
    return this.workers.map((w, i) => {
      const reply = receiveMessageOnPort(w.port)?.message as { result?: T; error?: string } | undefined;
      if (!reply || reply.error !== undefined) throw new Error(`gbdt: worker ${i + 1} failed on a "${tasks[i].kind}" task: ${reply?.error ?? 'no reply'}`);
      return reply.result as T;
    });
  }

  close(): void {
    for (const w of this.workers) w.port.postMessage({ kind: 'quit' });
    Atomics.add(this.ctrl, GENERATION, 1);
    Atomics.notify(this.ctrl, GENERATION);
    for (const w of this.workers) {
      w.port.close();
      void w.worker.terminate();
    }
    this.workers.length = 0;
  }
}

/** [begin, end) of part `i` of `n` equal parts of `count` items. */
export function part(count: number, n: number, i: number): [number, number] {
  return [Math.floor((count * i) / n), Math.floor((count * (i + 1)) / n)];
}
