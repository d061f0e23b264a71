// Native kernels of the gradient-boosted trees (src/models/gbdt): the inner loops of
// quantile sketching, binning, histogram building and row partitioning, on the JS typed
// arrays passed in. Each one computes exactly what its JavaScript twin in src/models/gbdt
// computes (same float32 rank arithmetic, same float64 sums in the same order), so trees
// are bit-identical whichever runs. Threads split work by feature (sketch, histogram) or by
// row (binning): every output value is produced by one thread, in the single-threaded order.
#include <immintrin.h>
#include <sched.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <type_traits>
#include <vector>

#include "napi.h"

// The float32 rank arithmetic must round after every operation, as JavaScript's Math.fround
// does; a fused multiply-add would skip a rounding.
#pragma GCC optimize("fp-contract=off")

namespace {

/** [begin, end) of part `i` of `n` equal parts of `count` items (parallel.ts's `part`). */
inline void part(int count, int n, int i, int* begin, int* end) {
  *begin = static_cast<int>(static_cast<int64_t>(count) * i / n);
  *end = static_cast<int>(static_cast<int64_t>(count) * (i + 1) / n);
}

/**
 * Helper threads kept for the process (a kernel call is too short to start threads for).
 * `run(parts, fn)` has fn(0..parts-1) done by whichever thread claims each part first, the
 * caller included: on a busy machine a helper that is not running yet costs no waiting, as
 * the caller claims its part too. (Every part writes its own outputs, so who runs it does not
 * change them.) Between tasks a helper spins for a while before it sleeps, as OpenMP's do
 * (see SPIN). One task at a time; a caller that finds the pool busy (another JS thread's
 * fit) runs every part itself.
 */
class Pool {
 public:
  template <class F>
  void run(int parts, int helpers, F& fn) {
    std::unique_lock<std::mutex> busy(busy_, std::try_to_lock);
    if (parts <= 1 || helpers < 1 || !busy.owns_lock()) {
      for (int t = 0; t < parts; t++) fn(t);
      return;
    }
    uint32_t generation;
    {
      std::lock_guard<std::mutex> lock(m_);
      while (static_cast<int>(helpers_.size()) < helpers) {
        helpers_.emplace_back([this] { loop(); });
        helpers_.back().detach();
      }
      task_ = [](void* f, int t) { (*static_cast<F*>(f))(t); };
      fn_ = &fn;
      parts_ = parts;
      finished_.store(0, std::memory_order_relaxed);
      generation = ++generation_;
      // The claim word: this task's generation, then the next unclaimed part.
      claim_.store(static_cast<uint64_t>(generation) << 32, std::memory_order_release);
    }
    wake_.notify_all();
    work(generation, task_, &fn, parts);
    spin([&] { return finished_.load(std::memory_order_acquire) == parts; });
    if (finished_.load(std::memory_order_acquire) != parts) {
      std::unique_lock<std::mutex> lock(m_);
      done_.wait(lock, [&] { return finished_.load(std::memory_order_acquire) == parts; });
    }
  }

 private:
  /**
   * How long a waiting thread spins before it sleeps. Tree growing hands out tasks every few
   * to a few hundred microseconds (a node's serial work between them); a shorter spin had the
   * helper asleep at nearly every task, so each began with a wake-up.
   */
  static constexpr std::chrono::microseconds SPIN{200};

  /**
   * Spins until done() or for SPIN, whichever comes first, yielding the core every few
   * dozen pauses: on a machine with more runnable threads than cores, the thread it waits
   * for may need it.
   */
  template <class Done>
  static void spin(Done done) {
    const auto until = std::chrono::steady_clock::now() + SPIN;
    for (;;) {
      for (int i = 0; i < 64; i++) {
        if (done()) return;
        _mm_pause();
      }
      if (std::chrono::steady_clock::now() > until) return;
      sched_yield();
    }
  }

  /** Claims and runs parts of task `generation` until none is left. */
  void work(uint32_t generation, void (*task)(void*, int), void* fn, int parts) {
    for (;;) {
      uint64_t c = claim_.load(std::memory_order_acquire);
      int part;
      do {
        if (static_cast<uint32_t>(c >> 32) != generation) return;
        part = static_cast<int>(static_cast<uint32_t>(c));
        if (part >= parts) return;
      } while (!claim_.compare_exchange_weak(c, c + 1, std::memory_order_acq_rel));
      task(fn, part);
      if (finished_.fetch_add(1, std::memory_order_acq_rel) + 1 == parts) {
        std::lock_guard<std::mutex> lock(m_);
        done_.notify_one();
      }
    }
  }

  void loop() {
    uint32_t seen = 0;
    for (;;) {
      spin([&] { return static_cast<uint32_t>(claim_.load(std::memory_order_acquire) >> 32) != seen; });
      std::unique_lock<std::mutex> lock(m_);
      wake_.wait(lock, [&] { return generation_ != seen; });
      seen = generation_;
      void (*task)(void*, int) = task_;
      void* fn = fn_;
      const int parts = parts_;
      lock.unlock();
      work(seen, task, fn, parts);
    }
  }

  std::mutex busy_, m_;
  std::condition_variable wake_, done_;
  std::vector<std::thread> helpers_;
  void (*task_)(void*, int) = nullptr;
  void* fn_ = nullptr;
  int parts_ = 0;
  uint32_t generation_ = 0;
  std::atomic<uint64_t> claim_{0};
  std::atomic<int> finished_{0};
};

/** Runs fn(0..parts-1), parts of one task, on the calling thread and threads - 1 helpers. */
template <class F>
void parallelParts(int parts, int threads, F fn) {
  if (threads <= 1 || parts <= 1) {
    for (int t = 0; t < parts; t++) fn(t);
    return;
  }
  // Never destroyed: its helpers wait for work until the process exits.
  static Pool* pool = new Pool();
  pool->run(parts, threads - 1, fn);
}

/** Runs fn(0..threads-1), one part per thread. */
template <class F>
void parallel(int threads, F fn) {
  parallelParts(threads, threads, fn);
}

/**
 * Math.fround. (GCC 12 at -O3 dropped a plain static_cast<float> round trip from the
 * vectorised remainder of the gradient loop; an explicit conversion instruction stays.)
 */
inline double roundToFloat(double v) { return _mm_cvtss_f32(_mm_cvtsd_ss(_mm_setzero_ps(), _mm_set_sd(v))); }

// ---------------------------------------------------------------------------------------
// Quantile sketch (binning.ts: sortFloat32, exactSummary, prune, combine, sketchColumn,
// cutsOfColumn).

struct Summary {
  std::vector<float> value, rmin, rmax, wmin;
  int size = 0;
  explicit Summary(size_t capacity = 0) : value(capacity), rmin(capacity), rmax(capacity), wmin(capacity) {}
  void put(float a, float b, float w, float v) {
    rmin[size] = a;
    rmax[size] = b;
    wmin[size] = w;
    value[size] = v;
    size++;
  }
  void copy(const Summary& s, int i) { put(s.rmin[i], s.rmax[i], s.wmin[i], s.value[i]); }
};

/** Ascending float32 order of sortFloat32 (-0 before +0): an LSD radix sort of 11-bit digits. */
void sortFloat32(float* values, int n, std::vector<uint32_t>& keys, std::vector<uint32_t>& temp) {
  if (static_cast<int>(keys.size()) < n) {
    keys.resize(n);
    temp.resize(n);
  }
  uint32_t* k0 = keys.data();
  uint32_t* k1 = temp.data();
  uint32_t counts[3][2048] = {};
  for (int i = 0; i < n; i++) {
    uint32_t u;
    std::memcpy(&u, values + i, 4);
    uint32_t k = u & 0x80000000u ? ~u : u | 0x80000000u;
    k0[i] = k;
    counts[0][k & 2047]++;
    counts[1][(k >> 11) & 2047]++;
    counts[2][k >> 22]++;
  }
  for (int pass = 0; pass < 3; pass++) {
    uint32_t* c = counts[pass];
    uint32_t sum = 0;
    for (int d = 0; d < 2048; d++) {
      uint32_t t = c[d];
      c[d] = sum;
      sum += t;
    }
    int shift = pass * 11;
    for (int i = 0; i < n; i++) {
      uint32_t k = k0[i];
      k1[c[(k >> shift) & 2047]++] = k;
    }
    std::swap(k0, k1);
  }
  for (int i = 0; i < n; i++) {
    uint32_t k = k0[i];
    uint32_t u = k & 0x80000000u ? k & 0x7fffffffu : ~k;
    std::memcpy(values + i, &u, 4);
  }
}

struct Sketcher {
  std::vector<uint32_t> keys, temp;
  std::vector<float> chunk;

  Summary exactSummary(const float* values, int count) {
    chunk.assign(values, values + count);
    sortFloat32(chunk.data(), count, keys, temp);
    Summary s(count);
    int i = 0;
    while (i < count) {
      int j = i + 1;
      while (j < count && chunk[j] == chunk[i]) j++;
      s.put(static_cast<float>(i), static_cast<float>(j), static_cast<float>(j - i), chunk[i]);
      i = j;
    }
    return s;
  }
};

Summary prune(const Summary& src, int maxSize) {
  if (src.size <= maxSize) return src;
  Summary out(maxSize);
  const float begin = src.rmax[0];
  const float range = src.rmin[src.size - 1] - src.rmax[0];
  const int n = maxSize - 1;
  out.copy(src, 0);
  int i = 1;
  int last = 0;
  for (int k = 1; k < n; k++) {
    const float scaled = static_cast<float>(k) * range;
    const float dx2 = 2.0f * (scaled / static_cast<float>(n) + begin);
    while (i < src.size - 1 && dx2 >= src.rmax[i + 1] + src.rmin[i + 1]) i++;
    if (i == src.size - 1) break;
    const float rminNext = src.rmin[i] + src.wmin[i];
    const float rmaxPrev = src.rmax[i + 1] - src.wmin[i + 1];
    if (dx2 < rminNext + rmaxPrev) {
      if (i != last) {
        out.copy(src, i);
        last = i;
      }
    } else if (i + 1 != last) {
      out.copy(src, i + 1);
      last = i + 1;
    }
  }
  if (last != src.size - 1) out.copy(src, src.size - 1);
  return out;
}

Summary combine(const Summary& a, const Summary& b) {
  if (a.size == 0) return b;
  if (b.size == 0) return a;
  Summary out(a.size + b.size);
  int i = 0;
  int j = 0;
  float aPrevRmin = 0;
  float bPrevRmin = 0;
  while (i < a.size && j < b.size) {
    if (a.value[i] == b.value[j]) {
      out.put(a.rmin[i] + b.rmin[j], a.rmax[i] + b.rmax[j], a.wmin[i] + b.wmin[j], a.value[i]);
      aPrevRmin = a.rmin[i] + a.wmin[i];
      bPrevRmin = b.rmin[j] + b.wmin[j];
      i++;
      j++;
    } else if (a.value[i] < b.value[j]) {
      out.put(a.rmin[i] + bPrevRmin, a.rmax[i] + (b.rmax[j] - b.wmin[j]), a.wmin[i], a.value[i]);
      aPrevRmin = a.rmin[i] + a.wmin[i];
      i++;
    } else {
      out.put(b.rmin[j] + aPrevRmin, b.rmax[j] + (a.rmax[i] - a.wmin[i]), b.wmin[j], b.value[j]);
      bPrevRmin = b.rmin[j] + b.wmin[j];
      j++;
    }
  }
  const float bRmax = b.rmin[b.size - 1] + b.wmin[b.size - 1];
  for (; i < a.size; i++) out.put(a.rmin[i] + bPrevRmin, a.rmax[i] + bRmax, a.wmin[i], a.value[i]);
  const float aRmax = a.rmin[a.size - 1] + a.wmin[a.size - 1];
  for (; j < b.size; j++) out.put(b.rmin[j] + aPrevRmin, b.rmax[j] + aRmax, b.wmin[j], b.value[j]);
  float prevRmin = 0;
  float prevRmax = 0;
  for (int k = 0; k < out.size; k++) {
    if (out.rmin[k] < prevRmin)
      out.rmin[k] = prevRmin;
    else
      prevRmin = out.rmin[k];
    if (out.rmax[k] < prevRmax) out.rmax[k] = prevRmax;
    const float rminNext = out.rmin[k] + out.wmin[k];
    if (out.rmax[k] < rminNext) out.rmax[k] = rminNext;
    prevRmax = out.rmax[k];
  }
  return out;
}

constexpr int SKETCH_FACTOR = 8;

Summary sketchColumn(Sketcher& sk, const float* column, int n, int maxBin) {
  const double eps = 1.0 / static_cast<double>(static_cast<float>(std::max(1, std::min(maxBin, n)) * SKETCH_FACTOR));
  int nlevel = 1;
  int limit = 0;
  for (;;) {
    limit = static_cast<int>(std::min(static_cast<double>(n), std::ceil(nlevel / eps) + 1));
    if (std::ldexp(static_cast<double>(limit), nlevel) >= n) break;
    nlevel++;
  }
  const int capacity = 2 * limit;
  int tail = 0;
  int chunkStart = 0;
  std::vector<Summary> levels;
  auto pushTemp = [&](Summary temp) {
    for (size_t l = 1;; l++) {
      if (levels.size() <= l) levels.resize(l + 1);
      if (levels[l].size == 0) {
        levels[l] = prune(temp, limit);
        return;
      }
      temp = combine(prune(temp, limit), levels[l]);
      if (temp.size > limit) {
        levels[l] = Summary(0);
      } else {
        levels[l] = std::move(temp);
        return;
      }
    }
  };
  for (int r = 0; r < n; r++) {
    if (tail == capacity && column[r - 1] != column[r]) {
      pushTemp(sk.exactSummary(column + chunkStart, r - chunkStart));
      tail = 0;
      chunkStart = r;
    }
    if (tail == 0 || column[r - 1] != column[r]) tail++;
  }
  Summary acc = prune(sk.exactSummary(column + chunkStart, n - chunkStart), limit);
  for (size_t l = 1; l < levels.size(); l++) {
    if (levels[l].size == 0) continue;
    acc = acc.size == 0 ? levels[l] : prune(combine(acc, levels[l]), limit);
  }
  return acc;
}

/** One feature's cuts into out[0..) (at most maxBin + 1 values); returns their count and sets *minValue. */
int cutsOfColumn(Sketcher& sk, const float* column, int m, int maxBin, float* out, float* minValue) {
  if (m == 0) {
    out[0] = static_cast<float>(1e-5 + static_cast<double>(static_cast<float>(1e-5 + 1e-5)));
    *minValue = static_cast<float>(1e-5);
    return 1;
  }
  const int intermediate = std::min(m, maxBin * SKETCH_FACTOR);
  const int bins = std::min(intermediate, maxBin);
  const Summary s = prune(prune(sketchColumn(sk, column, m, maxBin), intermediate), bins + 1);
  const int required = std::min(s.size, bins);
  int count = 0;
  for (int i = 1; i < required; i++) {
    if (i == 1 || s.value[i] > out[count - 1]) out[count++] = s.value[i];
  }
  const float top = s.value[s.size - 1];
  out[count++] = top + (std::fabs(top) + 1e-5f);
  const double v0 = s.value[0];
  *minValue = static_cast<float>(roundToFloat(v0 - std::fabs(v0) - 1e-5));
  return count;
}

/** Features gathered per pass over the row-major matrix (a cache line of float32 per row). */
constexpr int GATHER_FEATURES = 16;

// gbdtCuts(x: Float32Array, rows, features, maxBin, values: Float32Array [features * (maxBin + 1)],
//   counts: Int32Array [features], minValues: Float32Array [features], hasMissing: Uint8Array [features], threads)
napi_value jsCuts(napi_env env, napi_callback_info info) {
  CallArgs a(env, info);
  const float* x = a.array<float>(0);
  const int rows = a.num(1), features = a.num(2), maxBin = a.num(3);
  float* values = a.array<float>(4);
  int32_t* counts = a.array<int32_t>(5);
  float* minValues = a.array<float>(6);
  uint8_t* hasMissing = a.array<uint8_t>(7);
  const int threads = std::max(1, std::min(a.num(8), features));
  parallel(threads, [&](int t) {
    int f0, f1;
    part(features, threads, t, &f0, &f1);
    Sketcher sk;
    const int width = std::min(GATHER_FEATURES, f1 - f0);
    std::vector<std::vector<float>> columns(width, std::vector<float>(rows));
    std::vector<int> m(width);
    for (int g0 = f0; g0 < f1; g0 += GATHER_FEATURES) {
      const int w = std::min(GATHER_FEATURES, f1 - g0);
      std::fill(m.begin(), m.end(), 0);
      for (int r = 0; r < rows; r++) {
        const float* row = x + static_cast<size_t>(r) * features + g0;
        for (int j = 0; j < w; j++) {
          const float v = row[j];
          if (v == v) columns[j][m[j]++] = v;
        }
      }
      for (int j = 0; j < w; j++) {
        const int f = g0 + j;
        counts[f] = cutsOfColumn(sk, columns[j].data(), m[j], maxBin, values + static_cast<size_t>(f) * (maxBin + 1), minValues + f);
        hasMissing[f] = m[j] < rows;
      }
    }
  });
  return a.undefined();
}

// ---------------------------------------------------------------------------------------
// Binning (binning.ts: binRows).

constexpr int BLOCK_ROWS = 1024;

/** Code of each value: the number of cuts <= v, clamped to the last bin; nb when missing. */
template <class C>
void binRows(const float* x, C* codes, int rowStride, int features, const float* cuts, const int32_t* ptr, int r0, int r1) {
  for (int b = r0; b < r1; b += BLOCK_ROWS) {
    const int bEnd = std::min(r1, b + BLOCK_ROWS);
    for (int f = 0; f < features; f++) {
      const float* values = cuts + ptr[f];
      const int nb = ptr[f + 1] - ptr[f];
      // Branch-free halving (the values are random, so a branchy search mispredicts), for
      // LANES rows at once: independent search chains keep the core busy while each waits
      // on its loads.
      constexpr int LANES = 8;
      int r = b;
      for (; r + LANES <= bEnd; r += LANES) {
        float v[LANES];
        const float* p[LANES];
        for (int q = 0; q < LANES; q++) {
          v[q] = x[static_cast<size_t>(r + q) * features + f];
          p[q] = values;
        }
        for (int n = nb; n > 1;) {
          const int half = n >> 1;
          for (int q = 0; q < LANES; q++) p[q] = p[q][half] <= v[q] ? p[q] + half : p[q];
          n -= half;
        }
        for (int q = 0; q < LANES; q++) {
          const int code = std::min(nb - 1, static_cast<int>(p[q] - values) + (*p[q] <= v[q] ? 1 : 0));
          codes[static_cast<size_t>(r + q) * rowStride + f] = static_cast<C>(v[q] == v[q] ? code : nb);
        }
      }
      for (; r < bEnd; r++) {
        const float v = x[static_cast<size_t>(r) * features + f];
        const float* p = values;
        for (int n = nb; n > 1;) {
          const int half = n >> 1;
          p = p[half] <= v ? p + half : p;
          n -= half;
        }
        const int code = std::min(nb - 1, static_cast<int>(p - values) + (*p <= v ? 1 : 0));
        codes[static_cast<size_t>(r) * rowStride + f] = static_cast<C>(v == v ? code : nb);
      }
    }
  }
}

// gbdtBinRows(x: Float32Array, codes: Uint8Array | Uint16Array, rowStride, rows, features,
//   cutValues: Float32Array, cutPtr: Int32Array, threads)
napi_value jsBinRows(napi_env env, napi_callback_info info) {
  CallArgs a(env, info);
  const float* x = a.array<float>(0);
  napi_typedarray_type type;
  void* codes = a.array<void>(1, &type);
  const int rowStride = a.num(2), rows = a.num(3), features = a.num(4);
  const float* cuts = a.array<float>(5);
  const int32_t* ptr = a.array<int32_t>(6);
  const int threads = std::max(1, a.num(7));
  parallel(threads, [&](int t) {
    int r0, r1;
    part(rows, threads, t, &r0, &r1);
    if (type == napi_uint8_array)
      binRows(x, static_cast<uint8_t*>(codes), rowStride, features, cuts, ptr, r0, r1);
    else
      binRows(x, static_cast<uint16_t*>(codes), rowStride, features, cuts, ptr, r0, r1);
  });
  return a.undefined();
}

// ---------------------------------------------------------------------------------------
// Histograms and partitions (grow.ts: buildHistogram, TreeGrower.partition).

/** What histogram building reads: the codes and pairs of rows, and the features to sum. */
template <class C>
struct HistSource {
  const C* codes;
  int rowStride;
  const int32_t* slot;
  /** Listed features, or null for all `features`. */
  const int32_t* list;
  const double* gh;

  /** Adds row r's pair to its bins of features k0..k1 of the list. */
  inline void add(double* hist, size_t r, int k0, int k1) const {
    const __m128d v = _mm_loadu_pd(gh + 2 * r);
    const C* c = codes + r * rowStride;
    if (list == nullptr) {
      for (int k = k0; k < k1; k++) {
        double* p = hist + 2 * (static_cast<size_t>(slot[k]) + c[k]);
        _mm_storeu_pd(p, _mm_add_pd(_mm_loadu_pd(p), v));
      }
    } else {
      for (int k = k0; k < k1; k++) {
        const int f = list[k];
        double* p = hist + 2 * (static_cast<size_t>(slot[f]) + c[f]);
        _mm_storeu_pd(p, _mm_add_pd(_mm_loadu_pd(p), v));
      }
    }
  }
};

/** Node positions per row block, at least (see rowBlocks). */
constexpr int ROW_BLOCK_MIN = 8192;
constexpr int ROW_BLOCKS_MAX = 16;

/**
 * The blocks (equal parts) a node's positions are summed in, histograms and gradient sums
 * alike (kernels.ts's rowBlocks): a function of the node's size only, so threads may take
 * blocks without changing the order of any sum.
 */
inline int rowBlocks(int n) { return std::max(1, std::min(ROW_BLOCKS_MAX, n / ROW_BLOCK_MIN)); }

/** Rows ahead whose data is prefetched when rows are read through ids. */
constexpr int PREFETCH = 32;

/** Feature ranges whose bins take more than this are summed in groups (see histogram). */
constexpr int L1_HIST_BYTES = 96 << 10;
/** Features per group, and rows per block, of the grouped histogram. */
constexpr int HIST_GROUP = 8;
constexpr int HIST_BLOCK = 256;

/**
 * Row by row, each row's pair added to its bin of every feature. When the features' bins
 * do not fit in L1, blocks of rows are summed a group of features at a time instead, so a
 * group's bins stay in L1 while the block (in L1 too) is read once per group. Either way
 * each slot sums its rows in position order.
 */
template <class C>
void histogram(const HistSource<C>& s, double* hist, int k0, int k1, const uint32_t* rows, int begin, int end) {
  const int binsPerFeature = s.slot[1] - s.slot[0];
  if (static_cast<int64_t>(k1 - k0) * binsPerFeature * 16 <= L1_HIST_BYTES) {
    for (int i = begin; i < end; i++) {
      size_t r = i;
      if (rows) {
        r = rows[i];
        if (i + PREFETCH < end) {
          const size_t ahead = rows[i + PREFETCH];
          _mm_prefetch(reinterpret_cast<const char*>(s.codes + ahead * s.rowStride), _MM_HINT_T0);
          _mm_prefetch(reinterpret_cast<const char*>(s.gh + 2 * ahead), _MM_HINT_T0);
        }
      }
      s.add(hist, r, k0, k1);
    }
    return;
  }
  size_t at[HIST_BLOCK];
  for (int b = begin; b < end; b += HIST_BLOCK) {
    const int n = std::min(HIST_BLOCK, end - b);
    for (int j = 0; j < n; j++) {
      const int i = b + j;
      if (rows && i + PREFETCH < end) {
        const size_t ahead = rows[i + PREFETCH];
        _mm_prefetch(reinterpret_cast<const char*>(s.codes + ahead * s.rowStride), _MM_HINT_T0);
        _mm_prefetch(reinterpret_cast<const char*>(s.gh + 2 * ahead), _MM_HINT_T0);
      }
      at[j] = rows ? rows[i] : static_cast<size_t>(i);
    }
    for (int g = k0; g < k1; g += HIST_GROUP) {
      const int gEnd = std::min(k1, g + HIST_GROUP);
      for (int j = 0; j < n; j++) s.add(hist, at[j], g, gEnd);
    }
  }
}

/** Cells (positions x features) below which one thread builds a histogram alone (a dispatch costs more). */
constexpr int64_t CELLS_PER_THREAD = 1 << 14;
/** Slots per thread below which one thread adds the blocks' histograms together. */
constexpr int64_t REDUCE_SLOTS_PER_THREAD = 1 << 15;

/**
 * A node's histogram, summed in row blocks (rowBlocks) that threads share: block 0 into
 * `hist`, the others into their own histograms, added to `hist` in block order afterwards.
 * Blocks are further cut into feature groups when there are too few to keep every thread
 * busy. Block bounds depend only on the node's size, and which thread sums a (block, group)
 * task changes nothing, so the sums are the same for any thread count.
 */
template <class C>
void histogramThreads(const HistSource<C>& s, double* hist, size_t histLength, int count, const uint32_t* rows, int begin, int end, int threads) {
  const int n = end - begin;
  const int blocks = rowBlocks(n);
  threads = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(threads, static_cast<int64_t>(n) * count / CELLS_PER_THREAD)));
  const int groups = threads == 1 ? 1 : std::max(1, std::min(count, (2 * threads + blocks - 1) / blocks));
  // Each calling (JS) thread has its own block histograms.
  static thread_local std::vector<double> scratch;
  if (scratch.size() < (blocks - 1) * histLength) scratch.resize((blocks - 1) * histLength);
  // (A thread_local named inside the lambdas would be each helper's own.)
  double* const others = scratch.data();
  const auto blockHist = [&](int j) { return j == 0 ? hist : others + (j - 1) * histLength; };
  const size_t width = 2 * static_cast<size_t>(s.slot[1] - s.slot[0]);
  const auto slotsOf = [&](int k) { return 2 * static_cast<size_t>(s.slot[s.list ? s.list[k] : k]); };
  parallelParts(blocks * groups, threads, [&](int t) {
    const int j = t / groups;
    int k0, k1, b0, b1;
    part(count, groups, t % groups, &k0, &k1);
    part(n, blocks, j, &b0, &b1);
    double* out = blockHist(j);
    if (j > 0)
      for (int k = k0; k < k1; k++) std::fill_n(out + slotsOf(k), width, 0.0);
    histogram(s, out, k0, k1, rows, begin + b0, begin + b1);
  });
  if (blocks == 1) return;
  const int reducers = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>({threads, count, static_cast<int64_t>(blocks - 1) * count * static_cast<int64_t>(width) / REDUCE_SLOTS_PER_THREAD})));
  parallel(reducers, [&](int t) {
    int k0, k1;
    part(count, reducers, t, &k0, &k1);
    for (int k = k0; k < k1; k++) {
      double* h = hist + slotsOf(k);
      for (int j = 1; j < blocks; j++) {
        const double* p = blockHist(j) + slotsOf(k);
        for (size_t i = 0; i < width; i++) h[i] += p[i];
      }
    }
  });
}

template <class C>
HistSource<C> source(CallArgs& a, const void* codes, int first) {
  return {static_cast<const C*>(codes), a.num(first), a.array<int32_t>(first + 1), a.array<int32_t>(first + 2), a.array<double>(first + 3)};
}

// gbdtHistogram(hist: Float64Array, codes: Uint8Array | Uint16Array, rowStride, slot: Int32Array,
//   list: Int32Array | null, gh: Float64Array, count, rows: Uint32Array | null, begin, end, threads)
// Sums the pairs of node positions [begin, end) (row rows[i], or i) over the `count` features
// of `list` (or the first `count`).
napi_value jsHistogram(napi_env env, napi_callback_info info) {
  CallArgs a(env, info);
  double* hist = a.array<double>(0);
  napi_typedarray_type type;
  const void* codes = a.array<void>(1, &type);
  const int count = a.num(6);
  const uint32_t* rows = a.array<uint32_t>(7);
  const int begin = a.num(8), end = a.num(9), threads = a.num(10);
  if (type == napi_uint8_array)
    histogramThreads(source<uint8_t>(a, codes, 2), hist, a.length(0), count, rows, begin, end, threads);
  else
    histogramThreads(source<uint16_t>(a, codes, 2), hist, a.length(0), count, rows, begin, end, threads);
  return a.undefined();
}

/** Rows of a node below which one thread partitions it alone. */
constexpr int PARTITION_ROWS_PER_THREAD = 1 << 13;

/**
 * Stable partition of the row ids at positions [begin, end) by the split feature's codes
 * `column` (feature-major, indexed by row id), in order into `left` and `right`; returns the
 * number of left rows. Branch-free: each id is written to both sides and only one cursor
 * advances (the side is random, so a branch would mispredict half the time). Each side must
 * hold end - begin ids; `left` may be `rows + begin` (it never passes the position read).
 */
template <class C>
int partitionIds(const C* column, const uint32_t* rows, int begin, int end, int bin, int missing, bool defaultLeft, uint32_t* left, uint32_t* right) {
  int l = 0;
  int r = 0;
  for (int i = begin; i < end; i++) {
    const uint32_t id = rows[i];
    const int c = column[id];
    const bool goLeft = c == missing ? defaultLeft : c <= bin;
    left[l] = id;
    right[r] = id;
    l += goLeft;
    r += !goLeft;
  }
  return l;
}

// gbdtPartition(hist: Float64Array | null, codes, rowStride, slot, list, gh, count, smallLeft,
//   rows: Uint32Array, scratch: Uint32Array, columns: Uint8Array | Uint16Array, begin, end,
//   feature, bin, missing, defaultLeft, threads) -> mid
// Stable partition of the row ids at node positions [begin, end) (code <= bin goes left, the
// missing code follows defaultLeft), reading the split feature from the feature-major codes
// `columns` (`rows.length` rows). With several threads the node is cut into chunks, each
// partitioned separately and copied into place. With `hist`, the histogram of the
// `smallLeft` side is built after the partition, as gbdtHistogram would.
napi_value jsPartition(napi_env env, napi_callback_info info) {
  CallArgs a(env, info);
  double* hist = a.array<double>(0);
  napi_typedarray_type type;
  const void* codes = a.array<void>(1, &type);
  const int count = a.num(6);
  const bool smallLeft = a.flag(7);
  uint32_t* rows = a.array<uint32_t>(8);
  uint32_t* scratch = a.array<uint32_t>(9);
  const void* columns = a.array<void>(10);
  const int begin = a.num(11), end = a.num(12), feature = a.num(13), bin = a.num(14), missing = a.num(15);
  const bool defaultLeft = a.flag(16);
  const int threads = std::max(1, std::min({a.num(17), (end - begin) / PARTITION_ROWS_PER_THREAD, 64}));
  const size_t matrixRows = a.length(8);
  auto run = [&](auto s) {
    using C = std::remove_const_t<std::remove_pointer_t<decltype(s.codes)>>;
    const C* column = static_cast<const C*>(columns) + static_cast<size_t>(feature) * matrixRows;
    int mid;
    if (threads == 1) {
      const int l = partitionIds(column, rows, begin, end, bin, missing, defaultLeft, rows + begin, scratch);
      std::memcpy(rows + begin + l, scratch, 4 * static_cast<size_t>(end - begin - l));
      mid = begin + l;
    } else {
      // Each chunk is partitioned into its own stretch of both sides of a buffer kept for
      // the calling thread, then copied into place.
      const size_t n = end - begin;
      static thread_local std::vector<uint32_t> buffer;
      if (buffer.size() < 2 * n) buffer.resize(2 * n);
      uint32_t* const sides = buffer.data();
      int lefts[64];
      parallel(threads, [&](int t) {
        int c0, c1;
        part(end - begin, threads, t, &c0, &c1);
        lefts[t] = partitionIds(column, rows, begin + c0, begin + c1, bin, missing, defaultLeft, sides + c0, sides + n + c0);
      });
      int total = 0;
      for (int t = 0; t < threads; t++) total += lefts[t];
      parallel(threads, [&](int t) {
        int c0, c1;
        part(end - begin, threads, t, &c0, &c1);
        int leftBefore = 0;
        for (int u = 0; u < t; u++) leftBefore += lefts[u];
        const int rights = c1 - c0 - lefts[t];
        std::memcpy(rows + begin + leftBefore, sides + c0, 4 * static_cast<size_t>(lefts[t]));
        std::memcpy(rows + begin + total + (c0 - leftBefore), sides + n + c0, 4 * static_cast<size_t>(rights));
      });
      mid = begin + total;
    }
    if (hist) {
      if (smallLeft)
        histogramThreads(s, hist, a.length(0), count, rows, begin, mid, a.num(17));
      else
        histogramThreads(s, hist, a.length(0), count, rows, mid, end, a.num(17));
    }
    return mid;
  };
  const int mid = type == napi_uint8_array ? run(source<uint8_t>(a, codes, 2)) : run(source<uint16_t>(a, codes, 2));
  return a.newInt(mid);
}

// gbdtColumns(codes: Uint8Array | Uint16Array, rowStride, rows, features, out (same type), threads)
// out[f * rows + r] = codes[r * rowStride + f], blocks of rows at a time.
template <class C>
void columns(const C* codes, int rowStride, int rows, int features, C* out, int r0, int r1) {
  for (int b = r0; b < r1; b += BLOCK_ROWS) {
    const int bEnd = std::min(r1, b + BLOCK_ROWS);
    for (int f = 0; f < features; f++) {
      C* o = out + static_cast<size_t>(f) * rows;
      for (int r = b; r < bEnd; r++) o[r] = codes[static_cast<size_t>(r) * rowStride + f];
    }
  }
}

napi_value jsColumns(napi_env env, napi_callback_info info) {
  CallArgs a(env, info);
  napi_typedarray_type type;
  void* codes = a.array<void>(0, &type);
  const int rowStride = a.num(1), rows = a.num(2), features = a.num(3);
  void* out = a.array<void>(4);
  const int threads = std::max(1, a.num(5));
  parallel(threads, [&](int t) {
    int r0, r1;
    part(rows, threads, t, &r0, &r1);
    if (type == napi_uint8_array)
      columns(static_cast<const uint8_t*>(codes), rowStride, rows, features, static_cast<uint8_t*>(out), r0, r1);
    else
      columns(static_cast<const uint16_t*>(codes), rowStride, rows, features, static_cast<uint16_t*>(out), r0, r1);
  });
  return a.undefined();
}

// ---------------------------------------------------------------------------------------
// Gradients (objective.ts: computeGradients).

/**
 * e^x as fdlibm's __ieee754_exp computes it, operation for operation: V8's Math.exp is that
 * same routine (src/base/ieee754.cc, with exp(1) = Math.E), so sigmoids here equal JavaScript's bit for bit. The
 * addon's loader checks that on sample values before using it (gbdtExp).
 */
double fdlibmExp(double x) {
  static const double halF[2] = {0.5, -0.5};
  static const double ln2HI[2] = {6.93147180369123816490e-01, -6.93147180369123816490e-01};
  static const double ln2LO[2] = {1.90821492927058770002e-10, -1.90821492927058770002e-10};
  const double huge = 1.0e+300, twom1000 = 9.33263618503218878990e-302;
  const double oThreshold = 7.09782712893383973096e+02, uThreshold = -7.45133219101941108420e+02;
  const double invln2 = 1.44269504088896338700e+00;
  const double P1 = 1.66666666666666019037e-01, P2 = -2.77777777770155933842e-03, P3 = 6.61375632143793436117e-05, P4 = -1.65339022054652515390e-06, P5 = 4.13813679705723846039e-08;
  uint64_t bits;
  std::memcpy(&bits, &x, 8);
  uint32_t hx = static_cast<uint32_t>(bits >> 32);
  const int xsb = (hx >> 31) & 1;
  hx &= 0x7fffffff;
  double hi = 0, lo = 0;
  int k = 0;
  if (hx >= 0x40862E42) {
    if (hx >= 0x7ff00000) {
      if (((hx & 0xfffff) | static_cast<uint32_t>(bits)) != 0) return x + x;
      return xsb == 0 ? x : 0.0;
    }
    if (x > oThreshold) return huge * huge;
    if (x < uThreshold) return twom1000 * twom1000;
  }
  if (hx > 0x3fd62e42) {
    // V8's one change to the routine: Math.exp(1) is Math.E (fdlibm is one ulp above).
    if (x == 1.0) return 2.718281828459045;
    if (hx < 0x3FF0A2B2) {
      hi = x - ln2HI[xsb];
      lo = ln2LO[xsb];
      k = 1 - xsb - xsb;
    } else {
      k = static_cast<int>(invln2 * x + halF[xsb]);
      const double t = k;
      hi = x - t * ln2HI[0];
      lo = t * ln2LO[0];
    }
    x = hi - lo;
  } else if (hx < 0x3e300000) {
    if (huge + x > 1.0) return 1.0 + x;
  } else {
    k = 0;
  }
  const double t = x * x;
  const double c = x - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
  if (k == 0) return 1.0 - ((x * c) / (c - 2.0) - x);
  double y = 1.0 - ((lo - (x * c) / (2.0 - c)) - hi);
  std::memcpy(&bits, &y, 8);
  if (k >= -1021) {
    bits += static_cast<uint64_t>(static_cast<int64_t>(k) << 52);
    std::memcpy(&y, &bits, 8);
    return y;
  }
  bits += static_cast<uint64_t>(static_cast<int64_t>(k + 1000) << 52);
  std::memcpy(&y, &bits, 8);
  return y * twom1000;
}

/**
 * fdlibmExp of eight values: the same operations in the same order, per lane (separate
 * multiplies and adds, never fused). Lanes the vector path does not cover (|x| >= 709.78 or
 * < 2^-28, x = 1, results below 2^-1021) are redone by fdlibmExp.
 */
inline __m512d exp8(__m512d x) {
  const __m512i bits = _mm512_castpd_si512(x);
  const __m512i hx = _mm512_and_si512(_mm512_srli_epi64(bits, 32), _mm512_set1_epi64(0x7fffffff));
  const __mmask8 negative = _mm512_cmplt_pd_mask(x, _mm512_setzero_pd());
  const __mmask8 reduce = _mm512_cmpgt_epi64_mask(hx, _mm512_set1_epi64(0x3fd62e42));
  const __mmask8 near = _mm512_mask_cmplt_epi64_mask(reduce, hx, _mm512_set1_epi64(0x3FF0A2B2));
  const __mmask8 far = reduce & ~near;
  __mmask8 scalar = _mm512_cmpge_epi64_mask(hx, _mm512_set1_epi64(0x40862E42)) | _mm512_cmplt_epi64_mask(hx, _mm512_set1_epi64(0x3e300000)) | _mm512_cmpeq_pd_mask(x, _mm512_set1_pd(1.0));
  const __m512d ln2HI = _mm512_set1_pd(6.93147180369123816490e-01), ln2LO = _mm512_set1_pd(1.90821492927058770002e-10);
  // |x| in (0.5 ln2, 1.5 ln2): k = +-1.
  const __m512d nearHi = _mm512_sub_pd(x, _mm512_mask_blend_pd(negative, ln2HI, _mm512_sub_pd(_mm512_setzero_pd(), ln2HI)));
  const __m512d nearLo = _mm512_mask_blend_pd(negative, ln2LO, _mm512_sub_pd(_mm512_setzero_pd(), ln2LO));
  const __m256i nearK = _mm256_mask_blend_epi32(negative, _mm256_set1_epi32(1), _mm256_set1_epi32(-1));
  // Larger |x|: k = (int)(x / ln2 +- 0.5).
  const __m512d half = _mm512_mask_blend_pd(negative, _mm512_set1_pd(0.5), _mm512_set1_pd(-0.5));
  const __m256i farK = _mm512_cvttpd_epi32(_mm512_add_pd(_mm512_mul_pd(_mm512_set1_pd(1.44269504088896338700e+00), x), half));
  const __m512d t = _mm512_cvtepi32_pd(farK);
  const __m512d farHi = _mm512_sub_pd(x, _mm512_mul_pd(t, ln2HI));
  const __m512d farLo = _mm512_mul_pd(t, ln2LO);
  const __m512d hi = _mm512_mask_blend_pd(far, nearHi, farHi);
  const __m512d lo = _mm512_mask_blend_pd(far, nearLo, farLo);
  const __m256i k = _mm256_mask_blend_epi32(far, _mm256_mask_blend_epi32(near, _mm256_setzero_si256(), nearK), farK);
  const __m512d r = _mm512_mask_sub_pd(x, reduce, hi, lo);
  const __m512d tt = _mm512_mul_pd(r, r);
  __m512d poly = _mm512_set1_pd(4.13813679705723846039e-08);
  poly = _mm512_add_pd(_mm512_set1_pd(-1.65339022054652515390e-06), _mm512_mul_pd(tt, poly));
  poly = _mm512_add_pd(_mm512_set1_pd(6.61375632143793436117e-05), _mm512_mul_pd(tt, poly));
  poly = _mm512_add_pd(_mm512_set1_pd(-2.77777777770155933842e-03), _mm512_mul_pd(tt, poly));
  poly = _mm512_add_pd(_mm512_set1_pd(1.66666666666666019037e-01), _mm512_mul_pd(tt, poly));
  const __m512d c = _mm512_sub_pd(r, _mm512_mul_pd(tt, poly));
  const __m512d one = _mm512_set1_pd(1.0), two = _mm512_set1_pd(2.0);
  const __m512d xc = _mm512_mul_pd(r, c);
  // k = 0: 1 - ((x c) / (c - 2) - x).
  const __m512d unreduced = _mm512_sub_pd(one, _mm512_sub_pd(_mm512_div_pd(xc, _mm512_sub_pd(c, two)), r));
  // Otherwise 1 - ((lo - (x c) / (2 - c)) - hi), scaled by 2^k through the exponent bits.
  const __m512d y = _mm512_sub_pd(one, _mm512_sub_pd(_mm512_sub_pd(lo, _mm512_div_pd(xc, _mm512_sub_pd(two, c))), hi));
  const __m512i k64 = _mm512_cvtepi32_epi64(k);
  scalar |= _mm512_mask_cmplt_epi64_mask(reduce, k64, _mm512_set1_epi64(-1021));
  const __m512d scaled = _mm512_castsi512_pd(_mm512_add_epi64(_mm512_castpd_si512(y), _mm512_slli_epi64(k64, 52)));
  __m512d out = _mm512_mask_blend_pd(reduce, unreduced, scaled);
  if (scalar) {
    alignas(64) double xs[8], os[8];
    _mm512_store_pd(xs, x);
    _mm512_store_pd(os, out);
    for (int q = 0; q < 8; q++)
      if (scalar >> q & 1) os[q] = fdlibmExp(xs[q]);
    out = _mm512_load_pd(os);
  }
  return out;
}

// gbdtExp(x: Float64Array, out: Float64Array): out[i] = e^x[i] as gbdtGradients computes it.
napi_value jsExp(napi_env env, napi_callback_info info) {
  CallArgs a(env, info);
  const double* x = a.array<double>(0);
  double* out = a.array<double>(1);
  const size_t n = a.length(0);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) _mm512_storeu_pd(out + i, exp8(_mm512_loadu_pd(x + i)));
  for (; i < n; i++) out[i] = fdlibmExp(x[i]);
  return a.undefined();
}

// gbdtGradients(logistic: bool, margin: Float64Array, y: Float32Array, rows, weight: Float64Array | null,
//   gh: Float64Array, threads): computeGradients for one output, rows split across threads.
napi_value jsGradients(napi_env env, napi_callback_info info) {
  CallArgs a(env, info);
  const bool logistic = a.flag(0);
  const double* margin = a.array<double>(1);
  const float* y = a.array<float>(2);
  const int rows = a.num(3);
  const double* weight = a.array<double>(4);
  double* gh = a.array<double>(5);
  const int threads = std::max(1, a.num(6));
  parallel(threads, [&](int t) {
    int r0, r1;
    part(rows, threads, t, &r0, &r1);
    int r = r0;
    if (logistic) {
      // float32 rounding of each step, as Math.fround: through a float conversion and back.
      const auto round = [](__m512d v) { return _mm512_cvtps_pd(_mm512_cvtpd_ps(v)); };
      const __m512d one = _mm512_set1_pd(1.0), eps = _mm512_set1_pd(1e-16);
      const __m512i first = _mm512_set_epi64(11, 3, 10, 2, 9, 1, 8, 0), second = _mm512_set_epi64(15, 7, 14, 6, 13, 5, 12, 4);
      for (; r + 8 <= r1; r += 8) {
        const __m512d w = weight ? _mm512_loadu_pd(weight + r) : one;
        const __m512d p = round(_mm512_div_pd(one, _mm512_add_pd(one, exp8(_mm512_sub_pd(_mm512_setzero_pd(), _mm512_loadu_pd(margin + r))))));
        const __m512d g = round(_mm512_mul_pd(_mm512_sub_pd(p, _mm512_cvtps_pd(_mm256_loadu_ps(y + r))), w));
        // max(eps, v) is v unless eps > v, Math.max's answer (NaN included).
        const __m512d h = round(_mm512_mul_pd(_mm512_max_pd(eps, round(_mm512_mul_pd(p, _mm512_sub_pd(one, p)))), w));
        _mm512_storeu_pd(gh + 2 * static_cast<size_t>(r), _mm512_permutex2var_pd(g, first, h));
        _mm512_storeu_pd(gh + 2 * static_cast<size_t>(r) + 8, _mm512_permutex2var_pd(g, second, h));
      }
    }
    for (; r < r1; r++) {
      const double w = weight ? weight[r] : 1.0;
      if (logistic) {
        const double p = roundToFloat(1.0 / (1.0 + fdlibmExp(-margin[r])));
        gh[2 * r] = roundToFloat((p - y[r]) * w);
        const double q = roundToFloat(p * (1.0 - p));
        gh[2 * r + 1] = roundToFloat((1e-16 > q ? 1e-16 : q) * w);
      } else {
        gh[2 * r] = roundToFloat((margin[r] - y[r]) * w);
        gh[2 * r + 1] = roundToFloat(w);
      }
    }
  });
  return a.undefined();
}

// gbdtSoftmaxGradients(margin: Float64Array [rows * outputs], y: Float32Array, rows, outputs,
//   weight: Float64Array | null, gh: Float64Array[] [outputs], threads): computeGradients for
//   multi:softprob, rows split across threads, eight rows at a time through exp8.
napi_value jsSoftmaxGradients(napi_env env, napi_callback_info info) {
  CallArgs a(env, info);
  const double* margin = a.array<double>(0);
  const float* y = a.array<float>(1);
  const int rows = a.num(2), outputs = a.num(3);
  const double* weight = a.array<double>(4);
  std::vector<double*> gh(outputs);
  for (int k = 0; k < outputs; k++) gh[k] = a.element<double>(5, k);
  const int threads = std::max(1, std::min(a.num(6), rows / PARTITION_ROWS_PER_THREAD));
  parallel(threads, [&](int t) {
    int r0, r1;
    part(rows, threads, t, &r0, &r1);
    // e^(margin - max) of eight rows, class-major.
    std::vector<double> e(8 * static_cast<size_t>(outputs));
    for (int r = r0; r < r1; r += 8) {
      const int lanes = std::min(8, r1 - r);
      alignas(64) double top[8], sum[8];
      for (int q = 0; q < lanes; q++) {
        const double* m = margin + static_cast<size_t>(r + q) * outputs;
        // Math.max: NaN if any value is NaN.
        double v = -INFINITY;
        for (int k = 0; k < outputs; k++) v = m[k] != m[k] || v != v ? NAN : m[k] > v ? m[k] : v;
        top[q] = v;
      }
      for (int k = 0; k < outputs; k++) {
        alignas(64) double x[8];
        for (int q = 0; q < lanes; q++) x[q] = margin[static_cast<size_t>(r + q) * outputs + k] - top[q];
        if (lanes == 8) {
          _mm512_storeu_pd(e.data() + 8 * k, exp8(_mm512_load_pd(x)));
        } else {
          for (int q = 0; q < lanes; q++) e[8 * k + q] = fdlibmExp(x[q]);
        }
      }
      for (int q = 0; q < lanes; q++) {
        double s = 0;
        for (int k = 0; k < outputs; k++) s += e[8 * k + q];
        sum[q] = s;
      }
      for (int q = 0; q < lanes; q++) {
        const double w = weight ? weight[r + q] : 1.0;
        for (int k = 0; k < outputs; k++) {
          const double p = roundToFloat(e[8 * k + q] / sum[q]);
          const double v = roundToFloat(2.0 * p * roundToFloat(1.0 - p));
          gh[k][2 * (r + q)] = roundToFloat((k == y[r + q] ? p - 1.0 : p) * w);
          gh[k][2 * (r + q) + 1] = roundToFloat((1e-16 > v ? 1e-16 : v) * w);
        }
      }
    }
  });
  return a.undefined();
}

// ---------------------------------------------------------------------------------------
// Split finding (grow.ts: findSplit, score, thresholdL1): the same double arithmetic, with
// float32 rounding at the same places.

inline double thresholdL1(double g, double alpha) { return g > alpha ? g - alpha : g < -alpha ? g + alpha : 0; }

inline double score(double g, double h, double alpha, double lambda) {
  if (h <= 0) return 0;
  const double t = thresholdL1(g, alpha);
  return (t * t) / (h + lambda);
}

inline double f32(double v) { return roundToFloat(v); }

/** XGBoost's `kRtEps`. */
constexpr double MIN_GAIN = 1e-6;

struct Split {
  double gain = 0, gl = 0, hl = 0, gr = 0, hr = 0;
  int feature = -1, bin = 0;
  bool defaultLeft = false;
};

struct SplitSearch {
  const double* hist;
  const int32_t* slot;
  const int32_t* binCounts;
  const uint8_t* hasMissing;
  const int32_t* features;
  double g, h, mcw, alpha, lambda, parentGain;

  /**
   * One direction's scan of feature f's bins into `best`: bins accumulate on the scanned
   * side (the left one forward, the right one backward, which then takes the missing
   * values' other side), the rest is the other. Gains add the scanned side's score first.
   */
  void scanFeature(int f, bool backward, Split& best) const {
    const int nb = binCounts[f];
    const double* base = hist + 2 * static_cast<size_t>(slot[f]);
    double gs = 0, hs = 0;
    for (int i = 0; i < nb; i++) {
      const int b = backward ? nb - 1 - i : i;
      const double hb = base[2 * b + 1];
      if (hb == 0 && base[2 * b] == 0) continue;
      gs += base[2 * b];
      hs += hb;
      const double go = g - gs;
      const double ho = h - hs;
      if (ho < mcw) break;
      if (hs >= mcw) {
        const double gain = f32(f32(f32(score(gs, hs, alpha, lambda)) + f32(score(go, ho, alpha, lambda))) - parentGain);
        if (gain > best.gain) best = backward ? Split{gain, go, ho, gs, hs, f, b - 1, true} : Split{gain, gs, hs, go, ho, f, b, false};
      }
    }
  }

  /** The best split over features[k0..k1): the first strictly best candidate in scan order. */
  Split scan(int k0, int k1) const {
    Split best;
    for (int k = k0; k < k1; k++) {
      const int f = features[k];
      scanFeature(f, false, best);
      // The backward scan only when the node has missing values of f (a NaN sum scans too).
      if (hasMissing[f] != 0 && !(hist[2 * (static_cast<size_t>(slot[f]) + binCounts[f]) + 1] <= 0)) scanFeature(f, true, best);
    }
    return best;
  }
};

/** Features per thread below which split finding stays on one thread. */
constexpr int SPLIT_FEATURES_PER_THREAD = 8;

// gbdtFindSplit(hist, slot: Int32Array, binCounts: Int32Array, hasMissing: Uint8Array,
//   features: Int32Array, g, h, params: Float64Array [mcw, alpha, lambda, gamma], out: Float64Array [8], threads) -> bool
// Threads scan feature ranges; taking their bests in range order, each only when strictly
// better, gives the one-thread answer.
napi_value jsFindSplit(napi_env env, napi_callback_info info) {
  CallArgs a(env, info);
  const int count = static_cast<int>(a.length(4));
  const double* params = a.array<double>(7);
  const double g = a.real(5), h = a.real(6);
  const double mcw = params[0], alpha = params[1], lambda = params[2], gamma = params[3];
  const SplitSearch search{a.array<double>(0), a.array<int32_t>(1), a.array<int32_t>(2), a.array<uint8_t>(3), a.array<int32_t>(4), g, h, mcw, alpha, lambda, h < mcw ? 0 : f32(score(g, h, alpha, lambda))};
  double* out = a.array<double>(8);
  const int threads = std::max(1, std::min(a.num(9), count / SPLIT_FEATURES_PER_THREAD));
  Split parts[64];
  const int used = std::min(threads, 64);
  parallel(used, [&](int t) {
    int k0, k1;
    part(count, used, t, &k0, &k1);
    parts[t] = search.scan(k0, k1);
  });
  Split best;
  for (int t = 0; t < used; t++)
    if (parts[t].gain > best.gain) best = parts[t];
  const bool found = !(best.feature < 0 || best.gain <= MIN_GAIN || best.gain < gamma || best.hl == 0 || best.hr == 0);
  if (found) {
    const double values[8] = {best.gain, static_cast<double>(best.feature), static_cast<double>(best.bin), best.defaultLeft ? 1.0 : 0.0, best.gl, best.hl, best.gr, best.hr};
    std::memcpy(out, values, sizeof values);
  }
  napi_value result;
  napi_get_boolean(env, found, &result);
  return result;
}

// gbdtSubtract(hist: Float64Array, small: Float64Array, threads): hist -= small, threads taking ranges.
napi_value jsSubtract(napi_env env, napi_callback_info info) {
  CallArgs a(env, info);
  double* hist = a.array<double>(0);
  const double* small = a.array<double>(1);
  const int n = static_cast<int>(a.length(0));
  const int threads = std::max(1, std::min<int>(a.num(2), n / REDUCE_SLOTS_PER_THREAD));
  parallel(threads, [&](int t) {
    int i0, i1;
    part(n, threads, t, &i0, &i1);
    for (int i = i0; i < i1; i++) hist[i] -= small[i];
  });
  return a.undefined();
}

// gbdtAddLeaves(margin: Float64Array, rows: Uint32Array, bounds: Int32Array [begin, end per leaf],
//   values: Float64Array [per leaf], stride, offset, threads)
// margin[rows[i] * stride + offset] += the value of the leaf holding position i, in float32.
// Leaves hold disjoint positions, so threads take position ranges.
napi_value jsAddLeaves(napi_env env, napi_callback_info info) {
  CallArgs a(env, info);
  double* margin = a.array<double>(0);
  const uint32_t* rows = a.array<uint32_t>(1);
  const int32_t* bounds = a.array<int32_t>(2);
  const double* values = a.array<double>(3);
  const int leaves = static_cast<int>(a.length(3));
  const int stride = a.num(4), offset = a.num(5);
  int positions = 0;
  for (int j = 0; j < leaves; j++) positions = std::max(positions, static_cast<int>(bounds[2 * j + 1]));
  const int threads = std::max(1, std::min(a.num(6), positions / PARTITION_ROWS_PER_THREAD));
  parallel(threads, [&](int t) {
    int p0, p1;
    part(positions, threads, t, &p0, &p1);
    for (int j = 0; j < leaves; j++) {
      const int begin = std::max(p0, static_cast<int>(bounds[2 * j])), end = std::min(p1, static_cast<int>(bounds[2 * j + 1]));
      const double value = values[j];
      for (int i = begin; i < end; i++) {
        if (i + PREFETCH < end) _mm_prefetch(reinterpret_cast<const char*>(margin + static_cast<size_t>(rows[i + PREFETCH]) * stride + offset), _MM_HINT_T0);
        double* m = margin + static_cast<size_t>(rows[i]) * stride + offset;
        *m = roundToFloat(*m + value);
      }
    }
  });
  return a.undefined();
}

// gbdtSumPairs(gh: Float64Array, rows: Uint32Array | null, begin, end, out: Float64Array [2], threads)
// Sums of g and h over node positions [begin, end) (row rows[i], or i): each row block's in
// order, then the blocks' in order (kernels.ts's sumPairs), threads taking blocks.
napi_value jsSumPairs(napi_env env, napi_callback_info info) {
  CallArgs a(env, info);
  const double* gh = a.array<double>(0);
  const uint32_t* rows = a.array<uint32_t>(1);
  const int begin = a.num(2), end = a.num(3);
  double* out = a.array<double>(4);
  const int blocks = rowBlocks(end - begin);
  __m128d sums[ROW_BLOCKS_MAX];
  parallelParts(blocks, std::max(1, std::min(a.num(5), (end - begin) / PARTITION_ROWS_PER_THREAD)), [&](int j) {
    int b0, b1;
    part(end - begin, blocks, j, &b0, &b1);
    __m128d sum = _mm_setzero_pd();
    for (int i = begin + b0; i < begin + b1; i++) sum = _mm_add_pd(sum, _mm_loadu_pd(gh + 2 * static_cast<size_t>(rows ? rows[i] : i)));
    sums[j] = sum;
  });
  __m128d total = _mm_setzero_pd();
  for (int j = 0; j < blocks; j++) total = _mm_add_pd(total, sums[j]);
  _mm_storeu_pd(out, total);
  return a.undefined();
}

}  // namespace

void registerGbdt(napi_env env, napi_value exports) {
  const Export fns[] = {
      {"gbdtCuts", jsCuts},
      {"gbdtBinRows", jsBinRows},
      {"gbdtHistogram", jsHistogram},
      {"gbdtPartition", jsPartition},
      {"gbdtColumns", jsColumns},
      {"gbdtExp", jsExp},
      {"gbdtGradients", jsGradients},
      {"gbdtSoftmaxGradients", jsSoftmaxGradients},
      {"gbdtFindSplit", jsFindSplit},
      {"gbdtSubtract", jsSubtract},
      {"gbdtAddLeaves", jsAddLeaves},
      {"gbdtSumPairs", jsSumPairs},
  };
  exportFunctions(env, exports, fns);
}
