import { alignedBytes, type KernelExports, type KernelHeap, kernelHeap } from './heap';

// Kernel-memory scratch for the layers whose passes run on the kernels (encoder block, dense).

export const roundUp4 = (n: number): number => Math.ceil(n / 4) * 4;

/** Float counts of named buffers laid out back to back (64-byte aligned) from `base`. */
export function place<K extends string>(base: number, floats: Record<K, number>): { at: Record<K, number>; bytes: number } {
  const at = {} as Record<K, number>;
  let next = base;
  for (const [name, count] of Object.entries(floats) as [K, number][]) {
    at[name] = next;
    next += alignedBytes(count);
  }
  return { at, bytes: next - base };
}

/** Named buffers of the given float counts in one new block of kernel memory, back to back: their offsets (the first one's is the block's, to release). */
export function allocBuffers<K extends string>(heap: KernelHeap, floats: Record<K, number>): Record<K, number> {
  return place(heap.alloc(place(0, floats).bytes), floats).at;
}

/**
 * `fn` over fresh kernel-memory buffers of the given float counts (64-byte aligned; zeroed
 * with `zeroed`), freed afterwards; `view` gives typed views (valid inside `fn` until it
 * allocates kernel memory itself).
 */
export function withKernelBuffers<K extends string, T>(floats: Record<K, number>, fn: (at: Record<K, number>, kernels: KernelExports, view: (ptr: number, floats: number) => Float32Array) => T, zeroed = false): T {
  const heap = kernelHeap();
  const { bytes } = place(0, floats);
  const block = heap.alloc(bytes);
  try {
    if (zeroed) heap.view(block, bytes / 4).fill(0);
    return fn(place(block, floats).at, heap.kernels, (ptr, n) => heap.view(ptr, n));
  } finally {
    heap.release(block);
  }
}

/** Every one of `rows` rows of `view` (stride `width`) set to its first row, by doubling copies. */
export function repeatFirstRow(view: Float32Array, rows: number, width: number): void {
  for (let done = 1; done < rows; done *= 2) view.copyWithin(done * width, 0, Math.min(done, rows - done) * width);
}

/** C[rows, n] = bias (each row) + A · Bpacked. */
export function affine(k: KernelExports, heap: KernelHeap, bias: number, a: number, lda: number, packed: number, c: number, rows: number, depth: number, n: number): void {
  const cv = heap.view(c, rows * n);
  cv.set(heap.view(bias, n));
  repeatFirstRow(cv, rows, n);
  k.gemmPacked(a, lda, packed, c, n, rows, depth, n, true);
}
