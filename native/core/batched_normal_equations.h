// The contract of DESIGN.md section 4 in C++, shared by the CPU core
// (NormalEquations) and the CUDA core (native/cuda): B problems share one
// Jacobian pattern; each has its own J, r, A = JᵀJ and Cholesky factor.
//
// The public methods check every argument and the call order once, here,
// and throw ArgumentError / StateError with the message the JavaScript
// caller sees; a backend implements the protected Do* methods, which see
// only checked arguments. Not thread-safe: one call at a time per object (the
// binding enforces it).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "batch_arrays.h"
#include "cholesky_backend.h"
#include "normal_pattern.h"
#include "solver_kind.h"

namespace ariadne {

enum class Damping { kDiagonal, kIdentity };

// Bounds of the damping D = clamp(diag A, min, max) in 'diagonal' mode: by
// default Ceres' min_lm_diagonal and max_lm_diagonal.
constexpr double kDefaultMinDiagonal = 1e-6;
constexpr double kDefaultMaxDiagonal = 1e32;

struct NormalEquationsOptions {
  KindRequest kind;  // empty: 'auto'
  // Threads the elements are spread over, at most batch (more would hold
  // workspaces no element uses); 0: min(hardware threads, batch).
  int64_t threads = 0;
  // D's bounds ('options.minDiagonal', 'options.maxDiagonal'): finite, 0 < min ≤ max.
  double min_diagonal = kDefaultMinDiagonal;
  double max_diagonal = kDefaultMaxDiagonal;
};

class FactorSnapshot;

class BatchedNormalEquations {
 public:
  virtual ~BatchedNormalEquations();

  int batch() const { return batch_; }
  int m() const { return pattern_->m(); }
  int n() const { return pattern_->n(); }
  int64_t nnz() const { return pattern_->nnz(); }
  int threads() const { return threads_; }
  int64_t a_nonzeros() const { return pattern_->a_nnz(); }
  int64_t factorization_count() const { return factorization_count_.load(); }
  const NormalPattern& pattern() const { return *pattern_; }

  // The kind in use ('auto' resolved by ResolveKind).
  SolverKind kind() const { return kind_; }
  double min_diagonal() const { return min_diagonal_; }
  double max_diagonal() const { return max_diagonal_; }
  virtual std::string backend_name() const = 0;
  virtual int64_t factor_nonzeros() const = 0;
  // Bytes this object holds or will hold once every element is factored.
  virtual int64_t memory_bytes() const = 0;
  // Seconds the device computed during the last call, host↔device copies
  // excluded (for benchmarks); −1 for a core without a device.
  virtual double last_device_seconds() const { return -1.0; }

  // gradient (B·n) = Jᵀr and squared_norm (B) = ‖r‖² for the active
  // elements (all when active.data is null); inactive elements get zeros and
  // keep their J, A and factor.
  void Linearize(Span<const double> j_values, Span<const double> residuals, Span<const uint8_t> active,
                 double* gradient, double* squared_norm);
  // Factors (A + E) + λ_b D_b for the elements active in the last linearize,
  // D = clamp(diag(A + E), min_diagonal, max_diagonal) ('diagonal') or I;
  // the others keep their factor and status. E, when extra.data is given,
  // is B·a_nonzeros() values in the slots of A's compressed upper triangle
  // (pattern().a_col_start(), a_row_index()): a symmetric term of this call
  // only (A is kept as linearized). ok and reasons are filled for all B.
  void Factor(Span<const double> lambda, Damping damping, Span<const double> extra, uint8_t* ok,
              std::vector<std::string>* reasons);
  void Factor(Span<const double> lambda, Damping damping, uint8_t* ok, std::vector<std::string>* reasons) {
    Factor(lambda, damping, {}, ok, reasons);
  }
  // Per element, the pivot measure the last factor or step reported
  // (FactorStatus: pivot_ratio, pivot_column; NaN and -1 where not factored
  // or not measured).
  void Pivots(std::vector<double>* ratio, std::vector<int32_t>* column) const;
  // out (B·k·n) = A⁻¹ rhs per element with its last factor; elements without
  // a valid factor get NaN.
  void Solve(Span<const double> rhs, int64_t k, double* out);
  // linearize, factor and solve in one call: gradient and squared_norm as
  // linearize, then the Newton step (B·n) y_b = −(A_b + λ_b D_b)⁻¹ g_b with ok
  // and reasons as factor, and jy (B·m) = J_b y_b, for the active elements;
  // the others get zeros, NaN steps and keep their status, as do elements
  // whose factorisation failed (NaN steps). A core may run it all per
  // element and keep neither A nor the factor (the CPU core does: the
  // element stays in cache and needs no storage of its own); factor and
  // solve then need a new linearize, jv and jtv do not, and the stepped
  // elements have no factor (status not ok) until they are factored again.
  void Step(Span<const double> j_values, Span<const double> residuals, Span<const uint8_t> active,
            Span<const double> lambda, Damping damping, double* gradient, double* squared_norm, uint8_t* ok,
            std::vector<std::string>* reasons, double* step, double* jy);
  void Jv(Span<const double> v, double* out);   // B·n -> B·m
  void Jtv(Span<const double> u, double* out);  // B·m -> B·n
  // The factors of the last factor, apart from this object (factor_snapshot.h);
  // StateError when no factor is kept (none yet, or a core's step kept none).
  std::unique_ptr<FactorSnapshot> Snapshot();

 protected:
  // Checks batch and the options, analyses the pattern and resolves the
  // kind (the derived core switches the pattern to the kind's layout);
  // `function` names the constructor in messages.
  BatchedNormalEquations(const PatternInput& pattern, int64_t batch, const NormalEquationsOptions& options,
                         const char* function);

  // The numerics, on checked arguments (all arrays of full batch length).
  // DoLinearize handles the elements with mask[b] and leaves the others' g
  // and ‖r‖² to the caller (zeros); DoFactor sets status(b) of the elements
  // in active() and counts them with CountFactorizations; DoSolve may leave
  // the elements whose status is not ok alone (they are set to NaN after).
  virtual void DoLinearize(const double* j_values, const double* residuals, const std::vector<uint8_t>& mask,
                           double* gradient, double* squared_norm) = 0;
  // `extra`: E (B·a_nonzeros(), slots of the compressed upper triangle) or null.
  virtual void DoFactor(const double* lambda, Damping damping, const double* extra) = 0;
  virtual void DoSolve(const double* rhs, int k, double* out) = 0;
  // out = J in (transpose false: B·n -> B·m) or Jᵀ in (B·m -> B·n).
  virtual void DoMultiply(const double* in, bool transpose, double* out) = 0;
  // Step's numerics for the elements in active() (set before the call);
  // returns whether A and the factors were kept. By default DoLinearize,
  // DoFactor, DoSolve and DoMultiply, which keep them.
  virtual bool DoStep(const double* j_values, const double* residuals, const double* lambda, Damping damping,
                      double* gradient, double* squared_norm, double* step, double* jy);
  // The factors of the elements with take[b] (every element with a valid
  // factor), for Snapshot; a core without snapshots throws StateError.
  virtual std::unique_ptr<CholeskyFactors> DoSnapshot(const std::vector<uint8_t>& take) = 0;

  // The step's sign, in one place: a solve gives A⁻¹g, the step is −A⁻¹g.
  static void StepFromSolution(double* solution, int64_t count) {
    for (int64_t i = 0; i < count; ++i) solution[i] = -solution[i];
  }

  NormalPattern& mutable_pattern() { return *pattern_; }
  // The mask of the last linearize, and each element's factor status.
  const std::vector<uint8_t>& active() const { return active_; }
  const FactorStatus& status(int b) const { return status_[b]; }
  void set_status(int b, FactorStatus status) { status_[b] = std::move(status); }
  void CountFactorizations(int64_t count) { factorization_count_.fetch_add(count); }

 private:
  void Multiply(const char* function, const char* argument, Span<const double> in, bool transpose, double* out);
  // linearize's argument checks; the mask of the active elements.
  std::vector<uint8_t> CheckLinearize(const char* function, Span<const double> j_values, Span<const double> residuals,
                                      Span<const uint8_t> active) const;
  void CheckLambda(const char* function, Span<const double> lambda) const;
  // Zero gradient and ‖r‖² for the elements outside mask.
  void ClearInactive(const std::vector<uint8_t>& mask, double* gradient, double* squared_norm) const;
  // ok and reasons from the statuses, whose pivot measures Pivots then reports.
  void ReportStatus(uint8_t* ok, std::vector<std::string>* reasons);
  // 1 for the elements whose status is ok.
  std::vector<uint8_t> OkMask() const;
  void CheckLength(const char* function, const char* argument, int64_t actual, int64_t per_element,
                   const char* per_element_name) const;
  // RangeError naming the first non-finite value among the elements with
  // mask[b] (all when mask is null), its element and index.
  void CheckFinite(const char* function, const char* argument, const double* values, int64_t per_element,
                   const std::vector<uint8_t>* mask) const;

  int batch_ = 0;
  int threads_ = 1;
  SolverKind kind_ = SolverKind::kSparse;
  double min_diagonal_ = kDefaultMinDiagonal;
  double max_diagonal_ = kDefaultMaxDiagonal;
  std::unique_ptr<NormalPattern> pattern_;
  std::vector<uint8_t> active_;       // of the last linearize
  std::vector<FactorStatus> status_;  // allocated by the first linearize
  // The pivot measures as the last factor or step reported them (a step's
  // statuses are reset after it when the core keeps no factor).
  std::vector<double> pivot_ratio_;
  std::vector<int32_t> pivot_column_;
  bool linearized_ = false;  // J kept (jv, jtv)
  bool a_kept_ = false;      // A kept (factor)
  bool factored_ = false;
  std::atomic<int64_t> factorization_count_{0};
};

}  // namespace ariadne
