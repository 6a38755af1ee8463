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
  Operation(Napi::Env env, NormalEquationsWrap* owner, const char* function, PreparedCall call)
      : Napi::AsyncWorker(env, function),
        deferred_(Napi::Promise::Deferred::New(env)),
        owner_(owner),
        function_(function),
        work_(std::move(call.work)),
        result_(std::move(call.result)) {
    keep_.push_back(Napi::Persistent(owner->Value()));
    for (Napi::Object& object : call.keep) keep_.push_back(Napi::Persistent(object));
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
        std::vector<Napi::Object> outputs;
        for (size_t i = 1; i < keep_.size(); ++i) outputs.push_back(keep_[i].Value());
        deferred_.Resolve(result_(env, outputs));
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
  std::function<Napi::Value(Napi::Env, const std::vector<Napi::Object>&)> result_;
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
      // Throwing fails (and throws) while the environment shuts down, e.g. a
      // worker_thread being terminated: nothing is left to tell then, and an
      // exception escaping this C callback would abort the process.
      try {
        error.ThrowAsJavaScriptException();
      } catch (...) {
      }
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
          Method<&NormalEquationsWrap::RunSync<&NormalEquationsWrap::PrepareLinearize, 4>>("linearize"),
          Method<&NormalEquationsWrap::RunSync<&NormalEquationsWrap::PrepareFactor, 2>>("factor"),
          Method<&NormalEquationsWrap::RunSync<&NormalEquationsWrap::PrepareSolve, 3>>("solve"),
          Method<&NormalEquationsWrap::RunSync<&NormalEquationsWrap::PrepareStep, 6>>("step"),
          Method<&NormalEquationsWrap::Jv>("jv"),
          Method<&NormalEquationsWrap::Jtv>("jtv"),
          Method<&NormalEquationsWrap::RunAsync<&NormalEquationsWrap::PrepareLinearize, 4>>("linearizeAsync"),
          Method<&NormalEquationsWrap::RunAsync<&NormalEquationsWrap::PrepareFactor, 2>>("factorAsync"),
          Method<&NormalEquationsWrap::RunAsync<&NormalEquationsWrap::PrepareSolve, 3>>("solveAsync"),
          Method<&NormalEquationsWrap::Begin>("begin"),
          Method<&NormalEquationsWrap::End>("end"),
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
    napi_type_tag_object(env, info.This(), &NormalEquationsTag());
    const bool background = !IsAbsent(info[2]) && info[2].As<Napi::Object>().Get("background").ToBoolean().Value();
    if (!background) {
      core_ = MakeNormalEquations(input, batch, options);
      Constructed();
      return;
    }
    // The analysis on a thread of its own, from copies of the pattern; the
    // first call waits for it (Ready).
    auto copy = std::make_shared<PatternCopy>(input);
    constructing_ = std::thread([this, copy, batch, options] {
      try {
        core_ = MakeNormalEquations(copy->input, batch, options);
      } catch (const std::bad_alloc&) {  // named as the constructor would be
        construction_error_ = std::make_exception_ptr(RangeArgumentError("NormalEquations: out of memory"));
      } catch (...) {
        construction_error_ = std::current_exception();
      }
    });
  });
}

NormalEquationsWrap::~NormalEquationsWrap() { Release(); }

void NormalEquationsWrap::Constructed() {
  external_bytes_ = core_->memory_bytes();
  Napi::MemoryManagement::AdjustExternalMemory(Env(), external_bytes_);
}

void NormalEquationsWrap::Ready() {
  if (constructing_.joinable()) {
    constructing_.join();
    if (core_) Constructed();
  }
  if (construction_error_) std::rethrow_exception(construction_error_);
}

void NormalEquationsWrap::Release() {
  // A construction or a begun call still running (the handle dropped
  // without a call or without end, the environment shutting down) finishes
  // before the core goes.
  if (constructing_.joinable()) constructing_.join();
  if (deferred_.worker.joinable()) deferred_.worker.join();
  if (!core_) return;
  core_.reset();
  Napi::MemoryManagement::AdjustExternalMemory(Env(), -external_bytes_);
  external_bytes_ = 0;
}

void NormalEquationsWrap::CheckUsable(const char* function) {
  Ready();
  if (!core_) throw StateError(Concat(function, ": the handle has been disposed"));
  if (busy_with_ != nullptr) {
    throw StateError(Concat(function, ": the handle is busy with ", busy_with_, "; await it before the next call"));
  }
}

// linearize, factor and solve are prepared on the main thread: the
// arguments checked, the result arrays chosen, and the core's work packed in
// a closure that may run on another thread. The sync calls run it at once;
// the *Async calls copy their inputs first (the caller may change its arrays
// before the promise settles) and run it on the libuv pool; begin runs it on
// a thread of its own with the inputs read in place (for the optimiser's
// pipelined batches, which leave their arrays alone until end).

namespace {

// Inputs read in place (kept alive with their arrays) or copied.
class InputArrays {
 public:
  explicit InputArrays(Inputs mode) : mode_(mode) {}

  ArrayView<const double> Float64(const Napi::Value& value, const char* function, const char* name) {
    return Hold(Float64ArrayArgument(value, function, name), value);
  }
  ArrayView<const uint8_t> Uint8(const Napi::Value& value, const char* function, const char* name) {
    return Hold(Uint8ArrayArgument(value, function, name), value);
  }
  std::vector<Napi::Object>& in_place() { return in_place_; }
  std::shared_ptr<std::vector<std::vector<uint8_t>>> copies() const { return copies_; }

 private:
  template <typename T>
  ArrayView<const T> Hold(ArrayView<const T> view, const Napi::Value& value) {
    if (mode_ == Inputs::kInPlace) {
      in_place_.push_back(value.As<Napi::Object>());
      return view;
    }
    const auto* bytes = reinterpret_cast<const uint8_t*>(view.data);
    copies_->emplace_back(bytes, bytes + view.length * sizeof(T));
    return {reinterpret_cast<const T*>(copies_->back().data()), view.length};
  }

  Inputs mode_;
  std::vector<Napi::Object> in_place_;
  std::shared_ptr<std::vector<std::vector<uint8_t>>> copies_ = std::make_shared<std::vector<std::vector<uint8_t>>>();
};

// The `out` argument is honoured for inputs read in place only (the async
// methods always return new arrays).
Napi::Value OutArgument(const Napi::Value& out, Inputs mode) { return mode == Inputs::kInPlace ? out : out.Env().Undefined(); }

PreparedCall Finish(std::function<void()> work, std::vector<Napi::Object> outputs, InputArrays& inputs,
                    std::function<Napi::Value(Napi::Env, const std::vector<Napi::Object>&)> result) {
  auto copies = inputs.copies();
  std::vector<Napi::Object> keep = std::move(outputs);
  keep.insert(keep.end(), inputs.in_place().begin(), inputs.in_place().end());
  // The copies live as long as the work.
  return {[work = std::move(work), copies] { work(); }, std::move(keep), std::move(result)};
}

}  // namespace

namespace {
// linearize's inputs (jValues, residuals, active), read by `inputs`.
struct LinearizeInputs {
  ArrayView<const double> j, r;
  ArrayView<const uint8_t> active;
};

LinearizeInputs ReadLinearizeInputs(const Napi::Value* args, InputArrays& inputs, const char* function) {
  LinearizeInputs in;
  in.j = inputs.Float64(args[0], function, "jValues");
  in.r = inputs.Float64(args[1], function, "residuals");
  if (!IsAbsent(args[2])) in.active = inputs.Uint8(args[2], function, "active");
  return in;
}

// The result arrays named `names` (each `length` numbers), from the `out`
// argument's fields when given (read in place only), else new.
std::vector<Napi::Float64Array> ResultArrays(const Napi::Value& out, Inputs mode,
                                             std::initializer_list<std::pair<const char*, size_t>> names,
                                             std::initializer_list<ArrayView<const double>> inputs,
                                             const char* function) {
  Napi::Env env = out.Env();
  const Napi::Value given = OutArgument(out, mode);
  const Napi::Object fields = IsAbsent(given) ? Napi::Object() : ObjectArgument(given, function, "out");
  std::vector<Napi::Float64Array> arrays;
  for (const auto& [name, length] : names) {
    const Napi::Value field = fields.IsEmpty() ? env.Undefined() : fields.Get(name);
    arrays.push_back(ResultArray(env, field, length, inputs, function, Concat("out.", name).c_str()));
  }
  return arrays;
}
}  // namespace

PreparedCall NormalEquationsWrap::PrepareLinearize(const Napi::Value* args, Inputs mode, const char* function) {
  InputArrays inputs(mode);
  const LinearizeInputs in = ReadLinearizeInputs(args, inputs, function);
  const size_t bn = static_cast<size_t>(core_->batch()) * core_->n();
  std::vector<Napi::Float64Array> out = ResultArrays(
      args[3], mode, {{"gradient", bn}, {"squaredNorm", static_cast<size_t>(core_->batch())}}, {in.j, in.r}, function);
  BatchedNormalEquations* core = core_.get();
  double* g = out[0].Data();
  double* s = out[1].Data();
  return Finish([=] { core->Linearize({in.j.data, in.j.length}, {in.r.data, in.r.length}, {in.active.data, in.active.length}, g, s); },
                {out[0], out[1]}, inputs,
                [](Napi::Env env, const std::vector<Napi::Object>& result) { return LinearizeResult(env, result[0], result[1]); });
}

PreparedCall NormalEquationsWrap::PrepareFactor(const Napi::Value* args, Inputs mode, const char* function) {
  Napi::Env env = args[0].Env();
  InputArrays inputs(mode);
  const auto lambda = inputs.Float64(args[0], function, "lambda");
  const Damping damping = DampingArgument(args[1], function);
  Napi::Uint8Array ok = Napi::Uint8Array::New(env, core_->batch());
  auto reasons = std::make_shared<std::vector<std::string>>();
  BatchedNormalEquations* core = core_.get();
  uint8_t* ok_data = ok.Data();
  return Finish([=] { core->Factor({lambda.data, lambda.length}, damping, ok_data, reasons.get()); }, {ok}, inputs,
                [reasons](Napi::Env env, const std::vector<Napi::Object>& out) {
                  return FactorResult(env, out[0].As<Napi::Uint8Array>(), *reasons);
                });
}

PreparedCall NormalEquationsWrap::PrepareStep(const Napi::Value* args, Inputs mode, const char* function) {
  InputArrays inputs(mode);
  const LinearizeInputs in = ReadLinearizeInputs(args, inputs, function);
  const auto lambda = inputs.Float64(args[3], function, "lambda");
  const Damping damping = DampingArgument(args[4], function);
  const size_t bn = static_cast<size_t>(core_->batch()) * core_->n();
  std::vector<Napi::Float64Array> out =
      ResultArrays(args[5], mode,
                   {{"gradient", bn}, {"squaredNorm", static_cast<size_t>(core_->batch())}, {"step", bn},
                    {"jy", static_cast<size_t>(core_->batch()) * core_->m()}},
                   {in.j, in.r, lambda}, function);
  Napi::Uint8Array ok = Napi::Uint8Array::New(args[0].Env(), core_->batch());
  auto reasons = std::make_shared<std::vector<std::string>>();
  BatchedNormalEquations* core = core_.get();
  double* g = out[0].Data();
  double* s = out[1].Data();
  double* y = out[2].Data();
  double* jy = out[3].Data();
  uint8_t* ok_data = ok.Data();
  return Finish(
      [=] {
        core->Step({in.j.data, in.j.length}, {in.r.data, in.r.length}, {in.active.data, in.active.length},
                   {lambda.data, lambda.length}, damping, g, s, ok_data, reasons.get(), y, jy);
      },
      {out[0], out[1], out[2], out[3], ok}, inputs,
      [reasons](Napi::Env env, const std::vector<Napi::Object>& result) {
        Napi::Object step = FactorResult(env, result[4].As<Napi::Uint8Array>(), *reasons);
        step.Set("gradient", result[0]);
        step.Set("squaredNorm", result[1]);
        step.Set("step", result[2]);
        step.Set("jy", result[3]);
        return step;
      });
}

namespace {
int64_t RightHandSides(const Napi::Value& value, const char* function) {
  return IsAbsent(value) ? 1 : IntegerArgument(value, function, "k");
}
}  // namespace

PreparedCall NormalEquationsWrap::PrepareSolve(const Napi::Value* args, Inputs mode, const char* function) {
  InputArrays inputs(mode);
  const auto rhs = inputs.Float64(args[0], function, "rhs");
  const int64_t k = RightHandSides(args[1], function);
  Napi::Float64Array out =
      ResultArray(args[0].Env(), OutArgument(args[2], mode), static_cast<size_t>(rhs.length), {rhs}, function, "out");
  BatchedNormalEquations* core = core_.get();
  double* out_data = out.Data();
  return Finish([=] { core->Solve({rhs.data, rhs.length}, k, out_data); }, {out}, inputs,
                [](Napi::Env, const std::vector<Napi::Object>& result) -> Napi::Value { return result[0]; });
}

namespace {
// The call's arguments from `first` on (absent ones undefined).
std::vector<Napi::Value> Arguments(const Napi::CallbackInfo& info, size_t first, size_t count) {
  std::vector<Napi::Value> args;
  for (size_t i = first; i < first + count; ++i) args.push_back(info[i]);
  return args;
}

Napi::Value RunNow(Napi::Env env, const PreparedCall& call) {
  call.work();
  return call.result(env, call.keep);
}

// The outputs of a call back from their references (a later callback's scope).
std::vector<Napi::Object> Values(const std::vector<Napi::ObjectReference>& references) {
  std::vector<Napi::Object> values;
  for (const Napi::ObjectReference& reference : references) values.push_back(reference.Value());
  return values;
}
}  // namespace

template <PreparedCall (NormalEquationsWrap::*Prepare)(const Napi::Value*, Inputs, const char*), size_t kArguments>
Napi::Value NormalEquationsWrap::RunSync(const Napi::CallbackInfo& info) {
  const char* function = static_cast<const char*>(info.Data());
  CheckUsable(function);
  return RunNow(info.Env(), (this->*Prepare)(Arguments(info, 0, kArguments).data(), Inputs::kInPlace, function));
}

template <PreparedCall (NormalEquationsWrap::*Prepare)(const Napi::Value*, Inputs, const char*), size_t kArguments>
Napi::Value NormalEquationsWrap::RunAsync(const Napi::CallbackInfo& info) {
  const char* function = static_cast<const char*>(info.Data());
  CheckUsable(function);
  PreparedCall call = (this->*Prepare)(Arguments(info, 0, kArguments).data(), Inputs::kCopied, function);
  return (new Operation(info.Env(), this, function, std::move(call)))->Start();
}

Napi::Value NormalEquationsWrap::Jv(const Napi::CallbackInfo& info) {
  constexpr const char* kFunction = "NormalEquations.jv";
  CheckUsable(kFunction);
  const auto v = Float64ArrayArgument(info[0], kFunction, "v");
  Napi::Float64Array out =
      ResultArray(info.Env(), info[1], static_cast<size_t>(core_->batch()) * core_->m(), {v}, kFunction, "out");
  core_->Jv({v.data, v.length}, out.Data());
  return out;
}

Napi::Value NormalEquationsWrap::Jtv(const Napi::CallbackInfo& info) {
  constexpr const char* kFunction = "NormalEquations.jtv";
  CheckUsable(kFunction);
  const auto u = Float64ArrayArgument(info[0], kFunction, "u");
  Napi::Float64Array out =
      ResultArray(info.Env(), info[1], static_cast<size_t>(core_->batch()) * core_->n(), {u}, kFunction, "out");
  core_->Jtv({u.data, u.length}, out.Data());
  return out;
}

Napi::Value NormalEquationsWrap::Begin(const Napi::CallbackInfo& info) {
  constexpr const char* kFunction = "NormalEquations.begin";
  CheckUsable(kFunction);
  if (!info[0].IsArray()) throw TypeArgumentError(MustBe(kFunction, "calls", "an array of [op, ...arguments] arrays", Describe(info[0])));
  const Napi::Array calls = info[0].As<Napi::Array>();
  if (calls.Length() == 0) throw RangeArgumentError(MustBe(kFunction, "calls", "a non-empty array", "an empty one"));
  // Every call is prepared (its arguments checked) before any runs.
  std::vector<PreparedCall> prepared;
  std::vector<const char*> names;
  for (uint32_t i = 0; i < calls.Length(); ++i) {
    const std::string name = Concat("calls[", i, "]");
    const Napi::Value entry = calls.Get(i);
    if (!entry.IsArray()) throw TypeArgumentError(MustBe(kFunction, name, "an array [op, ...arguments]", Describe(entry)));
    const Napi::Array call = entry.As<Napi::Array>();
    const std::string op = StringArgument(call.Get(0u), kFunction, Concat(name, "[0]"));
    names.push_back(Intern(Concat("NormalEquations.", op)));
    std::vector<Napi::Value> args;
    for (uint32_t k = 1; k <= 6; ++k) args.push_back(call.Get(k));
    if (op == "step") {
      prepared.push_back(PrepareStep(args.data(), Inputs::kInPlace, names.back()));
    } else if (op == "linearize") {
      prepared.push_back(PrepareLinearize(args.data(), Inputs::kInPlace, names.back()));
    } else if (op == "factor") {
      prepared.push_back(PrepareFactor(args.data(), Inputs::kInPlace, names.back()));
    } else if (op == "solve") {
      prepared.push_back(PrepareSolve(args.data(), Inputs::kInPlace, names.back()));
    } else {
      throw RangeArgumentError(MustBe(kFunction, Concat(name, "[0]"), "'linearize', 'factor', 'solve' or 'step'", Concat("'", op, "'")));
    }
  }
  Deferred& deferred = deferred_;
  deferred.calls.clear();
  std::vector<std::function<void()>> works;
  for (size_t i = 0; i < prepared.size(); ++i) {
    Deferred::Call call{{}, std::move(prepared[i].result), names[i]};
    for (const Napi::Object& object : prepared[i].keep) call.keep.push_back(Napi::Persistent(object));
    deferred.calls.push_back(std::move(call));
    works.push_back(std::move(prepared[i].work));
  }
  deferred.failed = -1;
  deferred.failure = nullptr;
  deferred.worker = std::thread([works = std::move(works), &deferred] {
    for (size_t i = 0; i < works.size(); ++i) {
      try {
        works[i]();
      } catch (...) {
        deferred.failed = static_cast<int>(i);
        deferred.failure = std::current_exception();
        return;
      }
    }
  });
  // Busy (and kept alive) once the thread runs: a thread that cannot start leaves the handle as it was.
  deferred.self = Napi::Persistent(Value());
  busy_with_ = Intern(Concat(kFunction, " (until end)"));
  return info.Env().Undefined();
}

Napi::Value NormalEquationsWrap::End(const Napi::CallbackInfo& info) {
  constexpr const char* kFunction = "NormalEquations.end";
  if (!deferred_.worker.joinable()) throw StateError(Concat(kFunction, ": no call was begun"));
  deferred_.worker.join();
  busy_with_ = nullptr;
  std::vector<Deferred::Call> calls = std::move(deferred_.calls);
  deferred_.calls.clear();
  deferred_.self.Reset();
  Napi::Env env = info.Env();
  if (deferred_.failure) {
    const std::exception_ptr failure = deferred_.failure;
    deferred_.failure = nullptr;
    throw ToJsError(env, failure, calls[deferred_.failed].function);
  }
  Napi::Array results = Napi::Array::New(env, calls.size());
  for (size_t i = 0; i < calls.size(); ++i) results.Set(static_cast<uint32_t>(i), calls[i].result(env, Values(calls[i].keep)));
  return results;
}

Napi::Value NormalEquationsWrap::Dispose(const Napi::CallbackInfo& info) {
  if (constructing_.joinable()) constructing_.join();
  construction_error_ = nullptr;  // disposed: later calls say so
  if (busy_with_ != nullptr) {
    throw StateError(Concat("NormalEquations.dispose: the handle is busy with ", busy_with_, "; await it before the next call"));
  }
  Release();
  return info.Env().Undefined();
}

Napi::Value NormalEquationsWrap::Info(const Napi::CallbackInfo& info) {
  constexpr const char* kFunction = "NormalEquations.info";
  Ready();
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
  Ready();
  if (!core_) throw StateError("NormalEquations.factorizationCount: the handle has been disposed");
  return Napi::Number::New(info.Env(), static_cast<double>(core_->factorization_count()));
}

Napi::Value NormalEquationsWrap::Disposed(const Napi::CallbackInfo& info) {
  Ready();
  return Napi::Boolean::New(info.Env(), !core_);
}

}  // namespace ariadne::binding
