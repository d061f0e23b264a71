/**
 * A helper thread of the fused kernels (see parallel.ts): runs batch slices
 * on its own kernel instance and keeps their tapes until the backward pass.
 */
import { type MessagePort, workerData } from 'node:worker_threads';
import { type Packed, SharedFloats, SharedFloatsReader } from './parallel';
import { backwardSlice, forwardSlice, type RecurrentShape } from './recurrent';
import { kernelHeap } from './heap';

type Request = { data: Packed } & (
  | { op: 'forward'; id: number; shape: RecurrentShape; keepTape: boolean }
  | { op: 'backward'; id: number; inputGradient: boolean }
  | { op: 'release'; id: number }
  | { op: 'liveBytes' }
);

const { port, signal } = workerData as { port: MessagePort; signal: Int32Array };
const inbound = new SharedFloatsReader();
const outbound = new SharedFloats();
const tapes = new Map<number, { shape: RecurrentShape; block: number }>();

/** The reply's arrays, or undefined for a request without reply. */
function handle(m: Request): Float32Array[] | undefined {
  const arrays = inbound.unpack(m.data);
  if (m.op === 'release') {
    const t = tapes.get(m.id);
    if (t) kernelHeap().release(t.block);
    tapes.delete(m.id);
    return undefined;
  }
  if (m.op === 'liveBytes') return [Float32Array.of(kernelHeap().liveBytes())];
  if (m.op === 'forward') {
    const [x, kernel, recurrentKernel, bias] = arrays;
    const { output, block } = forwardSlice(m.shape, x, { kernel, recurrentKernel, bias }, m.keepTape);
    if (block !== undefined) tapes.set(m.id, { shape: m.shape, block });
    return [output];
  }
  const t = tapes.get(m.id);
  if (!t) throw new Error(`no tape ${m.id} on this thread (released, or differentiated twice)`);
  tapes.delete(m.id);
  const g = backwardSlice(t.shape, t.block, arrays[0], m.inputGradient);
  return g.dx ? [g.dKernel, g.dRecurrentKernel, g.dBias, g.dx] : [g.dKernel, g.dRecurrentKernel, g.dBias];
}

port.on('message', (m: Request) => {
  let reply: object;
  try {
    const out = handle(m);
    if (!out) return;
    reply = { data: outbound.pack(out) };
  } catch (err) {
    reply = { error: err instanceof Error ? (err.stack ?? err.message) : String(err) };
  }
  port.postMessage(reply);
  // Post first, then count: the caller reads the reply as soon as it sees the count.
  Atomics.add(signal, 0, 1);
  Atomics.notify(signal, 0);
});
