#include "normal_equations_wrap.h"

#include <cstring>
#include <functional>
#include <initializer_list>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "arguments.h"
#include "errors.h"
#include "messages.h"
#include "normal_equations_factory.h"

namespace ariadne::binding {
namespace {

// Method names live as long as the process (addon instances in several
// worker_threads share them).
const char* Intern(const std::string& name) {
  static std::mutex mutex;
  static auto* names = new std::set<std::string>();
  std::lock_guard<std::mutex> lock(mutex);
  return names->insert(name).first->c_str();
}


Damping DampingArgument(const Napi::Value& value, const char* function) {
  const std::string mode = StringArgument(value, function, "mode");
  if (mode == "diagonal") return Damping::kDiagonal;
  if (mode == "identity") return Damping::kIdentity;
  throw RangeArgumentError(MustBe(function, "mode", "'diagonal' or 'identity'", Concat("'", mode, "'")));
}


std::vector<double> Copy(ArrayView<const double> view) { return {view.data, view.data + view.length}; }

Napi::Object FactorResult(Napi::Env env, Napi::Uint8Array ok, const std::vector<std::string>& reasons) {
  Napi::Array reason = Napi::Array::New(env, reasons.size());
  for (size_t b = 0; b < reasons.size(); ++b) {
    reason.Set(static_cast<uint32_t>(b), reasons[b].empty() ? env.Null() : Napi::String::New(env, reasons[b]));
  }
  Napi::Object result = Napi::Object::New(env);
  result.Set("ok", ok);
  result.Set("reason", reason);
  return result;
}

// The array a synchronous call writes its result into: `out` when given
// (the optimiser passes the same arrays every iteration, which spares an
// allocation and its page faults per call), else a new one. A given `out`
// must be a Float64Array of exactly `length` numbers sharing no memory with
// the inputs.
Napi::Float64Array ResultArray(Napi::Env env, const Napi::Value& out, size_t length,
                               std::initializer_list<ArrayView<const double>> inputs, const char* function,
                               const char* name) {
  if (IsAbsent(out)) return Napi::Float64Array::New(env, length);
  const ArrayView<const double> view = Float64ArrayArgument(out, function, name);
  if (static_cast<size_t>(view.length) != length) {
    throw RangeArgumentError(MustBe(function, name, Concat(length, " numbers long"), Concat("length ", view.length)));
  }
  for (const ArrayView<const double>& input : inputs) {
    if (view.data < input.data + input.length && input.data < view.data + view.length) {
      throw RangeArgumentError(MustBe(function, name, "an array that shares no memory with the inputs", "one that does"));
    }
  }
  return out.As<Napi::Float64Array>();
}

Napi::Object LinearizeResult(Napi::Env env, Napi::Value gradient, Napi::Value squared_norm) {
  Napi::Object result = Napi::Object::New(env);
  result.Set("gradient", gradient);
  result.Set("squaredNorm", squared_norm);
  return result;
}

}  // namespace

// One asynchronous call: inputs were copied and outputs allocated on the main
// thread; Execute runs the core on the libuv pool; the promise settles in
// OnOK. The handle and the output arrays are referenced until then.
class Operation : public Napi::AsyncWorker {
 public:
  using Finish = std::function<Napi::Value(Napi::Env, std::vector<Napi::ObjectReference>&)>;

  Operation(Napi::Env env, NormalEquationsWrap* owner, const char* function, std::vector<Napi::Object> keep,
            std::function<void()> work, Finish finish)
      : Napi::AsyncWorker(env, function),
        deferred_(Napi::Promise::Deferred::New(env)),
        owner_(owner),
        function_(function),
        work_(std::move(work)),
        finish_(std::move(finish)) {
    keep_.push_back(Napi::Persistent(owner->Value()));
    for (Napi::Object& object : keep) keep_.push_back(Napi::Persistent(object));
    owner_->busy_with_ = function_;
  }

  Napi::Promise Start() {
    Queue();
    return deferred_.Promise();
  }

  void Execute() override {
    try {
      work_();
    } catch (...) {
      failure_ = std::current_exception();
    }
  }

  // Settling the promise throws when no JavaScript can run any more (a
  // worker_thread exiting or terminated while the work ran): nothing is left
  // to notify then, and an exception escaping here would abort the process.
  void OnOK() override {
    owner_->busy_with_ = nullptr;
    try {
      Napi::Env env = Env();
      if (failure_) {
        deferred_.Reject(AsyncName(ToJsError(env, failure_, function_)).Value());
        return;
      }
      try {
        std::vector<Napi::ObjectReference> outputs;
        for (size_t i = 1; i < keep_.size(); ++i) outputs.push_back(std::move(keep_[i]));
        deferred_.Resolve(finish_(env, outputs));
      } catch (const Napi::Error& error) {
        deferred_.Reject(error.Value());
      }
    } catch (...) {
    }
  }

  void OnError(const Napi::Error& error) override {
    owner_->busy_with_ = nullptr;
    try {
      deferred_.Reject(error.Value());
    } catch (...) {
    }
  }

 private:
  Napi::Promise::Deferred deferred_;
  NormalEquationsWrap* owner_;
  const char* function_;
  std::function<void()> work_;
  Finish finish_;
  std::vector<Napi::ObjectReference> keep_;  // [0] the handle, then outputs
  std::exception_ptr failure_;

  // The core names the synchronous method ("NormalEquations.factor"); the
  // caller called its async twin ("NormalEquations.factorAsync").
  Napi::Error AsyncName(Napi::Error error) const {
    const std::string message = error.Message();
    const std::string sync(function_, std::strlen(function_) - std::strlen("Async"));
    if (message.rfind(sync + ":", 0) == 0) error.Set("message", Napi::String::New(error.Env(), function_ + message.substr(sync.size())));
    return error;
  }
};

template <Napi::Value (NormalEquationsWrap::*Method)(const Napi::CallbackInfo&)>
Napi::ClassPropertyDescriptor<NormalEquationsWrap> NormalEquationsWrap::Method(const char* name) {
  // The qualified name travels as the function's data, for messages.
  napi_property_descriptor descriptor = {};
  descriptor.utf8name = name;
  descriptor.method = [](napi_env env, napi_callback_info callback_info) -> napi_value {
    Napi::CallbackInfo info(env, callback_info);
    try {
      return Call<Method>(info);
    } catch (const Napi::Error& error) {
      error.ThrowAsJavaScriptException();
      return nullptr;
    }
  };
  descriptor.attributes = napi_default_method;
  descriptor.data = const_cast<char*>(Intern(Concat("NormalEquations.", name)));
  return Napi::ClassPropertyDescriptor<NormalEquationsWrap>(descriptor);
}

Napi::Function NormalEquationsWrap::Define(Napi::Env env) {
  return DefineClass(
      env, "NormalEquations",
      {
          Method<&NormalEquationsWrap::Linearize>("linearize"),
          Method<&NormalEquationsWrap::Factor>("factor"),
          Method<&NormalEquationsWrap::Solve>("solve"),
          Method<&NormalEquationsWrap::Jv>("jv"),
          Method<&NormalEquationsWrap::Jtv>("jtv"),
          Method<&NormalEquationsWrap::LinearizeAsync>("linearizeAsync"),
          Method<&NormalEquationsWrap::FactorAsync>("factorAsync"),
          Method<&NormalEquationsWrap::SolveAsync>("solveAsync"),
          Method<&NormalEquationsWrap::Dispose>("dispose"),
          Method<&NormalEquationsWrap::Info>("info"),
          Method<&NormalEquationsWrap::FactorizationCount>("factorizationCount"),
          Method<&NormalEquationsWrap::Disposed>("disposed"),
      });
}

template <Napi::Value (NormalEquationsWrap::*Method)(const Napi::CallbackInfo&)>
Napi::Value NormalEquationsWrap::Call(const Napi::CallbackInfo& info) {
  const char* function = static_cast<const char*>(info.Data());
  return Guard(info.Env(), function, [&] {
    NormalEquationsWrap* self = Self(info, function);
    return (self->*Method)(info);
  });
}

NormalEquationsWrap* NormalEquationsWrap::Self(const Napi::CallbackInfo& info, const char* function) {
  Napi::Env env = info.Env();
  bool tagged = false;
  if (info.This().IsObject()) {
    napi_check_object_type_tag(env, info.This(), &NormalEquationsTag(), &tagged);
  }
  if (!tagged) {
    throw TypeArgumentError(MustBe(function, "this", "a NormalEquations handle", Describe(info.This())));
  }
  return Unwrap(info.This().As<Napi::Object>());
}

NormalEquationsWrap::NormalEquationsWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NormalEquationsWrap>(info) {
  constexpr const char* kFunction = "NormalEquations";
  Napi::Env env = info.Env();
  Guard(env, kFunction, [&] {
    const PatternInput input = PatternArgument(info[0], kFunction);
    const int64_t batch = IntegerArgument(info[1], kFunction, "batch");

    NormalEquationsOptions options;
    if (!IsAbsent(info[2])) {
      const Napi::Object object = ObjectArgument(info[2], kFunction, "options");
      const Napi::Value kind = object.Get("kind");
      if (!IsAbsent(kind)) {
        const std::string name = StringArgument(kind, kFunction, "options.kind");
        if (name == "auto") {
          options.kind = KindRequest::kAuto;
        } else if (name == "dense") {
          options.kind = KindRequest::kDense;
        } else if (name == "sparse") {
          options.kind = KindRequest::kSparse;
        } else {
          throw RangeArgumentError(MustBe(kFunction, "options.kind", "'auto', 'dense' or 'sparse'", Concat("'", name, "'")));
        }
      }
      const Napi::Value threads = object.Get("threads");
      if (!IsAbsent(threads)) {
        options.threads = IntegerArgument(threads, kFunction, "options.threads");
        if (options.threads < 1) {
          throw RangeArgumentError(MustBe(kFunction, "options.threads", "an integer in [1, 1024]", Concat(options.threads)));
        }
      }
    }
    core_ = MakeNormalEquations(input, batch, options);
    napi_type_tag_object(env, info.This(), &NormalEquationsTag());
    external_bytes_ = core_->memory_bytes();
    Napi::MemoryManagement::AdjustExternalMemory(env, external_bytes_);
  });
}

NormalEquationsWrap::~NormalEquationsWrap() { Release(); }

void NormalEquationsWrap::Release() {
  if (!core_) return;
  core_.reset();
  Napi::MemoryManagement::AdjustExternalMemory(Env(), -external_bytes_);
  external_bytes_ = 0;
}

namespace {
// State checks shared by every method but dispose/disposed.
void CheckUsable(const std::unique_ptr<BatchedNormalEquations>& core, const char* busy_with, const char* function) {
  if (!core) throw StateError(Concat(function, ": the handle has been disposed"));
  if (busy_with != nullptr) {
    throw StateError(Concat(function, ": the handle is busy with ", busy_with, "; await it before the next call"));
  }
}
}  // namespace

Napi::Value NormalEquationsWrap::Linearize(const Napi::CallbackInfo& info) {
  constexpr const char* kFunction = "NormalEquations.linearize";
  CheckUsable(core_, busy_with_, kFunction);
  Napi::Env env = info.Env();
  const auto j = Float64ArrayArgument(info[0], kFunction, "jValues");
  const auto r = Float64ArrayArgument(info[1], kFunction, "residuals");
  ArrayView<const uint8_t> active;
  if (!IsAbsent(info[2])) active = Uint8ArrayArgument(info[2], kFunction, "active");
  Napi::Value gradient_out = env.Undefined();
  Napi::Value squared_norm_out = env.Undefined();
  if (!IsAbsent(info[3])) {
    Napi::Object out = ObjectArgument(info[3], kFunction, "out");
    gradient_out = out.Get("gradient");
    squared_norm_out = out.Get("squaredNorm");
  }
  Napi::Float64Array gradient = ResultArray(env, gradient_out, static_cast<size_t>(core_->batch()) * core_->n(),
                                            {j, r}, kFunction, "out.gradient");
  Napi::Float64Array squared_norm = ResultArray(env, squared_norm_out, core_->batch(), {j, r}, kFunction,
                                                "out.squaredNorm");
  core_->Linearize({j.data, j.length}, {r.data, r.length}, {active.data, active.length}, gradient.Data(),
                   squared_norm.Data());
  return LinearizeResult(env, gradient, squared_norm);
}

Napi::Value NormalEquationsWrap::Factor(const Napi::CallbackInfo& info) {
  constexpr const char* kFunction = "NormalEquations.factor";
  CheckUsable(core_, busy_with_, kFunction);
  Napi::Env env = info.Env();
  const auto lambda = Float64ArrayArgument(info[0], kFunction, "lambda");
  const Damping damping = DampingArgument(info[1], kFunction);
  Napi::Uint8Array ok = Napi::Uint8Array::New(env, core_->batch());
  std::vector<std::string> reasons;
  core_->Factor({lambda.data, lambda.length}, damping, ok.Data(), &reasons);
  return FactorResult(env, ok, reasons);
}

namespace {
int64_t RightHandSides(const Napi::Value& value, const char* function) {
  return IsAbsent(value) ? 1 : IntegerArgument(value, function, "k");
}
}  // namespace

Napi::Value NormalEquationsWrap::Solve(const Napi::CallbackInfo& info) {
  constexpr const char* kFunction = "NormalEquations.solve";
  CheckUsable(core_, busy_with_, kFunction);
  const auto rhs = Float64ArrayArgument(info[0], kFunction, "rhs");
  const int64_t k = RightHandSides(info[1], kFunction);
  Napi::Float64Array out = ResultArray(info.Env(), info[2], static_cast<size_t>(rhs.length), {rhs}, kFunction, "out");
  core_->Solve({rhs.data, rhs.length}, k, out.Data());
  return out;
}

Napi::Value NormalEquationsWrap::Jv(const Napi::CallbackInfo& info) {
  constexpr const char* kFunction = "NormalEquations.jv";
  CheckUsable(core_, busy_with_, kFunction);
  const auto v = Float64ArrayArgument(info[0], kFunction, "v");
  Napi::Float64Array out =
      ResultArray(info.Env(), info[1], static_cast<size_t>(core_->batch()) * core_->m(), {v}, kFunction, "out");
  core_->Jv({v.data, v.length}, out.Data());
  return out;
}

Napi::Value NormalEquationsWrap::Jtv(const Napi::CallbackInfo& info) {
  constexpr const char* kFunction = "NormalEquations.jtv";
  CheckUsable(core_, busy_with_, kFunction);
  const auto u = Float64ArrayArgument(info[0], kFunction, "u");
  Napi::Float64Array out =
      ResultArray(info.Env(), info[1], static_cast<size_t>(core_->batch()) * core_->n(), {u}, kFunction, "out");
  core_->Jtv({u.data, u.length}, out.Data());
  return out;
}

Napi::Value NormalEquationsWrap::LinearizeAsync(const Napi::CallbackInfo& info) {
  constexpr const char* kFunction = "NormalEquations.linearizeAsync";
  CheckUsable(core_, busy_with_, kFunction);
  Napi::Env env = info.Env();
  auto j = std::make_shared<std::vector<double>>(Copy(Float64ArrayArgument(info[0], kFunction, "jValues")));
  auto r = std::make_shared<std::vector<double>>(Copy(Float64ArrayArgument(info[1], kFunction, "residuals")));
  auto active = std::make_shared<std::vector<uint8_t>>();
  bool has_active = false;
  if (!IsAbsent(info[2])) {
    const auto view = Uint8ArrayArgument(info[2], kFunction, "active");
    active->assign(view.data, view.data + view.length);
    has_active = true;
  }
  Napi::Float64Array gradient = Napi::Float64Array::New(env, static_cast<size_t>(core_->batch()) * core_->n());
  Napi::Float64Array squared_norm = Napi::Float64Array::New(env, core_->batch());
  BatchedNormalEquations* core = core_.get();
  double* g = gradient.Data();
  double* s = squared_norm.Data();
  auto* operation = new Operation(
      env, this, kFunction, {gradient, squared_norm},
      [=] {
        core->Linearize({j->data(), static_cast<int64_t>(j->size())}, {r->data(), static_cast<int64_t>(r->size())},
                        {has_active ? active->data() : nullptr, static_cast<int64_t>(active->size())}, g, s);
      },
      [](Napi::Env env, std::vector<Napi::ObjectReference>& out) {
        return LinearizeResult(env, out[0].Value(), out[1].Value());
      });
  return operation->Start();
}

Napi::Value NormalEquationsWrap::FactorAsync(const Napi::CallbackInfo& info) {
  constexpr const char* kFunction = "NormalEquations.factorAsync";
  CheckUsable(core_, busy_with_, kFunction);
  Napi::Env env = info.Env();
  auto lambda = std::make_shared<std::vector<double>>(Copy(Float64ArrayArgument(info[0], kFunction, "lambda")));
  const Damping damping = DampingArgument(info[1], kFunction);
  Napi::Uint8Array ok = Napi::Uint8Array::New(env, core_->batch());
  auto reasons = std::make_shared<std::vector<std::string>>();
  BatchedNormalEquations* core = core_.get();
  uint8_t* ok_data = ok.Data();
  auto* operation = new Operation(
      env, this, kFunction, {ok},
      [=] { core->Factor({lambda->data(), static_cast<int64_t>(lambda->size())}, damping, ok_data, reasons.get()); },
      [reasons](Napi::Env env, std::vector<Napi::ObjectReference>& out) {
        return FactorResult(env, out[0].Value().As<Napi::Uint8Array>(), *reasons);
      });
  return operation->Start();
}

Napi::Value NormalEquationsWrap::SolveAsync(const Napi::CallbackInfo& info) {
  constexpr const char* kFunction = "NormalEquations.solveAsync";
  CheckUsable(core_, busy_with_, kFunction);
  Napi::Env env = info.Env();
  auto rhs = std::make_shared<std::vector<double>>(Copy(Float64ArrayArgument(info[0], kFunction, "rhs")));
  const int64_t k = RightHandSides(info[1], kFunction);
  Napi::Float64Array out = Napi::Float64Array::New(env, rhs->size());
  BatchedNormalEquations* core = core_.get();
  double* out_data = out.Data();
  auto* operation = new Operation(
      env, this, kFunction, {out},
      [=] { core->Solve({rhs->data(), static_cast<int64_t>(rhs->size())}, k, out_data); },
      [](Napi::Env, std::vector<Napi::ObjectReference>& result) -> Napi::Value { return result[0].Value(); });
  return operation->Start();
}

Napi::Value NormalEquationsWrap::Dispose(const Napi::CallbackInfo& info) {
  if (busy_with_ != nullptr) {
    throw StateError(Concat("NormalEquations.dispose: the handle is busy with ", busy_with_, "; await it before the next call"));
  }
  Release();
  return info.Env().Undefined();
}

Napi::Value NormalEquationsWrap::Info(const Napi::CallbackInfo& info) {
  constexpr const char* kFunction = "NormalEquations.info";
  if (!core_) throw StateError(Concat(kFunction, ": the handle has been disposed"));
  Napi::Env env = info.Env();
  Napi::Object result = Napi::Object::New(env);
  result.Set("m", core_->m());
  result.Set("n", core_->n());
  result.Set("nnz", static_cast<double>(core_->nnz()));
  result.Set("batch", core_->batch());
  result.Set("kind", core_->dense() ? "dense" : "sparse");
  result.Set("backend", core_->backend_name());
  result.Set("threads", core_->threads());
  result.Set("normalNonzeros", static_cast<double>(core_->a_nonzeros()));
  result.Set("factorNonzeros", static_cast<double>(core_->factor_nonzeros()));
  result.Set("memoryBytes", static_cast<double>(core_->memory_bytes()));
  // Device cores only: the device's compute time in the last call.
  if (core_->last_device_seconds() >= 0) result.Set("lastDeviceSeconds", core_->last_device_seconds());
  return result;
}

Napi::Value NormalEquationsWrap::FactorizationCount(const Napi::CallbackInfo& info) {
  if (!core_) throw StateError("NormalEquations.factorizationCount: the handle has been disposed");
  return Napi::Number::New(info.Env(), static_cast<double>(core_->factorization_count()));
}

Napi::Value NormalEquationsWrap::Disposed(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), !core_);
}

}  // namespace ariadne::binding
