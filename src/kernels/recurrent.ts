import { batchSlices, notify, request } from './parallel';
import { addInto, copyRows } from './arrays';
import { allocBuffers, place, repeatFirstRow, roundUp4 } from './buffers';
import { type KernelHeap, kernelHeap } from './heap';

/**
 * Fused recurrent layers over whole sequences, in tfjs/Keras layouts:
 * x [batch, steps, inDim], kernel [inDim, G·units], recurrentKernel
 * [units, G·units], bias [G·units], gates in Keras order (LSTM i, f, c, o:
 * G = 4; GRU z, r, h: G = 3, tfjs's reset-before variant). The initial state
 * is zero, as in a tfjs RNN layer called without `initialState`.
 */
export type RecurrentKind = 'lstm' | 'gru';

/** The gate activation: tfjs 4.22 defaults to `hardSigmoid`; Keras and PyTorch use `sigmoid`. */
export type GateActivation = 'hardSigmoid' | 'sigmoid';

export interface RecurrentShape {
  readonly kind: RecurrentKind;
  readonly batch: number;
  readonly steps: number;
  readonly inDim: number;
  readonly units: number;
  readonly gateActivation: GateActivation;
  /** true: output h at every step [batch, steps, units]; false: last step only [batch, units]. */
  readonly returnSequences: boolean;
}

export interface RecurrentWeights {
  readonly kernel: Float32Array;
  readonly recurrentKernel: Float32Array;
  /** Absent when the layer has `useBias: false`. */
  readonly bias?: Float32Array;
}

/**
 * What the backward pass needs from the forward pass: the activations, left
 * in kernel memory (of this thread for the first batch slice, of a helper
 * thread for each other slice). `recurrentBackward` releases them;
 * `releaseTape` does for a tape that will never be differentiated, and
 * garbage collection as a last resort.
 */
export interface RecurrentTape {
  readonly shape: RecurrentShape;
  /** One per batch slice, in batch order; undefined once released. */
  parts: readonly TapePart[] | undefined;
}

/** A slice's activations: a block of this thread's kernel memory, or a tape id held by helper `helper`. */
export interface TapePart {
  readonly start: number;
  readonly end: number;
  readonly helper?: number;
  /** Kernel memory block (this thread) or tape id (helper). */
  readonly ref: number;
}

/** The weight gradients, in the tfjs layouts of the weights. */
export interface WeightGradients {
  readonly dKernel: Float32Array;
  readonly dRecurrentKernel: Float32Array;
  readonly dBias: Float32Array;
}

export interface RecurrentGradients extends WeightGradients {
  /** Absent when the input gradient was not asked for (see `recurrentBackward`). */
  readonly dx?: Float32Array;
}

const GATES: Record<RecurrentKind, number> = { lstm: 4, gru: 3 };


/**
 * Byte offsets for one call. The kernels want time-major rows, units and
 * input width padded to multiples of 4 (zero weights keep padded units at 0).
 * Everything the backward pass reads lives in one block [0, bytes).
 */
interface Layout {
  readonly up: number;
  readonly inp: number;
  readonly gw: number;
  readonly rows: number;
  readonly w: number;
  readonly rk: number;
  readonly x: number;
  readonly gates: number;
  readonly hs: number;
  /** LSTM: cell states [T+1, B, u]; GRU: r⊙h_prev [T, B, u]. */
  readonly aux: number;
  /** LSTM only: tanh(c) [T, B, u]. */
  readonly tc: number;
  readonly bytes: number;
}

function layout(s: RecurrentShape, base: number): Layout {
  const g = GATES[s.kind];
  const up = roundUp4(s.units);
  const inp = roundUp4(s.inDim);
  const gw = g * up;
  const rows = s.steps * s.batch;
  const state = s.batch * up;
  const lstm = s.kind === 'lstm';
  const { at, bytes } = place(base, {
    w: inp * gw,
    rk: up * gw,
    x: rows * inp,
    gates: rows * gw,
    hs: (s.steps + 1) * state,
    aux: lstm ? (s.steps + 1) * state : rows * up,
    tc: lstm ? rows * up : 0,
  });
  return { up, inp, gw, rows, ...at, tc: lstm ? at.tc : at.aux, bytes };
}

function releaseParts(parts: readonly TapePart[]): void {
  for (const p of parts) {
    if (p.helper === undefined) kernelHeap().release(p.ref);
    else notify(p.helper, { op: 'release', id: p.ref });
  }
}

const unreleased = new FinalizationRegistry<readonly TapePart[]>(releaseParts);

/** Free a tape's kernel memory now; the backward pass does this itself. */
export function releaseTape(tape: RecurrentTape): void {
  if (tape.parts === undefined) return;
  releaseParts(tape.parts);
  unreleased.unregister(tape);
  tape.parts = undefined;
}

// The layout copies below run once per layer call over every value of x, y
// and the weights (copyRows: see arrays.ts).

/** Copy [rows, g·units] into [rowsPadded, g·up] with each gate block padded; the rest is zero. */
function padGates(src: Float32Array, rows: number, units: number, g: number, dst: Float32Array, up: number): void {
  dst.fill(0);
  for (let k = 0; k < g; k++) copyRows(src, k * units, g * units, dst, k * up, g * up, rows, units);
}

function unpadGates(src: Float32Array, rows: number, units: number, g: number, up: number, into?: Float32Array): Float32Array {
  const out = into ?? new Float32Array(rows * g * units);
  for (let k = 0; k < g; k++) copyRows(src, k * up, g * up, out, k * units, g * units, rows, units);
  return out;
}

/** Batch-major [B, T, width] <-> time-major padded [T, B, widthPadded]. */
function toTimeMajor(src: Float32Array, s: RecurrentShape, width: number, dst: Float32Array, padded: number): void {
  if (padded !== width) dst.fill(0);
  for (let t = 0; t < s.steps; t++) copyRows(src, t * width, s.steps * width, dst, t * s.batch * padded, padded, s.batch, width);
}

function fromTimeMajor(src: Float32Array, s: RecurrentShape, width: number, padded: number, into?: Float32Array): Float32Array {
  const out = into ?? new Float32Array(s.batch * s.steps * width);
  for (let t = 0; t < s.steps; t++) copyRows(src, t * s.batch * padded, padded, out, t * width, s.steps * width, s.batch, width);
  return out;
}

const reused = new Map<string, WeightGradients>();

/**
 * Weight-gradient arrays for layers of this shape, the same ones on every
 * call: for callers that copy the gradients out before the next backward pass
 * (tfjs turns them into tensors at once; a helper thread packs its reply).
 * Fresh arrays of these sizes each step cost more than the copy: they are
 * large enough for the allocator to map and unmap pages, whose faults and
 * TLB flushes stall every thread of the process.
 */
export function reusedWeightGradients(s: RecurrentShape): WeightGradients {
  const g = GATES[s.kind] * s.units;
  const key = `${s.kind}:${s.inDim}:${s.units}`;
  let into = reused.get(key);
  if (!into) {
    into = { dKernel: new Float32Array(s.inDim * g), dRecurrentKernel: new Float32Array(s.units * g), dBias: new Float32Array(g) };
    reused.set(key, into);
  }
  return into;
}

let nextRemoteTape = 1;

/**
 * Run the layer over the whole sequence, the batch split across
 * kernelThreads() (see parallel.ts). With `keepTape` the activations stay in
 * kernel memory for `recurrentBackward`; without, they are freed at once.
 * The output is written `into` the array given, else into a new one.
 */
export function recurrentForward(s: RecurrentShape, x: Float32Array, weights: RecurrentWeights, keepTape = true, into?: Float32Array): { output: Float32Array; tape?: RecurrentTape } {
  const slices = batchSlices(s.batch);
  const xRow = s.steps * s.inDim;
  const w = [weights.kernel, weights.recurrentKernel, ...(weights.bias ? [weights.bias] : [])];
  const remote = slices.slice(1).map(([start, end], i) => {
    const id = nextRemoteTape++;
    const pending = request(i, { op: 'forward', id, shape: { ...s, batch: end - start }, keepTape }, [x.subarray(start * xRow, end * xRow), ...w]);
    return { start, end, helper: i, ref: id, pending };
  });
  const [, end0] = slices[0];
  const outRow = s.returnSequences ? s.steps * s.units : s.units;
  const output = into ?? new Float32Array(s.batch * outRow);
  const local = forwardSlice({ ...s, batch: end0 }, end0 === s.batch ? x : x.subarray(0, end0 * xRow), weights, keepTape, output.subarray(0, end0 * outRow));
  for (const r of remote) output.set(r.pending.wait()[0], r.start * outRow);
  if (!keepTape) return { output };
  const parts: TapePart[] = [{ start: 0, end: end0, ref: local.block! }, ...remote.map(({ start, end, helper, ref }) => ({ start, end, helper, ref }))];
  const tape: RecurrentTape = { shape: s, parts };
  unreleased.register(tape, parts, tape);
  return { output, tape };
}

/**
 * Backward through time. `dy` is the loss gradient w.r.t. the output, in the
 * output's shape. Gradients come back in the tfjs layouts of x and the
 * weights; the weight gradients of the batch slices are added in slice order.
 * `dx`: false skips the input gradient (a [steps·batch, G·units] × [G·units,
 * inDim] product, a sixth of a first layer's backward work), true forms it in
 * a new array, an array receives it. The weight gradients go `into` the
 * arrays given, else into new ones.
 */
export function recurrentBackward(tape: RecurrentTape, dy: Float32Array, dx: boolean | Float32Array = true, into?: WeightGradients): RecurrentGradients {
  const s = tape.shape;
  const parts = tape.parts;
  if (parts === undefined) throw new Error('recurrent tape already released: each forward pass can be differentiated once');
  unreleased.unregister(tape);
  tape.parts = undefined;
  const dyRow = s.returnSequences ? s.steps * s.units : s.units;
  const remote = parts.slice(1).map((p) => request(p.helper!, { op: 'backward', id: p.ref, dx: dx !== false }, [dy.subarray(p.start * dyRow, p.end * dyRow)]));
  const first = parts[0];
  const xRow = s.steps * s.inDim;
  const dxAll = dx === false ? undefined : dx === true ? new Float32Array(s.batch * xRow) : dx;
  const local = backwardSlice({ ...s, batch: first.end }, first.ref, first.end === s.batch ? dy : dy.subarray(0, first.end * dyRow), dxAll?.subarray(0, first.end * xRow) ?? false, into);
  remote.forEach((r, i) => {
    // [dKernel, dRecurrentKernel, dBias, dx?] as views into shared memory.
    const reply = r.wait();
    [local.dKernel, local.dRecurrentKernel, local.dBias].forEach((sum, k) => addInto(sum, reply[k]));
    dxAll?.set(reply[3], parts[i + 1].start * xRow);
  });
  return { ...local, ...(dxAll ? { dx: dxAll } : {}) };
}

/**
 * One batch slice on this thread. Returns the output and, with `keepTape`,
 * the kernel memory block holding the activations for `backwardSlice`.
 */
export function forwardSlice(s: RecurrentShape, x: Float32Array, weights: RecurrentWeights, keepTape: boolean, into?: Float32Array): { output: Float32Array; block?: number } {
  const heap = kernelHeap();
  const k = heap.kernels;
  const g = GATES[s.kind];
  const L = layout(s, heap.alloc(layout(s, 0).bytes));
  padGates(weights.kernel, s.inDim, s.units, g, heap.view(L.w, L.inp * L.gw), L.up);
  padGates(weights.recurrentKernel, s.units, s.units, g, heap.view(L.rk, L.up * L.gw), L.up);
  toTimeMajor(x, s, s.inDim, heap.view(L.x, L.rows * L.inp), L.inp);
  const gates = heap.view(L.gates, L.rows * L.gw);
  if (weights.bias) {
    padGates(weights.bias, 1, s.units, g, heap.view(L.gates, L.gw), L.up);
    repeatFirstRow(gates, L.rows, L.gw);
  } else {
    gates.fill(0);
  }
  const state = s.batch * L.up;
  heap.view(L.hs, state).fill(0);
  if (s.kind === 'lstm') heap.view(L.aux, state).fill(0);
  // Packed copies of the weights live only for this call: the backward pass packs their transposes.
  const { wp, rkp } = allocBuffers(heap, { wp: L.inp * L.gw, rkp: L.up * L.gw });
  k.packB(L.w, L.gw, L.inp, L.gw, false, wp);
  if (s.kind === 'lstm') {
    k.packB(L.rk, L.gw, L.up, L.gw, false, rkp);
  } else {
    // gruForward multiplies by [Uz Ur] and Uh separately: two packed blocks, Uh at 2u·u floats.
    k.packB(L.rk, L.gw, L.up, 2 * L.up, false, rkp);
    k.packB(L.rk + 2 * L.up * 4, L.gw, L.up, L.up, false, rkp + 2 * L.up * L.up * 4);
  }
  k.gemmPacked(L.x, L.inp, wp, L.gates, L.gw, L.rows, L.inp, L.gw, true);
  const hard = s.gateActivation === 'hardSigmoid';
  if (s.kind === 'lstm') k.lstmForward(L.gates, L.hs, L.aux, L.tc, rkp, s.steps, s.batch, L.up, hard);
  else k.gruForward(L.gates, L.hs, L.aux, rkp, s.steps, s.batch, L.up, hard);
  heap.release(wp);
  const output = s.returnSequences
    ? fromTimeMajor(heap.view(L.hs + state * 4, s.steps * state), s, s.units, L.up, into)
    : unpadRows(heap.view(L.hs + s.steps * state * 4, state), s.batch, s.units, L.up, into);
  if (keepTape) return { output, block: L.w };
  heap.release(L.w);
  return { output };
}

function unpadRows(src: Float32Array, rows: number, width: number, padded: number, into?: Float32Array): Float32Array {
  const out = into ?? new Float32Array(rows * width);
  copyRows(src, 0, padded, out, 0, width, rows, width);
  return out;
}

/** Backward through time for one slice run by forwardSlice; frees its block. `dx` and `into` as for recurrentBackward. */
export function backwardSlice(s: RecurrentShape, block: number, dy: Float32Array, dx: boolean | Float32Array, into?: WeightGradients): RecurrentGradients {
  const inputGradient = dx !== false;
  const heap = kernelHeap();
  const k = heap.kernels;
  const g = GATES[s.kind];
  const L = layout(s, block);
  const state = s.batch * L.up;
  const scratch = scratchLayout(L, state, heap);
  const { wT, rkT, dyp, scratchA, scratchB, dW, dRk, dB, dX } = scratch;
  if (inputGradient) k.packB(L.w, L.gw, L.gw, L.inp, true, wT);
  if (s.kind === 'lstm') {
    k.packB(L.rk, L.gw, L.gw, L.up, true, rkT);
  } else {
    // gruBackward multiplies by [Uz Ur]ᵀ and Uhᵀ separately: two packed blocks.
    k.packB(L.rk, L.gw, 2 * L.up, L.up, true, rkT);
    k.packB(L.rk + 2 * L.up * 4, L.gw, L.up, L.up, true, rkT + 2 * L.up * L.up * 4);
  }
  const dyView = heap.view(dyp, L.rows * L.up);
  if (s.returnSequences) {
    toTimeMajor(dy, s, s.units, dyView, L.up);
  } else {
    dyView.fill(0);
    const last = (s.steps - 1) * state;
    copyRows(dy, 0, s.units, dyView, last, L.up, s.batch, s.units);
  }
  const hard = s.gateActivation === 'hardSigmoid';
  if (s.kind === 'lstm') {
    k.lstmBackward(L.gates, L.aux, L.tc, dyp, rkT, scratchA, scratchB, s.steps, s.batch, L.up, hard);
    k.gemmTN(L.hs, L.up, L.gates, L.gw, dRk, L.gw, L.up, L.rows, L.gw, false);
  } else {
    k.gruBackward(L.gates, L.hs, dyp, rkT, scratchA, scratchB, s.steps, s.batch, L.up, hard);
    // z and r see h_prev through Uz, Ur; the candidate sees r⊙h_prev through Uh.
    k.gemmTN(L.hs, L.up, L.gates, L.gw, dRk, L.gw, L.up, L.rows, 2 * L.up, false);
    const hOff = 2 * L.up * 4;
    k.gemmTN(L.aux, L.up, L.gates + hOff, L.gw, dRk + hOff, L.gw, L.up, L.rows, L.up, false);
  }
  k.gemmTN(L.x, L.inp, L.gates, L.gw, dW, L.gw, L.inp, L.rows, L.gw, false);
  k.columnSums(L.gates, L.gw, L.rows, L.gw, dB, false);
  if (inputGradient) k.gemmPacked(L.gates, L.gw, wT, dX, L.inp, L.rows, L.gw, L.inp, false);
  const grads = {
    ...(inputGradient ? { dx: fromTimeMajor(heap.view(dX, L.rows * L.inp), s, s.inDim, L.inp, dx === true ? undefined : dx) } : {}),
    dKernel: unpadGates(heap.view(dW, L.inp * L.gw), s.inDim, s.units, g, L.up, into?.dKernel),
    dRecurrentKernel: unpadGates(heap.view(dRk, L.up * L.gw), s.units, s.units, g, L.up, into?.dRecurrentKernel),
    dBias: unpadGates(heap.view(dB, L.gw), 1, s.units, g, L.up, into?.dBias),
  };
  heap.release(wT);
  heap.release(block);
  return grads;
}

/** The backward pass's temporaries, in one block starting at `wT`. */
function scratchLayout(L: Layout, state: number, heap: KernelHeap) {
  const floats = {
    wT: L.gw * L.inp,
    rkT: L.gw * L.up,
    dyp: L.rows * L.up,
    scratchA: state,
    scratchB: state,
    dW: L.inp * L.gw,
    dRk: L.up * L.gw,
    dB: L.gw,
    dX: L.rows * L.inp,
  };
  return allocBuffers(heap, floats);
}
