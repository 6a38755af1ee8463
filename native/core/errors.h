// Exceptions thrown by the core. The binding maps them to JavaScript errors:
// ArgumentError -> TypeError / RangeError, StateError -> Error with code
// ERR_INVALID_STATE, std::bad_alloc -> RangeError. Messages already carry the
// public function and argument name ("<function>: '<argument>' must be ...").
#pragma once

#include <stdexcept>
#include <string>

namespace ariadne {

class ArgumentError : public std::invalid_argument {
 public:
  enum class Kind { kType, kRange };
  ArgumentError(Kind kind, const std::string& message) : std::invalid_argument(message), kind_(kind) {}
  Kind kind() const { return kind_; }

 private:
  Kind kind_;
};

inline ArgumentError TypeArgumentError(const std::string& message) {
  return ArgumentError(ArgumentError::Kind::kType, message);
}
inline ArgumentError RangeArgumentError(const std::string& message) {
  return ArgumentError(ArgumentError::Kind::kRange, message);
}

// A call that is not valid in the handle's current state (disposed, busy,
// factor before linearize, ...).
class StateError : public std::logic_error {
 public:
  explicit StateError(const std::string& message) : std::logic_error(message) {}
};

// A broken internal invariant (an Eigen assertion in checked builds, an
// unexpected library status). Never the user's fault; reported as Error.
class InternalError : public std::runtime_error {
 public:
  explicit InternalError(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace ariadne
