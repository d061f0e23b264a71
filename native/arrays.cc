// Native passes over JavaScript typed arrays for the training loop: the Adam
// update (src/train/optimizer.ts) and the strided row copies of the recurrent
// layers' layout changes (src/kernels/recurrent.ts). Each computes exactly what
// its JavaScript twin computes, so results do not depend on which runs: Adam in
// float64 with the same operations in the same order, rounded to float32 where
// the twin stores float32.
#include <immintrin.h>

#include <cmath>
#include <cstddef>
#include <cstring>

#include "napi.h"

// A fused multiply-add would skip a rounding the JavaScript twin does.
#pragma GCC optimize("fp-contract=off")

namespace {

constexpr size_t MAX_ARGS = 12;

struct Call {
  napi_env env;
  size_t argc = MAX_ARGS;
  napi_value argv[MAX_ARGS];
  bool failed = false;

  Call(napi_env e, napi_callback_info info) : env(e) { napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr); }

  /** A Float32Array argument's data and length; a clear JS error for anything else. */
  float* floats(size_t i, size_t* length) {
    napi_typedarray_type type;
    void* data = nullptr;
    if (i >= argc || napi_get_typedarray_info(env, argv[i], &type, length, &data, nullptr, nullptr) != 0 || type != napi_float32_array) {
      fail("expected a Float32Array");
      return nullptr;
    }
    return static_cast<float*>(data);
  }
  double number(size_t i) {
    double v = 0;
    if (i >= argc || napi_get_value_double(env, argv[i], &v) != 0) fail("expected a number");
    return v;
  }
  void fail(const char* why) {
    if (!failed) napi_throw_error(env, nullptr, why);
    failed = true;
  }
  napi_value undefined() {
    napi_value u;
    napi_get_undefined(env, &u);
    return u;
  }
};

/**
 * adamUpdate(w, g, m, v, beta1, beta2, epsilon, stepSize, vScale): w, m and v
 * updated in place (Optimizer.applyGradients).
 */
napi_value jsAdamUpdate(napi_env env, napi_callback_info info) {
  Call c(env, info);
  size_t n = 0, ng = 0, nm = 0, nv = 0;
  float* w = c.floats(0, &n);
  const float* g = c.floats(1, &ng);
  float* m = c.floats(2, &nm);
  float* v = c.floats(3, &nv);
  const double b1 = c.number(4), b2 = c.number(5), eps = c.number(6), stepSize = c.number(7), vScale = c.number(8);
  if (c.failed) return nullptr;
  if (ng != n || nm != n || nv != n) {
    c.fail("adamUpdate: arrays of different lengths");
    return nullptr;
  }
  const double c1 = 1 - b1, c2 = 1 - b2;
  // Eight lanes of the scalar loop below: the same float64 operations, each rounded once.
  const __m512d vb1 = _mm512_set1_pd(b1), vc1 = _mm512_set1_pd(c1), vb2 = _mm512_set1_pd(b2), vc2 = _mm512_set1_pd(c2);
  const __m512d veps = _mm512_set1_pd(eps), vstep = _mm512_set1_pd(stepSize), vscale = _mm512_set1_pd(vScale);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m512d gi = _mm512_cvtps_pd(_mm256_loadu_ps(g + i));
    const __m256 mi = _mm512_cvtpd_ps(_mm512_add_pd(_mm512_mul_pd(vb1, _mm512_cvtps_pd(_mm256_loadu_ps(m + i))), _mm512_mul_pd(vc1, gi)));
    const __m256 vi = _mm512_cvtpd_ps(_mm512_add_pd(_mm512_mul_pd(vb2, _mm512_cvtps_pd(_mm256_loadu_ps(v + i))), _mm512_mul_pd(_mm512_mul_pd(vc2, gi), gi)));
    _mm256_storeu_ps(m + i, mi);
    _mm256_storeu_ps(v + i, vi);
    const __m512d den = _mm512_add_pd(_mm512_sqrt_pd(_mm512_mul_pd(_mm512_cvtps_pd(vi), vscale)), veps);
    const __m512d step = _mm512_div_pd(_mm512_mul_pd(vstep, _mm512_cvtps_pd(mi)), den);
    _mm256_storeu_ps(w + i, _mm512_cvtpd_ps(_mm512_sub_pd(_mm512_cvtps_pd(_mm256_loadu_ps(w + i)), step)));
  }
  for (; i < n; i++) {
    const double gi = g[i];
    const float mi = static_cast<float>(b1 * m[i] + c1 * gi);
    const float vi = static_cast<float>(b2 * v[i] + c2 * gi * gi);
    m[i] = mi;
    v[i] = vi;
    w[i] = static_cast<float>(w[i] - (stepSize * mi) / (std::sqrt(vi * vScale) + eps));
  }
  return c.undefined();
}

/**
 * copyRows(src, srcAt, srcStride, dst, dstAt, dstStride, rows, width): `rows`
 * rows of `width` floats, row r from src[srcAt + r·srcStride] to
 * dst[dstAt + r·dstStride]. Bounds are checked once, up front.
 */
napi_value jsCopyRows(napi_env env, napi_callback_info info) {
  Call c(env, info);
  size_t ns = 0, nd = 0;
  const float* src = c.floats(0, &ns);
  float* dst = c.floats(3, &nd);
  const double srcAt = c.number(1), srcStride = c.number(2), dstAt = c.number(4), dstStride = c.number(5), rows = c.number(6), width = c.number(7);
  if (c.failed) return nullptr;
  if (rows <= 0 || width <= 0) return c.undefined();
  const double lastSrc = srcAt + (rows - 1) * srcStride + width, lastDst = dstAt + (rows - 1) * dstStride + width;
  if (srcAt < 0 || dstAt < 0 || srcStride < 0 || dstStride < 0 || lastSrc > static_cast<double>(ns) || lastDst > static_cast<double>(nd)) {
    c.fail("copyRows: rows out of bounds");
    return nullptr;
  }
  const size_t r = static_cast<size_t>(rows), wd = static_cast<size_t>(width), sa = static_cast<size_t>(srcAt), ss = static_cast<size_t>(srcStride), da = static_cast<size_t>(dstAt), ds = static_cast<size_t>(dstStride);
  for (size_t k = 0; k < r; k++) std::memmove(dst + da + k * ds, src + sa + k * ss, wd * sizeof(float));
  return c.undefined();
}

}  // namespace

void registerArrays(napi_env env, napi_value exports) {
  const struct {
    const char* name;
    napi_callback cb;
  } fns[] = {{"adamUpdate", jsAdamUpdate}, {"copyRows", jsCopyRows}};
  for (const auto& f : fns) {
    napi_value fn;
    napi_create_function(env, f.name, static_cast<size_t>(-1), f.cb, nullptr, &fn);
    napi_set_named_property(env, exports, f.name, fn);
  }
}
