#include "arguments.h"

#include <cmath>
#include <new>

#include "errors.h"
#include "messages.h"

namespace ariadne::binding {
namespace {

const char* TypedArrayName(napi_typedarray_type type) {
  switch (type) {
    case napi_int8_array:
      return "Int8Array";
    case napi_uint8_array:
      return "Uint8Array";
    case napi_uint8_clamped_array:
      return "Uint8ClampedArray";
    case napi_int16_array:
      return "Int16Array";
    case napi_uint16_array:
      return "Uint16Array";
    case napi_int32_array:
      return "Int32Array";
    case napi_uint32_array:
      return "Uint32Array";
    case napi_float32_array:
      return "Float32Array";
    case napi_float64_array:
      return "Float64Array";
    case napi_bigint64_array:
      return "BigInt64Array";
    case napi_biguint64_array:
      return "BigUint64Array";
    default:
      break;  // kinds newer than these headers' Node (the CUDA addon builds against node-api-headers)
  }
  return "TypedArray";
}

template <typename T>
ArrayView<const T> TypedArrayArgument(const Napi::Value& value, const char* function, const std::string& name,
                                      napi_typedarray_type type) {
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != type) {
    throw TypeArgumentError(MustBe(function, name, Article(TypedArrayName(type)), Describe(value)));
  }
  // The address and current length from napi_get_typedarray_info, which
  // also serves arrays over a SharedArrayBuffer (never detached) and over
  // resizable buffers.
  const napi_env env = value.Env();
  size_t length = 0;
  void* data = nullptr;
  napi_value buffer = nullptr;
  bool array_buffer = false;
  bool detached = false;
  if (napi_get_typedarray_info(env, value, nullptr, &length, &data, &buffer, nullptr) != napi_ok ||
      napi_is_arraybuffer(env, buffer, &array_buffer) != napi_ok ||
      (array_buffer && napi_is_detached_arraybuffer(env, buffer, &detached) != napi_ok)) {
    throw Napi::Error::New(env);
  }
  if (detached) {
    throw TypeArgumentError(MustBe(function, name, Article(TypedArrayName(type)) + " over a live ArrayBuffer",
                                   "one whose buffer was detached (transferred)"));
  }
  ArrayView<const T> view;
  view.length = static_cast<int64_t>(length);
  view.data = static_cast<const T*>(data);
  // An empty array may have no storage; it is still an argument that was given
  // (the core reads a null pointer as "absent"), so it gets a valid address.
  static const T kEmpty[1] = {};
  if (view.data == nullptr) view.data = kEmpty;
  return view;
}

}  // namespace

std::string Describe(const Napi::Value& value) {
  switch (value.Type()) {
    case napi_undefined:
      return "undefined";
    case napi_null:
      return "null";
    case napi_boolean:
      return Concat("a boolean (", value.As<Napi::Boolean>().Value() ? "true" : "false", ")");
    case napi_number: {
      const double x = value.As<Napi::Number>().DoubleValue();
      return Concat("a number (", FormatNumber(x), ")");
    }
    case napi_string:
      return "a string";
    case napi_symbol:
      return "a symbol";
    case napi_function:
      return "a function";
    case napi_bigint:
      return "a bigint";
    case napi_external:
      return "an external";
    case napi_object:
      break;
  }
  if (value.IsTypedArray()) return TypedArrayName(value.As<Napi::TypedArray>().TypedArrayType());
  if (value.IsArray()) return "an Array";
  if (value.IsArrayBuffer()) return "an ArrayBuffer";
  return "an object";
}

ArrayView<const double> Float64ArrayArgument(const Napi::Value& value, const char* function, const std::string& name) {
  return TypedArrayArgument<double>(value, function, name, napi_float64_array);
}

ArrayView<const int32_t> Int32ArrayArgument(const Napi::Value& value, const char* function, const std::string& name) {
  return TypedArrayArgument<int32_t>(value, function, name, napi_int32_array);
}

ArrayView<const uint8_t> Uint8ArrayArgument(const Napi::Value& value, const char* function, const std::string& name) {
  return TypedArrayArgument<uint8_t>(value, function, name, napi_uint8_array);
}

int64_t IntegerArgument(const Napi::Value& value, const char* function, const std::string& name) {
  if (!value.IsNumber()) throw TypeArgumentError(MustBe(function, name, "an integer", Describe(value)));
  const double x = value.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(x) || std::trunc(x) != x || std::abs(x) > 9007199254740991.0) {
    throw RangeArgumentError(MustBe(function, name, "an integer", FormatNumber(x)));
  }
  return static_cast<int64_t>(x);
}

double NumberArgument(const Napi::Value& value, const char* function, const std::string& name) {
  if (!value.IsNumber()) throw TypeArgumentError(MustBe(function, name, "a number", Describe(value)));
  return value.As<Napi::Number>().DoubleValue();
}

std::string StringArgument(const Napi::Value& value, const char* function, const std::string& name) {
  if (!value.IsString()) throw TypeArgumentError(MustBe(function, name, "a string", Describe(value)));
  return value.As<Napi::String>().Utf8Value();
}

bool IsAbsent(const Napi::Value& value) { return value.IsUndefined(); }

namespace {
bool IsObjectArgument(const Napi::Value& value) {
  return value.IsObject() && !value.IsFunction() && !value.IsArray() && !value.IsTypedArray();
}
}  // namespace

Napi::Object ObjectArgument(const Napi::Value& value, const char* function, const std::string& name) {
  if (!IsObjectArgument(value)) throw TypeArgumentError(MustBe(function, name, "an object", Describe(value)));
  return value.As<Napi::Object>();
}

Napi::Value FieldOf(const Napi::Value& object, const char* key) {
  return IsObjectArgument(object) ? object.As<Napi::Object>().Get(key) : object.Env().Undefined();
}

PatternValues::PatternValues(const Napi::Value& value)
    : pattern(value),
      m(FieldOf(value, "m")),
      n(FieldOf(value, "n")),
      rows(FieldOf(value, "rows")),
      cols(FieldOf(value, "cols")),
      col_blocks(FieldOf(value, "colBlocks")),
      eliminate(FieldOf(value, "eliminate")) {}

PatternInput PatternArgument(const PatternValues& values, const char* function) {
  ObjectArgument(values.pattern, function, "pattern");
  PatternInput input;
  input.m = IntegerArgument(values.m, function, "pattern.m");
  input.n = IntegerArgument(values.n, function, "pattern.n");
  const auto rows = Int32ArrayArgument(values.rows, function, "pattern.rows");
  const auto cols = Int32ArrayArgument(values.cols, function, "pattern.cols");
  if (cols.length != rows.length) {
    throw RangeArgumentError(MustBe(function, "pattern.cols",
                                    Concat("of length ", rows.length, " (the length of 'pattern.rows')"),
                                    Concat("length ", cols.length)));
  }
  input.rows = rows.data;
  input.cols = cols.data;
  input.nnz = rows.length;
  if (!IsAbsent(values.col_blocks)) {
    const auto blocks = Int32ArrayArgument(values.col_blocks, function, "pattern.colBlocks");
    input.col_blocks = blocks.data;
    input.num_col_blocks = blocks.length;
  }
  if (!IsAbsent(values.eliminate)) input.eliminate = IntegerArgument(values.eliminate, function, "pattern.eliminate");
  return input;
}

namespace {
void Define(Napi::Env env, napi_value object, const std::vector<napi_property_descriptor>& descriptors) {
  if (napi_define_properties(env, object, descriptors.size(), descriptors.data()) != napi_ok)
    throw Napi::Error::New(env);
}
}  // namespace

Napi::Object NewRecord(Napi::Env env, const Fields& fields) {
  Napi::Object object = Napi::Object::New(env);
  std::vector<napi_property_descriptor> descriptors;
  for (const auto& [name, value] : fields) {
    napi_property_descriptor descriptor = {};
    descriptor.utf8name = name;
    descriptor.value = value;
    descriptor.attributes = napi_default_jsproperty;
    descriptors.push_back(descriptor);
  }
  Define(env, object, descriptors);
  return object;
}

Napi::Array NewList(Napi::Env env, const std::vector<Napi::Value>& items) {
  Napi::Array array = Napi::Array::New(env, items.size());
  std::vector<napi_property_descriptor> descriptors;
  for (size_t i = 0; i < items.size(); ++i) {
    napi_property_descriptor descriptor = {};
    descriptor.name = Napi::String::New(env, std::to_string(i));
    descriptor.value = items[i];
    descriptor.attributes = napi_default_jsproperty;
    descriptors.push_back(descriptor);
  }
  Define(env, array, descriptors);
  return array;
}

Napi::Error StateJsError(Napi::Env env, const std::string& message) {
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("code", Napi::String::New(env, "ERR_INVALID_STATE"));
  return error;
}

Napi::Error ToJsError(Napi::Env env, const std::exception_ptr& failure, const char* function) {
  try {
    std::rethrow_exception(failure);
  } catch (const ArgumentError& error) {
    if (error.kind() == ArgumentError::Kind::kType) return Napi::TypeError::New(env, error.what());
    return Napi::RangeError::New(env, error.what());
  } catch (const StateError& error) {
    return StateJsError(env, error.what());
  } catch (const std::bad_alloc&) {
    return Napi::RangeError::New(env, Concat(function, ": out of memory"));
  } catch (const Napi::Error& error) {
    return error;
  } catch (const std::exception& error) {
    return Napi::Error::New(env, Concat(function, ": ", error.what()));
  } catch (...) {
    return Napi::Error::New(env, Concat(function, ": unknown native error"));
  }
}

}  // namespace ariadne::binding
