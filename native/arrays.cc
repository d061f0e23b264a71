// Native passes over JavaScript typed arrays: the Adam update
// (src/train/optimizer.ts), gradient sums (src/kernels/arrays.ts), the
// strided row copies of the recurrent layers' layout changes
// (src/kernels/recurrent.ts) and the logistic baseline's loss and gradient
// (src/models/baselines/logistic.ts). Adam, the sums and the copies compute
// exactly what their JavaScript twins compute, so training does not depend on
// which runs: Adam in float64 with the same operations in the same order,
// rounded to float32 where the twin stores float32. The logistic objective
// sums in another order (eight lanes) and uses the C library's exp and log,
// so it agrees with its twin to about 1e-15 relative, not bit for bit.
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstring>

#include "napi.h"

// A fused multiply-add would skip a rounding the JavaScript twin does.
#pragma GCC optimize("fp-contract=off")

namespace {

/**
 * adamUpdate(w, g, m, v, beta1, beta2, epsilon, stepSize, vScale): w, m and v
 * updated in place (Optimizer.applyGradients).
 */
napi_value jsAdamUpdate(napi_env env, napi_callback_info info) {
  CallArgs c(env, info);
  size_t n = 0, ng = 0, nm = 0, nv = 0;
  float* w = c.floats(0, &n);
  const float* g = c.floats(1, &ng);
  float* m = c.floats(2, &nm);
  float* v = c.floats(3, &nv);
  const double b1 = c.real(4), b2 = c.real(5), eps = c.real(6), stepSize = c.real(7), vScale = c.real(8);
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
  CallArgs c(env, info);
  size_t ns = 0, nd = 0;
  const float* src = c.floats(0, &ns);
  float* dst = c.floats(3, &nd);
  const double srcAt = c.real(1), srcStride = c.real(2), dstAt = c.real(4), dstStride = c.real(5), rows = c.real(6), width = c.real(7);
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

/**
 * addInto(sum, add): sum[i] += add[i] over the whole of both (equal lengths). A float32 add is
 * what the twin's float64 add rounded to float32 gives: float64 holds every such sum exactly
 * enough (53 >= 2·24 + 2 bits), so the two agree bit for bit.
 */
napi_value jsAddInto(napi_env env, napi_callback_info info) {
  CallArgs c(env, info);
  size_t n = 0, na = 0;
  float* sum = c.floats(0, &n);
  const float* add = c.floats(1, &na);
  if (c.failed) return nullptr;
  if (na != n) {
    c.fail("addInto: arrays of different lengths");
    return nullptr;
  }
  for (size_t i = 0; i < n; i++) sum[i] += add[i];
  return c.undefined();
}

/** Σ_j a[j]·b[j] over eight lanes, then the lanes in order. */
inline double dot(const double* a, const double* b, size_t n) {
  double lane[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  size_t j = 0;
  for (; j + 8 <= n; j += 8)
    for (int l = 0; l < 8; l++) lane[l] += a[j + l] * b[j + l];
  double s = 0;
  for (; j < n; j++) s += a[j] * b[j];
  for (int l = 0; l < 8; l++) s += lane[l];
  return s;
}

/**
 * logisticObjective(z, y, w, grad, rows, features, outputs, l2): the mean L2-penalised log loss
 * of LogisticModel at coefficients w (per output: `features` weights, then the intercept) over
 * the standardised design matrix z [rows, features], gradient into grad; returns the loss.
 * One output: binary log loss on y in {0, 1}; more: softmax cross-entropy on class indices y.
 */
napi_value jsLogisticObjective(napi_env env, napi_callback_info info) {
  CallArgs c(env, info);
  size_t nz = 0, ny = 0, nw = 0, ng = 0;
  const double* z = c.doubles(0, &nz);
  const float* y = c.floats(1, &ny);
  const double* w = c.doubles(2, &nw);
  double* grad = c.doubles(3, &ng);
  const double rowsD = c.real(4), featuresD = c.real(5), outputsD = c.real(6), l2 = c.real(7);
  if (c.failed) return nullptr;
  const size_t n = static_cast<size_t>(rowsD), f = static_cast<size_t>(featuresD), outputs = static_cast<size_t>(outputsD), width = f + 1;
  if (outputs < 1 || outputs > 64 || nz < n * f || ny < n || nw != outputs * width || ng != nw) {
    c.fail("logisticObjective: arrays do not match rows, features and outputs");
    return nullptr;
  }
  for (size_t i = 0; i < ng; i++) grad[i] = 0;
  double loss = 0;
  double score[64], resid[64];
  for (size_t r = 0; r < n; r++) {
    const double* zr = z + r * f;
    for (size_t o = 0; o < outputs; o++) score[o] = w[o * width + f] + dot(w + o * width, zr, f);
    if (outputs == 1) {
      const double s = score[0];
      loss += (s > 0 ? s + std::log1p(std::exp(-s)) : std::log1p(std::exp(s))) - y[r] * s;
      resid[0] = 1 / (1 + std::exp(-s)) - y[r];
    } else {
      double max = score[0];
      for (size_t o = 1; o < outputs; o++) max = std::max(max, score[o]);
      double sum = 0;
      for (size_t o = 0; o < outputs; o++) sum += std::exp(score[o] - max);
      const size_t label = static_cast<size_t>(y[r]);
      loss += max + std::log(sum) - score[label];
      for (size_t o = 0; o < outputs; o++) resid[o] = std::exp(score[o] - max) / sum - (o == label ? 1 : 0);
    }
    for (size_t o = 0; o < outputs; o++) {
      double* g = grad + o * width;
      const double e = resid[o];
      for (size_t j = 0; j < f; j++) g[j] += e * zr[j];
      g[f] += e;
    }
  }
  for (size_t o = 0; o < outputs; o++) {
    for (size_t j = 0; j < f; j++) {
      const double wj = w[o * width + j];
      loss += 0.5 * l2 * wj * wj;
      grad[o * width + j] += l2 * wj;
    }
  }
  for (size_t i = 0; i < ng; i++) grad[i] /= static_cast<double>(n);
  return c.newDouble(loss / static_cast<double>(n));
}

}  // namespace

void registerArrays(napi_env env, napi_value exports) {
  const Export fns[] = {{"adamUpdate", jsAdamUpdate}, {"addInto", jsAddInto}, {"copyRows", jsCopyRows}, {"logisticObjective", jsLogisticObjective}};
  exportFunctions(env, exports, fns);
}
