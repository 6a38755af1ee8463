// The JavaScript class NormalEquations over a BatchedNormalEquations core:
// the CPU one in the CPU addon, the CUDA one in the CUDA addon (each addon
// defines MakeNormalEquations, normal_equations_factory.h).
#pragma once

#include <napi.h>

#include <array>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "batched_normal_equations.h"
#include "raw_vector.h"

namespace ariadne::binding {

// Memory the handle owns for the calls that run off the main thread (the
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

// linearize, factor, solve or step with its arguments checked and its result
// arrays chosen (normal_equations_wrap.cc).
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

// A call's arguments, its `out` and, when `out` is an object of named result
// arrays, their values, all read in the first phase (arguments.h).
struct CallValues {
  std::array<Napi::Value, 6> args;
  Napi::Value out;  // undefined for the *Async methods, which take no `out`
  const std::vector<const char*>* out_fields = nullptr;
  std::array<Napi::Value, 4> fields;  // out[out_fields[i]]
};

class CallArrays;  // normal_equations_wrap.cc

class NormalEquationsWrap : public Napi::ObjectWrap<NormalEquationsWrap> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit NormalEquationsWrap(const Napi::CallbackInfo& info);
  ~NormalEquationsWrap() override;

 private:
  friend class Operation;
  // Unwraps `this` after checking its type tag (a plain or foreign object is
  // a TypeError, never a crash) and the handle's state.
  static NormalEquationsWrap* Self(const Napi::CallbackInfo& info, const char* function);
  // A prototype method that checks `this` before dispatching to Method.
  template <Napi::Value (NormalEquationsWrap::*Method)(const Napi::CallbackInfo&)>
  static Napi::ClassPropertyDescriptor<NormalEquationsWrap> Method(const char* name);
  template <Napi::Value (NormalEquationsWrap::*Method)(const Napi::CallbackInfo&)>
  static Napi::Value Call(const Napi::CallbackInfo& info);

  // linearize, factor, solve and step: their checks (Prepare*), run now
  // (RunSync), on the libuv pool (RunAsync, the *Async twins) or by begin.
  using Prepare = PreparedCall (NormalEquationsWrap::*)(const CallValues&, CallArrays&, const char*);
  struct Op {
    const char* name;      // "linearize"
    const char* function;  // "NormalEquations.linearize"
    Prepare prepare;
    int out;                              // the position of `out`, −1 when there is none
    std::vector<const char*> out_fields;  // its fields when it is an object of result arrays
  };
  enum OpIndex : size_t { kLinearize, kFactor, kSolve, kStep };
  static const Op kOps[4];
  // The first phase for one call.
  static CallValues Fetch(const Op& op, const std::array<Napi::Value, 6>& args, Mode mode);

  template <size_t kOp>
  Napi::Value RunSync(const Napi::CallbackInfo& info);
  template <size_t kOp>
  Napi::Value RunAsync(const Napi::CallbackInfo& info);
  Napi::Value Jv(const Napi::CallbackInfo& info);
  Napi::Value Jtv(const Napi::CallbackInfo& info);
  // jv (transpose false) or jtv, named `function`, of the argument `name`.
  Napi::Value Product(const Napi::CallbackInfo& info, const char* function, const char* name, bool transpose);
  Napi::Value Begin(const Napi::CallbackInfo& info);
  Napi::Value End(const Napi::CallbackInfo& info);
  Napi::Value Dispose(const Napi::CallbackInfo& info);
  Napi::Value Info(const Napi::CallbackInfo& info);
  Napi::Value FactorizationCount(const Napi::CallbackInfo& info);
  Napi::Value Disposed(const Napi::CallbackInfo& info);

  // `function` names the method in messages.
  PreparedCall PrepareLinearize(const CallValues& values, CallArrays& arrays, const char* function);
  PreparedCall PrepareFactor(const CallValues& values, CallArrays& arrays, const char* function);
  PreparedCall PrepareSolve(const CallValues& values, CallArrays& arrays, const char* function);
  PreparedCall PrepareStep(const CallValues& values, CallArrays& arrays, const char* function);

  void Release();
  // Waits for a construction in the background (options.background) and
  // throws its error; every method calls it first.
  void Ready();
  // Tells V8 the memory held outside its heap: the core's and the staging's.
  void ReportExternalMemory();
  // Ready, then the state checks shared by every method but dispose/disposed.
  // Methods call it after their first phase: a getter may have disposed the
  // handle or started a call on it.
  void CheckUsable(const char* function);

  // A pattern's arrays copied for a construction in the background.
  struct PatternCopy {
    explicit PatternCopy(const PatternInput& pattern)
        : rows(pattern.rows, pattern.rows + pattern.nnz),
          cols(pattern.cols, pattern.cols + pattern.nnz),
          col_blocks(pattern.col_blocks, pattern.col_blocks + pattern.num_col_blocks),
          input(pattern) {
      input.rows = rows.data();
      input.cols = cols.data();
      input.col_blocks = pattern.col_blocks == nullptr ? nullptr : col_blocks.data();
    }
    std::vector<int32_t> rows, cols, col_blocks;
    PatternInput input;
  };
  std::thread constructing_;
  std::exception_ptr construction_error_;

  // The calls begun by begin, running one after another on `worker` until end.
  struct Deferred {
    struct Call {
      PreparedCall call;  // its work moved to the worker
      const char* function = nullptr;
    };
    std::thread worker;
    Napi::ObjectReference self;  // the handle stays alive meanwhile
    std::vector<Call> calls;
    int failed = -1;  // the call that threw, if any (the later ones did not run)
    std::exception_ptr failure;
  };
  Deferred deferred_;
  Staging staging_;

  std::unique_ptr<BatchedNormalEquations> core_;
  const char* busy_with_ = nullptr;  // the pending async method, if any
  int64_t external_bytes_ = 0;  // reported to V8
};

}  // namespace ariadne::binding
