// The JavaScript class FactorSnapshot: the factors of a NormalEquations'
// last factor for all B elements, apart from the handle (factor_snapshot.h).
// Only NormalEquations.snapshot() makes one (constructing it from
// JavaScript is a TypeError); its objects are type-tagged per addon
// (FactorSnapshotTag, normal_equations_factory.h) and report the memory
// they keep alive to V8 as external memory.
#pragma once

#include <napi.h>

#include <memory>

#include "factor_snapshot.h"
#include "prepared_call.h"

namespace ariadne::binding {

class FactorSnapshotWrap : public Napi::ObjectWrap<FactorSnapshotWrap> {
 public:
  static Napi::Function Define(Napi::Env env);
  // A new object of `snapshot_class` (made by Define) that owns `snapshot`.
  static Napi::Object New(Napi::Function snapshot_class, std::unique_ptr<FactorSnapshot> snapshot);
  explicit FactorSnapshotWrap(const Napi::CallbackInfo& info);
  ~FactorSnapshotWrap() override;

  // Unwraps `this` after checking its type tag.
  static FactorSnapshotWrap* Self(const Napi::CallbackInfo& info, const char* function);

 private:
  // solve(rhs, k = 1, out?) and solveAsync(rhs, k = 1): NormalEquations'
  // solve with the factors taken.
  Napi::Value Solve(const Napi::CallbackInfo& info);
  Napi::Value SolveAsync(const Napi::CallbackInfo& info);
  // {batch, n, memoryBytes}
  Napi::Value Info(const Napi::CallbackInfo& info);
  Napi::Value Keep(const Napi::CallbackInfo& info);
  Napi::Value Dispose(const Napi::CallbackInfo& info);
  Napi::Value Disposed(const Napi::CallbackInfo& info);

  // StateError when disposed or busy with solveAsync.
  void CheckUsable(const char* function) const;
  void Release();
  void ReportExternalMemory();

  std::unique_ptr<FactorSnapshot> snapshot_;
  Staging staging_;                  // solveAsync's copies
  const char* busy_with_ = nullptr;  // the pending solveAsync, if any
  int64_t external_bytes_ = 0;       // reported to V8
};

}  // namespace ariadne::binding
