/**
 * A helper thread of the fused kernels (see parallel.ts): runs batch slices
 * on its own kernel instance and keeps their tapes until the backward pass.
 */
import { type MessagePort, workerData } from 'node:worker_threads';
import { backwardSlice, forwardSlice, type RecurrentShape, type RecurrentWeights } from './recurrent';
import { kernelHeap } from './wasm';

type Request =
  | { op: 'forward'; id: number; shape: RecurrentShape; x: Float32Array; weights: RecurrentWeights; keepTape: boolean }
  | { op: 'backward'; id: number; dy: Float32Array }
  | { op: 'release'; id: number }
  | { op: 'liveBytes' };

const { port, signal } = workerData as { port: MessagePort; signal: Int32Array };
const tapes = new Map<number, { shape: RecurrentShape; block: number }>();

function handle(m: Request): { reply: object; transfer: ArrayBuffer[] } | undefined {
  if (m.op === 'release') {
    const t = tapes.get(m.id);
    if (t) kernelHeap().release(t.block);
    tapes.delete(m.id);
    return undefined;
  }
  if (m.op === 'liveBytes') return { reply: { liveBytes: kernelHeap().liveBytes() }, transfer: [] };
  if (m.op === 'forward') {
    const { output, block } = forwardSlice(m.shape, m.x, m.weights, m.keepTape);
    if (block !== undefined) tapes.set(m.id, { shape: m.shape, block });
    return { reply: { output }, transfer: [output.buffer as ArrayBuffer] };
  }
  const t = tapes.get(m.id);
  if (!t) throw new Error(`no tape ${m.id} on this thread (released, or differentiated twice)`);
  tapes.delete(m.id);
  const g = backwardSlice(t.shape, t.block, m.dy);
  return { reply: g, transfer: [g.dx, g.dKernel, g.dRecurrentKernel, g.dBias].map((a) => a.buffer as ArrayBuffer) };
}

port.on('message', (m: Request) => {
  let out: { reply: object; transfer: ArrayBuffer[] } | undefined;
  try {
    out = handle(m);
    if (!out) return;
  } catch (err) {
    out = { reply: { error: err instanceof Error ? (err.stack ?? err.message) : String(err) }, transfer: [] };
  }
  port.postMessage(out.reply, out.transfer);
  // Post first, then count: the caller reads the reply as soon as it sees the count.
  Atomics.add(signal, 0, 1);
  Atomics.notify(signal, 0);
});
