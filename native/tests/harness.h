// A minimal test harness (the GPU machine may have no test framework):
// TEST(name) { ... } with CHECK / CHECK_NEAR / CHECK_THROWS; main runs all
// tests and returns non-zero on any failure. SKIP(reason) ends a test as
// skipped, printed with its reason; a program whose tests all skipped exits
// with kSkipReturnCode, which ctest reports as skipped.
#pragma once

#include <cmath>
#include <cstdio>
#include <functional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace harness {

struct Test {
  const char* name;
  std::function<void()> body;
};

inline std::vector<Test>& Registry() {
  static std::vector<Test> tests;
  return tests;
}

struct Register {
  Register(const char* name, std::function<void()> body) { Registry().push_back({name, std::move(body)}); }
};

struct Failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};
struct Skip : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The exit status of a test program whose tests were all skipped (CMake
// sets it as the tests' SKIP_RETURN_CODE).
constexpr int kSkipReturnCode = 77;

inline std::string Where(const char* file, int line) {
  std::ostringstream out;
  out << file << ":" << line;
  return out.str();
}

}  // namespace harness

#define HARNESS_CONCAT2(a, b) a##b
#define HARNESS_CONCAT(a, b) HARNESS_CONCAT2(a, b)
#define TEST(name)                                                       \
  static void name();                                                    \
  static harness::Register HARNESS_CONCAT(register_, name)(#name, name); \
  static void name()

#define CHECK(condition)                                                                                      \
  do {                                                                                                        \
    if (!(condition)) throw harness::Failure(harness::Where(__FILE__, __LINE__) + ": CHECK(" #condition ")"); \
  } while (false)

#define CHECK_NEAR(a, b, tolerance)                                                                                   \
  do {                                                                                                                \
    const double harness_a = (a), harness_b = (b);                                                                    \
    if (!(std::abs(harness_a - harness_b) <= (tolerance))) {                                                          \
      std::ostringstream harness_out;                                                                                 \
      harness_out.precision(17);                                                                                      \
      harness_out << harness::Where(__FILE__, __LINE__) << ": " #a " = " << harness_a << " vs " #b " = " << harness_b \
                  << " (tolerance " << (tolerance) << ")";                                                            \
      throw harness::Failure(harness_out.str());                                                                      \
    }                                                                                                                 \
  } while (false)

// Checks that `statement` throws `type` whose what() contains `fragment`.
#define CHECK_THROWS(type, fragment, statement)                                                                  \
  do {                                                                                                           \
    bool harness_thrown = false;                                                                                 \
    try {                                                                                                        \
      statement;                                                                                                 \
    } catch (const type& error) {                                                                                \
      harness_thrown = true;                                                                                     \
      if (std::string(error.what()).find(fragment) == std::string::npos) {                                       \
        throw harness::Failure(harness::Where(__FILE__, __LINE__) + ": message '" + error.what() + "' lacks '" + \
                               (fragment) + "'");                                                                \
      }                                                                                                          \
    }                                                                                                            \
    if (!harness_thrown)                                                                                         \
      throw harness::Failure(harness::Where(__FILE__, __LINE__) + ": no " #type " from " #statement);            \
  } while (false)

#define SKIP(reason) throw harness::Skip(reason)

#define HARNESS_MAIN()                                                                              \
  int main() {                                                                                      \
    int failed = 0, skipped = 0;                                                                    \
    for (const auto& test : harness::Registry()) {                                                  \
      try {                                                                                         \
        test.body();                                                                                \
        std::printf("PASS %s\n", test.name);                                                        \
      } catch (const harness::Skip& skip) {                                                         \
        ++skipped;                                                                                  \
        std::printf("SKIP %s: %s\n", test.name, skip.what());                                       \
      } catch (const std::exception& error) {                                                       \
        ++failed;                                                                                   \
        std::printf("FAIL %s: %s\n", test.name, error.what());                                      \
      }                                                                                             \
    }                                                                                               \
    std::printf("%zu tests, %d failed, %d skipped\n", harness::Registry().size(), failed, skipped); \
    if (failed > 0) return 1;                                                                       \
    /* ctest's SKIP_RETURN_CODE: every test skipped (no GPU), never a silent pass */                \
    return skipped == static_cast<int>(harness::Registry().size()) ? harness::kSkipReturnCode : 0;  \
  }
