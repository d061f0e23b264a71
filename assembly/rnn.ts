// Fused LSTM / GRU and Transformer encoder-block kernels over raw f32 buffers in linear memory.
//
// The host (src/kernels/) owns the memory layout: every argument named like a
// buffer is a byte offset into this module's memory. Matrices are row-major
// with an explicit leading dimension in elements. Unit counts are padded to a
// multiple of 4 by the host (padded weights are zero, so padded units stay
// exactly 0 forward and backward); every column count handed to a GEMM is a
// multiple of 4, so the SIMD loops need no scalar tails.

const F = 4; // bytes per f32

/** First free byte after this module's static data; the host allocates from here. */
export function heapBase(): usize {
  return __heap_base;
}

// ---------------------------------------------------------------- GEMM

// a·b + c. The relaxed-SIMD build (rnn-relaxed.wasm) fuses it into one FMA,
// a third faster than mul + add here; the plain build keeps two roundings.
// Results therefore differ in the last bits between the two builds.
// @ts-ignore: decorator
@inline function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

/**
 * Pack B[k, n] (or, with `transposed`, B = srcᵀ for src [n, k]) into column
 * panels of 8: panel j0 holds columns j0..j0+7 as [k][8] contiguous floats at
 * offset j0·k (a last panel of 4 when n % 8 == 4). The microkernels then read
 * B sequentially; straight from a row-major weight matrix each step of k
 * lands on a new cache line with a power-of-two stride, and those lines
 * collide in a few L1 sets.
 */
export function packB(src: usize, ld: i32, k: i32, n: i32, transposed: bool, dst: usize): void {
  const sl = <usize>ld << 2;
  let out = dst;
  for (let j0 = 0; j0 < n; j0 += 8) {
    const w = min(8, n - j0);
    for (let p = 0; p < k; p++) {
      for (let q = 0; q < w; q++) {
        const from = transposed ? src + <usize>(j0 + q) * sl + (<usize>p << 2) : src + <usize>p * sl + (<usize>(j0 + q) << 2);
        store<f32>(out, load<f32>(from));
        out += F;
      }
    }
  }
}

// Depth of one pass of both GEMMs. In gemmPacked a 6-row strip of A (12 KB)
// and one 8-column panel of B (16 KB) stay in L1 across the pass.
const KC = 512;
// Scratch for the packed operand strips: A's rows interleaved ([KC][6]) so
// the microkernel reads all six at constant offsets from one pointer (with a
// stride per row, V8 spends integer ops per step on addresses and the loop
// runs at two thirds of the FMA rate), and gemmTN's B panel ([KC][8]).
const A_STRIP = memory.data(KC * 6 * F, 64);
const B_PANEL = memory.data(KC * 8 * F, 64);

// rows x kk block of A (row stride sa) into [kk][rows].
// @ts-ignore: decorator
@inline function packRows(a: usize, sa: usize, rows: i32, kk: i32, dst: usize): void {
  for (let r = 0; r < rows; r++) {
    let from = a + <usize>r * sa;
    let to = dst + (<usize>r << 2);
    const step = <usize>rows << 2;
    for (let p = 0; p < kk; p++) {
      store<f32>(to, load<f32>(from));
      from += F;
      to += step;
    }
  }
}

/** C[m,n] (+)= A[m,k] · B[k,n] with B packed by packB (same k and n). n % 4 == 0. */
export function gemmPacked(a: usize, lda: i32, bp: usize, c: usize, ldc: i32, m: i32, k: i32, n: i32, accumulate: bool): void {
  const sa = <usize>lda << 2;
  const sc = <usize>ldc << 2;
  const n8 = n & ~7;
  for (let p0 = 0; p0 < k; p0 += KC) {
    const kk = min(KC, k - p0);
    const acc = accumulate || p0 > 0;
    const ak = a + (<usize>p0 << 2);
    // Panel j0 starts at j0·k floats; within it, row p0 at p0·width.
    const b8 = bp + (<usize>p0 << 5);
    const b4 = bp + (<usize>n8 * k << 2) + (<usize>p0 << 4);
    const panel = <usize>k << 5;
    // Rows 6j + 2 (a batch of 32 split in two, 64 in four) go as 6(j-1) + 4 + 4:
    // single rows run at a third of the rate.
    const m6 = m % 6 == 2 && m >= 8 ? m - 8 : m - m % 6;
    let i = 0;
    for (; i < m6; i += 6) {
      packRows(ak + <usize>i * sa, sa, 6, kk, A_STRIP);
      const c0 = c + <usize>i * sc;
      let pb = b8;
      for (let j = 0; j < n8; j += 8) {
        block6x8(A_STRIP, pb, c0 + (<usize>j << 2), sc, kk, acc);
        pb += panel;
      }
      if (n8 < n) block6x4(A_STRIP, b4, c0 + (<usize>n8 << 2), sc, kk, acc);
    }
    for (; i + 4 <= m; i += 4) {
      packRows(ak + <usize>i * sa, sa, 4, kk, A_STRIP);
      const c0 = c + <usize>i * sc;
      let pb = b8;
      for (let j = 0; j < n8; j += 8) {
        block4x8(A_STRIP, 16, pb, 32, c0 + (<usize>j << 2), sc, kk, acc);
        pb += panel;
      }
      if (n8 < n) block4x4(A_STRIP, b4, c0 + (<usize>n8 << 2), sc, kk, acc);
    }
    for (; i < m; i++) {
      const a0 = ak + <usize>i * sa;
      const c0 = c + <usize>i * sc;
      let pb = b8;
      for (let j = 0; j < n8; j += 8) {
        block1x8(a0, F, pb, 32, c0 + (<usize>j << 2), kk, acc);
        pb += panel;
      }
      if (n8 < n) block1x4(a0, F, b4, 16, c0 + (<usize>n8 << 2), kk, acc);
    }
  }
}

// Epilogues store C one vector at a time: with all loads of C hoisted ahead
// of the stores they need more than 16 SIMD registers, and TurboFan then
// spills accumulators inside the k loop (a third of the throughput lost).

// The microkernels: C block (+)= A strip · B panel over k. A strips are
// interleaved ([k][rows]; a single row is contiguous), B panels [k][width].

// The hot microkernels are separate functions, not @inline: TurboFan
// allocates registers per function, and inside gemmPacked's larger body it
// spilled accumulators in the k loop.
//
// 6 rows x 8 columns: 12 accumulators, two B vectors and one broadcast use 15
// of the 16 SIMD registers V8 allocates on x64, and keep 12 independent FMA
// chains in flight (4 rows x 8 leave the FMA units waiting on latency).
function block6x8(a: usize, b: usize, c: usize, sc: usize, k: i32, accumulate: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let c40 = f32x4.splat(0), c41 = f32x4.splat(0);
  let c50 = f32x4.splat(0), c51 = f32x4.splat(0);
  let pa = a, pb = b;
  for (let p = 0; p < k; p++) {
    const b0 = v128.load(pb), b1 = v128.load(pb, 16);
    let x = v128.load32_splat(pa);
    c00 = madd(x, b0, c00); c01 = madd(x, b1, c01);
    x = v128.load32_splat(pa, 4);
    c10 = madd(x, b0, c10); c11 = madd(x, b1, c11);
    x = v128.load32_splat(pa, 8);
    c20 = madd(x, b0, c20); c21 = madd(x, b1, c21);
    x = v128.load32_splat(pa, 12);
    c30 = madd(x, b0, c30); c31 = madd(x, b1, c31);
    x = v128.load32_splat(pa, 16);
    c40 = madd(x, b0, c40); c41 = madd(x, b1, c41);
    x = v128.load32_splat(pa, 20);
    c50 = madd(x, b0, c50); c51 = madd(x, b1, c51);
    pa += 24;
    pb += 32;
  }
  if (accumulate) {
    v128.store(c, f32x4.add(c00, v128.load(c))); v128.store(c + 16, f32x4.add(c01, v128.load(c + 16)));
    v128.store(c + sc, f32x4.add(c10, v128.load(c + sc))); v128.store(c + sc + 16, f32x4.add(c11, v128.load(c + sc + 16)));
    v128.store(c + 2 * sc, f32x4.add(c20, v128.load(c + 2 * sc))); v128.store(c + 2 * sc + 16, f32x4.add(c21, v128.load(c + 2 * sc + 16)));
    v128.store(c + 3 * sc, f32x4.add(c30, v128.load(c + 3 * sc))); v128.store(c + 3 * sc + 16, f32x4.add(c31, v128.load(c + 3 * sc + 16)));
    v128.store(c + 4 * sc, f32x4.add(c40, v128.load(c + 4 * sc))); v128.store(c + 4 * sc + 16, f32x4.add(c41, v128.load(c + 4 * sc + 16)));
    v128.store(c + 5 * sc, f32x4.add(c50, v128.load(c + 5 * sc))); v128.store(c + 5 * sc + 16, f32x4.add(c51, v128.load(c + 5 * sc + 16)));
    return;
  }
  v128.store(c, c00); v128.store(c + 16, c01);
  v128.store(c + sc, c10); v128.store(c + sc + 16, c11);
  v128.store(c + 2 * sc, c20); v128.store(c + 2 * sc + 16, c21);
  v128.store(c + 3 * sc, c30); v128.store(c + 3 * sc + 16, c31);
  v128.store(c + 4 * sc, c40); v128.store(c + 4 * sc + 16, c41);
  v128.store(c + 5 * sc, c50); v128.store(c + 5 * sc + 16, c51);
}

function block6x4(a: usize, b: usize, c: usize, sc: usize, k: i32, accumulate: bool): void {
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0);
  let c3 = f32x4.splat(0), c4 = f32x4.splat(0), c5 = f32x4.splat(0);
  let pa = a, pb = b;
  for (let p = 0; p < k; p++) {
    const b0 = v128.load(pb);
    c0 = madd(v128.load32_splat(pa), b0, c0);
    c1 = madd(v128.load32_splat(pa, 4), b0, c1);
    c2 = madd(v128.load32_splat(pa, 8), b0, c2);
    c3 = madd(v128.load32_splat(pa, 12), b0, c3);
    c4 = madd(v128.load32_splat(pa, 16), b0, c4);
    c5 = madd(v128.load32_splat(pa, 20), b0, c5);
    pa += 24;
    pb += 16;
  }
  if (accumulate) {
    v128.store(c, f32x4.add(c0, v128.load(c))); v128.store(c + sc, f32x4.add(c1, v128.load(c + sc)));
    v128.store(c + 2 * sc, f32x4.add(c2, v128.load(c + 2 * sc))); v128.store(c + 3 * sc, f32x4.add(c3, v128.load(c + 3 * sc)));
    v128.store(c + 4 * sc, f32x4.add(c4, v128.load(c + 4 * sc))); v128.store(c + 5 * sc, f32x4.add(c5, v128.load(c + 5 * sc)));
    return;
  }
  v128.store(c, c0); v128.store(c + sc, c1);
  v128.store(c + 2 * sc, c2); v128.store(c + 3 * sc, c3);
  v128.store(c + 4 * sc, c4); v128.store(c + 5 * sc, c5);
}

// Four rows: A interleaved [k][4] (gemmPacked's strip) or, in gemmTN, four
// adjacent columns of a row-major A with row stride sa; both read A at
// constant offsets 0..12 from one pointer.
function block4x8(a: usize, sa: usize, b: usize, sb: usize, c: usize, sc: usize, k: i32, accumulate: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let pa = a, pb = b;
  for (let p = 0; p < k; p++) {
    const b0 = v128.load(pb), b1 = v128.load(pb, 16);
    let x = v128.load32_splat(pa);
    c00 = madd(x, b0, c00); c01 = madd(x, b1, c01);
    x = v128.load32_splat(pa, 4);
    c10 = madd(x, b0, c10); c11 = madd(x, b1, c11);
    x = v128.load32_splat(pa, 8);
    c20 = madd(x, b0, c20); c21 = madd(x, b1, c21);
    x = v128.load32_splat(pa, 12);
    c30 = madd(x, b0, c30); c31 = madd(x, b1, c31);
    pa += sa;
    pb += sb;
  }
  if (accumulate) {
    v128.store(c, f32x4.add(c00, v128.load(c))); v128.store(c + 16, f32x4.add(c01, v128.load(c + 16)));
    v128.store(c + sc, f32x4.add(c10, v128.load(c + sc))); v128.store(c + sc + 16, f32x4.add(c11, v128.load(c + sc + 16)));
    v128.store(c + 2 * sc, f32x4.add(c20, v128.load(c + 2 * sc))); v128.store(c + 2 * sc + 16, f32x4.add(c21, v128.load(c + 2 * sc + 16)));
    v128.store(c + 3 * sc, f32x4.add(c30, v128.load(c + 3 * sc))); v128.store(c + 3 * sc + 16, f32x4.add(c31, v128.load(c + 3 * sc + 16)));
    return;
  }
  v128.store(c, c00); v128.store(c + 16, c01);
  v128.store(c + sc, c10); v128.store(c + sc + 16, c11);
  v128.store(c + 2 * sc, c20); v128.store(c + 2 * sc + 16, c21);
  v128.store(c + 3 * sc, c30); v128.store(c + 3 * sc + 16, c31);
}

// @ts-ignore: decorator
@inline function block4x4(a: usize, b: usize, c: usize, sc: usize, k: i32, accumulate: bool): void {
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
  let pa = a, pb = b;
  for (let p = 0; p < k; p++) {
    const b0 = v128.load(pb);
    c0 = madd(v128.load32_splat(pa), b0, c0);
    c1 = madd(v128.load32_splat(pa, 4), b0, c1);
    c2 = madd(v128.load32_splat(pa, 8), b0, c2);
    c3 = madd(v128.load32_splat(pa, 12), b0, c3);
    pa += 16;
    pb += 16;
  }
  if (accumulate) {
    v128.store(c, f32x4.add(c0, v128.load(c))); v128.store(c + sc, f32x4.add(c1, v128.load(c + sc)));
    v128.store(c + 2 * sc, f32x4.add(c2, v128.load(c + 2 * sc))); v128.store(c + 3 * sc, f32x4.add(c3, v128.load(c + 3 * sc)));
    return;
  }
  v128.store(c, c0); v128.store(c + sc, c1);
  v128.store(c + 2 * sc, c2); v128.store(c + 3 * sc, c3);
}

// One row of A (elements at stride sa) times a panel of B.
// @ts-ignore: decorator
@inline function block1x8(a: usize, sa: usize, b: usize, sb: usize, c: usize, k: i32, accumulate: bool): void {
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0);
  let pa = a, pb = b;
  for (let p = 0; p < k; p++) {
    const x = v128.load32_splat(pa);
    c0 = madd(x, v128.load(pb), c0);
    c1 = madd(x, v128.load(pb, 16), c1);
    pa += sa;
    pb += sb;
  }
  if (accumulate) {
    v128.store(c, f32x4.add(c0, v128.load(c))); v128.store(c + 16, f32x4.add(c1, v128.load(c + 16)));
    return;
  }
  v128.store(c, c0); v128.store(c + 16, c1);
}

// @ts-ignore: decorator
@inline function block1x4(a: usize, sa: usize, b: usize, sb: usize, c: usize, k: i32, accumulate: bool): void {
  let c0 = f32x4.splat(0);
  let pa = a, pb = b;
  for (let p = 0; p < k; p++) {
    c0 = madd(v128.load32_splat(pa), v128.load(pb), c0);
    pa += sa;
    pb += sb;
  }
  v128.store(c, accumulate ? f32x4.add(c0, v128.load(c)) : c0);
}

function tn6x8(a: usize, sa: usize, b: usize, c: usize, sc: usize, k: i32, accumulate: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let c40 = f32x4.splat(0), c41 = f32x4.splat(0);
  let c50 = f32x4.splat(0), c51 = f32x4.splat(0);
  let pa = a, pb = b;
  for (let p = 0; p < k; p++) {
    const b0 = v128.load(pb), b1 = v128.load(pb, 16);
    let x = v128.load32_splat(pa);
    c00 = madd(x, b0, c00); c01 = madd(x, b1, c01);
    x = v128.load32_splat(pa, 4);
    c10 = madd(x, b0, c10); c11 = madd(x, b1, c11);
    x = v128.load32_splat(pa, 8);
    c20 = madd(x, b0, c20); c21 = madd(x, b1, c21);
    x = v128.load32_splat(pa, 12);
    c30 = madd(x, b0, c30); c31 = madd(x, b1, c31);
    x = v128.load32_splat(pa, 16);
    c40 = madd(x, b0, c40); c41 = madd(x, b1, c41);
    x = v128.load32_splat(pa, 20);
    c50 = madd(x, b0, c50); c51 = madd(x, b1, c51);
    pa += sa;
    pb += 32;
  }
  if (accumulate) {
    v128.store(c, f32x4.add(c00, v128.load(c))); v128.store(c + 16, f32x4.add(c01, v128.load(c + 16)));
    v128.store(c + sc, f32x4.add(c10, v128.load(c + sc))); v128.store(c + sc + 16, f32x4.add(c11, v128.load(c + sc + 16)));
    v128.store(c + 2 * sc, f32x4.add(c20, v128.load(c + 2 * sc))); v128.store(c + 2 * sc + 16, f32x4.add(c21, v128.load(c + 2 * sc + 16)));
    v128.store(c + 3 * sc, f32x4.add(c30, v128.load(c + 3 * sc))); v128.store(c + 3 * sc + 16, f32x4.add(c31, v128.load(c + 3 * sc + 16)));
    v128.store(c + 4 * sc, f32x4.add(c40, v128.load(c + 4 * sc))); v128.store(c + 4 * sc + 16, f32x4.add(c41, v128.load(c + 4 * sc + 16)));
    v128.store(c + 5 * sc, f32x4.add(c50, v128.load(c + 5 * sc))); v128.store(c + 5 * sc + 16, f32x4.add(c51, v128.load(c + 5 * sc + 16)));
    return;
  }
  v128.store(c, c00); v128.store(c + 16, c01);
  v128.store(c + sc, c10); v128.store(c + sc + 16, c11);
  v128.store(c + 2 * sc, c20); v128.store(c + 2 * sc + 16, c21);
  v128.store(c + 3 * sc, c30); v128.store(c + 3 * sc + 16, c31);
  v128.store(c + 4 * sc, c40); v128.store(c + 4 * sc + 16, c41);
  v128.store(c + 5 * sc, c50); v128.store(c + 5 * sc + 16, c51);
}

// gemmTN's B panel is packed per pass: read in place, its rows (a power-of-two
// stride apart for the usual widths) fall into a few L1 sets and miss.
const TN_KC = 128;

/**
 * C[m,n] (+)= A[k,m]ᵀ · B[k,n]: the weight gradients, summed over all time
 * steps and batch rows in one pass. n % 4 == 0.
 */
export function gemmTN(a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32, m: i32, k: i32, n: i32, accumulate: bool): void {
  const sa = <usize>lda << 2;
  const sc = <usize>ldc << 2;
  for (let p0 = 0; p0 < k; p0 += TN_KC) {
    const kk = min(TN_KC, k - p0);
    const acc = accumulate || p0 > 0;
    const ap = a + <usize>p0 * sa;
    const bp = b + <usize>p0 * (<usize>ldb << 2);
    for (let j = 0; j < n; j += 8) {
      const w = min(8, n - j);
      packB(bp + (<usize>j << 2), ldb, kk, w, false, B_PANEL);
      const cj = c + (<usize>j << 2);
      let i = 0;
      if (w == 8) {
        for (; i + 6 <= m; i += 6) tn6x8(ap + (<usize>i << 2), sa, B_PANEL, cj + <usize>i * sc, sc, kk, acc);
        for (; i + 4 <= m; i += 4) block4x8(ap + (<usize>i << 2), sa, B_PANEL, 32, cj + <usize>i * sc, sc, kk, acc);
        for (; i < m; i++) block1x8(ap + (<usize>i << 2), sa, B_PANEL, 32, cj + <usize>i * sc, kk, acc);
      } else {
        for (; i < m; i++) block1x4(ap + (<usize>i << 2), sa, B_PANEL, 16, cj + <usize>i * sc, kk, acc);
      }
    }
  }
}

/** out[n] (+)= Σ_rows A[rows, n]: the bias gradient. n % 4 == 0. */
export function columnSums(a: usize, lda: i32, rows: i32, n: i32, out: usize, accumulate: bool): void {
  const sa = <usize>lda << 2;
  for (let j = 0; j < n; j += 4) {
    let acc = accumulate ? v128.load(out + (<usize>j << 2)) : f32x4.splat(0);
    let p = a + (<usize>j << 2);
    for (let r = 0; r < rows; r++) {
      acc = f32x4.add(acc, v128.load(p));
      p += sa;
    }
    v128.store(out + (<usize>j << 2), acc);
  }
}

// ---------------------------------------------------------------- activations

// Cephes-style expf: |relative error| < 2e-7 over the clamped range.
// @ts-ignore: decorator
@inline function exp4(x: v128): v128 {
  x = f32x4.min(f32x4.max(x, f32x4.splat(-87.0)), f32x4.splat(88.0));
  const fx = f32x4.nearest(f32x4.mul(x, f32x4.splat(1.44269504088896341)));
  let r = f32x4.sub(x, f32x4.mul(fx, f32x4.splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(fx, f32x4.splat(-2.12194440e-4)));
  let y = f32x4.splat(1.9875691500e-4);
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(1.3981999507e-3));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(8.3334519073e-3));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(4.1665795894e-2));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(1.6666665459e-1));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(5.0000001201e-1));
  y = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(y, r), r), r), f32x4.splat(1.0));
  const scale = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(fx), i32x4.splat(127)), 23);
  return f32x4.mul(y, scale);
}

// tanh as Eigen's rational minimax fit on [-7.9, 7.9] (a few ulp; tanh is
// ±1 in f32 beyond): no exp and one division per 4 lanes.
// @ts-ignore: decorator
@inline function tanh4(x: v128): v128 {
  const c = f32x4.min(f32x4.max(x, f32x4.splat(-7.90531110763549805)), f32x4.splat(7.90531110763549805));
  const z = f32x4.mul(c, c);
  let p = f32x4.splat(-2.76076847742355e-16);
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(2.00018790482477e-13));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(-8.60467152213735e-11));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(5.12229709037114e-8));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(1.48572235717979e-5));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(6.37261928875436e-4));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(4.89352455891786e-3));
  p = f32x4.mul(p, c);
  let q = f32x4.splat(1.19825839466702e-6);
  q = f32x4.add(f32x4.mul(q, z), f32x4.splat(1.18534705686654e-4));
  q = f32x4.add(f32x4.mul(q, z), f32x4.splat(2.26843463243900e-3));
  q = f32x4.add(f32x4.mul(q, z), f32x4.splat(4.89352518554385e-3));
  // Below 4e-4, tanh(x) == x in f32; the ratio would only add rounding.
  return v128.bitselect(x, f32x4.div(p, q), f32x4.lt(f32x4.abs(x), f32x4.splat(0.0004)));
}

// @ts-ignore: decorator
@inline function sigmoid4(x: v128): v128 {
  return f32x4.div(f32x4.splat(1.0), f32x4.add(f32x4.splat(1.0), exp4(f32x4.neg(x))));
}

// tfjs's hardSigmoid: clip(0.2 x + 0.5, 0, 1).
// @ts-ignore: decorator
@inline function hardSigmoid4(x: v128): v128 {
  return f32x4.min(f32x4.max(f32x4.add(f32x4.mul(x, f32x4.splat(0.2)), f32x4.splat(0.5)), f32x4.splat(0.0)), f32x4.splat(1.0));
}

// @ts-ignore: decorator
@inline function gate4(x: v128, hard: bool): v128 {
  return hard ? hardSigmoid4(x) : sigmoid4(x);
}

// Derivative of the recurrent activation from its output y. hardSigmoid is
// flat where it clips, so its slope is 0.2 strictly inside (0, 1).
// @ts-ignore: decorator
@inline function gateSlope4(y: v128, hard: bool): v128 {
  if (hard) {
    const inside = v128.and(f32x4.gt(y, f32x4.splat(0.0)), f32x4.lt(y, f32x4.splat(1.0)));
    return v128.and(inside, f32x4.splat(0.2));
  }
  return f32x4.mul(y, f32x4.sub(f32x4.splat(1.0), y));
}

// @ts-ignore: decorator
@inline function tanhSlope4(y: v128): v128 {
  return f32x4.sub(f32x4.splat(1.0), f32x4.mul(y, y));
}

/** y[i] = tanh(x[i]) for n % 4 == 0 values; exported so tests can check the approximation. */
export function tanhArray(x: usize, y: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) v128.store(y + (<usize>i << 2), tanh4(v128.load(x + (<usize>i << 2))));
}

/** y[i] = sigmoid(x[i]) for n % 4 == 0 values. */
export function sigmoidArray(x: usize, y: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) v128.store(y + (<usize>i << 2), sigmoid4(v128.load(x + (<usize>i << 2))));
}

// ---------------------------------------------------------------- LSTM
//
// Buffers (time-major, u = padded units, G = 4u):
//   gates [T, B, G]   in: X·W + b for every step; out: activated i, f, g, o
//   hs    [T+1, B, u] hs[0] = initial h (zeros), hs[t+1] = h after step t
//   cs    [T+1, B, u] same for the cell state
//   tc    [T, B, u]   tanh(c) after step t, kept for the backward pass
//   rk    [u, G]      recurrent kernel, packed by packB

export function lstmForward(gates: usize, hs: usize, cs: usize, tc: usize, rk: usize, steps: i32, batch: i32, units: i32, hard: bool): void {
  const g = units * 4;
  const gateStep = <usize>batch * g << 2;
  const stateStep = <usize>batch * units << 2;
  for (let t = 0; t < steps; t++) {
    const gt = gates + <usize>t * gateStep;
    const hPrev = hs + <usize>t * stateStep;
    const cPrev = cs + <usize>t * stateStep;
    const hNext = hPrev + stateStep;
    const cNext = cPrev + stateStep;
    const tct = tc + <usize>t * stateStep;
    gemmPacked(hPrev, units, rk, gt, g, batch, units, g, true);
    for (let b = 0; b < batch; b++) {
      const row = gt + (<usize>b * g << 2);
      const srow = <usize>b * units << 2;
      for (let j = 0; j < units; j += 4) {
        const o = <usize>j << 2;
        const ui = <usize>units << 2;
        const ig = gate4(v128.load(row + o), hard);
        const fg = gate4(v128.load(row + ui + o), hard);
        const cg = tanh4(v128.load(row + 2 * ui + o));
        const og = gate4(v128.load(row + 3 * ui + o), hard);
        const c = f32x4.add(f32x4.mul(fg, v128.load(cPrev + srow + o)), f32x4.mul(ig, cg));
        const th = tanh4(c);
        v128.store(row + o, ig);
        v128.store(row + ui + o, fg);
        v128.store(row + 2 * ui + o, cg);
        v128.store(row + 3 * ui + o, og);
        v128.store(cNext + srow + o, c);
        v128.store(tct + srow + o, th);
        v128.store(hNext + srow + o, f32x4.mul(og, th));
      }
    }
  }
}

/**
 * Backward through time. dy [T, B, u] is the loss gradient w.r.t. each h_t
 * (zeros where the layer does not return that step). Overwrites gates with
 * the pre-activation gradients dZ [T, B, G]; the host then forms the weight
 * and input gradients from dZ with single GEMMs over all steps.
 * rkT [G, u] is the transposed recurrent kernel, packed; dh, dc [B, u] are scratch.
 */
export function lstmBackward(gates: usize, cs: usize, tc: usize, dy: usize, rkT: usize, dh: usize, dc: usize, steps: i32, batch: i32, units: i32, hard: bool): void {
  const g = units * 4;
  const gateStep = <usize>batch * g << 2;
  const stateStep = <usize>batch * units << 2;
  memory.fill(dh, 0, stateStep);
  memory.fill(dc, 0, stateStep);
  for (let t = steps - 1; t >= 0; t--) {
    const gt = gates + <usize>t * gateStep;
    const cPrev = cs + <usize>t * stateStep;
    const tct = tc + <usize>t * stateStep;
    const dyt = dy + <usize>t * stateStep;
    for (let b = 0; b < batch; b++) {
      const row = gt + (<usize>b * g << 2);
      const srow = <usize>b * units << 2;
      for (let j = 0; j < units; j += 4) {
        const o = <usize>j << 2;
        const ui = <usize>units << 2;
        const ig = v128.load(row + o);
        const fg = v128.load(row + ui + o);
        const cg = v128.load(row + 2 * ui + o);
        const og = v128.load(row + 3 * ui + o);
        const th = v128.load(tct + srow + o);
        const dht = f32x4.add(v128.load(dyt + srow + o), v128.load(dh + srow + o));
        const dct = f32x4.add(f32x4.mul(f32x4.mul(dht, og), tanhSlope4(th)), v128.load(dc + srow + o));
        v128.store(row + o, f32x4.mul(f32x4.mul(dct, cg), gateSlope4(ig, hard)));
        v128.store(row + ui + o, f32x4.mul(f32x4.mul(dct, v128.load(cPrev + srow + o)), gateSlope4(fg, hard)));
        v128.store(row + 2 * ui + o, f32x4.mul(f32x4.mul(dct, ig), tanhSlope4(cg)));
        v128.store(row + 3 * ui + o, f32x4.mul(f32x4.mul(dht, th), gateSlope4(og, hard)));
        v128.store(dc + srow + o, f32x4.mul(dct, fg));
      }
    }
    gemmPacked(gt, g, rkT, dh, units, batch, g, units, false);
  }
}

// ---------------------------------------------------------------- GRU
//
// tfjs GRU (reset gate applied before the recurrent product, bias on the
// input side only), gate order z, r, h; G = 3u:
//   z = σ(xz + h·Uz)   r = σ(xr + h·Ur)   ĥ = tanh(xh + (r⊙h)·Uh)
//   h' = z⊙h + (1 - z)⊙ĥ
// Buffers: gates [T, B, G] (in: X·W + b; out: activated z, r, ĥ),
// hs [T+1, B, u], rh [T, B, u] = r⊙h_prev (kept for dUh); rk as two blocks
// packed by packB, [Uz Ur] [u, 2u] then Uh [u, u] at 2u·u floats.

export function gruForward(gates: usize, hs: usize, rh: usize, rk: usize, steps: i32, batch: i32, units: i32, hard: bool): void {
  const g = units * 3;
  const gateStep = <usize>batch * g << 2;
  const stateStep = <usize>batch * units << 2;
  const ui = <usize>units << 2;
  for (let t = 0; t < steps; t++) {
    const gt = gates + <usize>t * gateStep;
    const hPrev = hs + <usize>t * stateStep;
    const hNext = hPrev + stateStep;
    const rht = rh + <usize>t * stateStep;
    gemmPacked(hPrev, units, rk, gt, g, batch, units, 2 * units, true);
    for (let b = 0; b < batch; b++) {
      const row = gt + (<usize>b * g << 2);
      const srow = <usize>b * units << 2;
      for (let j = 0; j < units; j += 4) {
        const o = <usize>j << 2;
        const zg = gate4(v128.load(row + o), hard);
        const rg = gate4(v128.load(row + ui + o), hard);
        v128.store(row + o, zg);
        v128.store(row + ui + o, rg);
        v128.store(rht + srow + o, f32x4.mul(rg, v128.load(hPrev + srow + o)));
      }
    }
    gemmPacked(rht, units, rk + <usize>(2 * units) * ui, gt + 2 * ui, g, batch, units, units, true);
    for (let b = 0; b < batch; b++) {
      const row = gt + (<usize>b * g << 2);
      const srow = <usize>b * units << 2;
      for (let j = 0; j < units; j += 4) {
        const o = <usize>j << 2;
        const zg = v128.load(row + o);
        const hh = tanh4(v128.load(row + 2 * ui + o));
        v128.store(row + 2 * ui + o, hh);
        const hp = v128.load(hPrev + srow + o);
        v128.store(hNext + srow + o, f32x4.add(hh, f32x4.mul(zg, f32x4.sub(hp, hh))));
      }
    }
  }
}

/**
 * Backward through time for gruForward; overwrites gates with dZ [T, B, G].
 * rkT holds [Uz Ur]ᵀ [2u, u] then Uhᵀ [u, u], each packed by packB;
 * dh, drh [B, u] are scratch.
 */
export function gruBackward(gates: usize, hs: usize, dy: usize, rkT: usize, dh: usize, drh: usize, steps: i32, batch: i32, units: i32, hard: bool): void {
  const g = units * 3;
  const gateStep = <usize>batch * g << 2;
  const stateStep = <usize>batch * units << 2;
  const ui = <usize>units << 2;
  memory.fill(dh, 0, stateStep);
  for (let t = steps - 1; t >= 0; t--) {
    const gt = gates + <usize>t * gateStep;
    const hPrev = hs + <usize>t * stateStep;
    const dyt = dy + <usize>t * stateStep;
    // dĥ pre-activation first: d(r⊙h) needs it through Uh.
    for (let b = 0; b < batch; b++) {
      const row = gt + (<usize>b * g << 2);
      const srow = <usize>b * units << 2;
      for (let j = 0; j < units; j += 4) {
        const o = <usize>j << 2;
        const zg = v128.load(row + o);
        const hh = v128.load(row + 2 * ui + o);
        const hp = v128.load(hPrev + srow + o);
        const dht = f32x4.add(v128.load(dyt + srow + o), v128.load(dh + srow + o));
        v128.store(dh + srow + o, f32x4.mul(dht, zg));
        v128.store(row + o, f32x4.mul(f32x4.mul(dht, f32x4.sub(hp, hh)), gateSlope4(zg, hard)));
        v128.store(row + 2 * ui + o, f32x4.mul(f32x4.mul(dht, f32x4.sub(f32x4.splat(1.0), zg)), tanhSlope4(hh)));
      }
    }
    gemmPacked(gt + 2 * ui, g, rkT + <usize>(2 * units) * ui, drh, units, batch, units, units, false);
    for (let b = 0; b < batch; b++) {
      const row = gt + (<usize>b * g << 2);
      const srow = <usize>b * units << 2;
      for (let j = 0; j < units; j += 4) {
        const o = <usize>j << 2;
        const rg = v128.load(row + ui + o);
        const hp = v128.load(hPrev + srow + o);
        const drht = v128.load(drh + srow + o);
        v128.store(row + ui + o, f32x4.mul(f32x4.mul(drht, hp), gateSlope4(rg, hard)));
        v128.store(dh + srow + o, f32x4.add(v128.load(dh + srow + o), f32x4.mul(drht, rg)));
      }
    }
    // dh_prev = dh⊙z + d(r⊙h)⊙r + [dz dr]·[Uz Ur]ᵀ
    gemmPacked(gt, g, rkT, dh, units, batch, 2 * units, units, true);
  }
}

// ---------------------------------------------------------------- attention
//
// Scaled dot-product self-attention of every (sample, head), no mask, over
// the rows of the fused projection: qkv [batch·steps, ldq], each row
// [q | k | v], each part heads·keyDim wide with the heads side by side.
// ctx [batch·steps, ldc] gets softmax(q kᵀ / √keyDim) v, heads side by side;
// probs [batch, heads, steps (key), steps (query)] keeps the probabilities,
// transposed, for the backward pass. scratch: (keyDim + steps) ·
// roundUp16(steps) floats.
//
// As the native build: scores formed transposed (a key per row, queries
// along the lanes), so the softmax over keys is vertical, and every product
// is a weighted sum of rows, four output rows at a time.

// out[r·so + c] = Σ_j w[r·wr + j·wj] · rows[j·rs + c] for r < 4, c < width
// (strides in bytes).
function weightedRows4(w: usize, wr: usize, wj: usize, rows: usize, rs: usize, n: i32, out: usize, so: usize, width: i32): void {
  const w4 = width & ~3;
  for (let c = 0; c < w4; c += 4) {
    const co = <usize>c << 2;
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
    let pw = w;
    let pr = rows + co;
    for (let j = 0; j < n; j++) {
      const x = v128.load(pr);
      a0 = madd(v128.load32_splat(pw), x, a0);
      a1 = madd(v128.load32_splat(pw + wr), x, a1);
      a2 = madd(v128.load32_splat(pw + 2 * wr), x, a2);
      a3 = madd(v128.load32_splat(pw + 3 * wr), x, a3);
      pw += wj;
      pr += rs;
    }
    v128.store(out + co, a0);
    v128.store(out + so + co, a1);
    v128.store(out + 2 * so + co, a2);
    v128.store(out + 3 * so + co, a3);
  }
  for (let r = 0; r < 4; r++) weightedTail(w + <usize>r * wr, wj, rows, rs, n, out + <usize>r * so, w4, width);
}

// One output row: columns [0, width).
function weightedRows1(w: usize, wj: usize, rows: usize, rs: usize, n: i32, out: usize, width: i32): void {
  const w4 = width & ~3;
  for (let c = 0; c < w4; c += 4) {
    const co = <usize>c << 2;
    let a = f32x4.splat(0);
    let pw = w;
    let pr = rows + co;
    for (let j = 0; j < n; j++) {
      a = madd(v128.load32_splat(pw), v128.load(pr), a);
      pw += wj;
      pr += rs;
    }
    v128.store(out + co, a);
  }
  weightedTail(w, wj, rows, rs, n, out, w4, width);
}

// Columns [from, width) of one output row, scalar.
// @ts-ignore: decorator
@inline function weightedTail(w: usize, wj: usize, rows: usize, rs: usize, n: i32, out: usize, from: i32, width: i32): void {
  for (let c = from; c < width; c++) {
    const co = <usize>c << 2;
    let acc: f32 = 0;
    for (let j = 0; j < n; j++) acc += load<f32>(w + <usize>j * wj) * load<f32>(rows + <usize>j * rs + co);
    store<f32>(out + co, acc);
  }
}

// weightedRows for `count` output rows.
function weightedRows(count: i32, w: usize, wr: usize, wj: usize, rows: usize, rs: usize, n: i32, out: usize, so: usize, width: i32): void {
  let r = 0;
  for (; r + 4 <= count; r += 4) weightedRows4(w + <usize>r * wr, wr, wj, rows, rs, n, out + <usize>r * so, so, width);
  for (; r < count; r++) weightedRows1(w + <usize>r * wr, wj, rows, rs, n, out + <usize>r * so, width);
}

// One head's [steps, keyDim] block (row stride sr bytes) into [keyDim][tp], zero past steps.
function transposeHead(src: usize, sr: usize, steps: i32, kd: i32, dst: usize, tp: i32): void {
  for (let c = 0; c < kd; c++) {
    const row = dst + (<usize>(c * tp) << 2);
    for (let j = 0; j < steps; j++) store<f32>(row + (<usize>j << 2), load<f32>(src + <usize>j * sr + (<usize>c << 2)));
    for (let j = steps; j < tp; j++) store<f32>(row + (<usize>j << 2), 0);
  }
}

// @ts-ignore: decorator
@inline function roundUp16(n: i32): i32 {
  return (n + 15) & ~15;
}

export function attentionForward(qkv: usize, ldq: i32, ctx: usize, ldc: i32, probs: usize, scratch: usize, batch: i32, steps: i32, heads: i32, keyDim: i32): void {
  const sq = <usize>ldq << 2;
  const sc = <usize>ldc << 2;
  const part = <usize>(heads * keyDim) << 2;
  const tp = roundUp16(steps);
  const stp = <usize>tp << 2;
  const st = <usize>steps << 2;
  const scale = f32x4.splat(1 / Mathf.sqrt(<f32>keyDim));
  // Queries transposed [kd][tp], then scores / probabilities [steps][tp].
  const qt = scratch;
  const pt = scratch + <usize>keyDim * stp;
  for (let b = 0; b < batch; b++) {
    const rows = qkv + <usize>(b * steps) * sq;
    for (let h = 0; h < heads; h++) {
      const hk = <usize>(h * keyDim) << 2;
      const k = rows + part + hk;
      const v = k + part;
      transposeHead(rows + hk, sq, steps, keyDim, qt, tp);
      weightedRows(steps, k, sq, 4, qt, stp, keyDim, pt, stp, tp);
      const p = probs + (<usize>((b * heads + h) * steps * steps) << 2);
      for (let i0 = 0; i0 < tp; i0 += 4) {
        const col = pt + (<usize>i0 << 2);
        let max = v128.load(col);
        for (let j = 1; j < steps; j++) max = f32x4.max(max, v128.load(col + <usize>j * stp));
        let sum = f32x4.splat(0);
        for (let j = 0; j < steps; j++) {
          const e = exp4(f32x4.mul(f32x4.sub(v128.load(col + <usize>j * stp), max), scale));
          v128.store(col + <usize>j * stp, e);
          sum = f32x4.add(sum, e);
        }
        const inv = f32x4.div(f32x4.splat(1), sum);
        const lanes = min(4, steps - i0);
        for (let j = 0; j < steps; j++) {
          const pj = f32x4.mul(v128.load(col + <usize>j * stp), inv);
          v128.store(col + <usize>j * stp, pj);
          const to = p + <usize>j * st + (<usize>i0 << 2);
          if (lanes == 4) v128.store(to, pj);
          else for (let l = 0; l < lanes; l++) store<f32>(to + (<usize>l << 2), load<f32>(col + <usize>j * stp + (<usize>l << 2)));
        }
      }
      weightedRows(steps, pt, 4, stp, v, sq, steps, ctx + <usize>(b * steps) * sc + hk, sc, keyDim);
    }
  }
}

/**
 * Gradients of attentionForward: dctx [batch·steps, ldc] in, dqkv (same
 * layout as qkv; padding columns untouched) out. Per head, with P the
 * probabilities: dV = Pᵀ dC; dP = dC Vᵀ; dS = P ⊙ (dP - rowsum(dP ⊙ P)) / √keyDim;
 * dQ = dS K; dK = dSᵀ Q. scratch: (keyDim + steps) · roundUp16(steps) floats.
 */
export function attentionBackward(qkv: usize, ldq: i32, probs: usize, dctx: usize, ldc: i32, dqkv: usize, scratch: usize, batch: i32, steps: i32, heads: i32, keyDim: i32): void {
  const sq = <usize>ldq << 2;
  const sc = <usize>ldc << 2;
  const part = <usize>(heads * keyDim) << 2;
  const tp = roundUp16(steps);
  const stp = <usize>tp << 2;
  const st = <usize>steps << 2;
  const scale: f32 = 1 / Mathf.sqrt(<f32>keyDim);
  // Context gradients transposed [kd][tp], then dP / dS [steps][tp].
  const dct = scratch;
  const ds = scratch + <usize>keyDim * stp;
  for (let b = 0; b < batch; b++) {
    const rows = qkv + <usize>(b * steps) * sq;
    const drows = dqkv + <usize>(b * steps) * sq;
    const dc = dctx + <usize>(b * steps) * sc;
    for (let h = 0; h < heads; h++) {
      const hk = <usize>(h * keyDim) << 2;
      const q = rows + hk;
      const k = q + part;
      const v = k + part;
      const p = probs + (<usize>((b * heads + h) * steps * steps) << 2);
      transposeHead(dc + hk, sc, steps, keyDim, dct, tp);
      weightedRows(steps, v, sq, 4, dct, stp, keyDim, ds, stp, tp);
      for (let i = 0; i < steps; i++) {
        const o = <usize>i << 2;
        let dot: f32 = 0;
        for (let j = 0; j < steps; j++) dot += load<f32>(ds + <usize>j * stp + o) * load<f32>(p + <usize>j * st + o);
        for (let j = 0; j < steps; j++) {
          const at = ds + <usize>j * stp + o;
          store<f32>(at, load<f32>(p + <usize>j * st + o) * (load<f32>(at) - dot) * scale);
        }
      }
      weightedRows(steps, ds, 4, stp, k, sq, steps, drows + hk, sq, keyDim);
      weightedRows(steps, ds, stp, 4, q, sq, steps, drows + part + hk, sq, keyDim);
      weightedRows(steps, p, st, 4, dc + hk, sc, steps, drows + 2 * part + hk, sq, keyDim);
    }
  }
}

// ---------------------------------------------------------------- layer normalisation
//
// Over the first d columns of each row (row stride ld; columns past d
// untouched): y = xhat · gamma + beta, xhat = (x - mean) · rstd,
// rstd = 1/√(var + ε).

export function layerNormForward(x: usize, ld: i32, rows: i32, d: i32, gamma: usize, beta: usize, epsilon: f32, y: usize, xhat: usize, rstd: usize): void {
  const s = <usize>ld << 2;
  for (let r = 0; r < rows; r++) {
    const xr = x + <usize>r * s;
    let sum: f32 = 0;
    for (let c = 0; c < d; c++) sum += load<f32>(xr + (<usize>c << 2));
    const mean = sum / <f32>d;
    let v: f32 = 0;
    for (let c = 0; c < d; c++) {
      const e = load<f32>(xr + (<usize>c << 2)) - mean;
      v += e * e;
    }
    const inv: f32 = 1 / Mathf.sqrt(v / <f32>d + epsilon);
    store<f32>(rstd + (<usize>r << 2), inv);
    const hr = xhat + <usize>r * s;
    const yr = y + <usize>r * s;
    for (let c = 0; c < d; c++) {
      const o = <usize>c << 2;
      const h = (load<f32>(xr + o) - mean) * inv;
      store<f32>(hr + o, h);
      store<f32>(yr + o, h * load<f32>(gamma + o) + load<f32>(beta + o));
    }
  }
}

/**
 * dx = rstd · (g - mean(g) - xhat · mean(g · xhat)) with g = dy · gamma;
 * dgamma = Σ dy · xhat and dbeta = Σ dy over rows (overwritten). dx may be dy.
 */
export function layerNormBackward(dy: usize, ld: i32, xhat: usize, rstd: usize, gamma: usize, rows: i32, d: i32, dx: usize, dgamma: usize, dbeta: usize): void {
  const s = <usize>ld << 2;
  memory.fill(dgamma, 0, <usize>d << 2);
  memory.fill(dbeta, 0, <usize>d << 2);
  for (let r = 0; r < rows; r++) {
    const dyr = dy + <usize>r * s;
    const hr = xhat + <usize>r * s;
    let sg: f32 = 0;
    let sgx: f32 = 0;
    for (let c = 0; c < d; c++) {
      const o = <usize>c << 2;
      const g = load<f32>(dyr + o);
      const h = load<f32>(hr + o);
      const gg = g * load<f32>(gamma + o);
      sg += gg;
      sgx += gg * h;
      store<f32>(dgamma + o, load<f32>(dgamma + o) + g * h);
      store<f32>(dbeta + o, load<f32>(dbeta + o) + g);
    }
    const meanG = sg / <f32>d;
    const meanGx = sgx / <f32>d;
    const inv = load<f32>(rstd + (<usize>r << 2));
    const dxr = dx + <usize>r * s;
    for (let c = 0; c < d; c++) {
      const o = <usize>c << 2;
      store<f32>(dxr + o, (load<f32>(dyr + o) * load<f32>(gamma + o) - meanG - load<f32>(hr + o) * meanGx) * inv);
    }
  }
}

// ---------------------------------------------------------------- element-wise passes
//
// The encoder block's passes between its GEMMs, over n floats (n % 4 == 0
// not required).

/**
 * Dropout mask: 1/(1 - rate) where a counter-based hash of (seed, i) is at
 * least rate·2³², else 0. Integer arithmetic only, so every build draws the
 * same masks.
 */
export function dropoutMask(mask: usize, n: i32, seed: i32, rate: f64): void {
  const threshold = Math.ceil(rate * 4294967296.0);
  const keep = <f32>(1.0 / (1.0 - rate));
  const s = <u32>seed * 0x9e3779b1;
  for (let i = 0; i < n; i++) {
    let h = s ^ (<u32>i * 0x85ebca77);
    h = (h ^ (h >>> 16)) * 0x85ebca6b;
    h = (h ^ (h >>> 13)) * 0xc2b2ae35;
    h = h ^ (h >>> 16);
    store<f32>(mask + (<usize>i << 2), <f64>h >= threshold ? keep : 0);
  }
}

/** r = residual + r ⊙ mask, or residual + r when mask is 0 (no dropout). */
export function addResidual(r: usize, residual: usize, mask: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const a = mask ? load<f32>(r + o) * load<f32>(mask + o) : load<f32>(r + o);
    store<f32>(r + o, a + load<f32>(residual + o));
  }
}

export function reluForward(x: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(x + o, Mathf.max(load<f32>(x + o), 0));
  }
}

/** dy = 0 where the ReLU's output y is not positive. */
export function reluBackward(y: usize, dy: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    if (!(load<f32>(y + o) > 0)) store<f32>(dy + o, 0);
  }
}

export function multiplyArrays(a: usize, b: usize, out: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, load<f32>(a + o) * load<f32>(b + o));
  }
}
