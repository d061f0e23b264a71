import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { UsageError } from '../errors';

/** The linear memory the kernels address: WebAssembly's, or the native build's region (same contract). */
export interface KernelMemory {
  readonly buffer: ArrayBuffer;
  /** Add `pages` of 64 KiB; returns the previous size in pages. */
  grow(pages: number): number;
}

/**
 * The fused kernels, in either build: assembly/rnn.ts compiled to
 * WebAssembly, or native/kernels.cc compiled for this CPU. Every pointer is a
 * byte offset into `memory`; every count is in f32 elements.
 */
export interface KernelExports {
  readonly memory: KernelMemory;
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
  /** `scratch`: attentionScratch() floats. */
  attentionForward(qkv: number, ldq: number, ctx: number, ldc: number, probs: number, scratch: number, batch: number, steps: number, heads: number, keyDim: number): void;
  attentionBackward(qkv: number, ldq: number, probs: number, dctx: number, ldc: number, dqkv: number, scratch: number, batch: number, steps: number, heads: number, keyDim: number): void;
  layerNormForward(x: number, ld: number, rows: number, d: number, gamma: number, beta: number, epsilon: number, y: number, xhat: number, rstd: number): void;
  layerNormBackward(dy: number, ld: number, xhat: number, rstd: number, gamma: number, rows: number, d: number, dx: number, dgamma: number, dbeta: number): void;
  dropoutMask(mask: number, n: number, seed: number, rate: number): void;
  /** `mask` 0: no mask. */
  addResidual(r: number, residual: number, mask: number, n: number): void;
  reluForward(x: number, n: number): void;
  reluBackward(y: number, dy: number, n: number): void;
  multiplyArrays(a: number, b: number, out: number, n: number): void;
}

/**
 * The builds, fastest first:
 * - `native`: native/kernels.cc with AVX-512 and FMA, compiled by the build
 *   when g++ and the CPU allow (native/build.js), about 2.5x the GEMM rate of
 *   WebAssembly's 128-bit SIMD;
 * - `relaxed-simd`: WebAssembly with fused multiply-add;
 * - `simd`: plain WebAssembly SIMD, the same bits on every machine.
 * Their results differ in the last bits (another summation order or
 * rounding); each is deterministic. `STOCKLAB_KERNELS` picks one, and an
 * unavailable pick is an error rather than a quiet fallback.
 */
export const KERNEL_BUILDS = ['native', 'relaxed-simd', 'simd'] as const;
export type KernelBuild = (typeof KERNEL_BUILDS)[number];

/** Where the build writes the modules. */
export const KERNEL_WASM_PATH = join(__dirname, 'rnn.wasm');
export const RELAXED_KERNEL_WASM_PATH = join(__dirname, 'rnn-relaxed.wasm');
export const NATIVE_KERNEL_PATH = join(__dirname, 'kernels.node');

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
let build: KernelBuild | undefined;

/** Which build of the kernels this thread runs (set once the heap exists). */
export function kernelBuild(): KernelBuild | undefined {
  return build;
}

/** The native region as a KernelMemory: growing commits more of it, and earlier views stay valid. */
class NativeMemory implements KernelMemory {
  buffer: ArrayBuffer;

  constructor(private readonly memoryBuffer: (bytes: number) => ArrayBuffer) {
    this.buffer = memoryBuffer(PAGE_BYTES);
  }

  grow(pages: number): number {
    const before = this.buffer.byteLength / PAGE_BYTES;
    this.buffer = this.memoryBuffer(this.buffer.byteLength + pages * PAGE_BYTES);
    return before;
  }
}

type NativeAddon = Omit<KernelExports, 'memory'> & { memoryBuffer(bytes: number): ArrayBuffer } & Record<string, unknown>;

let addon: NativeAddon | undefined;

function cpuFlags(): Set<string> {
  const cpu = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
  return new Set((/^flags\s*:(.*)$/m.exec(cpu)?.[1] ?? '').trim().split(/\s+/));
}

/** Why a build cannot run here, or undefined when it can. */
function unavailable(b: KernelBuild): string | undefined {
  if (b === 'native') {
    if (!existsSync(NATIVE_KERNEL_PATH)) return `${NATIVE_KERNEL_PATH} was not built (the build prints why)`;
    const { features } = JSON.parse(readFileSync(`${NATIVE_KERNEL_PATH}.json`, 'utf8')) as { features: string[] };
    const flags = cpuFlags();
    const missing = features.filter((f) => !flags.has(f));
    if (missing.length) return `it was built for ${features.join(', ')} and this CPU lacks ${missing.join(', ')}; rebuild with npm run build`;
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      addon ??= require(NATIVE_KERNEL_PATH) as NativeAddon;
    } catch (err) {
      return `${NATIVE_KERNEL_PATH} does not load: ${(err as Error).message.split('\n')[0]}`;
    }
    return undefined;
  }
  const path = b === 'simd' ? KERNEL_WASM_PATH : RELAXED_KERNEL_WASM_PATH;
  if (!existsSync(path)) return `${path} is missing; run the build (npm run build compiles assembly/rnn.ts with asc)`;
  if (b === 'relaxed-simd') {
    const bytes = readFileSync(path);
    // Node 20's V8 (11.3) implements relaxed SIMD completely but ships it behind
    // this flag (on by default from V8 11.4, Node 22); it only widens what validates.
    if (!WebAssembly.validate(bytes)) setFlagsFromString('--experimental-wasm-relaxed-simd');
    if (!WebAssembly.validate(bytes)) return 'this engine does not accept relaxed SIMD';
  }
  return undefined;
}

function chooseBuild(): KernelBuild {
  const raw = process.env.STOCKLAB_KERNELS;
  if (raw !== undefined && raw !== '') {
    if (!(KERNEL_BUILDS as readonly string[]).includes(raw)) throw new UsageError(`STOCKLAB_KERNELS must be one of ${KERNEL_BUILDS.join(', ')}; got "${raw}"`);
    const why = unavailable(raw as KernelBuild);
    if (why) throw new UsageError(`STOCKLAB_KERNELS=${raw}: ${why}`);
    return raw as KernelBuild;
  }
  const reasons = KERNEL_BUILDS.map((b) => [b, unavailable(b)] as const);
  const ok = reasons.find(([, why]) => why === undefined);
  if (!ok) throw new Error(`no build of the fused kernels can run: ${reasons.map(([b, why]) => `${b}: ${why}`).join('; ')}`);
  return ok[0];
}

function instantiate(b: KernelBuild): KernelExports {
  if (b === 'native') return { ...addon!, memory: new NativeMemory(addon!.memoryBuffer) };
  const bytes = readFileSync(b === 'simd' ? KERNEL_WASM_PATH : RELAXED_KERNEL_WASM_PATH);
  return new WebAssembly.Instance(new WebAssembly.Module(bytes), {}).exports as unknown as KernelExports;
}

/**
 * The native addon's exports when this thread runs the native build, for
 * other stages' native kernels (GBDT); undefined with a WebAssembly build.
 */
export function nativeAddon(): Readonly<Record<string, unknown>> | undefined {
  kernelHeap();
  return build === 'native' ? addon : undefined;
}

/** The kernel heap of this thread, instantiating the chosen build on first use (synchronously). */
export function kernelHeap(): KernelHeap {
  if (heap) return heap;
  const chosen = chooseBuild();
  const kernels = instantiate(chosen);
  build = chosen;
  heap = new KernelHeap(kernels, kernels.heapBase());
  return heap;
}
