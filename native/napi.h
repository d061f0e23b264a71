// Node-API, the stable C ABI of Node's addons, declared here so the build
// needs no Node headers: an addon built this way loads in any Node version
// with N-API 8 (Node 20 and 22 alike).
#pragma once

#include <cstddef>
#include <cstdint>

extern "C" {
typedef struct napi_env__* napi_env;
typedef struct napi_value__* napi_value;
typedef struct napi_callback_info__* napi_callback_info;
typedef int napi_status;
typedef napi_value (*napi_callback)(napi_env env, napi_callback_info info);
typedef void (*napi_finalize)(napi_env env, void* data, void* hint);
napi_status napi_get_cb_info(napi_env env, napi_callback_info info, size_t* argc, napi_value* argv, napi_value* this_arg, void** data);
napi_status napi_get_value_double(napi_env env, napi_value value, double* result);
napi_status napi_get_value_int32(napi_env env, napi_value value, int32_t* result);
napi_status napi_get_value_bool(napi_env env, napi_value value, bool* result);
napi_status napi_create_double(napi_env env, double value, napi_value* result);
napi_status napi_get_boolean(napi_env env, bool value, napi_value* result);
napi_status napi_create_int32(napi_env env, int32_t value, napi_value* result);
napi_status napi_get_undefined(napi_env env, napi_value* result);
napi_status napi_create_function(napi_env env, const char* utf8name, size_t length, napi_callback cb, void* data, napi_value* result);
napi_status napi_set_named_property(napi_env env, napi_value object, const char* utf8name, napi_value value);
napi_status napi_create_external_arraybuffer(napi_env env, void* external_data, size_t byte_length, napi_finalize finalize_cb, void* finalize_hint, napi_value* result);
napi_status napi_throw_error(napi_env env, const char* code, const char* msg);
napi_status napi_add_env_cleanup_hook(napi_env env, void (*fun)(void* arg), void* arg);
typedef enum {
  napi_int8_array,
  napi_uint8_array,
  napi_uint8_clamped_array,
  napi_int16_array,
  napi_uint16_array,
  napi_int32_array,
  napi_uint32_array,
  napi_float32_array,
  napi_float64_array,
  napi_bigint64_array,
  napi_biguint64_array,
} napi_typedarray_type;
napi_status napi_get_element(napi_env env, napi_value object, uint32_t index, napi_value* result);
napi_status napi_get_typedarray_info(napi_env env, napi_value typedarray, napi_typedarray_type* type, size_t* length, void** data, napi_value* arraybuffer, size_t* byte_offset);
}


/**
 * One call's arguments, read the same way by every part of the addon. `array` is for callers
 * that pass JS null for an absent array; the other reads throw a JS error on a wrong type and
 * set `failed` (a function that validates its inputs returns once it is set).
 */
class CallArgs {
 public:
  CallArgs(napi_env env, napi_callback_info info) : env_(env) { napi_get_cb_info(env, info, &argc_, argv_, nullptr, &data_); }

  /** What the function was exported with (exportFunctions' `data`). */
  void* data() const { return data_; }

  /** A typed array's data (and its type, when asked for), or null for anything else (JS null included). */
  template <class T>
  T* array(size_t i, napi_typedarray_type* type = nullptr) const {
    void* data = nullptr;
    return typedArray(i, type, nullptr, &data) ? static_cast<T*>(data) : nullptr;
  }
  /** A typed array's element count (0 for anything else). */
  size_t length(size_t i) const {
    size_t n = 0;
    return typedArray(i, nullptr, &n, nullptr) ? n : 0;
  }
  /** The data of typed array `j` of the JS array at `i`, or null. */
  template <class T>
  T* element(size_t i, uint32_t j) const {
    napi_value v;
    void* data = nullptr;
    if (i >= argc_ || napi_get_element(env_, argv_[i], j, &v) != 0 || napi_get_typedarray_info(env_, v, nullptr, nullptr, &data, nullptr, nullptr) != 0) return nullptr;
    return static_cast<T*>(data);
  }
  float* floats(size_t i, size_t* length) { return typed<float>(i, napi_float32_array, "expected a Float32Array", length); }
  double* doubles(size_t i, size_t* length) { return typed<double>(i, napi_float64_array, "expected a Float64Array", length); }
  double real(size_t i) {
    double v = 0;
    if (i >= argc_ || napi_get_value_double(env_, argv_[i], &v) != 0) fail("expected a number");
    return v;
  }
  int num(size_t i) {
    int32_t v = 0;
    if (i >= argc_ || napi_get_value_int32(env_, argv_[i], &v) != 0) fail("expected an integer");
    return v;
  }
  bool flag(size_t i) {
    bool v = false;
    if (i >= argc_ || napi_get_value_bool(env_, argv_[i], &v) != 0) fail("expected a boolean");
    return v;
  }
  /** Throws `why` in JS (the first failure of the call only). */
  void fail(const char* why) {
    if (!failed) napi_throw_error(env_, nullptr, why);
    failed = true;
  }
  napi_value undefined() const {
    napi_value u;
    napi_get_undefined(env_, &u);
    return u;
  }
  napi_value newDouble(double v) const {
    napi_value out;
    napi_create_double(env_, v, &out);
    return out;
  }
  napi_value newInt(int v) const {
    napi_value out;
    napi_create_int32(env_, v, &out);
    return out;
  }

  bool failed = false;

 private:
  static constexpr size_t MAX_ARGS = 32;

  bool typedArray(size_t i, napi_typedarray_type* type, size_t* length, void** data) const {
    napi_typedarray_type t;
    size_t n;
    void* d;
    return i < argc_ && napi_get_typedarray_info(env_, argv_[i], type ? type : &t, length ? length : &n, data ? data : &d, nullptr, nullptr) == 0;
  }
  template <class T>
  T* typed(size_t i, napi_typedarray_type want, const char* expected, size_t* length) {
    napi_typedarray_type type;
    void* data = nullptr;
    if (!typedArray(i, &type, length, &data) || type != want) {
      fail(expected);
      return nullptr;
    }
    return static_cast<T*>(data);
  }

  napi_env env_;
  size_t argc_ = MAX_ARGS;
  napi_value argv_[MAX_ARGS];
  void* data_ = nullptr;
};

/** A function of the addon's exports. */
struct Export {
  const char* name;
  napi_callback cb;
};

/** Adds each function to `exports`; `data` reaches them through CallArgs. */
template <size_t N>
void exportFunctions(napi_env env, napi_value exports, const Export (&fns)[N], void* data = nullptr) {
  for (const Export& f : fns) {
    napi_value fn;
    napi_create_function(env, f.name, static_cast<size_t>(-1), f.cb, data, &fn);
    napi_set_named_property(env, exports, f.name, fn);
  }
}

// Each part of the addon adds its functions to the module's exports.
void registerGbdt(napi_env env, napi_value exports);
void registerArrays(napi_env env, napi_value exports);
