// The JavaScript class NormalEquations over a BatchedNormalEquations core:
// the CPU one in the CPU addon, the CUDA one in the CUDA addon (each addon
// defines MakeNormalEquations, normal_equations_factory.h).
#pragma once

#include <napi.h>

#include <exception>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "batched_normal_equations.h"

namespace ariadne::binding {

// linearize, factor or solve with its arguments checked and its result
// arrays chosen (normal_equations_wrap.cc).
struct PreparedCall {
  std::function<void()> work;  // the core's numerics; may run on another thread
  // Arrays the work writes, then those it reads in place: alive until it is done.
  std::vector<Napi::Object> keep;
  // The JavaScript result, from the written arrays (the first entries of keep).
  std::function<Napi::Value(Napi::Env, const std::vector<Napi::Object>&)> result;
};

// Whether a prepared call reads its inputs in place or from copies.
enum class Inputs { kInPlace, kCopied };

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

  // linearize, factor, solve and step (Prepare*) now, and their *Async twins
  // on the libuv pool; kArguments: how many arguments Prepare reads.
  template <PreparedCall (NormalEquationsWrap::*Prepare)(const Napi::Value*, Inputs, const char*), size_t kArguments>
  Napi::Value RunSync(const Napi::CallbackInfo& info);
  template <PreparedCall (NormalEquationsWrap::*Prepare)(const Napi::Value*, Inputs, const char*), size_t kArguments>
  Napi::Value RunAsync(const Napi::CallbackInfo& info);
  Napi::Value Jv(const Napi::CallbackInfo& info);
  Napi::Value Jtv(const Napi::CallbackInfo& info);
  Napi::Value Begin(const Napi::CallbackInfo& info);
  Napi::Value End(const Napi::CallbackInfo& info);
  Napi::Value Dispose(const Napi::CallbackInfo& info);
  Napi::Value Info(const Napi::CallbackInfo& info);
  Napi::Value FactorizationCount(const Napi::CallbackInfo& info);
  Napi::Value Disposed(const Napi::CallbackInfo& info);

  // `args` holds the method's arguments (absent ones undefined); `function`
  // names the method in messages.
  PreparedCall PrepareLinearize(const Napi::Value* args, Inputs mode, const char* function);
  PreparedCall PrepareFactor(const Napi::Value* args, Inputs mode, const char* function);
  PreparedCall PrepareSolve(const Napi::Value* args, Inputs mode, const char* function);
  PreparedCall PrepareStep(const Napi::Value* args, Inputs mode, const char* function);

  void Release();
  // Waits for a construction in the background (options.background) and
  // throws its error; every method calls it first.
  void Ready();
  // The external memory of a constructed core, reported to V8.
  void Constructed();
  // Ready, then the state checks shared by every method but dispose/disposed.
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
      std::vector<Napi::ObjectReference> keep;  // PreparedCall::keep
      std::function<Napi::Value(Napi::Env, const std::vector<Napi::Object>&)> result;
      const char* function = nullptr;
    };
    std::thread worker;
    Napi::ObjectReference self;  // the handle stays alive meanwhile
    std::vector<Call> calls;
    int failed = -1;  // the call that threw, if any (the later ones did not run)
    std::exception_ptr failure;
  };
  Deferred deferred_;

  std::unique_ptr<BatchedNormalEquations> core_;
  const char* busy_with_ = nullptr;  // the pending async method, if any
  int64_t external_bytes_ = 0;
};

}  // namespace ariadne::binding
