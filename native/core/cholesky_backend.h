// Numeric Cholesky factorisations for a batch of matrices that share one
// pattern (NormalPattern): the symbolic analysis is done once in the
// constructor, every batch element keeps its own factor, and each call runs
// on a workspace slot owned by the calling thread (see ParallelFor).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "messages.h"
#include "normal_pattern.h"
#include "solver_kind.h"

namespace ariadne {

struct FactorStatus {
  bool ok = false;
  std::string reason;  // empty when ok
  // Of a factored M = L Lᵀ: min over columns of L_cc² / M_cc (the pivot
  // relative to its diagonal entry; near 0 where column c is numerically a
  // combination of the columns eliminated before it) and that column, in the
  // caller's numbering. NaN where not factored or not measured; the column
  // is -1 then, but for a factorisation stopped at a pivot ≤ 0 (its column).
  double pivot_ratio = std::numeric_limits<double>::quiet_NaN();
  int64_t pivot_column = -1;
};

// Per-element reasons shared by every backend, CPU and CUDA.
constexpr const char* kNotFiniteReason = "JᵀJ is not finite (the Jacobian values overflow when squared)";
constexpr const char* kOverflowReason = "the factorization overflowed";
// The status of a factorisation stopped at a pivot ≤ 0 of `column` (the
// caller's numbering).
inline FactorStatus NotPositiveDefinite(int64_t column) {
  FactorStatus status{false, Concat("not positive definite (pivot of column ", column, ")")};
  status.pivot_column = column;
  return status;
}

// The factors of some batch elements taken from a backend (its Snapshot):
// they solve as the backend did when they were taken, never refactor, and
// outlive the backend. Solves of different elements, or on different slots,
// may run concurrently.
class CholeskyFactors {
 public:
  virtual ~CholeskyFactors() = default;
  // As CholeskyBackend::Solve, with the element's factor as taken (only
  // elements that were taken).
  virtual void Solve(int element, const double* rhs, int k, double* out, int slot) = 0;
  // Bytes kept alive: the factors taken and the solve workspaces.
  virtual int64_t memory_bytes() const = 0;
  // Frees element `element`'s factor (it is not solved with again).
  virtual void Release(int element) = 0;
};

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
  // Calls visit(column, L_jj) for each column j of the element's last
  // successful factor, `column` its column of A in the caller's numbering.
  virtual void VisitPivots(int element, const std::function<void(int64_t column, double diagonal)>& visit) const = 0;
  // Entries of one element's factor L (with the fill-reducing ordering).
  virtual int64_t factor_nonzeros() const = 0;
  // Doubles one element's factor occupies (factor_nonzeros and whatever
  // padding the storage has).
  virtual int64_t factor_storage() const { return factor_nonzeros(); }
  // The last successful factors of the elements e with take[e] set, with
  // `slots` workspaces for concurrent solves. Shared, not copied (SharedFactors):
  // this backend's next Factor of a taken element writes new storage, so
  // nothing done to the backend later changes them.
  virtual std::unique_ptr<CholeskyFactors> Snapshot(const std::vector<uint8_t>& take, int slots) const = 0;
};

// Per-element factors that snapshots may share: copy on write. An element's
// factor is written in place while this owner alone holds it; once a
// snapshot shares it, the next write goes to a new one (the snapshot keeps
// the old). Taking a snapshot costs B pointers, and the new storage is paid
// only when the element is refactored while the snapshot lives.
template <typename Factor>
class SharedFactors {
 public:
  explicit SharedFactors(int count) : factors_(static_cast<size_t>(count)) {}

  // Element e's factor to write into: its own, or make() (a shared_ptr to a
  // new Factor) when it has none or shares it. The use count only falls
  // while the owner runs (a snapshot released on another thread), so a count
  // of one stays one. use_count() is a relaxed load: the acquire fence orders
  // this owner's writes after the released snapshot's last reads (the
  // release of its reference synchronises with it).
  template <typename Make>
  Factor& Writable(int e, Make&& make) {
    std::shared_ptr<Factor>& factor = factors_[e];
    if (!factor || factor.use_count() > 1) {
      factor = make();
    } else {
      std::atomic_thread_fence(std::memory_order_acquire);
    }
    return *factor;
  }
  Factor* get(int e) const { return factors_[e].get(); }
  // The factors of the elements with take[e] set (null for the others).
  std::vector<std::shared_ptr<const Factor>> Share(const std::vector<uint8_t>& take) const {
    std::vector<std::shared_ptr<const Factor>> shared(take.size());
    for (size_t e = 0; e < take.size(); ++e) {
      if (take[e]) shared[e] = factors_[e];
    }
    return shared;
  }

 private:
  std::vector<std::shared_ptr<Factor>> factors_;
};

// The backend for a kind (as Ceres' LinearSolver::Create): the one factory,
// one case per SolverKind. `factors` elements keep a factor each; `slots`
// workspaces serve concurrent calls. The pattern must be in the kind's
// layout (kSolverKinds) and outlive the backend.
std::unique_ptr<CholeskyBackend> MakeCholeskyBackend(SolverKind kind, const NormalPattern& pattern, int factors,
                                                     int slots);

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
