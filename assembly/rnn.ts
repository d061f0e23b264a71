// Fused LSTM / GRU kernels over raw f32 buffers in linear memory.
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

/** C[m,n] (+)= A[m,k] · B[k,n]. n % 4 == 0. */
export function gemm(a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32, m: i32, k: i32, n: i32, accumulate: bool): void {
  const sa = <usize>lda << 2;
  const sb = <usize>ldb << 2;
  const sc = <usize>ldc << 2;
  let i = 0;
  for (; i + 4 <= m; i += 4) {
    const a0 = a + <usize>i * sa;
    const c0 = c + <usize>i * sc;
    let j = 0;
    for (; j + 8 <= n; j += 8) block4x8(a0, sa, b + (<usize>j << 2), sb, c0 + (<usize>j << 2), sc, k, accumulate);
    for (; j < n; j += 4) block4x4(a0, sa, b + (<usize>j << 2), sb, c0 + (<usize>j << 2), sc, k, accumulate);
  }
  for (; i < m; i++) {
    const a0 = a + <usize>i * sa;
    const c0 = c + <usize>i * sc;
    let j = 0;
    for (; j + 8 <= n; j += 8) block1x8(a0, b + (<usize>j << 2), sb, c0 + (<usize>j << 2), k, accumulate);
    for (; j < n; j += 4) block1x4(a0, b + (<usize>j << 2), sb, c0 + (<usize>j << 2), k, accumulate);
  }
}

// @ts-ignore: decorator
@inline function block4x8(a: usize, sa: usize, b: usize, sb: usize, c: usize, sc: usize, k: i32, accumulate: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let pa = a, pb = b;
  for (let p = 0; p < k; p++) {
    const b0 = v128.load(pb), b1 = v128.load(pb, 16);
    let x = v128.load32_splat(pa);
    c00 = f32x4.add(c00, f32x4.mul(x, b0)); c01 = f32x4.add(c01, f32x4.mul(x, b1));
    x = v128.load32_splat(pa + sa);
    c10 = f32x4.add(c10, f32x4.mul(x, b0)); c11 = f32x4.add(c11, f32x4.mul(x, b1));
    x = v128.load32_splat(pa + 2 * sa);
    c20 = f32x4.add(c20, f32x4.mul(x, b0)); c21 = f32x4.add(c21, f32x4.mul(x, b1));
    x = v128.load32_splat(pa + 3 * sa);
    c30 = f32x4.add(c30, f32x4.mul(x, b0)); c31 = f32x4.add(c31, f32x4.mul(x, b1));
    pa += F;
    pb += sb;
  }
  if (accumulate) {
    c00 = f32x4.add(c00, v128.load(c)); c01 = f32x4.add(c01, v128.load(c, 16));
    c10 = f32x4.add(c10, v128.load(c + sc)); c11 = f32x4.add(c11, v128.load(c + sc, 16));
    c20 = f32x4.add(c20, v128.load(c + 2 * sc)); c21 = f32x4.add(c21, v128.load(c + 2 * sc, 16));
    c30 = f32x4.add(c30, v128.load(c + 3 * sc)); c31 = f32x4.add(c31, v128.load(c + 3 * sc, 16));
  }
  v128.store(c, c00); v128.store(c, c01, 16);
  v128.store(c + sc, c10); v128.store(c + sc, c11, 16);
  v128.store(c + 2 * sc, c20); v128.store(c + 2 * sc, c21, 16);
  v128.store(c + 3 * sc, c30); v128.store(c + 3 * sc, c31, 16);
}

// @ts-ignore: decorator
@inline function block4x4(a: usize, sa: usize, b: usize, sb: usize, c: usize, sc: usize, k: i32, accumulate: bool): void {
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
  let pa = a, pb = b;
  for (let p = 0; p < k; p++) {
    const b0 = v128.load(pb);
    c0 = f32x4.add(c0, f32x4.mul(v128.load32_splat(pa), b0));
    c1 = f32x4.add(c1, f32x4.mul(v128.load32_splat(pa + sa), b0));
    c2 = f32x4.add(c2, f32x4.mul(v128.load32_splat(pa + 2 * sa), b0));
    c3 = f32x4.add(c3, f32x4.mul(v128.load32_splat(pa + 3 * sa), b0));
    pa += F;
    pb += sb;
  }
  if (accumulate) {
    c0 = f32x4.add(c0, v128.load(c));
    c1 = f32x4.add(c1, v128.load(c + sc));
    c2 = f32x4.add(c2, v128.load(c + 2 * sc));
    c3 = f32x4.add(c3, v128.load(c + 3 * sc));
  }
  v128.store(c, c0);
  v128.store(c + sc, c1);
  v128.store(c + 2 * sc, c2);
  v128.store(c + 3 * sc, c3);
}

// @ts-ignore: decorator
@inline function block1x8(a: usize, b: usize, sb: usize, c: usize, k: i32, accumulate: bool): void {
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0);
  let pa = a, pb = b;
  for (let p = 0; p < k; p++) {
    const x = v128.load32_splat(pa);
    c0 = f32x4.add(c0, f32x4.mul(x, v128.load(pb)));
    c1 = f32x4.add(c1, f32x4.mul(x, v128.load(pb, 16)));
    pa += F;
    pb += sb;
  }
  if (accumulate) {
    c0 = f32x4.add(c0, v128.load(c));
    c1 = f32x4.add(c1, v128.load(c, 16));
  }
  v128.store(c, c0);
  v128.store(c, c1, 16);
}

// @ts-ignore: decorator
@inline function block1x4(a: usize, b: usize, sb: usize, c: usize, k: i32, accumulate: bool): void {
  let c0 = f32x4.splat(0);
  let pa = a, pb = b;
  for (let p = 0; p < k; p++) {
    c0 = f32x4.add(c0, f32x4.mul(v128.load32_splat(pa), v128.load(pb)));
    pa += F;
    pb += sb;
  }
  if (accumulate) c0 = f32x4.add(c0, v128.load(c));
  v128.store(c, c0);
}

// Rows of the reduction per pass of gemmTN: a 4-column strip of A and an
// 8-column strip of B over KC rows stay in L1 while the blocks sweep them.
const KC = 128;

/**
 * C[m,n] (+)= A[k,m]ᵀ · B[k,n]: the weight gradients, summed over all time
 * steps and batch rows in one pass. n % 4 == 0.
 */
export function gemmTN(a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32, m: i32, k: i32, n: i32, accumulate: bool): void {
  const sa = <usize>lda << 2;
  const sb = <usize>ldb << 2;
  const sc = <usize>ldc << 2;
  for (let p0 = 0; p0 < k; p0 += KC) {
    const kk = min(KC, k - p0);
    const acc = accumulate || p0 > 0;
    const ap = a + <usize>p0 * sa;
    const bp = b + <usize>p0 * sb;
    let j = 0;
    for (; j + 8 <= n; j += 8) {
      let i = 0;
      for (; i + 4 <= m; i += 4) tn4x8(ap + (<usize>i << 2), sa, bp + (<usize>j << 2), sb, c + <usize>i * sc + (<usize>j << 2), sc, kk, acc);
      for (; i < m; i++) {
        tnColumn(ap + (<usize>i << 2), sa, bp + (<usize>j << 2), sb, c + <usize>i * sc + (<usize>j << 2), kk, acc);
        tnColumn(ap + (<usize>i << 2), sa, bp + (<usize>(j + 4) << 2), sb, c + <usize>i * sc + (<usize>(j + 4) << 2), kk, acc);
      }
    }
    for (; j < n; j += 4) {
      for (let i = 0; i < m; i++) tnColumn(ap + (<usize>i << 2), sa, bp + (<usize>j << 2), sb, c + <usize>i * sc + (<usize>j << 2), kk, acc);
    }
  }
}

// @ts-ignore: decorator
@inline function tn4x8(a: usize, sa: usize, b: usize, sb: usize, c: usize, sc: usize, k: i32, accumulate: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let pa = a, pb = b;
  for (let p = 0; p < k; p++) {
    const b0 = v128.load(pb), b1 = v128.load(pb, 16);
    let x = v128.load32_splat(pa);
    c00 = f32x4.add(c00, f32x4.mul(x, b0)); c01 = f32x4.add(c01, f32x4.mul(x, b1));
    x = v128.load32_splat(pa, 4);
    c10 = f32x4.add(c10, f32x4.mul(x, b0)); c11 = f32x4.add(c11, f32x4.mul(x, b1));
    x = v128.load32_splat(pa, 8);
    c20 = f32x4.add(c20, f32x4.mul(x, b0)); c21 = f32x4.add(c21, f32x4.mul(x, b1));
    x = v128.load32_splat(pa, 12);
    c30 = f32x4.add(c30, f32x4.mul(x, b0)); c31 = f32x4.add(c31, f32x4.mul(x, b1));
    pa += sa;
    pb += sb;
  }
  if (accumulate) {
    c00 = f32x4.add(c00, v128.load(c)); c01 = f32x4.add(c01, v128.load(c, 16));
    c10 = f32x4.add(c10, v128.load(c + sc)); c11 = f32x4.add(c11, v128.load(c + sc, 16));
    c20 = f32x4.add(c20, v128.load(c + 2 * sc)); c21 = f32x4.add(c21, v128.load(c + 2 * sc, 16));
    c30 = f32x4.add(c30, v128.load(c + 3 * sc)); c31 = f32x4.add(c31, v128.load(c + 3 * sc, 16));
  }
  v128.store(c, c00); v128.store(c, c01, 16);
  v128.store(c + sc, c10); v128.store(c + sc, c11, 16);
  v128.store(c + 2 * sc, c20); v128.store(c + 2 * sc, c21, 16);
  v128.store(c + 3 * sc, c30); v128.store(c + 3 * sc, c31, 16);
}

// @ts-ignore: decorator
@inline function tnColumn(a: usize, sa: usize, b: usize, sb: usize, c: usize, k: i32, accumulate: bool): void {
  let acc = f32x4.splat(0);
  let pa = a, pb = b;
  for (let p = 0; p < k; p++) {
    acc = f32x4.add(acc, f32x4.mul(v128.load32_splat(pa), v128.load(pb)));
    pa += sa;
    pb += sb;
  }
  if (accumulate) acc = f32x4.add(acc, v128.load(c));
  v128.store(c, acc);
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

/** dst[cols, rows] = src[rows, cols]ᵀ. */
export function transpose(src: usize, rows: i32, cols: i32, dst: usize): void {
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      store<f32>(dst + ((<usize>c * rows + r) << 2), load<f32>(src + ((<usize>r * cols + c) << 2)));
    }
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
//   u     [u, G]      recurrent kernel

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
    gemm(hPrev, units, rk, g, gt, g, batch, units, g, true);
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
 * rkT [G, u] is the transposed recurrent kernel; dh, dc [B, u] are scratch.
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
    gemm(gt, g, rkT, units, dh, units, batch, g, units, false);
  }
}

// ---------------------------------------------------------------- GRU
//
// tfjs GRU (reset gate applied before the recurrent product, bias on the
// input side only), gate order z, r, h; G = 3u:
//   z = σ(xz + h·Uz)   r = σ(xr + h·Ur)   ĥ = tanh(xh + (r⊙h)·Uh)
//   h' = z⊙h + (1 - z)⊙ĥ
// Buffers: gates [T, B, G] (in: X·W + b; out: activated z, r, ĥ),
// hs [T+1, B, u], rh [T, B, u] = r⊙h_prev (kept for dUh).

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
    gemm(hPrev, units, rk, g, gt, g, batch, units, 2 * units, true);
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
    gemm(rht, units, rk + 2 * ui, g, gt + 2 * ui, g, batch, units, units, true);
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
 * rkT [G, u] is the transposed recurrent kernel; dh, drh [B, u] are scratch.
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
    gemm(gt + 2 * ui, g, rkT + <usize>(2 * units) * ui, units, drh, units, batch, units, units, false);
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
    gemm(gt, g, rkT, units, dh, units, batch, 2 * units, units, true);
  }
}
