#include "normal_equations_wrap.h"

#include <cstring>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <tuple>
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

// factor's result: ok and reason, with `more` fields after them (step's).
Napi::Object FactorResult(Napi::Env env, Napi::Uint8Array ok, const std::vector<std::string>& reasons, Fields more = {}) {
  std::vector<Napi::Value> reason;
  for (const std::string& text : reasons) reason.push_back(text.empty() ? env.Null() : Napi::String::New(env, text));
  Fields fields = {{"ok", ok}, {"reason", NewList(env, reason)}};
  fields.insert(fields.end(), more.begin(), more.end());
  return NewRecord(env, fields);
}

Napi::Object LinearizeResult(Napi::Env env, Napi::Value gradient, Napi::Value squared_norm) {
  return NewRecord(env, {{"gradient", gradient}, {"squaredNorm", squared_norm}});
}

size_t ElementBytes(napi_typedarray_type type) { return type == napi_uint8_array ? 1 : sizeof(double); }

// A new Float64Array or Uint8Array and its memory.
std::pair<Napi::TypedArray, void*> NewArray(Napi::Env env, napi_typedarray_type type, size_t length) {
  if (type == napi_uint8_array) {
    Napi::Uint8Array array = Napi::Uint8Array::New(env, length);
    return {array, array.Data()};
  }
  Napi::Float64Array array = Napi::Float64Array::New(env, length);
  return {array, array.Data()};
}

// A result array given in `out`: a Float64Array of exactly `length` numbers.
ArrayView<const double> GivenResult(const Napi::Value& out, size_t length, const char* function, const std::string& name) {
  const ArrayView<const double> view = Float64ArrayArgument(out, function, name);
  if (static_cast<size_t>(view.length) != length) {
    throw RangeArgumentError(MustBe(function, name, Concat(length, " numbers long"), Concat("length ", view.length)));
  }
  return view;
}

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

}  // namespace

void* Staging::Take(size_t bytes) {
  if (next_ == buffers_.size()) buffers_.emplace_back();
  RawVector<double>& buffer = buffers_[next_++];
  const size_t doubles = bytes / sizeof(double) + 1;  // never empty: a null address reads as "absent"
  if (buffer.size() < doubles) {
    bytes_ -= static_cast<int64_t>(buffer.size() * sizeof(double));
    buffer.clear();  // nothing to copy when it grows
    buffer.resize(doubles);
    bytes_ += static_cast<int64_t>(buffer.size() * sizeof(double));
  }
  return buffer.data();
}

void Staging::Clear() {
  buffers_.clear();
  buffers_.shrink_to_fit();
  next_ = 0;
  bytes_ = 0;
}

std::vector<Napi::Object> PreparedCall::Deliver(Napi::Env env, const char* function) {
  std::vector<Napi::Object> arrays;
  for (ResultArray& result : results) {
    if (!result.staged) {
      arrays.push_back(result.now);
      continue;
    }
    const size_t bytes = result.length * ElementBytes(result.type);
    if (result.array.IsEmpty()) {
      auto [array, data] = NewArray(env, result.type, result.length);
      std::memcpy(data, result.data, bytes);
      arrays.push_back(array);
      continue;
    }
    // Only Float64Arrays are given in `out`.
    const Napi::TypedArray out = result.array.Value();
    GivenResult(out, result.length, function, result.name);
    std::memcpy(out.As<Napi::Float64Array>().Data(), result.data, bytes);
    arrays.push_back(out);
  }
  return arrays;
}

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
        throw RangeArgumentError(MustBe(function, name, "an array that shares no memory with the inputs", "one that does"));
      }
    }
    for (const auto& [other, other_name] : given_) {
      if (bytes.Overlaps(other)) {
        throw RangeArgumentError(MustBe(function, name, Concat("an array that shares no memory with '", other_name, "'"), "one that does"));
      }
    }
    given_.emplace_back(bytes, name);
    return static_cast<double*>(Result(napi_float64_array, length, out, name));
  }
  uint8_t* Uint8Result(Napi::Env env, size_t length) {
    return static_cast<uint8_t*>(Result(napi_uint8_array, length, env.Undefined(), "ok"));
  }

  PreparedCall Finish(std::function<void()> work, std::function<Napi::Value(Napi::Env, const std::vector<Napi::Object>&)> result) {
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
          throw RangeArgumentError(MustBe(function, name, "an array that shares no memory with the results of an earlier call (begin copies its inputs when called)",
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
// referenced until then.
class Operation : public Napi::AsyncWorker {
 public:
  Operation(Napi::Env env, NormalEquationsWrap* owner, const char* function, PreparedCall call)
      : Napi::AsyncWorker(env, function),
        deferred_(Napi::Promise::Deferred::New(env)),
        owner_(owner),
        function_(function),
        call_(std::move(call)),
        self_(Napi::Persistent(owner->Value())) {
    owner_->busy_with_ = function_;
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
    owner_->busy_with_ = nullptr;
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
  PreparedCall call_;
  Napi::ObjectReference self_;
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

const NormalEquationsWrap::Op NormalEquationsWrap::kOps[4] = {
    {"linearize", "NormalEquations.linearize", &NormalEquationsWrap::PrepareLinearize, 3, {"gradient", "squaredNorm"}},
    {"factor", "NormalEquations.factor", &NormalEquationsWrap::PrepareFactor, -1, {}},
    {"solve", "NormalEquations.solve", &NormalEquationsWrap::PrepareSolve, 2, {}},
    {"step", "NormalEquations.step", &NormalEquationsWrap::PrepareStep, 5, {"gradient", "squaredNorm", "step", "jy"}},
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
          Method<&NormalEquationsWrap::RunSync<kLinearize>>("linearize"),
          Method<&NormalEquationsWrap::RunSync<kFactor>>("factor"),
          Method<&NormalEquationsWrap::RunSync<kSolve>>("solve"),
          Method<&NormalEquationsWrap::RunSync<kStep>>("step"),
          Method<&NormalEquationsWrap::Jv>("jv"),
          Method<&NormalEquationsWrap::Jtv>("jtv"),
          Method<&NormalEquationsWrap::RunAsync<kLinearize>>("linearizeAsync"),
          Method<&NormalEquationsWrap::RunAsync<kFactor>>("factorAsync"),
          Method<&NormalEquationsWrap::RunAsync<kSolve>>("solveAsync"),
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
    // First phase: every property (arguments.h).
    const PatternValues pattern(info[0]);
    const Napi::Value kind = FieldOf(info[2], "kind");
    const Napi::Value threads = FieldOf(info[2], "threads");
    const bool background = FieldOf(info[2], "background").ToBoolean().Value();

    const PatternInput input = PatternArgument(pattern, kFunction);
    const int64_t batch = IntegerArgument(info[1], kFunction, "batch");
    NormalEquationsOptions options;
    if (!IsAbsent(info[2])) {
      ObjectArgument(info[2], kFunction, "options");
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
      if (!IsAbsent(threads)) {
        options.threads = IntegerArgument(threads, kFunction, "options.threads");
        if (options.threads < 1) {
          throw RangeArgumentError(MustBe(kFunction, "options.threads", "an integer in [1, 1024]", Concat(options.threads)));
        }
      }
    }
    napi_type_tag_object(env, info.This(), &NormalEquationsTag());
    if (!background) {
      core_ = MakeNormalEquations(input, batch, options);
      ReportExternalMemory();
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

void NormalEquationsWrap::ReportExternalMemory() {
  const int64_t bytes = core_ ? core_->memory_bytes() + staging_.bytes() : 0;
  if (bytes != external_bytes_) Napi::MemoryManagement::AdjustExternalMemory(Env(), bytes - external_bytes_);
  external_bytes_ = bytes;
}

void NormalEquationsWrap::Ready() {
  if (constructing_.joinable()) {
    constructing_.join();
    if (core_) ReportExternalMemory();
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
  staging_.Clear();
  ReportExternalMemory();
}

void NormalEquationsWrap::CheckUsable(const char* function) {
  Ready();
  if (!core_) throw StateError(Concat(function, ": the handle has been disposed"));
  if (busy_with_ != nullptr) {
    throw StateError(Concat(function, ": the handle is busy with ", busy_with_, "; await it before the next call"));
  }
}

// linearize, factor, solve and step are prepared on the main thread in two
// phases (arguments.h): Fetch reads every property, Prepare* checks the
// values, takes the arrays' memory (in place or copied, CallArrays) and packs
// the core's work in a closure that may run on another thread.

CallValues NormalEquationsWrap::Fetch(const Op& op, const std::array<Napi::Value, 6>& args, Mode mode) {
  CallValues values;
  values.args = args;
  const Napi::Env env = args[0].Env();
  values.out = op.out < 0 || mode == Mode::kAsync ? env.Undefined() : args[op.out];
  values.out_fields = &op.out_fields;
  for (size_t i = 0; i < values.fields.size(); ++i) {
    values.fields[i] = i < op.out_fields.size() ? FieldOf(values.out, op.out_fields[i]) : env.Undefined();
  }
  return values;
}

namespace {
// linearize's inputs (jValues, residuals, active).
struct LinearizeInputs {
  ArrayView<const double> j, r;
  ArrayView<const uint8_t> active;
};

LinearizeInputs ReadLinearizeInputs(const CallValues& values, CallArrays& arrays, const char* function) {
  LinearizeInputs in;
  in.j = arrays.Float64(values.args[0], function, "jValues");
  in.r = arrays.Float64(values.args[1], function, "residuals");
  if (!IsAbsent(values.args[2])) in.active = arrays.Uint8(values.args[2], function, "active");
  return in;
}

// Where the work writes the results named by values.out_fields (lengths[i]
// numbers each): the arrays of an `out` object when given, else new ones.
std::vector<double*> ObjectResults(const CallValues& values, std::initializer_list<size_t> lengths, CallArrays& arrays,
                                   const char* function) {
  if (!IsAbsent(values.out)) ObjectArgument(values.out, function, "out");
  std::vector<double*> data;
  for (size_t length : lengths) {
    const size_t i = data.size();
    data.push_back(arrays.Float64Result(values.fields[i], length, function, Concat("out.", (*values.out_fields)[i])));
  }
  return data;
}
}  // namespace

PreparedCall NormalEquationsWrap::PrepareLinearize(const CallValues& values, CallArrays& arrays, const char* function) {
  const LinearizeInputs in = ReadLinearizeInputs(values, arrays, function);
  const size_t batch = static_cast<size_t>(core_->batch());
  const std::vector<double*> out = ObjectResults(values, {batch * core_->n(), batch}, arrays, function);
  BatchedNormalEquations* core = core_.get();
  return arrays.Finish(
      [=] { core->Linearize({in.j.data, in.j.length}, {in.r.data, in.r.length}, {in.active.data, in.active.length}, out[0], out[1]); },
      [](Napi::Env env, const std::vector<Napi::Object>& result) { return LinearizeResult(env, result[0], result[1]); });
}

PreparedCall NormalEquationsWrap::PrepareFactor(const CallValues& values, CallArrays& arrays, const char* function) {
  const auto lambda = arrays.Float64(values.args[0], function, "lambda");
  const Damping damping = DampingArgument(values.args[1], function);
  uint8_t* ok = arrays.Uint8Result(values.args[0].Env(), core_->batch());
  auto reasons = std::make_shared<std::vector<std::string>>();
  BatchedNormalEquations* core = core_.get();
  return arrays.Finish([=] { core->Factor({lambda.data, lambda.length}, damping, ok, reasons.get()); },
                       [reasons](Napi::Env env, const std::vector<Napi::Object>& result) {
                         return FactorResult(env, result[0].As<Napi::Uint8Array>(), *reasons);
                       });
}

PreparedCall NormalEquationsWrap::PrepareStep(const CallValues& values, CallArrays& arrays, const char* function) {
  const LinearizeInputs in = ReadLinearizeInputs(values, arrays, function);
  const auto lambda = arrays.Float64(values.args[3], function, "lambda");
  const Damping damping = DampingArgument(values.args[4], function);
  const size_t batch = static_cast<size_t>(core_->batch());
  const size_t bn = batch * core_->n();
  const std::vector<double*> out = ObjectResults(values, {bn, batch, bn, batch * core_->m()}, arrays, function);
  uint8_t* ok = arrays.Uint8Result(values.args[0].Env(), batch);
  auto reasons = std::make_shared<std::vector<std::string>>();
  BatchedNormalEquations* core = core_.get();
  return arrays.Finish(
      [=] {
        core->Step({in.j.data, in.j.length}, {in.r.data, in.r.length}, {in.active.data, in.active.length},
                   {lambda.data, lambda.length}, damping, out[0], out[1], ok, reasons.get(), out[2], out[3]);
      },
      [reasons](Napi::Env env, const std::vector<Napi::Object>& result) {
        return FactorResult(env, result[4].As<Napi::Uint8Array>(), *reasons,
                            {{"gradient", result[0]}, {"squaredNorm", result[1]}, {"step", result[2]}, {"jy", result[3]}});
      });
}

PreparedCall NormalEquationsWrap::PrepareSolve(const CallValues& values, CallArrays& arrays, const char* function) {
  const auto rhs = arrays.Float64(values.args[0], function, "rhs");
  const int64_t k = IsAbsent(values.args[1]) ? 1 : IntegerArgument(values.args[1], function, "k");
  double* out = arrays.Float64Result(values.out, static_cast<size_t>(rhs.length), function, "out");
  BatchedNormalEquations* core = core_.get();
  return arrays.Finish([=] { core->Solve({rhs.data, rhs.length}, k, out); },
                       [](Napi::Env, const std::vector<Napi::Object>& result) -> Napi::Value { return result[0]; });
}

namespace {
// The first arguments of a call (absent ones undefined).
std::array<Napi::Value, 6> Arguments(const Napi::CallbackInfo& info) {
  std::array<Napi::Value, 6> args;
  for (size_t i = 0; i < args.size(); ++i) args[i] = info[i];
  return args;
}
}  // namespace

template <size_t kOp>
Napi::Value NormalEquationsWrap::RunSync(const Napi::CallbackInfo& info) {
  const char* function = static_cast<const char*>(info.Data());
  const Op& op = kOps[kOp];
  const CallValues values = Fetch(op, Arguments(info), Mode::kNow);
  CheckUsable(function);
  CallArrays arrays(Mode::kNow, staging_);
  PreparedCall call = (this->*op.prepare)(values, arrays, function);
  call.work();
  return call.result(info.Env(), call.Deliver(info.Env(), function));
}

template <size_t kOp>
Napi::Value NormalEquationsWrap::RunAsync(const Napi::CallbackInfo& info) {
  const char* function = static_cast<const char*>(info.Data());
  const Op& op = kOps[kOp];
  const CallValues values = Fetch(op, Arguments(info), Mode::kAsync);
  CheckUsable(function);
  staging_.Rewind();
  CallArrays arrays(Mode::kAsync, staging_);
  PreparedCall call = (this->*op.prepare)(values, arrays, function);
  ReportExternalMemory();
  return (new Operation(info.Env(), this, function, std::move(call)))->Start();
}

Napi::Value NormalEquationsWrap::Jv(const Napi::CallbackInfo& info) { return Product(info, "NormalEquations.jv", "v", false); }

Napi::Value NormalEquationsWrap::Jtv(const Napi::CallbackInfo& info) { return Product(info, "NormalEquations.jtv", "u", true); }

Napi::Value NormalEquationsWrap::Product(const Napi::CallbackInfo& info, const char* function, const char* name, bool transpose) {
  CheckUsable(function);
  CallArrays arrays(Mode::kNow, staging_);
  const auto in = arrays.Float64(info[0], function, name);
  const size_t length = static_cast<size_t>(core_->batch()) * (transpose ? core_->n() : core_->m());
  double* out = arrays.Float64Result(info[1], length, function, "out");
  if (transpose) {
    core_->Jtv({in.data, in.length}, out);
  } else {
    core_->Jv({in.data, in.length}, out);
  }
  return arrays.Finish(nullptr, nullptr).Deliver(info.Env(), function)[0];
}

Napi::Value NormalEquationsWrap::Begin(const Napi::CallbackInfo& info) {
  constexpr const char* kFunction = "NormalEquations.begin";
  const bool is_array = info[0].IsArray();
  const uint32_t count = is_array ? info[0].As<Napi::Array>().Length() : 0;
  // First phase: the entries, their elements and their `out` fields (index
  // getters included), up to the first entry that is not a call (the second
  // phase throws there; a sparse calls array of length 2³² − 1 stops at once).
  struct Entry {
    Napi::Value value, op_name;
    const Op* op = nullptr;
    CallValues values;
  };
  std::vector<Entry> entries;
  for (uint32_t i = 0; i < count; ++i) {
    Entry& entry = entries.emplace_back();
    entry.value = info[0].As<Napi::Array>().Get(i);
    if (!entry.value.IsArray()) break;
    const Napi::Array call = entry.value.As<Napi::Array>();
    entry.op_name = call.Get(0u);
    std::array<Napi::Value, 6> args;
    for (uint32_t k = 0; k < args.size(); ++k) args[k] = call.Get(k + 1);
    if (entry.op_name.IsString()) {
      const std::string name = entry.op_name.As<Napi::String>().Utf8Value();
      for (const Op& op : kOps) {
        if (name == op.name) entry.op = &op;
      }
    }
    if (entry.op == nullptr) break;
    entry.values = Fetch(*entry.op, args, Mode::kBegun);
  }
  CheckUsable(kFunction);
  if (!is_array) throw TypeArgumentError(MustBe(kFunction, "calls", "an array of [op, ...arguments] arrays", Describe(info[0])));
  if (count == 0) throw RangeArgumentError(MustBe(kFunction, "calls", "a non-empty array", "an empty one"));
  // Every call is prepared (its arguments checked, its inputs copied) before any runs.
  staging_.Rewind();
  std::vector<Bytes> given;  // the results given so far
  std::vector<Deferred::Call> prepared;
  for (size_t i = 0; i < entries.size(); ++i) {
    const Entry& entry = entries[i];
    const std::string name = Concat("calls[", i, "]");
    if (!entry.value.IsArray()) throw TypeArgumentError(MustBe(kFunction, name, "an array [op, ...arguments]", Describe(entry.value)));
    const std::string op = StringArgument(entry.op_name, kFunction, Concat(name, "[0]"));
    if (entry.op == nullptr) {
      throw RangeArgumentError(MustBe(kFunction, Concat(name, "[0]"), "'linearize', 'factor', 'solve' or 'step'", Concat("'", op, "'")));
    }
    CallArrays arrays(Mode::kBegun, staging_, &given);
    prepared.push_back({(this->*entry.op->prepare)(entry.values, arrays, entry.op->function), entry.op->function});
  }
  Deferred& deferred = deferred_;
  std::vector<std::function<void()>> works;
  for (Deferred::Call& call : prepared) works.push_back(std::move(call.call.work));
  deferred.calls = std::move(prepared);
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
  busy_with_ = "NormalEquations.begin (until end)";
  ReportExternalMemory();
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
  // Every result is delivered before building the results runs any
  // JavaScript (a setter could start another call over the staging memory).
  std::vector<std::vector<Napi::Object>> arrays;
  for (Deferred::Call& call : calls) arrays.push_back(call.call.Deliver(env, call.function));
  std::vector<Napi::Value> results;
  for (size_t i = 0; i < calls.size(); ++i) results.push_back(calls[i].call.result(env, arrays[i]));
  return NewList(env, results);
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
  auto number = [&](double x) -> Napi::Value { return Napi::Number::New(env, x); };
  Fields fields = {
      {"m", number(core_->m())},
      {"n", number(core_->n())},
      {"nnz", number(static_cast<double>(core_->nnz()))},
      {"batch", number(core_->batch())},
      {"kind", Napi::String::New(env, core_->dense() ? "dense" : "sparse")},
      {"backend", Napi::String::New(env, core_->backend_name())},
      {"threads", number(core_->threads())},
      {"normalNonzeros", number(static_cast<double>(core_->a_nonzeros()))},
      {"factorNonzeros", number(static_cast<double>(core_->factor_nonzeros()))},
      {"memoryBytes", number(static_cast<double>(core_->memory_bytes()))},
  };
  // Device cores only: the device's compute time in the last call.
  if (core_->last_device_seconds() >= 0) fields.emplace_back("lastDeviceSeconds", number(core_->last_device_seconds()));
  return NewRecord(env, fields);
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
