import { existsSync } from 'node:fs';
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';

/**
 * A worker thread that answers requests synchronously: the caller posts a
 * request, goes on with its own share of the work, then blocks (Atomics.wait,
 * no event-loop turn) until the reply is counted in shared memory. The fused
 * kernels' helper threads and the training replicas both run on it.
 *
 * Float arrays travel through shared memory: the sender copies them into its
 * SharedArrayBuffer for that peer and posts only their offsets (structured
 * cloning the same arrays cost ~10% of a training step, and a cloned message
 * also waits for the receiver to deserialise it). Requests and replies
 * alternate, so one buffer per direction suffices.
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

/** A request sent to a peer; `wait` blocks for its reply. */
export interface PeerReply {
  /** The reply's message fields and arrays (views into shared memory, valid until the next request to the same peer). */
  wait(): { message: Record<string, unknown>; arrays: Float32Array[] };
}

/** What a peer's worker receives as `workerData`: the caller's fields plus the channel. */
export interface PeerWorkerData {
  readonly port: MessagePort;
  readonly signal: Int32Array;
}

/** The calling side of one peer thread. */
export class ThreadPeer {
  readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly signal = new Int32Array(new SharedArrayBuffer(4));
  private readonly out = new SharedFloats();
  private readonly in = new SharedFloatsReader();
  /** Replies expected so far. */
  private expected = 0;

  /** Start the worker at `path`; `label` names it in errors ("training replica 1"). */
  constructor(
    path: string,
    workerData: object,
    private readonly label: string,
  ) {
    if (!existsSync(path)) throw new Error(`${label}: worker not built: ${path} is missing; run the build`);
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.worker = new Worker(path, { workerData: { ...workerData, port: port2, signal: this.signal } satisfies PeerWorkerData, transferList: [port2] });
  }

  /**
   * Send `message` with `arrays`. Every request must be waited for, in order:
   * replies are matched to requests by count.
   */
  request(message: object, arrays: readonly Float32Array[] = []): PeerReply {
    this.port.postMessage({ message, data: this.out.pack(arrays) });
    const ticket = ++this.expected;
    return {
      wait: () => {
        for (;;) {
          const seen = Atomics.load(this.signal, 0);
          if (seen >= ticket) break;
          if (Atomics.wait(this.signal, 0, seen, 60_000) === 'timed-out' && this.worker.threadId < 0) throw new Error(`${this.label}: thread exited`);
        }
        const reply = receiveMessageOnPort(this.port);
        if (!reply) throw new Error(`${this.label} signalled a reply that is not on its port`);
        const body = reply.message as { error?: string; message?: Record<string, unknown>; data?: Packed };
        if (body.error !== undefined) throw new Error(`${this.label}: ${body.error}`);
        return { message: body.message ?? {}, arrays: this.in.unpack(body.data!) };
      },
    };
  }

  /** Send a message that has no reply. */
  notify(message: object): void {
    this.port.postMessage({ message, data: { parts: [] }, noReply: true });
  }

  async terminate(): Promise<void> {
    await this.worker.terminate();
  }
}

/** A peer's answer: reply fields and arrays, or undefined for no reply. */
export type PeerAnswer = { message?: Record<string, unknown>; arrays?: readonly Float32Array[] } | undefined;

/**
 * The worker side: answer every request on the channel with `handle`'s
 * result (or the error it throws), in order. `handle` may be async (the
 * first requests can wait for setup); replies still go out in request order.
 */
export function servePeer(data: PeerWorkerData, handle: (message: Record<string, unknown>, arrays: Float32Array[]) => PeerAnswer | Promise<PeerAnswer>): void {
  const inbound = new SharedFloatsReader();
  const outbound = new SharedFloats();
  let queue = Promise.resolve();
  data.port.on('message', (m: { message: Record<string, unknown>; data: Packed; noReply?: boolean }) => {
    // Unpacked at once: the next request may repack the sender's buffer only after this reply.
    const arrays = inbound.unpack(m.data);
    queue = queue.then(async () => {
      let reply: object | undefined;
      try {
        const out = await handle(m.message, arrays);
        if (m.noReply) return;
        reply = { message: out?.message, data: outbound.pack(out?.arrays ?? []) };
      } catch (err) {
        if (m.noReply) return;
        reply = { error: err instanceof Error ? (err.stack ?? err.message) : String(err) };
      }
      data.port.postMessage(reply);
      // Post first, then count: the caller reads the reply as soon as it sees the count.
      Atomics.add(data.signal, 0, 1);
      Atomics.notify(data.signal, 0);
    });
  });
}
