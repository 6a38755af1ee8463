#include "batch_arrays.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "errors.h"
#include "messages.h"
#include "thread_pool.h"

namespace ariadne {

void CheckBatchLength(const char* function, const char* argument, int64_t actual, int batch, int64_t per_element,
                      const char* per_element_name) {
  const int64_t expected = per_element * batch;
  if (actual != expected) {
    throw RangeArgumentError(
        MustBe(function, argument,
               Concat("of length ", expected, " (batch ", batch, " × ", per_element_name, " ", per_element, ")"),
               Concat("length ", actual)));
  }
}

void CheckBatchFinite(const char* function, const char* argument, const double* values, int batch, int64_t per_element,
                      const std::vector<uint8_t>* mask, int threads) {
  std::vector<int64_t> bad(batch, -1);
  ParallelFor(batch, threads, [&](int b, int) {
    if (mask != nullptr && !(*mask)[b]) return;
    const double* v = values + b * per_element;
    for (int64_t i = 0; i < per_element; ++i) {
      if (!std::isfinite(v[i])) {
        bad[b] = i;
        return;
      }
    }
  });
  for (int b = 0; b < batch; ++b) {
    if (bad[b] < 0) continue;
    const double value = values[b * per_element + bad[b]];
    throw RangeArgumentError(
        MustBe(function, argument, "finite", Concat(FormatNumber(value), " at batch element ", b, ", index ", bad[b])));
  }
}

void CheckSolveArguments(const char* function, Span<const double> rhs, int64_t k, int batch, int n, int threads) {
  if (k < 1 || k > std::numeric_limits<int32_t>::max() / std::max(n, 1)) {
    throw RangeArgumentError(MustBe(function, "k", "a positive integer (the number of right-hand sides)", Concat(k)));
  }
  CheckBatchLength(function, "rhs", rhs.size, batch, k * n, "k·n");
  CheckBatchFinite(function, "rhs", rhs.data, batch, k * n, nullptr, threads);
}

void FillNaNWhereNotOk(const std::vector<uint8_t>& ok, int64_t per_element, double* out) {
  for (size_t b = 0; b < ok.size(); ++b) {
    if (ok[b]) continue;
    std::fill(out + b * per_element, out + (b + 1) * per_element, std::numeric_limits<double>::quiet_NaN());
  }
}

}  // namespace ariadne
