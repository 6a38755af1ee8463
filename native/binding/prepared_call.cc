#include "prepared_call.h"

#include <cstring>
#include <tuple>

#include "errors.h"
#include "messages.h"

namespace ariadne::binding {

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
ArrayView<const double> GivenResult(const Napi::Value& out, size_t length, const char* function,
                                    const std::string& name) {
  const ArrayView<const double> view = Float64ArrayArgument(out, function, name);
  if (static_cast<size_t>(view.length) != length) {
    throw RangeArgumentError(MustBe(function, name, Concat(length, " numbers long"), Concat("length ", view.length)));
  }
  return view;
}

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

PreparedCall PrepareSolveCall(const Napi::Value& rhs_value, const Napi::Value& k_value, const Napi::Value& out_value,
                              CallArrays& arrays, const char* function,
                              std::function<void(Span<const double>, int64_t, double*)> solve) {
  const auto rhs = arrays.Float64(rhs_value, function, "rhs");
  const int64_t k = IsAbsent(k_value) ? 1 : IntegerArgument(k_value, function, "k");
  double* out = arrays.Float64Result(out_value, static_cast<size_t>(rhs.length), function, "out");
  return arrays.Finish(
      [=] {
        solve({rhs.data, rhs.length}, k, out);
      },
      [](Napi::Env, const std::vector<Napi::Object>& result) -> Napi::Value { return result[0]; });
}

}  // namespace ariadne::binding
