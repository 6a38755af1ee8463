// Arrays of B batch elements as the cores take them, and the argument checks
// shared by the normal equations (batched_normal_equations.h) and their
// factor snapshots (factor_snapshot.h). Messages carry the public function
// and argument names (messages.h).
#pragma once

#include <cstdint>
#include <vector>

namespace ariadne {

template <typename T>
struct Span {
  T* data = nullptr;
  int64_t size = 0;
};

// RangeError unless `actual` = batch · per_element: "… must be of length 12
// (batch 2 × k·n 6), got length 6".
void CheckBatchLength(const char* function, const char* argument, int64_t actual, int batch, int64_t per_element,
                      const char* per_element_name);

// RangeError naming the first non-finite value among the elements with
// mask[b] (all when mask is null), its element and index.
void CheckBatchFinite(const char* function, const char* argument, const double* values, int batch, int64_t per_element,
                      const std::vector<uint8_t>* mask, int threads);

// solve's checks: k a positive integer whose k·n fits in 32 bits, rhs of
// length B·k·n and finite.
void CheckSolveArguments(const char* function, Span<const double> rhs, int64_t k, int batch, int n, int threads);

// NaN over the `per_element` values of every element b without ok[b].
void FillNaNWhereNotOk(const std::vector<uint8_t>& ok, int64_t per_element, double* out);

}  // namespace ariadne
