// The JavaScript class NormalEquations over a BatchedNormalEquations core:
// the CPU one in the CPU addon, the CUDA one in the CUDA addon (each addon
// defines MakeNormalEquations, normal_equations_factory.h). Its snapshot()
// makes FactorSnapshot objects (factor_snapshot_wrap.h).
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
#include "prepared_call.h"

namespace ariadne::binding {

// A call's arguments, its `out` and, when `out` is an object of named result
// arrays, their values, all read in the first phase (arguments.h).
struct CallValues {
  std::array<Napi::Value, 6> args;
  Napi::Value out;  // undefined for the *Async methods, which take no `out`
  const std::vector<const char*>* out_fields = nullptr;
  std::array<Napi::Value, 4> fields;  // out[out_fields[i]]
};

class NormalEquationsWrap : public Napi::ObjectWrap<NormalEquationsWrap> {
 public:
  // The class; `snapshot_class`, owned by the addon instance (it lives as
  // long as the environment), receives FactorSnapshot's.
  static Napi::Function Define(Napi::Env env, Napi::FunctionReference* snapshot_class);
  explicit NormalEquationsWrap(const Napi::CallbackInfo& info);
  ~NormalEquationsWrap() override;

  // Unwraps `this` after checking its type tag (a plain or foreign object is
  // a TypeError, never a crash); the methods check the handle's state.
  static NormalEquationsWrap* Self(const Napi::CallbackInfo& info, const char* function);

 private:
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
  // A FactorSnapshot of the last factor (factor_snapshot_wrap.h).
  Napi::Value Snapshot(const Napi::CallbackInfo& info);
  // A's pattern: {colStart, rowIndex}, the slots of factor's `extra`.
  Napi::Value NormalPattern(const Napi::CallbackInfo& info);
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
  // FactorSnapshot's class (snapshot makes its instances), the addon's.
  Napi::FunctionReference* snapshot_class_ = nullptr;
  const char* busy_with_ = nullptr;  // the pending async method, if any
  int64_t external_bytes_ = 0;       // reported to V8
};

}  // namespace ariadne::binding
