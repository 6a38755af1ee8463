// The JavaScript class NormalEquations over a BatchedNormalEquations core:
// the CPU one in the CPU addon, the CUDA one in the CUDA addon (each addon
// defines MakeNormalEquations, normal_equations_factory.h).
#pragma once

#include <napi.h>

#include <memory>

#include "batched_normal_equations.h"

namespace ariadne::binding {

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

  Napi::Value Linearize(const Napi::CallbackInfo& info);
  Napi::Value Factor(const Napi::CallbackInfo& info);
  Napi::Value Solve(const Napi::CallbackInfo& info);
  Napi::Value Jv(const Napi::CallbackInfo& info);
  Napi::Value Jtv(const Napi::CallbackInfo& info);
  Napi::Value LinearizeAsync(const Napi::CallbackInfo& info);
  Napi::Value FactorAsync(const Napi::CallbackInfo& info);
  Napi::Value SolveAsync(const Napi::CallbackInfo& info);
  Napi::Value Dispose(const Napi::CallbackInfo& info);
  Napi::Value Info(const Napi::CallbackInfo& info);
  Napi::Value FactorizationCount(const Napi::CallbackInfo& info);
  Napi::Value Disposed(const Napi::CallbackInfo& info);

  void Release();

  std::unique_ptr<BatchedNormalEquations> core_;
  const char* busy_with_ = nullptr;  // the pending async method, if any
  int64_t external_bytes_ = 0;
};

}  // namespace ariadne::binding
