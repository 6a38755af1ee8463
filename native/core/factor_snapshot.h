// The factors of a NormalEquations' last factor, for all B elements, kept
// apart from the handle (BatchedNormalEquations::Snapshot): a backward pass
// solves with the factor of any step it kept. It solves as the handle's
// solve did when it was taken (elements without a valid factor then give
// NaN), never refactors, outlives the handle, and later calls on the handle
// do not change it (cholesky_backend.h: SharedFactors). Not thread-safe: one
// call at a time (the binding enforces it).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "batch_arrays.h"
#include "cholesky_backend.h"

namespace ariadne {

class FactorSnapshot {
 public:
  // ok[b]: element b had a valid factor (`factors` holds it).
  FactorSnapshot(int n, int threads, std::vector<uint8_t> ok, std::unique_ptr<CholeskyFactors> factors);

  int batch() const { return static_cast<int>(ok_.size()); }
  int n() const { return n_; }
  // Bytes the snapshot keeps alive (the factors it shares with the handle
  // until the handle refactors them count here too).
  int64_t memory_bytes() const;

  // out (B·k·n) = A⁻¹ rhs per element with the factor taken; NaN for the
  // elements without one. The checks of NormalEquations.solve, named
  // "FactorSnapshot.solve".
  void Solve(Span<const double> rhs, int64_t k, double* out);
  // Frees the factors of the elements e with keep[e] = 0 (B flags; named
  // 'elements' in errors): they solve to NaN after, the others as before.
  void Keep(Span<const uint8_t> keep);

 private:
  int n_;
  int threads_;
  std::vector<uint8_t> ok_;
  std::unique_ptr<CholeskyFactors> factors_;
};

}  // namespace ariadne
