#include "normal_equations_wrap.h"

#include <cstring>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "arguments.h"
#include "class_methods.h"
#include "errors.h"
#include "factor_snapshot_wrap.h"
#include "messages.h"
#include "normal_equations_factory.h"

namespace ariadne::binding {
namespace {

Damping DampingArgument(const Napi::Value& value, const char* function) {
  const std::string mode = StringArgument(value, function, "mode");
  if (mode == "diagonal") return Damping::kDiagonal;
  if (mode == "identity") return Damping::kIdentity;
  throw RangeArgumentError(MustBe(function, "mode", "'diagonal' or 'identity'", Concat("'", mode, "'")));
}

// What a factor reports besides ok: the reasons and the pivot measures.
struct FactorReport {
  std::vector<std::string> reasons;
  std::vector<double> pivot_ratio;
  std::vector<int32_t> pivot_column;

  void Read(const BatchedNormalEquations& core) { core.Pivots(&pivot_ratio, &pivot_column); }
};

// factor's result: ok, reason, pivotRatio and pivotColumn, with `more` fields after them (step's).
Napi::Object FactorResult(Napi::Env env, Napi::Uint8Array ok, const FactorReport& report, Fields more = {}) {
  std::vector<Napi::Value> reason;
  for (const std::string& text : report.reasons) {
    reason.push_back(text.empty() ? env.Null() : Napi::String::New(env, text));
  }
  Napi::Float64Array ratio = Napi::Float64Array::New(env, report.pivot_ratio.size());
  std::copy(report.pivot_ratio.begin(), report.pivot_ratio.end(), ratio.Data());
  Napi::Int32Array column = Napi::Int32Array::New(env, report.pivot_column.size());
  std::copy(report.pivot_column.begin(), report.pivot_column.end(), column.Data());
  Fields fields = {{"ok", ok}, {"reason", NewList(env, reason)}, {"pivotRatio", ratio}, {"pivotColumn", column}};
  fields.insert(fields.end(), more.begin(), more.end());
  return NewRecord(env, fields);
}

Napi::Object LinearizeResult(Napi::Env env, Napi::Value gradient, Napi::Value squared_norm) {
  return NewRecord(env, {{"gradient", gradient}, {"squaredNorm", squared_norm}});
}

}  // namespace

const NormalEquationsWrap::Op NormalEquationsWrap::kOps[4] = {
    {"linearize", "NormalEquations.linearize", &NormalEquationsWrap::PrepareLinearize, 3, {"gradient", "squaredNorm"}},
    {"factor", "NormalEquations.factor", &NormalEquationsWrap::PrepareFactor, -1, {}},
    {"solve", "NormalEquations.solve", &NormalEquationsWrap::PrepareSolve, 2, {}},
    {"step", "NormalEquations.step", &NormalEquationsWrap::PrepareStep, 5, {"gradient", "squaredNorm", "step", "jy"}},
};

namespace {
template <Napi::Value (NormalEquationsWrap::*kMethod)(const Napi::CallbackInfo&)>
Napi::ClassPropertyDescriptor<NormalEquationsWrap> Method(const char* name) {
  return ClassMethod<NormalEquationsWrap, kMethod>("NormalEquations", name);
}
}  // namespace

Napi::Function NormalEquationsWrap::Define(Napi::Env env, Napi::FunctionReference* snapshot_class) {
  // FactorSnapshot's class, kept by the addon instance, reaches every
  // handle through the class' data.
  *snapshot_class = Napi::Persistent(FactorSnapshotWrap::Define(env));
  return DefineClass(env, "NormalEquations",
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
                         Method<&NormalEquationsWrap::RunAsync<kStep>>("stepAsync"),
                         Method<&NormalEquationsWrap::Begin>("begin"),
                         Method<&NormalEquationsWrap::End>("end"),
                         Method<&NormalEquationsWrap::Snapshot>("snapshot"),
                         Method<&NormalEquationsWrap::NormalPattern>("normalPattern"),
                         Method<&NormalEquationsWrap::Dispose>("dispose"),
                         Method<&NormalEquationsWrap::Info>("info"),
                         Method<&NormalEquationsWrap::FactorizationCount>("factorizationCount"),
                         Method<&NormalEquationsWrap::Disposed>("disposed"),
                     },
                     snapshot_class);
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
    const Napi::Value min_diagonal = FieldOf(info[2], "minDiagonal");
    const Napi::Value max_diagonal = FieldOf(info[2], "maxDiagonal");
    const bool background = FieldOf(info[2], "background").ToBoolean().Value();

    const PatternInput input = PatternArgument(pattern, kFunction);
    const int64_t batch = IntegerArgument(info[1], kFunction, "batch");
    NormalEquationsOptions options;
    if (!IsAbsent(info[2])) {
      ObjectArgument(info[2], kFunction, "options");
      if (!IsAbsent(kind)) {
        options.kind = ParseKindRequest(StringArgument(kind, kFunction, "options.kind"), kFunction, "options.kind");
      }
      if (!IsAbsent(threads)) {
        options.threads = IntegerArgument(threads, kFunction, "options.threads");
        if (options.threads < 1) {
          throw RangeArgumentError(
              MustBe(kFunction, "options.threads", "an integer in [1, 1024]", Concat(options.threads)));
        }
      }
      // Their values are checked together by the core (CheckDiagonalBounds).
      if (!IsAbsent(min_diagonal))
        options.min_diagonal = NumberArgument(min_diagonal, kFunction, "options.minDiagonal");
      if (!IsAbsent(max_diagonal))
        options.max_diagonal = NumberArgument(max_diagonal, kFunction, "options.maxDiagonal");
    }
    napi_type_tag_object(env, info.This(), &NormalEquationsTag());
    snapshot_class_ = static_cast<Napi::FunctionReference*>(info.Data());
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
      [=] {
        core->Linearize({in.j.data, in.j.length}, {in.r.data, in.r.length}, {in.active.data, in.active.length}, out[0],
                        out[1]);
      },
      [](Napi::Env env, const std::vector<Napi::Object>& result) {
        return LinearizeResult(env, result[0], result[1]);
      });
}

PreparedCall NormalEquationsWrap::PrepareFactor(const CallValues& values, CallArrays& arrays, const char* function) {
  const auto lambda = arrays.Float64(values.args[0], function, "lambda");
  const Damping damping = DampingArgument(values.args[1], function);
  ArrayView<const double> extra;
  if (!IsAbsent(values.args[2])) extra = arrays.Float64(values.args[2], function, "extra");
  uint8_t* ok = arrays.Uint8Result(values.args[0].Env(), core_->batch());
  auto report = std::make_shared<FactorReport>();
  BatchedNormalEquations* core = core_.get();
  return arrays.Finish(
      [=] {
        core->Factor({lambda.data, lambda.length}, damping, {extra.data, extra.length}, ok, &report->reasons);
        report->Read(*core);
      },
      [report](Napi::Env env, const std::vector<Napi::Object>& result) {
        return FactorResult(env, result[0].As<Napi::Uint8Array>(), *report);
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
  auto report = std::make_shared<FactorReport>();
  BatchedNormalEquations* core = core_.get();
  return arrays.Finish(
      [=] {
        core->Step({in.j.data, in.j.length}, {in.r.data, in.r.length}, {in.active.data, in.active.length},
                   {lambda.data, lambda.length}, damping, out[0], out[1], ok, &report->reasons, out[2], out[3]);
        report->Read(*core);
      },
      [report](Napi::Env env, const std::vector<Napi::Object>& result) {
        return FactorResult(
            env, result[4].As<Napi::Uint8Array>(), *report,
            {{"gradient", result[0]}, {"squaredNorm", result[1]}, {"step", result[2]}, {"jy", result[3]}});
      });
}

PreparedCall NormalEquationsWrap::PrepareSolve(const CallValues& values, CallArrays& arrays, const char* function) {
  BatchedNormalEquations* core = core_.get();
  return PrepareSolveCall(values.args[0], values.args[1], values.out, arrays, function,
                          [core](Span<const double> rhs, int64_t k, double* out) { core->Solve(rhs, k, out); });
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
  return (new Operation(info.Env(), Value(), &busy_with_, function, std::move(call)))->Start();
}

Napi::Value NormalEquationsWrap::Jv(const Napi::CallbackInfo& info) {
  return Product(info, "NormalEquations.jv", "v", false);
}

Napi::Value NormalEquationsWrap::Jtv(const Napi::CallbackInfo& info) {
  return Product(info, "NormalEquations.jtv", "u", true);
}

Napi::Value NormalEquationsWrap::Product(const Napi::CallbackInfo& info, const char* function, const char* name,
                                         bool transpose) {
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
  if (!is_array)
    throw TypeArgumentError(MustBe(kFunction, "calls", "an array of [op, ...arguments] arrays", Describe(info[0])));
  if (count == 0) throw RangeArgumentError(MustBe(kFunction, "calls", "a non-empty array", "an empty one"));
  // Every call is prepared (its arguments checked, its inputs copied) before any runs.
  staging_.Rewind();
  std::vector<Bytes> given;  // the results given so far
  std::vector<Deferred::Call> prepared;
  for (size_t i = 0; i < entries.size(); ++i) {
    const Entry& entry = entries[i];
    const std::string name = Concat("calls[", i, "]");
    if (!entry.value.IsArray())
      throw TypeArgumentError(MustBe(kFunction, name, "an array [op, ...arguments]", Describe(entry.value)));
    const std::string op = StringArgument(entry.op_name, kFunction, Concat(name, "[0]"));
    if (entry.op == nullptr) {
      throw RangeArgumentError(
          MustBe(kFunction, Concat(name, "[0]"), "'linearize', 'factor', 'solve' or 'step'", Concat("'", op, "'")));
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
    throw StateError(
        Concat("NormalEquations.dispose: the handle is busy with ", busy_with_, "; await it before the next call"));
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
      {"kind", Napi::String::New(env, KindName(core_->kind()))},
      {"backend", Napi::String::New(env, core_->backend_name())},
      {"threads", number(core_->threads())},
      {"normalNonzeros", number(static_cast<double>(core_->a_nonzeros()))},
      {"factorNonzeros", number(static_cast<double>(core_->factor_nonzeros()))},
      {"memoryBytes", number(static_cast<double>(core_->memory_bytes()))},
      {"minDiagonal", number(core_->min_diagonal())},
      {"maxDiagonal", number(core_->max_diagonal())},
  };
  // Device cores only: the device's compute time in the last call.
  if (core_->last_device_seconds() >= 0) fields.emplace_back("lastDeviceSeconds", number(core_->last_device_seconds()));
  return NewRecord(env, fields);
}

Napi::Value NormalEquationsWrap::Snapshot(const Napi::CallbackInfo& info) {
  constexpr const char* kFunction = "NormalEquations.snapshot";
  CheckUsable(kFunction);
  return FactorSnapshotWrap::New(snapshot_class_->Value(), core_->Snapshot());
}

Napi::Value NormalEquationsWrap::NormalPattern(const Napi::CallbackInfo& info) {
  constexpr const char* kFunction = "NormalEquations.normalPattern";
  Ready();
  if (!core_) throw StateError(Concat(kFunction, ": the handle has been disposed"));
  // Immutable once analysed: readable while a call runs, as info() is.
  Napi::Env env = info.Env();
  const std::vector<int32_t>& col_start = core_->pattern().a_col_start();
  const std::vector<int32_t>& row_index = core_->pattern().a_row_index();
  Napi::Int32Array starts = Napi::Int32Array::New(env, col_start.size());
  std::copy(col_start.begin(), col_start.end(), starts.Data());
  Napi::Int32Array rows = Napi::Int32Array::New(env, row_index.size());
  std::copy(row_index.begin(), row_index.end(), rows.Data());
  return NewRecord(env, {{"colStart", starts}, {"rowIndex", rows}});
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
