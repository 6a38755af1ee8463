#include "reference_ldlt_binding.h"

#include <chrono>

#include "arguments.h"
#include "errors.h"
#include "messages.h"
#include "reference_ldlt.h"

namespace ariadne::binding {

Napi::Value ReferenceLdltSolve(const Napi::CallbackInfo& info) {
  constexpr const char* kFunction = "referenceLdlt";
  Napi::Env env = info.Env();
  return Guard(env, kFunction, [&]() -> Napi::Value {
    const PatternInput pattern = PatternArgument(PatternValues(info[0]), kFunction);
    const auto j = Float64ArrayArgument(info[1], kFunction, "jValues");
    const auto r = Float64ArrayArgument(info[2], kFunction, "residuals");
    const auto lambda = Float64ArrayArgument(info[3], kFunction, "lambda");
    const int64_t repeats = IntegerArgument(info[4], kFunction, "repeats");
    const int64_t batch = lambda.length;
    if (batch < 1 || j.length != batch * pattern.nnz || r.length != batch * pattern.m || repeats < 1) {
      throw RangeArgumentError(Concat(kFunction, ": lengths must be batch·nnz, batch·m and batch, repeats ≥ 1"));
    }
    ReferenceLdlt reference(pattern);
    Napi::Float64Array x = Napi::Float64Array::New(env, static_cast<size_t>(batch * pattern.n));
    Napi::Float64Array seconds = Napi::Float64Array::New(env, static_cast<size_t>(repeats));
    bool all_ok = true;
    for (int64_t repeat = 0; repeat < repeats; ++repeat) {
      const auto start = std::chrono::steady_clock::now();
      for (int64_t b = 0; b < batch; ++b) {
        all_ok = reference.Solve(j.data + b * pattern.nnz, r.data + b * pattern.m, lambda.data[b],
                                 x.Data() + b * pattern.n) &&
                 all_ok;
      }
      seconds.Data()[repeat] = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }
    return NewRecord(env, {{"x", x}, {"seconds", seconds}, {"ok", Napi::Boolean::New(env, all_ok)}});
  });
}

}  // namespace ariadne::binding
