// Reading JavaScript arguments in the binding: every reader checks the type
// (TypeError) and value (RangeError) and names the function and argument in
// the message, in the one shape of ariadne::MustBe. Errors thrown by the core
// are turned into JavaScript errors by ToJsError.
#pragma once

#include <napi.h>

#include <cstdint>
#include <exception>
#include <string>
#include <utility>
#include <vector>

#include "normal_pattern.h"

namespace ariadne::binding {

template <typename T>
struct ArrayView {
  T* data = nullptr;
  int64_t length = 0;
};

// How a JavaScript value reads in a message: "undefined", "a number (1.5)",
// "Float32Array", "an Array", ...
std::string Describe(const Napi::Value& value);

ArrayView<const double> Float64ArrayArgument(const Napi::Value& value, const char* function, const std::string& name);
ArrayView<const int32_t> Int32ArrayArgument(const Napi::Value& value, const char* function, const std::string& name);
ArrayView<const uint8_t> Uint8ArrayArgument(const Napi::Value& value, const char* function, const std::string& name);
// A number that is an integer (TypeError when not a number, RangeError when
// not an integer).
int64_t IntegerArgument(const Napi::Value& value, const char* function, const std::string& name);
// A number (TypeError otherwise); its value is the caller's to check.
double NumberArgument(const Napi::Value& value, const char* function, const std::string& name);
std::string StringArgument(const Napi::Value& value, const char* function, const std::string& name);
// An object (TypeError otherwise).
Napi::Object ObjectArgument(const Napi::Value& value, const char* function, const std::string& name);
bool IsAbsent(const Napi::Value& value);
// object[key] (its getter runs), or undefined where ObjectArgument would throw
// (it does so later, in the order of the checks).
Napi::Value FieldOf(const Napi::Value& object, const char* key);

// Every reader of JavaScript values works in two phases: first every property
// is read (getters run, and may detach, transfer or resize any array), then
// the values are checked and the arrays' memory taken, with no JavaScript
// running between taking an address and the end of its synchronous use.

// A Jacobian pattern object {m, n, rows, cols, colBlocks?, eliminate?}: its
// fields, read in the first phase.
struct PatternValues {
  explicit PatternValues(const Napi::Value& pattern);
  Napi::Value pattern, m, n, rows, cols, col_blocks, eliminate;
};
// The checked pattern; its arrays are read in place.
PatternInput PatternArgument(const PatternValues& values, const char* function);

// A new object, or array, whose entries are defined as own data properties
// rather than set: no setter on Object.prototype or Array.prototype runs, so
// building a result runs no JavaScript (which could dispose a handle or
// detach an array the binding still reads).
using Fields = std::vector<std::pair<const char*, Napi::Value>>;
Napi::Object NewRecord(Napi::Env env, const Fields& fields);
Napi::Array NewList(Napi::Env env, const std::vector<Napi::Value>& items);

// The JavaScript error for a C++ exception: ArgumentError -> TypeError or
// RangeError, StateError -> Error with code ERR_INVALID_STATE, bad_alloc ->
// RangeError, anything else -> Error.
Napi::Error ToJsError(Napi::Env env, const std::exception_ptr& error, const char* function);
Napi::Error StateJsError(Napi::Env env, const std::string& message);

// Runs `body`, turning C++ exceptions into JavaScript ones.
template <typename Body>
auto Guard(Napi::Env env, const char* function, Body&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const Napi::Error&) {
    throw;
  } catch (...) {
    throw ToJsError(env, std::current_exception(), function);
  }
}

}  // namespace ariadne::binding
