// The calls of the binding's handles prepared on the main thread, in two
// phases (arguments.h): first every property is read, then the arguments
// are checked and their arrays taken (in place, or copied into the handle's
// staging memory for a call that runs off the main thread) and the work is
// packed in a closure that may run on another thread. Shared by
// NormalEquations and FactorSnapshot.
#pragma once

#include <napi.h>

#include <cstdint>
#include <cstring>
#include <exception>
#include <tuple>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "arguments.h"
#include "batch_arrays.h"
#include "errors.h"
#include "messages.h"
#include "raw_vector.h"

namespace ariadne::binding {

// Memory a handle owns for the calls that run off the main thread (the
// *Async methods and begin): their inputs are copied into it when called and
// their results written into it, so that no other thread touches an array
// that JavaScript can detach, transfer or resize. Reused across calls (first
// touches of fresh pages are expensive): a call takes its buffers in order
// from the first, and a buffer grows only when a call needs more.
class Staging {
 public:
  void Rewind() { next_ = 0; }
  // The next buffer, of at least `bytes`, 8-byte aligned, contents undefined.
  void* Take(size_t bytes);
  int64_t bytes() const { return bytes_; }
  void Clear();

 private:
  std::vector<RawVector<double>> buffers_;
  size_t next_ = 0;
  int64_t bytes_ = 0;
};

// An array a prepared call writes: a Float64Array given in `out` or a new
// array. Staged results are written into staging memory and copied into
// their JavaScript array when the call completes (PreparedCall::Deliver).
struct ResultArray {
  napi_typedarray_type type = napi_float64_array;
  size_t length = 0;
  void* data = nullptr;  // where the work writes
  bool staged = false;
  // Not staged (a synchronous call): the caller's `out` or a new array, held
  // by the call's handle scope.
  Napi::TypedArray now;
  // Staged: the caller's `out`; empty: a new array at delivery.
  Napi::Reference<Napi::TypedArray> array;
  std::string name;  // "out.gradient", in messages
};

// A call with its arguments checked and its result arrays chosen (a
// NormalEquations or FactorSnapshot method, or one of begin's calls).
struct PreparedCall {
  std::function<void()> work;  // the core's numerics; may run on another thread
  std::vector<ResultArray> results;
  // The JavaScript result, from the delivered result arrays.
  std::function<Napi::Value(Napi::Env, const std::vector<Napi::Object>&)> result;

  // The result arrays, staged ones copied in; a caller's `out` is checked
  // again first (JavaScript ran since the call: TypeError when it was
  // detached). Runs no JavaScript.
  std::vector<Napi::Object> Deliver(Napi::Env env, const char* function);
};

// How a prepared call reaches its arrays.
enum class Mode {
  kNow,    // the synchronous methods: inputs read in place, results written into `out` or new arrays
  kAsync,  // the *Async methods: inputs and results staged, results delivered into new arrays (no `out`)
  kBegun,  // begin's calls: inputs and results staged, results delivered into `out` or new arrays by end
};

// The memory of an array, for the checks that arrays share none.
struct Bytes {
  const uint8_t* begin = nullptr;
  size_t size = 0;

  template <typename T>
  explicit Bytes(ArrayView<const T> view)
      : begin(reinterpret_cast<const uint8_t*>(view.data)), size(static_cast<size_t>(view.length) * sizeof(T)) {}
  bool Overlaps(const Bytes& other) const {
    return size > 0 && other.size > 0 && begin < other.begin + other.size && other.begin < begin + size;
  }
};

// A result array given in `out`: a Float64Array of exactly `length` numbers.
ArrayView<const double> GivenResult(const Napi::Value& out, size_t length, const char* function,
                                    const std::string& name);

// A new Float64Array or Uint8Array and its memory.
std::pair<Napi::TypedArray, void*> NewArray(Napi::Env env, napi_typedarray_type type, size_t length);
size_t ElementBytes(napi_typedarray_type type);

// The arrays of one prepared call, in the second phase: inputs read in place
// (kNow) or copied into the staging memory, and results. A result given in
// `out` must share no memory with the inputs or the call's other results.
// begin's inputs are copied when it is called, so that a later call could not
// see an earlier call's results: an input that shares memory with them is a
// RangeError rather than stale numbers.
class CallArrays {
 public:
  // `earlier`: the memory of the results given to the earlier calls of a begin.
  CallArrays(Mode mode, Staging& staging, std::vector<Bytes>* earlier = nullptr)
      : mode_(mode), staging_(staging), earlier_(earlier) {}

  ArrayView<const double> Float64(const Napi::Value& value, const char* function, const char* name) {
    return Input(Float64ArrayArgument(value, function, name), function, name);
  }
  ArrayView<const uint8_t> Uint8(const Napi::Value& value, const char* function, const char* name) {
    return Input(Uint8ArrayArgument(value, function, name), function, name);
  }

  // Where the work writes a result of `length` numbers: `out` when given,
  // else a new array.
  double* Float64Result(const Napi::Value& out, size_t length, const char* function, const std::string& name) {
    if (IsAbsent(out)) return static_cast<double*>(Result(napi_float64_array, length, out, name));
    const ArrayView<const double> view = GivenResult(out, length, function, name);
    const Bytes bytes(view);
    for (const Bytes& input : inputs_) {
      if (bytes.Overlaps(input)) {
        throw RangeArgumentError(
            MustBe(function, name, "an array that shares no memory with the inputs", "one that does"));
      }
    }
    for (const auto& [other, other_name] : given_) {
      if (bytes.Overlaps(other)) {
        throw RangeArgumentError(
            MustBe(function, name, Concat("an array that shares no memory with '", other_name, "'"), "one that does"));
      }
    }
    given_.emplace_back(bytes, name);
    return static_cast<double*>(Result(napi_float64_array, length, out, name));
  }
  uint8_t* Uint8Result(Napi::Env env, size_t length) {
    return static_cast<uint8_t*>(Result(napi_uint8_array, length, env.Undefined(), "ok"));
  }

  PreparedCall Finish(std::function<void()> work,
                      std::function<Napi::Value(Napi::Env, const std::vector<Napi::Object>&)> result) {
    if (earlier_ != nullptr) {
      for (const auto& given : given_) earlier_->push_back(given.first);
    }
    return {std::move(work), std::move(results_), std::move(result)};
  }

 private:
  template <typename T>
  ArrayView<const T> Input(ArrayView<const T> view, const char* function, const char* name) {
    const Bytes bytes(view);
    if (earlier_ != nullptr) {
      for (const Bytes& result : *earlier_) {
        if (bytes.Overlaps(result)) {
          throw RangeArgumentError(MustBe(function, name,
                                          "an array that shares no memory with the results of an earlier call (begin "
                                          "copies its inputs when called)",
                                          "one that does"));
        }
      }
    }
    inputs_.push_back(bytes);
    if (mode_ == Mode::kNow) return view;
    void* copy = staging_.Take(bytes.size);
    std::memcpy(copy, view.data, bytes.size);
    return {static_cast<const T*>(copy), view.length};
  }

  // `out`: the given array (a checked Float64Array) or undefined.
  void* Result(napi_typedarray_type type, size_t length, const Napi::Value& out, const std::string& name) {
    ResultArray result;
    result.type = type;
    result.length = length;
    result.name = name;
    result.staged = mode_ != Mode::kNow;
    Napi::TypedArray array = IsAbsent(out) ? Napi::TypedArray() : out.As<Napi::TypedArray>();
    if (result.staged) {
      result.data = staging_.Take(length * ElementBytes(type));
      if (!array.IsEmpty()) result.array = Napi::Persistent(array);
    } else {
      if (array.IsEmpty()) {
        std::tie(array, result.data) = NewArray(out.Env(), type, length);
      } else {
        result.data = array.As<Napi::Float64Array>().Data();
      }
      result.now = array;
    }
    results_.push_back(std::move(result));
    return results_.back().data;
  }

  Mode mode_;
  Staging& staging_;
  std::vector<Bytes>* earlier_;
  std::vector<Bytes> inputs_;
  std::vector<std::pair<Bytes, std::string>> given_;  // results given in `out`, and their names
  std::vector<ResultArray> results_;
};

// One asynchronous call: inputs were copied and result arrays staged on the
// main thread; Execute runs the core on the libuv pool; the promise settles
// in OnOK with the results delivered into new arrays. The handle is
// referenced, and its busy flag (`busy_with`, a member of the handle) names
// the call, until then.
class Operation : public Napi::AsyncWorker {
 public:
  Operation(Napi::Env env, Napi::Object owner, const char** busy_with, const char* function, PreparedCall call)
      : Napi::AsyncWorker(env, function),
        deferred_(Napi::Promise::Deferred::New(env)),
        busy_with_(busy_with),
        function_(function),
        call_(std::move(call)),
        self_(Napi::Persistent(owner)) {
    *busy_with_ = function_;
  }

  Napi::Promise Start() {
    Queue();
    return deferred_.Promise();
  }

  void Execute() override {
    try {
      call_.work();
    } catch (...) {
      failure_ = std::current_exception();
    }
  }

  // Settling the promise throws when no JavaScript can run any more (a
  // worker_thread exiting or terminated while the work ran): nothing is left
  // to notify then, and an exception escaping here would abort the process.
  void OnOK() override {
    *busy_with_ = nullptr;
    try {
      Napi::Env env = Env();
      if (failure_) {
        deferred_.Reject(AsyncName(ToJsError(env, failure_, function_)).Value());
        return;
      }
      try {
        deferred_.Resolve(call_.result(env, call_.Deliver(env, function_)));
      } catch (const Napi::Error& error) {
        deferred_.Reject(error.Value());
      }
    } catch (...) {
    }
  }

  void OnError(const Napi::Error& error) override {
    *busy_with_ = nullptr;
    try {
      deferred_.Reject(error.Value());
    } catch (...) {
    }
  }

 private:
  Napi::Promise::Deferred deferred_;
  const char** busy_with_;
  const char* function_;
  PreparedCall call_;
  Napi::ObjectReference self_;
  std::exception_ptr failure_;

  // The core names the synchronous method ("NormalEquations.factor"); the
  // caller called its async twin ("NormalEquations.factorAsync").
  Napi::Error AsyncName(Napi::Error error) const {
    const std::string message = error.Message();
    const std::string sync(function_, std::strlen(function_) - std::strlen("Async"));
    if (message.rfind(sync + ":", 0) == 0)
      error.Set("message", Napi::String::New(error.Env(), function_ + message.substr(sync.size())));
    return error;
  }
};

// solve's preparation, for NormalEquations and FactorSnapshot: rhs (B·k·n),
// k (default 1) and `out` (undefined for the *Async twin), the work calling
// `solve` with them.
PreparedCall PrepareSolveCall(const Napi::Value& rhs, const Napi::Value& k, const Napi::Value& out, CallArrays& arrays,
                              const char* function, std::function<void(Span<const double>, int64_t, double*)> solve);

}  // namespace ariadne::binding
