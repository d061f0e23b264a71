// Native build of the fused kernels (the same entry points as assembly/rnn.ts).
//
// WebAssembly SIMD is 128 bits wide: about 58 GFLOP/s per core here, against
// 150-175 GFLOP/s for this file's AVX-512 GEMM on the same core. The build
// (native/build.js) compiles it with -march=native on the machine that runs
// it; src/kernels/native.ts loads it when it matches this CPU, and falls back
// to the WebAssembly build otherwise.
//
// Memory model, as for WebAssembly: each module instance (main thread or a
// worker) owns one linear region, reserved up front and committed as it
// grows, so byte offsets from the host stay valid after growth and the host
// reads it through an ArrayBuffer over the same bytes.
//
// Results differ from the WebAssembly build in the last bits (16-lane FMA
// sums in another order); for a given build and thread count they are
// deterministic.

#include <immintrin.h>
#include <sys/mman.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "napi.h"

namespace {

// ---------------------------------------------------------------- memory

constexpr size_t RESERVE_BYTES = size_t(64) << 30;
constexpr size_t BASE_BYTES = 64;  // offset 0 stays unused, like a null pointer

struct Region {
  char* base = nullptr;
  size_t committed = 0;
};

inline float* F(const Region* r, double offset) { return reinterpret_cast<float*>(r->base + static_cast<size_t>(offset)); }

// ---------------------------------------------------------------- GEMM

// B packed in column panels of 32: panel j0 holds columns j0..j0+w-1 (w = 32,
// or what is left, a multiple of 4) as [k][w] floats at offset j0·k, so a
// packed [k, n] matrix takes exactly k·n floats and column blocks that start
// on a panel boundary can be addressed as j0·k.
constexpr int NR = 32;
// Depth of one pass: a 32-column panel of KC rows is 32 KB, which stays in L1
// while every row block of A streams past it.
constexpr int KC = 256;

void packB(const float* src, int ld, int k, int n, bool transposed, float* dst) {
  for (int j0 = 0; j0 < n; j0 += NR) {
    const int w = std::min(NR, n - j0);
    float* out = dst + static_cast<size_t>(j0) * k;
    if (transposed) {
      for (int q = 0; q < w; q++) {
        const float* row = src + static_cast<size_t>(j0 + q) * ld;
        for (int p = 0; p < k; p++) out[p * w + q] = row[p];
      }
    } else {
      for (int p = 0; p < k; p++) std::memcpy(out + static_cast<size_t>(p) * w, src + static_cast<size_t>(p) * ld + j0, w * sizeof(float));
    }
  }
}

inline __mmask16 laneMask(int lanes) { return lanes >= 16 ? __mmask16(0xffff) : lanes <= 0 ? __mmask16(0) : __mmask16((1u << lanes) - 1); }

// C[MR rows, w columns] (+)= A · B over kk, B a panel [kk][w] (w ≤ 32). A(r, p)
// is a[r·lda + p], or with T (A transposed) a[p·lda + r]. 2·MR accumulators
// stay in registers (AVX-512 has 32).
template <int MR, bool T>
inline void micro(const float* a, size_t lda, const float* b, int w, float* c, size_t ldc, int kk, bool acc) {
  __m512 c0[MR], c1[MR];
  const __mmask16 m0 = laneMask(w), m1 = laneMask(w - 16);
  for (int r = 0; r < MR; r++) {
    c0[r] = _mm512_setzero_ps();
    c1[r] = _mm512_setzero_ps();
  }
  if (w == NR) {
    for (int p = 0; p < kk; p++) {
      const __m512 b0 = _mm512_loadu_ps(b), b1 = _mm512_loadu_ps(b + 16);
      for (int r = 0; r < MR; r++) {
        const __m512 x = _mm512_set1_ps(T ? a[p * lda + r] : a[r * lda + p]);
        c0[r] = _mm512_fmadd_ps(x, b0, c0[r]);
        c1[r] = _mm512_fmadd_ps(x, b1, c1[r]);
      }
      b += NR;
    }
  } else {
    for (int p = 0; p < kk; p++) {
      const __m512 b0 = _mm512_maskz_loadu_ps(m0, b), b1 = _mm512_maskz_loadu_ps(m1, b + 16);
      for (int r = 0; r < MR; r++) {
        const __m512 x = _mm512_set1_ps(T ? a[p * lda + r] : a[r * lda + p]);
        c0[r] = _mm512_fmadd_ps(x, b0, c0[r]);
        c1[r] = _mm512_fmadd_ps(x, b1, c1[r]);
      }
      b += w;
    }
  }
  for (int r = 0; r < MR; r++) {
    float* cr = c + r * ldc;
    if (acc) {
      c0[r] = _mm512_add_ps(c0[r], _mm512_maskz_loadu_ps(m0, cr));
      c1[r] = _mm512_add_ps(c1[r], _mm512_maskz_loadu_ps(m1, cr + 16));
    }
    _mm512_mask_storeu_ps(cr, m0, c0[r]);
    _mm512_mask_storeu_ps(cr + 16, m1, c1[r]);
  }
}

// All rows of A against one panel, in blocks of 12, 8, 4 and 1 rows.
template <bool T>
inline void panelRows(const float* a, size_t lda, const float* b, int w, float* c, size_t ldc, int m, int kk, bool acc) {
  const size_t rs = T ? 1 : lda;
  int i = 0;
  for (; i + 12 <= m; i += 12) micro<12, T>(a + i * rs, lda, b, w, c + i * ldc, ldc, kk, acc);
  for (; i + 8 <= m; i += 8) micro<8, T>(a + i * rs, lda, b, w, c + i * ldc, ldc, kk, acc);
  for (; i + 4 <= m; i += 4) micro<4, T>(a + i * rs, lda, b, w, c + i * ldc, ldc, kk, acc);
  for (; i < m; i++) micro<1, T>(a + i * rs, lda, b, w, c + i * ldc, ldc, kk, acc);
}

/**
 * C[m,n] (+)= A[m,k] · B[k,n], B packed by packB (same k and n). Each strip
 * of 12 rows of A is packed once per pass, interleaved [kk][12], and stays in
 * L1 while every panel of B streams past it: read in place, its twelve rows
 * are twelve streams with a large stride.
 */
void gemmPacked(const float* a, int lda, const float* bp, float* c, int ldc, int m, int k, int n, bool accumulate) {
  alignas(64) static thread_local float strip[KC * 12];
  for (int p0 = 0; p0 < k; p0 += KC) {
    const int kk = std::min(KC, k - p0);
    const bool acc = accumulate || p0 > 0;
    int i = 0;
    // With few panels, packing costs more than the streams it saves.
    for (; n >= 8 * NR && i + 12 <= m; i += 12) {
      const float* ai = a + static_cast<size_t>(i) * lda + p0;
      for (int r = 0; r < 12; r++)
        for (int p = 0; p < kk; p++) strip[p * 12 + r] = ai[static_cast<size_t>(r) * lda + p];
      for (int j0 = 0; j0 < n; j0 += NR) {
        const int w = std::min(NR, n - j0);
        micro<12, true>(strip, 12, bp + static_cast<size_t>(j0) * k + static_cast<size_t>(p0) * w, w, c + static_cast<size_t>(i) * ldc + j0, ldc, kk, acc);
      }
    }
    if (i == m) continue;
    for (int j0 = 0; j0 < n; j0 += NR) {
      const int w = std::min(NR, n - j0);
      const float* panel = bp + static_cast<size_t>(j0) * k + static_cast<size_t>(p0) * w;
      panelRows<false>(a + static_cast<size_t>(i) * lda + p0, lda, panel, w, c + static_cast<size_t>(i) * ldc + j0, ldc, m - i, kk, acc);
    }
  }
}

/**
 * C[m,n] (+)= A[k,m]ᵀ · B[k,n]: weight gradients summed over all rows in one
 * pass. Per pass of KC rows, B is packed once into panels (L2), and each strip
 * of 12 columns of A (12 adjacent floats per row, in L1) meets every panel.
 */
void gemmTN(const float* a, int lda, const float* b, int ldb, float* c, int ldc, int m, int k, int n, bool accumulate) {
  static thread_local std::vector<float> packed;
  packed.resize(static_cast<size_t>(KC) * n);
  for (int p0 = 0; p0 < k; p0 += KC) {
    const int kk = std::min(KC, k - p0);
    const bool acc = accumulate || p0 > 0;
    packB(b + static_cast<size_t>(p0) * ldb, ldb, kk, n, false, packed.data());
    const float* ap = a + static_cast<size_t>(p0) * lda;
    int i = 0;
    for (; i + 12 <= m; i += 12)
      for (int j0 = 0; j0 < n; j0 += NR) micro<12, true>(ap + i, lda, packed.data() + static_cast<size_t>(j0) * kk, std::min(NR, n - j0), c + static_cast<size_t>(i) * ldc + j0, ldc, kk, acc);
    if (i == m) continue;
    for (int j0 = 0; j0 < n; j0 += NR)
      panelRows<true>(ap + i, lda, packed.data() + static_cast<size_t>(j0) * kk, std::min(NR, n - j0), c + static_cast<size_t>(i) * ldc + j0, ldc, m - i, kk, acc);
  }
}

void columnSums(const float* a, int lda, int rows, int n, float* out, bool accumulate) {
  for (int j = 0; j < n; j += 16) {
    const __mmask16 m = laneMask(n - j);
    __m512 s = accumulate ? _mm512_maskz_loadu_ps(m, out + j) : _mm512_setzero_ps();
    for (int r = 0; r < rows; r++) s = _mm512_add_ps(s, _mm512_maskz_loadu_ps(m, a + static_cast<size_t>(r) * lda + j));
    _mm512_mask_storeu_ps(out + j, m, s);
  }
}

// ---------------------------------------------------------------- activations
// The same approximations as the WebAssembly build, 16 lanes at a time.

inline __m512 splat(float x) { return _mm512_set1_ps(x); }

inline __m512 exp16(__m512 x) {
  x = _mm512_min_ps(_mm512_max_ps(x, splat(-87.0f)), splat(88.0f));
  const __m512 fx = _mm512_roundscale_ps(_mm512_mul_ps(x, splat(1.44269504088896341f)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_sub_ps(x, _mm512_mul_ps(fx, splat(0.693359375f)));
  r = _mm512_sub_ps(r, _mm512_mul_ps(fx, splat(-2.12194440e-4f)));
  __m512 y = splat(1.9875691500e-4f);
  y = _mm512_fmadd_ps(y, r, splat(1.3981999507e-3f));
  y = _mm512_fmadd_ps(y, r, splat(8.3334519073e-3f));
  y = _mm512_fmadd_ps(y, r, splat(4.1665795894e-2f));
  y = _mm512_fmadd_ps(y, r, splat(1.6666665459e-1f));
  y = _mm512_fmadd_ps(y, r, splat(5.0000001201e-1f));
  y = _mm512_add_ps(_mm512_fmadd_ps(_mm512_mul_ps(y, r), r, r), splat(1.0f));
  return _mm512_scalef_ps(y, fx);
}

inline __m512 tanh16(__m512 x) {
  const __m512 c = _mm512_min_ps(_mm512_max_ps(x, splat(-7.90531110763549805f)), splat(7.90531110763549805f));
  const __m512 z = _mm512_mul_ps(c, c);
  __m512 p = splat(-2.76076847742355e-16f);
  p = _mm512_fmadd_ps(p, z, splat(2.00018790482477e-13f));
  p = _mm512_fmadd_ps(p, z, splat(-8.60467152213735e-11f));
  p = _mm512_fmadd_ps(p, z, splat(5.12229709037114e-8f));
  p = _mm512_fmadd_ps(p, z, splat(1.48572235717979e-5f));
  p = _mm512_fmadd_ps(p, z, splat(6.37261928875436e-4f));
  p = _mm512_fmadd_ps(p, z, splat(4.89352455891786e-3f));
  p = _mm512_mul_ps(p, c);
  __m512 q = splat(1.19825839466702e-6f);
  q = _mm512_fmadd_ps(q, z, splat(1.18534705686654e-4f));
  q = _mm512_fmadd_ps(q, z, splat(2.26843463243900e-3f));
  q = _mm512_fmadd_ps(q, z, splat(4.89352518554385e-3f));
  // Below 4e-4, tanh(x) == x in f32.
  const __mmask16 tiny = _mm512_cmp_ps_mask(_mm512_abs_ps(x), splat(0.0004f), _CMP_LT_OQ);
  return _mm512_mask_blend_ps(tiny, _mm512_div_ps(p, q), x);
}

inline __m512 sigmoid16(__m512 x) { return _mm512_div_ps(splat(1.0f), _mm512_add_ps(splat(1.0f), exp16(_mm512_sub_ps(_mm512_setzero_ps(), x)))); }

// tfjs's hardSigmoid: clip(0.2 x + 0.5, 0, 1).
inline __m512 hardSigmoid16(__m512 x) { return _mm512_min_ps(_mm512_max_ps(_mm512_fmadd_ps(x, splat(0.2f), splat(0.5f)), _mm512_setzero_ps()), splat(1.0f)); }

inline __m512 gate16(__m512 x, bool hard) { return hard ? hardSigmoid16(x) : sigmoid16(x); }

// Slope of the gate activation from its output; hardSigmoid is flat where it clips.
inline __m512 gateSlope16(__m512 y, bool hard) {
  if (hard) {
    const __mmask16 inside = _mm512_cmp_ps_mask(y, _mm512_setzero_ps(), _CMP_GT_OQ) & _mm512_cmp_ps_mask(y, splat(1.0f), _CMP_LT_OQ);
    return _mm512_maskz_mov_ps(inside, splat(0.2f));
  }
  return _mm512_mul_ps(y, _mm512_sub_ps(splat(1.0f), y));
}

inline __m512 tanhSlope16(__m512 y) { return _mm512_fnmadd_ps(y, y, splat(1.0f)); }

inline __m512 ld(const float* p, __mmask16 m) { return _mm512_maskz_loadu_ps(m, p); }
inline void st(float* p, __mmask16 m, __m512 v) { _mm512_mask_storeu_ps(p, m, v); }

// ---------------------------------------------------------------- LSTM
// Buffers and gate order as in assembly/rnn.ts (time-major, u padded units,
// G = 4u): gates [T,B,G], hs and cs [T+1,B,u], tc [T,B,u], rk packed [u,G].

void lstmForward(float* gates, float* hs, float* cs, float* tc, const float* rk, int steps, int batch, int units, bool hard) {
  const size_t g = size_t(units) * 4, state = size_t(batch) * units;
  for (int t = 0; t < steps; t++) {
    float* gt = gates + t * batch * g;
    const float* hPrev = hs + t * state;
    const float* cPrev = cs + t * state;
    float* hNext = hs + (t + 1) * state;
    float* cNext = cs + (t + 1) * state;
    float* tct = tc + t * state;
    gemmPacked(hPrev, units, rk, gt, g, batch, units, g, true);
    for (int b = 0; b < batch; b++) {
      float* row = gt + b * g;
      const size_t s = size_t(b) * units;
      for (int j = 0; j < units; j += 16) {
        const __mmask16 m = laneMask(units - j);
        const __m512 ig = gate16(ld(row + j, m), hard);
        const __m512 fg = gate16(ld(row + units + j, m), hard);
        const __m512 cg = tanh16(ld(row + 2 * units + j, m));
        const __m512 og = gate16(ld(row + 3 * units + j, m), hard);
        const __m512 c = _mm512_add_ps(_mm512_mul_ps(fg, ld(cPrev + s + j, m)), _mm512_mul_ps(ig, cg));
        const __m512 th = tanh16(c);
        st(row + j, m, ig);
        st(row + units + j, m, fg);
        st(row + 2 * units + j, m, cg);
        st(row + 3 * units + j, m, og);
        st(cNext + s + j, m, c);
        st(tct + s + j, m, th);
        st(hNext + s + j, m, _mm512_mul_ps(og, th));
      }
    }
  }
}

void lstmBackward(float* gates, const float* cs, const float* tc, const float* dy, const float* rkT, float* dh, float* dc, int steps, int batch, int units, bool hard) {
  const size_t g = size_t(units) * 4, state = size_t(batch) * units;
  std::memset(dh, 0, state * sizeof(float));
  std::memset(dc, 0, state * sizeof(float));
  for (int t = steps - 1; t >= 0; t--) {
    float* gt = gates + t * batch * g;
    const float* cPrev = cs + t * state;
    const float* tct = tc + t * state;
    const float* dyt = dy + t * state;
    for (int b = 0; b < batch; b++) {
      float* row = gt + b * g;
      const size_t s = size_t(b) * units;
      for (int j = 0; j < units; j += 16) {
        const __mmask16 m = laneMask(units - j);
        const __m512 ig = ld(row + j, m), fg = ld(row + units + j, m), cg = ld(row + 2 * units + j, m), og = ld(row + 3 * units + j, m);
        const __m512 th = ld(tct + s + j, m);
        const __m512 dht = _mm512_add_ps(ld(dyt + s + j, m), ld(dh + s + j, m));
        const __m512 dct = _mm512_add_ps(_mm512_mul_ps(_mm512_mul_ps(dht, og), tanhSlope16(th)), ld(dc + s + j, m));
        st(row + j, m, _mm512_mul_ps(_mm512_mul_ps(dct, cg), gateSlope16(ig, hard)));
        st(row + units + j, m, _mm512_mul_ps(_mm512_mul_ps(dct, ld(cPrev + s + j, m)), gateSlope16(fg, hard)));
        st(row + 2 * units + j, m, _mm512_mul_ps(_mm512_mul_ps(dct, ig), tanhSlope16(cg)));
        st(row + 3 * units + j, m, _mm512_mul_ps(_mm512_mul_ps(dht, th), gateSlope16(og, hard)));
        st(dc + s + j, m, _mm512_mul_ps(dct, fg));
      }
    }
    gemmPacked(gt, g, rkT, dh, units, batch, g, units, false);
  }
}

// ---------------------------------------------------------------- GRU
// tfjs's reset-before GRU, gate order z, r, h (G = 3u); rk packed as two
// blocks, [Uz Ur] then Uh (the host packs them separately).

void gruForward(float* gates, float* hs, float* rh, const float* rk, int steps, int batch, int units, bool hard) {
  const size_t g = size_t(units) * 3, state = size_t(batch) * units, u = units;
  for (int t = 0; t < steps; t++) {
    float* gt = gates + t * batch * g;
    const float* hPrev = hs + t * state;
    float* hNext = hs + (t + 1) * state;
    float* rht = rh + t * state;
    gemmPacked(hPrev, units, rk, gt, g, batch, units, 2 * units, true);
    for (int b = 0; b < batch; b++) {
      float* row = gt + b * g;
      const size_t s = size_t(b) * u;
      for (int j = 0; j < units; j += 16) {
        const __mmask16 m = laneMask(units - j);
        const __m512 zg = gate16(ld(row + j, m), hard);
        const __m512 rg = gate16(ld(row + u + j, m), hard);
        st(row + j, m, zg);
        st(row + u + j, m, rg);
        st(rht + s + j, m, _mm512_mul_ps(rg, ld(hPrev + s + j, m)));
      }
    }
    gemmPacked(rht, units, rk + 2 * u * u, gt + 2 * u, g, batch, units, units, true);
    for (int b = 0; b < batch; b++) {
      float* row = gt + b * g;
      const size_t s = size_t(b) * u;
      for (int j = 0; j < units; j += 16) {
        const __mmask16 m = laneMask(units - j);
        const __m512 zg = ld(row + j, m);
        const __m512 hh = tanh16(ld(row + 2 * u + j, m));
        st(row + 2 * u + j, m, hh);
        const __m512 hp = ld(hPrev + s + j, m);
        st(hNext + s + j, m, _mm512_add_ps(hh, _mm512_mul_ps(zg, _mm512_sub_ps(hp, hh))));
      }
    }
  }
}

void gruBackward(float* gates, const float* hs, const float* dy, const float* rkT, float* dh, float* drh, int steps, int batch, int units, bool hard) {
  const size_t g = size_t(units) * 3, state = size_t(batch) * units, u = units;
  std::memset(dh, 0, state * sizeof(float));
  for (int t = steps - 1; t >= 0; t--) {
    float* gt = gates + t * batch * g;
    const float* hPrev = hs + t * state;
    const float* dyt = dy + t * state;
    for (int b = 0; b < batch; b++) {
      float* row = gt + b * g;
      const size_t s = size_t(b) * u;
      for (int j = 0; j < units; j += 16) {
        const __mmask16 m = laneMask(units - j);
        const __m512 zg = ld(row + j, m), hh = ld(row + 2 * u + j, m), hp = ld(hPrev + s + j, m);
        const __m512 dht = _mm512_add_ps(ld(dyt + s + j, m), ld(dh + s + j, m));
        st(dh + s + j, m, _mm512_mul_ps(dht, zg));
        st(row + j, m, _mm512_mul_ps(_mm512_mul_ps(dht, _mm512_sub_ps(hp, hh)), gateSlope16(zg, hard)));
        st(row + 2 * u + j, m, _mm512_mul_ps(_mm512_mul_ps(dht, _mm512_sub_ps(splat(1.0f), zg)), tanhSlope16(hh)));
      }
    }
    gemmPacked(gt + 2 * u, g, rkT + 2 * u * u, drh, units, batch, units, units, false);
    for (int b = 0; b < batch; b++) {
      float* row = gt + b * g;
      const size_t s = size_t(b) * u;
      for (int j = 0; j < units; j += 16) {
        const __mmask16 m = laneMask(units - j);
        const __m512 rg = ld(row + u + j, m), hp = ld(hPrev + s + j, m), drht = ld(drh + s + j, m);
        st(row + u + j, m, _mm512_mul_ps(_mm512_mul_ps(drht, hp), gateSlope16(rg, hard)));
        st(dh + s + j, m, _mm512_add_ps(ld(dh + s + j, m), _mm512_mul_ps(drht, rg)));
      }
    }
    gemmPacked(gt, g, rkT, dh, units, batch, 2 * units, units, true);
  }
}

void tanhArray(const float* x, float* y, int n) {
  for (int i = 0; i < n; i += 16) st(y + i, laneMask(n - i), tanh16(ld(x + i, laneMask(n - i))));
}

void sigmoidArray(const float* x, float* y, int n) {
  for (int i = 0; i < n; i += 16) st(y + i, laneMask(n - i), sigmoid16(ld(x + i, laneMask(n - i))));
}

// ---------------------------------------------------------------- attention
// Scaled dot-product self-attention of every (sample, head), no mask, over
// the rows of the fused projection: qkv [batch·steps, ldq], each row
// [q | k | v], each part heads·keyDim wide with the heads side by side.
// ctx [batch·steps, ldc] gets softmax(q kᵀ / √keyDim) v, heads side by side;
// probs [batch, heads, steps (key), steps (query)] keeps the probabilities,
// transposed, for the backward pass. scratch: (keyDim + steps) ·
// roundUp16(steps) floats.
//
// Scores are formed transposed, a key per row and the queries along the
// lanes, so the softmax over keys is vertical (no horizontal reductions, the
// latency of a row-wise softmax at these widths); every product is a
// weighted sum of rows (weightedRows), four independent rows at a time.

// out[r·so + c] = Σ_j w[r·wr + j·wj] · rows[j·rs + c] for r < R, c < width.
template <int R>
inline void weightedRowsN(const float* w, size_t wr, size_t wj, const float* rows, size_t rs, int n, float* out, size_t so, int width) {
  for (int c0 = 0; c0 < width; c0 += 16) {
    const __mmask16 m = laneMask(width - c0);
    __m512 acc[R];
    for (int r = 0; r < R; r++) acc[r] = _mm512_setzero_ps();
    for (int j = 0; j < n; j++) {
      const __m512 x = ld(rows + j * rs + c0, m);
      for (int r = 0; r < R; r++) acc[r] = _mm512_fmadd_ps(_mm512_set1_ps(w[r * wr + j * wj]), x, acc[r]);
    }
    for (int r = 0; r < R; r++) st(out + r * so + c0, m, acc[r]);
  }
}

// weightedRowsN for `count` output rows, four at a time.
inline void weightedRows(int count, const float* w, size_t wr, size_t wj, const float* rows, size_t rs, int n, float* out, size_t so, int width) {
  int r = 0;
  for (; r + 4 <= count; r += 4) weightedRowsN<4>(w + r * wr, wr, wj, rows, rs, n, out + r * so, so, width);
  for (; r < count; r++) weightedRowsN<1>(w + r * wr, wr, wj, rows, rs, n, out + r * so, so, width);
}

// One head's [steps, keyDim] block (row stride ld) into [keyDim][tp], columns past steps zero.
inline void transposeHead(const float* src, size_t ldSrc, int steps, int kd, float* dst, int tp) {
  for (int c = 0; c < kd; c++) {
    float* row = dst + static_cast<size_t>(c) * tp;
    for (int j = 0; j < steps; j++) row[j] = src[j * ldSrc + c];
    for (int j = steps; j < tp; j++) row[j] = 0;
  }
}

inline int roundUp16(int n) { return (n + 15) & ~15; }

void attentionForward(const float* qkv, int ldq, float* ctx, int ldc, float* probs, float* scratch, int batch, int steps, int heads, int keyDim) {
  const int T = steps, kd = keyDim, D = heads * kd, tp = roundUp16(T);
  const __m512 scale = splat(1.0f / std::sqrt(static_cast<float>(kd)));
  // Queries transposed [kd][tp] (zero past T), then scores / probabilities [T][tp].
  float* qt = scratch;
  float* pt = scratch + static_cast<size_t>(kd) * tp;
  for (int b = 0; b < batch; b++) {
    const float* rows = qkv + static_cast<size_t>(b) * T * ldq;
    for (int h = 0; h < heads; h++) {
      const float* k = rows + D + h * kd;
      const float* v = rows + 2 * D + h * kd;
      transposeHead(rows + h * kd, ldq, T, kd, qt, tp);
      // pt[j][i] = k_j · q_i
      weightedRows(T, k, ldq, 1, qt, tp, kd, pt, tp, tp);
      float* p = probs + (static_cast<size_t>(b) * heads + h) * T * T;
      for (int i0 = 0; i0 < tp; i0 += 16) {
        float* col = pt + i0;
        __m512 max = ld(col, 0xffff);
        for (int j = 1; j < T; j++) max = _mm512_max_ps(max, ld(col + j * tp, 0xffff));
        __m512 sum = _mm512_setzero_ps();
        for (int j = 0; j < T; j++) {
          const __m512 e = exp16(_mm512_mul_ps(_mm512_sub_ps(ld(col + j * tp, 0xffff), max), scale));
          st(col + j * tp, 0xffff, e);
          sum = _mm512_add_ps(sum, e);
        }
        const __m512 inv = _mm512_div_ps(splat(1.0f), sum);
        const __mmask16 m = laneMask(T - i0);
        for (int j = 0; j < T; j++) {
          const __m512 pj = _mm512_mul_ps(ld(col + j * tp, 0xffff), inv);
          st(col + j * tp, 0xffff, pj);
          st(p + j * T + i0, m, pj);
        }
      }
      // ctx_i = Σ_j p[j][i] v_j
      weightedRows(T, pt, 1, tp, v, ldq, T, ctx + static_cast<size_t>(b) * T * ldc + h * kd, ldc, kd);
    }
  }
}

// Gradients of attentionForward: dctx [batch·steps, ldc] in, dqkv (same
// layout as qkv; padding columns untouched) out. Per head, with P the
// probabilities: dV = Pᵀ dC; dP = dC Vᵀ; dS = P ⊙ (dP - rowsum(dP ⊙ P)) / √keyDim;
// dQ = dS K; dK = dSᵀ Q. scratch: (keyDim + steps) · roundUp16(steps) floats.
void attentionBackward(const float* qkv, int ldq, const float* probs, const float* dctx, int ldc, float* dqkv, float* scratch, int batch, int steps, int heads, int keyDim) {
  const int T = steps, kd = keyDim, D = heads * kd, tp = roundUp16(T);
  const __m512 scale = splat(1.0f / std::sqrt(static_cast<float>(kd)));
  // Context gradients transposed [kd][tp] (zero past T), then dP / dS [T][tp].
  float* dct = scratch;
  float* ds = scratch + static_cast<size_t>(kd) * tp;
  for (int b = 0; b < batch; b++) {
    const size_t row0 = static_cast<size_t>(b) * T;
    const float* rows = qkv + row0 * ldq;
    float* drows = dqkv + row0 * ldq;
    const float* dc = dctx + row0 * ldc;
    for (int h = 0; h < heads; h++) {
      const float* q = rows + h * kd;
      const float* k = rows + D + h * kd;
      const float* v = rows + 2 * D + h * kd;
      const float* p = probs + (static_cast<size_t>(b) * heads + h) * T * T;
      transposeHead(dc + h * kd, ldc, T, kd, dct, tp);
      // ds[j][i] = dP_ij = v_j · dc_i, then dS in place.
      weightedRows(T, v, ldq, 1, dct, tp, kd, ds, tp, T);
      for (int i0 = 0; i0 < T; i0 += 16) {
        const __mmask16 m = laneMask(T - i0);
        __m512 dot = _mm512_setzero_ps();
        for (int j = 0; j < T; j++) dot = _mm512_fmadd_ps(ld(ds + j * tp + i0, m), ld(p + j * T + i0, m), dot);
        for (int j = 0; j < T; j++) {
          float* dsj = ds + j * tp + i0;
          st(dsj, m, _mm512_mul_ps(_mm512_mul_ps(ld(p + j * T + i0, m), _mm512_sub_ps(ld(dsj, m), dot)), scale));
        }
      }
      // dq_i = Σ_j dS_ij k_j; dk_j = Σ_i dS_ij q_i; dv_j = Σ_i P_ij dc_i.
      weightedRows(T, ds, 1, tp, k, ldq, T, drows + h * kd, ldq, kd);
      weightedRows(T, ds, tp, 1, q, ldq, T, drows + D + h * kd, ldq, kd);
      weightedRows(T, p, T, 1, dc + h * kd, ldc, T, drows + 2 * D + h * kd, ldq, kd);
    }
  }
}

// ---------------------------------------------------------------- layer normalisation
// Over the first d columns of each row (row stride ld; columns past d untouched):
// y = xhat · gamma + beta with xhat = (x - mean) · rstd, rstd = 1/√(var + ε).

inline float reduceAdd(__m512 v) { return _mm512_reduce_add_ps(v); }

void layerNormForward(const float* x, int stride, int rows, int d, const float* gamma, const float* beta, float epsilon, float* y, float* xhat, float* rstd) {
  for (int r = 0; r < rows; r++) {
    const float* xr = x + static_cast<size_t>(r) * stride;
    __m512 s = _mm512_setzero_ps();
    for (int c = 0; c < d; c += 16) s = _mm512_add_ps(s, ld(xr + c, laneMask(d - c)));
    const __m512 mean = splat(reduceAdd(s) / d);
    __m512 v = _mm512_setzero_ps();
    for (int c = 0; c < d; c += 16) {
      const __mmask16 m = laneMask(d - c);
      const __m512 e = _mm512_maskz_sub_ps(m, ld(xr + c, m), mean);
      v = _mm512_fmadd_ps(e, e, v);
    }
    const float inv = 1.0f / std::sqrt(reduceAdd(v) / d + epsilon);
    rstd[r] = inv;
    float* hr = xhat + static_cast<size_t>(r) * stride;
    float* yr = y + static_cast<size_t>(r) * stride;
    for (int c = 0; c < d; c += 16) {
      const __mmask16 m = laneMask(d - c);
      const __m512 h = _mm512_mul_ps(_mm512_sub_ps(ld(xr + c, m), mean), splat(inv));
      st(hr + c, m, h);
      st(yr + c, m, _mm512_fmadd_ps(h, ld(gamma + c, m), ld(beta + c, m)));
    }
  }
}

// dx = rstd · (g - mean(g) - xhat · mean(g · xhat)) with g = dy · gamma;
// dgamma = Σ dy · xhat and dbeta = Σ dy over rows (overwritten). dx may be dy.
void layerNormBackward(const float* dy, int stride, const float* xhat, const float* rstd, const float* gamma, int rows, int d, float* dx, float* dgamma, float* dbeta) {
  std::memset(dgamma, 0, d * sizeof(float));
  std::memset(dbeta, 0, d * sizeof(float));
  for (int r = 0; r < rows; r++) {
    const float* dyr = dy + static_cast<size_t>(r) * stride;
    const float* hr = xhat + static_cast<size_t>(r) * stride;
    __m512 sg = _mm512_setzero_ps(), sgx = _mm512_setzero_ps();
    for (int c = 0; c < d; c += 16) {
      const __mmask16 m = laneMask(d - c);
      const __m512 g = ld(dyr + c, m), h = ld(hr + c, m);
      const __m512 gg = _mm512_mul_ps(g, ld(gamma + c, m));
      sg = _mm512_add_ps(sg, gg);
      sgx = _mm512_fmadd_ps(gg, h, sgx);
      st(dgamma + c, m, _mm512_fmadd_ps(g, h, ld(dgamma + c, m)));
      st(dbeta + c, m, _mm512_add_ps(g, ld(dbeta + c, m)));
    }
    const __m512 meanG = splat(reduceAdd(sg) / d), meanGx = splat(reduceAdd(sgx) / d), inv = splat(rstd[r]);
    float* dxr = dx + static_cast<size_t>(r) * stride;
    for (int c = 0; c < d; c += 16) {
      const __mmask16 m = laneMask(d - c);
      const __m512 gg = _mm512_mul_ps(ld(dyr + c, m), ld(gamma + c, m));
      st(dxr + c, m, _mm512_mul_ps(_mm512_sub_ps(_mm512_sub_ps(gg, meanG), _mm512_mul_ps(ld(hr + c, m), meanGx)), inv));
    }
  }
}

// ---------------------------------------------------------------- element-wise passes
// The encoder block's passes between its GEMMs, over n floats.

// Dropout mask: 1/(1 - rate) where a counter-based hash of (seed, i) is at
// least rate·2³², else 0. Integer arithmetic only, so every build draws the
// same masks.
void dropoutMask(float* mask, int n, int seed, double rate) {
  const double threshold = std::ceil(rate * 4294967296.0);
  const float keep = static_cast<float>(1.0 / (1.0 - rate));
  if (threshold > 4294967295.0) {
    std::memset(mask, 0, static_cast<size_t>(n) * sizeof(float));
    return;
  }
  const __m512i t = _mm512_set1_epi32(static_cast<int>(static_cast<uint32_t>(threshold)));
  const __m512i s = _mm512_set1_epi32(static_cast<int>(static_cast<uint32_t>(seed) * 0x9e3779b1u));
  const __m512i lanes = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  for (int i = 0; i < n; i += 16) {
    __m512i h = _mm512_xor_si512(s, _mm512_mullo_epi32(_mm512_add_epi32(_mm512_set1_epi32(i), lanes), _mm512_set1_epi32(static_cast<int>(0x85ebca77u))));
    h = _mm512_mullo_epi32(_mm512_xor_si512(h, _mm512_srli_epi32(h, 16)), _mm512_set1_epi32(static_cast<int>(0x85ebca6bu)));
    h = _mm512_mullo_epi32(_mm512_xor_si512(h, _mm512_srli_epi32(h, 13)), _mm512_set1_epi32(static_cast<int>(0xc2b2ae35u)));
    h = _mm512_xor_si512(h, _mm512_srli_epi32(h, 16));
    const __mmask16 kept = _mm512_cmpge_epu32_mask(h, t);
    st(mask + i, laneMask(n - i), _mm512_maskz_mov_ps(kept, splat(keep)));
  }
}

// r = residual + r ⊙ mask, or residual + r when mask is 0 (no dropout).
void addResidual(float* r, const float* residual, const float* mask, int n) {
  for (int i = 0; i < n; i += 16) {
    const __mmask16 m = laneMask(n - i);
    const __m512 a = mask ? _mm512_mul_ps(ld(r + i, m), ld(mask + i, m)) : ld(r + i, m);
    st(r + i, m, _mm512_add_ps(a, ld(residual + i, m)));
  }
}

void reluForward(float* x, int n) {
  for (int i = 0; i < n; i += 16) st(x + i, laneMask(n - i), _mm512_max_ps(ld(x + i, laneMask(n - i)), _mm512_setzero_ps()));
}

// dy = 0 where the ReLU's output y is not positive.
void reluBackward(const float* y, float* dy, int n) {
  for (int i = 0; i < n; i += 16) {
    const __mmask16 m = laneMask(n - i);
    const __mmask16 pos = _mm512_cmp_ps_mask(ld(y + i, m), _mm512_setzero_ps(), _CMP_GT_OQ);
    st(dy + i, m, _mm512_maskz_mov_ps(pos, ld(dy + i, m)));
  }
}

void multiplyArrays(const float* a, const float* b, float* out, int n) {
  for (int i = 0; i < n; i += 16) st(out + i, laneMask(n - i), _mm512_mul_ps(ld(a + i, laneMask(n - i)), ld(b + i, laneMask(n - i))));
}

// ---------------------------------------------------------------- bindings

/** CallArgs whose pointer arguments are byte offsets into the region the functions were exported with. */
struct Args : CallArgs {
  using CallArgs::CallArgs;
  Region* region() const { return static_cast<Region*>(data()); }
  float* ptr(int i) { return F(region(), real(i)); }
};

napi_value jsHeapBase(napi_env env, napi_callback_info info) {
  Args a(env, info);
  napi_value out;
  napi_create_double(env, BASE_BYTES, &out);
  return out;
}

// memoryBuffer(bytes): commit the region up to `bytes` and return an
// ArrayBuffer over [0, bytes). Earlier buffers stay valid (same addresses).
napi_value jsMemoryBuffer(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const double want = a.real(0);
  Region* r = a.region();
  const size_t bytes = static_cast<size_t>(want);
  if (bytes > RESERVE_BYTES) {
    napi_throw_error(env, nullptr, "native kernel memory: more than the 64 GiB reserved");
    return nullptr;
  }
  if (bytes > r->committed) {
    if (mprotect(r->base, bytes, PROT_READ | PROT_WRITE) != 0) {
      napi_throw_error(env, nullptr, "native kernel memory: the system refused to commit more memory");
      return nullptr;
    }
    r->committed = bytes;
  }
  napi_value out;
  if (napi_create_external_arraybuffer(env, r->base, bytes, nullptr, nullptr, &out) != 0) {
    napi_throw_error(env, nullptr, "native kernel memory: this Node cannot wrap external memory in an ArrayBuffer");
    return nullptr;
  }
  return out;
}

napi_value jsPackB(napi_env env, napi_callback_info info) {
  Args a(env, info);
  packB(a.ptr(0), a.num(1), a.num(2), a.num(3), a.flag(4), a.ptr(5));
  return a.undefined();
}

napi_value jsGemmPacked(napi_env env, napi_callback_info info) {
  Args a(env, info);
  gemmPacked(a.ptr(0), a.num(1), a.ptr(2), a.ptr(3), a.num(4), a.num(5), a.num(6), a.num(7), a.flag(8));
  return a.undefined();
}

napi_value jsGemmTN(napi_env env, napi_callback_info info) {
  Args a(env, info);
  gemmTN(a.ptr(0), a.num(1), a.ptr(2), a.num(3), a.ptr(4), a.num(5), a.num(6), a.num(7), a.num(8), a.flag(9));
  return a.undefined();
}

napi_value jsColumnSums(napi_env env, napi_callback_info info) {
  Args a(env, info);
  columnSums(a.ptr(0), a.num(1), a.num(2), a.num(3), a.ptr(4), a.flag(5));
  return a.undefined();
}

napi_value jsTanhArray(napi_env env, napi_callback_info info) {
  Args a(env, info);
  tanhArray(a.ptr(0), a.ptr(1), a.num(2));
  return a.undefined();
}

napi_value jsSigmoidArray(napi_env env, napi_callback_info info) {
  Args a(env, info);
  sigmoidArray(a.ptr(0), a.ptr(1), a.num(2));
  return a.undefined();
}

napi_value jsLstmForward(napi_env env, napi_callback_info info) {
  Args a(env, info);
  lstmForward(a.ptr(0), a.ptr(1), a.ptr(2), a.ptr(3), a.ptr(4), a.num(5), a.num(6), a.num(7), a.flag(8));
  return a.undefined();
}

napi_value jsLstmBackward(napi_env env, napi_callback_info info) {
  Args a(env, info);
  lstmBackward(a.ptr(0), a.ptr(1), a.ptr(2), a.ptr(3), a.ptr(4), a.ptr(5), a.ptr(6), a.num(7), a.num(8), a.num(9), a.flag(10));
  return a.undefined();
}

napi_value jsGruForward(napi_env env, napi_callback_info info) {
  Args a(env, info);
  gruForward(a.ptr(0), a.ptr(1), a.ptr(2), a.ptr(3), a.num(4), a.num(5), a.num(6), a.flag(7));
  return a.undefined();
}

napi_value jsGruBackward(napi_env env, napi_callback_info info) {
  Args a(env, info);
  gruBackward(a.ptr(0), a.ptr(1), a.ptr(2), a.ptr(3), a.ptr(4), a.ptr(5), a.num(6), a.num(7), a.num(8), a.flag(9));
  return a.undefined();
}

napi_value jsAttentionForward(napi_env env, napi_callback_info info) {
  Args a(env, info);
  attentionForward(a.ptr(0), a.num(1), a.ptr(2), a.num(3), a.ptr(4), a.ptr(5), a.num(6), a.num(7), a.num(8), a.num(9));
  return a.undefined();
}

napi_value jsAttentionBackward(napi_env env, napi_callback_info info) {
  Args a(env, info);
  attentionBackward(a.ptr(0), a.num(1), a.ptr(2), a.ptr(3), a.num(4), a.ptr(5), a.ptr(6), a.num(7), a.num(8), a.num(9), a.num(10));
  return a.undefined();
}

napi_value jsLayerNormForward(napi_env env, napi_callback_info info) {
  Args a(env, info);
  layerNormForward(a.ptr(0), a.num(1), a.num(2), a.num(3), a.ptr(4), a.ptr(5), static_cast<float>(a.real(6)), a.ptr(7), a.ptr(8), a.ptr(9));
  return a.undefined();
}

napi_value jsLayerNormBackward(napi_env env, napi_callback_info info) {
  Args a(env, info);
  layerNormBackward(a.ptr(0), a.num(1), a.ptr(2), a.ptr(3), a.ptr(4), a.num(5), a.num(6), a.ptr(7), a.ptr(8), a.ptr(9));
  return a.undefined();
}

napi_value jsDropoutMask(napi_env env, napi_callback_info info) {
  Args a(env, info);
  dropoutMask(a.ptr(0), a.num(1), a.num(2), a.real(3));
  return a.undefined();
}

napi_value jsAddResidual(napi_env env, napi_callback_info info) {
  Args a(env, info);
  addResidual(a.ptr(0), a.ptr(1), a.real(2) == 0 ? nullptr : a.ptr(2), a.num(3));
  return a.undefined();
}

napi_value jsReluForward(napi_env env, napi_callback_info info) {
  Args a(env, info);
  reluForward(a.ptr(0), a.num(1));
  return a.undefined();
}

napi_value jsReluBackward(napi_env env, napi_callback_info info) {
  Args a(env, info);
  reluBackward(a.ptr(0), a.ptr(1), a.num(2));
  return a.undefined();
}

napi_value jsMultiplyArrays(napi_env env, napi_callback_info info) {
  Args a(env, info);
  multiplyArrays(a.ptr(0), a.ptr(1), a.ptr(2), a.num(3));
  return a.undefined();
}

void releaseRegion(void* arg) {
  Region* r = static_cast<Region*>(arg);
  munmap(r->base, RESERVE_BYTES);
  delete r;
}

}  // namespace

extern "C" __attribute__((visibility("default"))) napi_value napi_register_module_v1(napi_env env, napi_value exports) {
  Region* region = new Region();
  // Address space only: pages are committed by memoryBuffer as the host grows.
  void* base = mmap(nullptr, RESERVE_BYTES, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (base == MAP_FAILED) {
    delete region;
    napi_throw_error(env, nullptr, "native kernel memory: could not reserve address space");
    return nullptr;
  }
  region->base = static_cast<char*>(base);
  napi_add_env_cleanup_hook(env, releaseRegion, region);
  registerGbdt(env, exports);
  registerArrays(env, exports);
  const Export fns[] = {
      {"heapBase", jsHeapBase},         {"memoryBuffer", jsMemoryBuffer}, {"packB", jsPackB},
      {"gemmPacked", jsGemmPacked},     {"gemmTN", jsGemmTN},             {"columnSums", jsColumnSums},
      {"tanhArray", jsTanhArray},       {"sigmoidArray", jsSigmoidArray}, {"lstmForward", jsLstmForward},
      {"lstmBackward", jsLstmBackward}, {"gruForward", jsGruForward},     {"gruBackward", jsGruBackward},
      {"attentionForward", jsAttentionForward}, {"attentionBackward", jsAttentionBackward},
      {"layerNormForward", jsLayerNormForward}, {"layerNormBackward", jsLayerNormBackward},
      {"dropoutMask", jsDropoutMask},       {"addResidual", jsAddResidual},   {"reluForward", jsReluForward},
      {"reluBackward", jsReluBackward},     {"multiplyArrays", jsMultiplyArrays},
  };
  exportFunctions(env, exports, fns, region);
  return exports;
}
