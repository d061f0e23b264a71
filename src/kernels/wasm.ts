import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';

/**
 * The compiled kernels (assembly/rnn.ts). Every pointer is a byte offset
 * into `memory`; every count is in f32 elements.
 */
export interface KernelExports {
  readonly memory: WebAssembly.Memory;
  heapBase(): number;
  packB(src: number, ld: number, k: number, n: number, transposed: boolean, dst: number): void;
  gemmPacked(a: number, lda: number, bp: number, c: number, ldc: number, m: number, k: number, n: number, accumulate: boolean): void;
  gemmTN(a: number, lda: number, b: number, ldb: number, c: number, ldc: number, m: number, k: number, n: number, accumulate: boolean): void;
  columnSums(a: number, lda: number, rows: number, n: number, out: number, accumulate: boolean): void;
  tanhArray(x: number, y: number, n: number): void;
  sigmoidArray(x: number, y: number, n: number): void;
  lstmForward(gates: number, hs: number, cs: number, tc: number, rk: number, steps: number, batch: number, units: number, hard: boolean): void;
  lstmBackward(gates: number, cs: number, tc: number, dy: number, rkT: number, dh: number, dc: number, steps: number, batch: number, units: number, hard: boolean): void;
  gruForward(gates: number, hs: number, rh: number, rk: number, steps: number, batch: number, units: number, hard: boolean): void;
  gruBackward(gates: number, hs: number, dy: number, rkT: number, dh: number, drh: number, steps: number, batch: number, units: number, hard: boolean): void;
}

/** Where the build writes the module: `asc assembly/rnn.ts ... --outFile dist/src/kernels/rnn.wasm`. */
export const KERNEL_WASM_PATH = join(__dirname, 'rnn.wasm');

/**
 * The same kernels built with `--enable relaxed-simd`: GEMMs use fused
 * multiply-add (about a third faster). Preferred when the engine accepts it;
 * `STOCKLAB_KERNEL_FMA=0` forces the plain build (results then match machines
 * without FMA bit for bit).
 */
export const RELAXED_KERNEL_WASM_PATH = join(__dirname, 'rnn-relaxed.wasm');

const PAGE_BYTES = 65536;
const ALIGN_BYTES = 64;

/** Bytes for `floats` f32 values, rounded up so every block starts 64-byte aligned. */
export function alignedBytes(floats: number): number {
  return Math.ceil((floats * 4) / ALIGN_BYTES) * ALIGN_BYTES;
}

/**
 * First-fit allocator over the module's memory. Forward passes keep their
 * activations here until the matching backward pass releases them, so no
 * copy leaves WASM memory; blocks repeat in size batch after batch, so
 * freed ones are reused and memory stops growing after the first batch.
 */
export class KernelHeap {
  private readonly live = new Map<number, number>();
  private readonly free: { ptr: number; bytes: number }[] = [];
  private top: number;

  constructor(
    readonly kernels: KernelExports,
    base: number,
  ) {
    this.top = Math.ceil(base / ALIGN_BYTES) * ALIGN_BYTES;
  }

  /** Byte offset of a fresh block of `bytes` (a multiple of 64; contents undefined). */
  alloc(bytes: number): number {
    const i = this.free.findIndex((b) => b.bytes >= bytes);
    let ptr: number;
    if (i >= 0) {
      const block = this.free[i];
      ptr = block.ptr;
      if (block.bytes === bytes) this.free.splice(i, 1);
      else this.free[i] = { ptr: ptr + bytes, bytes: block.bytes - bytes };
    } else {
      ptr = this.top;
      this.top += bytes;
      const memory = this.kernels.memory;
      if (this.top > memory.buffer.byteLength) memory.grow(Math.ceil((this.top - memory.buffer.byteLength) / PAGE_BYTES));
    }
    this.live.set(ptr, bytes);
    return ptr;
  }

  release(ptr: number): void {
    const bytes = this.live.get(ptr);
    if (bytes === undefined) throw new Error(`kernel heap: block ${ptr} is not allocated`);
    this.live.delete(ptr);
    let at = this.free.findIndex((b) => b.ptr > ptr);
    if (at < 0) at = this.free.length;
    this.free.splice(at, 0, { ptr, bytes });
    // Coalesce with the neighbours, and give the tail back to the bump pointer.
    const next = this.free[at + 1];
    if (next && ptr + bytes === next.ptr) {
      this.free[at].bytes += next.bytes;
      this.free.splice(at + 1, 1);
    }
    const prev = this.free[at - 1];
    if (prev && prev.ptr + prev.bytes === ptr) {
      prev.bytes += this.free[at].bytes;
      this.free.splice(at, 1);
      at -= 1;
    }
    const last = this.free[this.free.length - 1];
    if (last && last.ptr + last.bytes === this.top) {
      this.top = last.ptr;
      this.free.pop();
    }
  }

  /** Bytes held by live blocks (for leak checks). */
  liveBytes(): number {
    let sum = 0;
    for (const b of this.live.values()) sum += b;
    return sum;
  }

  /** A view of `floats` values at `ptr`; take views after the last `alloc`, since growing detaches them. */
  view(ptr: number, floats: number): Float32Array {
    return new Float32Array(this.kernels.memory.buffer, ptr, floats);
  }
}

let heap: KernelHeap | undefined;
let build: 'relaxed-simd' | 'simd' | undefined;

/** Which build of the kernels this thread runs (set once the heap exists). */
export function kernelBuild(): 'relaxed-simd' | 'simd' | undefined {
  return build;
}

function kernelModule(): WebAssembly.Module {
  if (process.env.STOCKLAB_KERNEL_FMA !== '0' && existsSync(RELAXED_KERNEL_WASM_PATH)) {
    const bytes = readFileSync(RELAXED_KERNEL_WASM_PATH);
    // Node 20's V8 (11.3) implements relaxed SIMD completely but ships it behind
    // this flag (on by default from V8 11.4, Node 22); it only widens what validates.
    if (!WebAssembly.validate(bytes)) setFlagsFromString('--experimental-wasm-relaxed-simd');
    if (WebAssembly.validate(bytes)) {
      build = 'relaxed-simd';
      return new WebAssembly.Module(bytes);
    }
  }
  if (!existsSync(KERNEL_WASM_PATH)) {
    throw new Error(`fused RNN kernels not built: ${KERNEL_WASM_PATH} is missing; run the build (npm run build compiles assembly/rnn.ts with asc)`);
  }
  build = 'simd';
  return new WebAssembly.Module(readFileSync(KERNEL_WASM_PATH));
}

/** The kernel heap of this thread, instantiating the module on first use (synchronously: Node allows it). */
export function kernelHeap(): KernelHeap {
  if (heap) return heap;
  const module = kernelModule();
  const kernels = new WebAssembly.Instance(module, {}).exports as unknown as KernelExports;
  heap = new KernelHeap(kernels, kernels.heapBase());
  return heap;
}
