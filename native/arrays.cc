// Native passes over JavaScript typed arrays for the training loop: the Adam
// update (src/train/optimizer.ts) and the strided row copies of the recurrent
// layers' layout changes (src/kernels/recurrent.ts). Each computes exactly what
// its JavaScript twin computes, so results do not depend on which runs: Adam in
// float64 with the same operations in the same order, rounded to float32 where
// the twin stores float32.
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
 * adamUpdate(w, g, m, v, out, beta1, beta2, epsilon, stepSize, vScale): m and v
 * updated in place, the new weights written to out (Optimizer.applyGradients).
 */
napi_value jsAdamUpdate(napi_env env, napi_callback_info info) {
  Call c(env, info);
  size_t n = 0, ng = 0, nm = 0, nv = 0, no = 0;
  const float* w = c.floats(0, &n);
  const float* g = c.floats(1, &ng);
  float* m = c.floats(2, &nm);
  float* v = c.floats(3, &nv);
  float* out = c.floats(4, &no);
  const double b1 = c.number(5), b2 = c.number(6), eps = c.number(7), stepSize = c.number(8), vScale = c.number(9);
  if (c.failed) return nullptr;
  if (ng != n || nm != n || nv != n || no != n) {
    c.fail("adamUpdate: arrays of different lengths");
    return nullptr;
  }
  const double c1 = 1 - b1, c2 = 1 - b2;
  for (size_t i = 0; i < n; i++) {
    const double gi = g[i];
    const float mi = static_cast<float>(b1 * m[i] + c1 * gi);
    const float vi = static_cast<float>(b2 * v[i] + c2 * gi * gi);
    m[i] = mi;
    v[i] = vi;
    out[i] = static_cast<float>(w[i] - (stepSize * mi) / (std::sqrt(vi * vScale) + eps));
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
