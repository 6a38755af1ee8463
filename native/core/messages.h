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

// A double as JavaScript prints it (ECMAScript's Number::toString): the
// shortest digits that round-trip, in fixed notation from 1e-7 up to 1e21
// ("0.000001", "123.5") and exponential notation beyond ("1e-7", "1e+32");
// "NaN", "Infinity", "-Infinity", and "0" for −0.
inline std::string FormatNumber(double x) {
  if (std::isnan(x)) return "NaN";
  if (std::isinf(x)) return x > 0 ? "Infinity" : "-Infinity";
  if (x == 0) return "0";
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), std::abs(x), std::chars_format::scientific);
  const std::string scientific(buffer, result.ptr);  // "d.ddde±XX"
  const size_t e = scientific.find('e');
  std::string digits;
  for (size_t i = 0; i < e; ++i) {
    if (scientific[i] != '.') digits += scientific[i];
  }
  const int k = static_cast<int>(digits.size());
  const int n = std::stoi(scientific.substr(e + 1)) + 1;  // |x| = 0.digits × 10^n
  std::string text;
  if (k <= n && n <= 21) {
    text = digits + std::string(n - k, '0');
  } else if (0 < n && n <= 21) {
    text = digits.substr(0, n) + "." + digits.substr(n);
  } else if (-6 < n && n <= 0) {
    text = "0." + std::string(-n, '0') + digits;
  } else {
    text = digits.substr(0, 1) + (k > 1 ? "." + digits.substr(1) : "") + (n - 1 >= 0 ? "e+" : "e-") +
           std::to_string(std::abs(n - 1));
  }
  return x < 0 ? "-" + text : text;
}

// "a" or "an" before a type name ("an Int32Array", "a Float64Array").
inline std::string Article(const std::string& name) {
  return (!name.empty() && std::string("AEIO").find(name[0]) != std::string::npos ? "an " : "a ") + name;
}

inline std::string MustBe(const std::string& function, const std::string& argument, const std::string& requirement,
                          const std::string& actual) {
  return Concat(function, ": '", argument, "' must be ", requirement, ", got ", actual);
}

}  // namespace ariadne
