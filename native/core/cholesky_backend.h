// Numeric Cholesky factorisations for a batch of matrices that share one
// pattern (NormalPattern): the symbolic analysis is done once in the
// constructor, every batch element keeps its own factor, and each call runs
// on a workspace slot owned by the calling thread (see ParallelFor).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "messages.h"
#include "normal_pattern.h"

namespace ariadne {

struct FactorStatus {
  bool ok = false;
  std::string reason;  // empty when ok
};

// Per-element reasons shared by every backend, CPU and CUDA.
constexpr const char* kNotFiniteReason = "JᵀJ is not finite (the Jacobian values overflow when squared)";
constexpr const char* kOverflowReason = "the factorization overflowed";
// `column` in the caller's numbering.
inline std::string NotPositiveDefiniteReason(int64_t column) {
  return Concat("not positive definite (pivot of column ", column, ")");
}

class CholeskyBackend {
 public:
  virtual ~CholeskyBackend() = default;
  // "dense-llt", "ariadne-supernodal", "cholmod-supernodal", "cholmod-simplicial",
  // "eigen-simplicial-llt".
  virtual std::string name() const = 0;
  // Factors element `element`'s matrix, given in the pattern's layout (only
  // the upper triangle of A is read; a dense layout stores it as the lower).
  virtual FactorStatus Factor(int element, const double* a_values, int slot) = 0;
  // out = A⁻¹ rhs for n×k column-major rhs and out (they may not alias), with
  // the element's last successful factor.
  virtual void Solve(int element, const double* rhs, int k, double* out, int slot) = 0;
  // Entries of one element's factor L (with the fill-reducing ordering).
  virtual int64_t factor_nonzeros() const = 0;
};

// Dense LLᵀ (Eigen, blocked) on the dense layout.
std::unique_ptr<CholeskyBackend> MakeDenseCholesky(const NormalPattern& pattern, int batch);

// Sparse LLᵀ on the compressed layout: CHOLMOD when the build has it,
// otherwise Eigen's simplicial LLᵀ with an AMD ordering.
std::unique_ptr<CholeskyBackend> MakeSparseCholesky(const NormalPattern& pattern, int batch, int slots);

// ariadne's supernodal LLᵀ (supernodal_cholesky.h) on the compressed layout:
// block AMD ordering, relaxed supernodes, multifrontal numeric factorisation.
// Any build; `slots` workspaces for concurrent factorisations.
std::unique_ptr<CholeskyBackend> MakeSupernodalCholesky(const NormalPattern& pattern, int batch, int slots);

// Eigen's simplicial LLᵀ whatever the build (for tests and benchmarks).
std::unique_ptr<CholeskyBackend> MakeEigenSparseCholesky(const NormalPattern& pattern, int batch);

// Whether MakeSparseCholesky uses CHOLMOD in this build.
bool HaveCholmod();

// Non-zeros of L for the compressed pattern with Eigen's AMD ordering, the
// measure 'auto' uses to choose between the dense and sparse kinds.
int64_t EstimateFactorNonzeros(const NormalPattern& pattern);

}  // namespace ariadne
