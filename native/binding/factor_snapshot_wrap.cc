#include "factor_snapshot_wrap.h"

#include <utility>

#include "arguments.h"
#include "class_methods.h"
#include "errors.h"
#include "messages.h"
#include "normal_equations_factory.h"

namespace ariadne::binding {
namespace {

template <Napi::Value (FactorSnapshotWrap::*kMethod)(const Napi::CallbackInfo&)>
Napi::ClassPropertyDescriptor<FactorSnapshotWrap> Method(const char* name) {
  return ClassMethod<FactorSnapshotWrap, kMethod>("FactorSnapshot", name);
}

// The snapshot New hands to the constructor it calls (no JavaScript runs in
// between); a constructor call from JavaScript finds none.
thread_local std::unique_ptr<FactorSnapshot>* pending = nullptr;

}  // namespace

Napi::Function FactorSnapshotWrap::Define(Napi::Env env) {
  return DefineClass(env, "FactorSnapshot",
                     {
                         Method<&FactorSnapshotWrap::Solve>("solve"),
                         Method<&FactorSnapshotWrap::SolveAsync>("solveAsync"),
                         Method<&FactorSnapshotWrap::Info>("info"),
                         Method<&FactorSnapshotWrap::Keep>("keep"),
                         Method<&FactorSnapshotWrap::Dispose>("dispose"),
                         Method<&FactorSnapshotWrap::Disposed>("disposed"),
                     });
}

Napi::Object FactorSnapshotWrap::New(Napi::Function snapshot_class, std::unique_ptr<FactorSnapshot> snapshot) {
  pending = &snapshot;
  try {
    Napi::Object object = snapshot_class.New({});
    pending = nullptr;
    return object;
  } catch (...) {
    pending = nullptr;
    throw;
  }
}

FactorSnapshotWrap::FactorSnapshotWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<FactorSnapshotWrap>(info) {
  Napi::Env env = info.Env();
  if (pending == nullptr || !*pending) {
    throw Napi::TypeError::New(env, "FactorSnapshot: not a constructor; NormalEquations.snapshot() makes snapshots");
  }
  snapshot_ = std::move(*pending);
  pending = nullptr;
  napi_type_tag_object(env, info.This(), &FactorSnapshotTag());
  ReportExternalMemory();
}

FactorSnapshotWrap::~FactorSnapshotWrap() { Release(); }

FactorSnapshotWrap* FactorSnapshotWrap::Self(const Napi::CallbackInfo& info, const char* function) {
  bool tagged = false;
  if (info.This().IsObject()) napi_check_object_type_tag(info.Env(), info.This(), &FactorSnapshotTag(), &tagged);
  if (!tagged) throw TypeArgumentError(MustBe(function, "this", "a FactorSnapshot", Describe(info.This())));
  return Unwrap(info.This().As<Napi::Object>());
}

void FactorSnapshotWrap::CheckUsable(const char* function) const {
  if (!snapshot_) throw StateError(Concat(function, ": the snapshot has been disposed"));
  if (busy_with_ != nullptr) {
    throw StateError(Concat(function, ": the snapshot is busy with ", busy_with_, "; await it before the next call"));
  }
}

void FactorSnapshotWrap::Release() {
  if (!snapshot_) return;
  snapshot_.reset();
  staging_.Clear();
  ReportExternalMemory();
}

void FactorSnapshotWrap::ReportExternalMemory() {
  const int64_t bytes = snapshot_ ? snapshot_->memory_bytes() + staging_.bytes() : 0;
  if (bytes != external_bytes_) Napi::MemoryManagement::AdjustExternalMemory(Env(), bytes - external_bytes_);
  external_bytes_ = bytes;
}

Napi::Value FactorSnapshotWrap::Solve(const Napi::CallbackInfo& info) {
  const char* function = static_cast<const char*>(info.Data());
  CheckUsable(function);
  CallArrays arrays(Mode::kNow, staging_);
  FactorSnapshot* snapshot = snapshot_.get();
  PreparedCall call =
      PrepareSolveCall(info[0], info[1], info[2], arrays, function,
                       [snapshot](Span<const double> rhs, int64_t k, double* out) { snapshot->Solve(rhs, k, out); });
  call.work();
  return call.result(info.Env(), call.Deliver(info.Env(), function));
}

Napi::Value FactorSnapshotWrap::SolveAsync(const Napi::CallbackInfo& info) {
  const char* function = static_cast<const char*>(info.Data());
  CheckUsable(function);
  staging_.Rewind();
  CallArrays arrays(Mode::kAsync, staging_);
  FactorSnapshot* snapshot = snapshot_.get();
  PreparedCall call =
      PrepareSolveCall(info[0], info[1], info.Env().Undefined(), arrays, function,
                       [snapshot](Span<const double> rhs, int64_t k, double* out) { snapshot->Solve(rhs, k, out); });
  ReportExternalMemory();
  return (new Operation(info.Env(), Value(), &busy_with_, function, std::move(call)))->Start();
}

Napi::Value FactorSnapshotWrap::Info(const Napi::CallbackInfo& info) {
  if (!snapshot_) throw StateError("FactorSnapshot.info: the snapshot has been disposed");
  Napi::Env env = info.Env();
  return NewRecord(env, {
                            {"batch", Napi::Number::New(env, snapshot_->batch())},
                            {"n", Napi::Number::New(env, snapshot_->n())},
                            {"memoryBytes", Napi::Number::New(env, static_cast<double>(snapshot_->memory_bytes()))},
                        });
}

Napi::Value FactorSnapshotWrap::Keep(const Napi::CallbackInfo& info) {
  const char* function = static_cast<const char*>(info.Data());
  CheckUsable(function);
  const ArrayView<const uint8_t> keep = Uint8ArrayArgument(info[0], function, "elements");
  snapshot_->Keep({keep.data, keep.length});
  ReportExternalMemory();
  return info.Env().Undefined();
}

Napi::Value FactorSnapshotWrap::Dispose(const Napi::CallbackInfo& info) {
  if (busy_with_ != nullptr) {
    throw StateError(
        Concat("FactorSnapshot.dispose: the snapshot is busy with ", busy_with_, "; await it before the next call"));
  }
  Release();
  return info.Env().Undefined();
}

Napi::Value FactorSnapshotWrap::Disposed(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), !snapshot_);
}

}  // namespace ariadne::binding
