/**
 * A helper thread of the fused kernels (see parallel.ts): runs batch slices
 * on its own kernel instance and keeps their tapes until the backward pass.
 */
import { workerData } from 'node:worker_threads';
import { type PeerAnswer, type PeerWorkerData, servePeer } from '../util/thread-peer';
import { backwardSlice, forwardSlice, type RecurrentShape, reusedWeightGradients } from './recurrent';
import { kernelHeap } from './heap';

type Request =
  | { op: 'forward'; id: number; shape: RecurrentShape; keepTape: boolean }
  | { op: 'backward'; id: number; dx: boolean }
  | { op: 'release'; id: number }
  | { op: 'liveBytes' };

const tapes = new Map<number, { shape: RecurrentShape; block: number }>();

function handle(m: Request, arrays: Float32Array[]): PeerAnswer {
  if (m.op === 'release') {
    const t = tapes.get(m.id);
    if (t) kernelHeap().release(t.block);
    tapes.delete(m.id);
    return undefined;
  }
  if (m.op === 'liveBytes') return { arrays: [Float32Array.of(kernelHeap().liveBytes())] };
  if (m.op === 'forward') {
    const [x, kernel, recurrentKernel, bias] = arrays;
    const { output, block } = forwardSlice(m.shape, x, { kernel, recurrentKernel, bias }, m.keepTape);
    if (block !== undefined) tapes.set(m.id, { shape: m.shape, block });
    return { arrays: [output] };
  }
  const t = tapes.get(m.id);
  if (!t) throw new Error(`no tape ${m.id} on this thread (released, or differentiated twice)`);
  tapes.delete(m.id);
  const g = backwardSlice(t.shape, t.block, arrays[0], m.dx, reusedWeightGradients(t.shape));
  return { arrays: g.dx ? [g.dKernel, g.dRecurrentKernel, g.dBias, g.dx] : [g.dKernel, g.dRecurrentKernel, g.dBias] };
}

servePeer(workerData as PeerWorkerData, (m, arrays) => handle(m as unknown as Request, arrays));
