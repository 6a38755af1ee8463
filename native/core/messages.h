// One message shape for every argument error: "<function>: '<argument>' must
// be <requirement>, got <actual>".
#pragma once

#include <charconv>
#include <cmath>
#include <sstream>
#include <string>

namespace ariadne {

template <typename... Parts>
std::string Concat(const Parts&... parts) {
  std::ostringstream out;
  out.precision(17);
  (out << ... << parts);
  return out.str();
}

// A double as JavaScript prints it: shortest round-trip digits, "NaN",
// "Infinity", "-Infinity".
inline std::string FormatNumber(double x) {
  if (std::isnan(x)) return "NaN";
  if (std::isinf(x)) return x > 0 ? "Infinity" : "-Infinity";
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), x);
  return std::string(buffer, result.ptr);
}

// "a" or "an" before a type name ("an Int32Array", "a Float64Array").
inline std::string Article(const std::string& name) {
  return (!name.empty() && std::string("AEIO").find(name[0]) != std::string::npos ? "an " : "a ") + name;
}

inline std::string MustBe(const std::string& function, const std::string& argument,
                          const std::string& requirement, const std::string& actual) {
  return Concat(function, ": '", argument, "' must be ", requirement, ", got ", actual);
}

}  // namespace ariadne
