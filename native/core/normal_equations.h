// The CPU core of the batched normal equations (batched_normal_equations.h):
// A = JᵀJ formed by the pattern's scatter map, factored per element by the
// kind's backend (MakeCholeskyBackend: Eigen's dense LLᵀ, or a sparse
// Cholesky, ariadne-supernodal or CHOLMOD); inside a call, batch elements
// run in parallel on the shared thread pool.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "batched_normal_equations.h"
#include "cholesky_backend.h"
#include "normal_pattern.h"
#include "raw_vector.h"

namespace ariadne {

class NormalEquations : public BatchedNormalEquations {
 public:
  NormalEquations(const PatternInput& pattern, int64_t batch, const NormalEquationsOptions& options);
  ~NormalEquations() override;

  std::string backend_name() const override { return backend_->name(); }
  int64_t factor_nonzeros() const override { return backend_->factor_nonzeros(); }
  int64_t memory_bytes() const override { return memory_bytes_; }

 protected:
  void DoLinearize(const double* j_values, const double* residuals, const std::vector<uint8_t>& mask, double* gradient,
                   double* squared_norm) override;
  void DoFactor(const double* lambda, Damping damping, const double* extra) override;
  void DoSolve(const double* rhs, int k, double* out) override;
  void DoMultiply(const double* in, bool transpose, double* out) override;
  // Per element: form A and g in the thread's workspace, damp, factor into
  // the thread's own factor (backend element batch + slot), solve, J y;
  // keeps neither A nor the factor.
  bool DoStep(const double* j_values, const double* residuals, const double* lambda, Damping damping, double* gradient,
              double* squared_norm, double* step, double* jy) override;
  // The backend's factors of the taken elements, shared until it refactors them.
  std::unique_ptr<CholeskyFactors> DoSnapshot(const std::vector<uint8_t>& take) override;

 private:
  // RangeError naming 'batch' when `bytes` exceed the physical memory.
  int64_t CheckMemory(double bytes) const;
  // Element b's J kept, A into `a`, g and ‖r‖²; whether A is finite.
  bool FormElement(int b, const double* j_values, const double* residuals, double* a, double* gradient,
                   double* squared_norm);
  // work + λD in `work` (A's layout; only the diagonal slots change), D from
  // work's own diagonal.
  void Damp(double* work, double lambda, Damping damping) const;
  // The backend's factor `factor` of M (`work`, as factored): status's pivot_ratio and pivot_column.
  void MeasurePivots(int factor, const double* work, FactorStatus* status) const;

  // Factors of elements 0 … B − 1, then one per thread for Step (allocated on first use).
  std::unique_ptr<CholeskyBackend> backend_;
  int64_t memory_bytes_ = 0;

  // Large buffers are written before they are read, so they are not zeroed
  // (raw_vector.h): unique values at an element's first linearize (J of an
  // element never linearized reads as zero through `linearized_element_`),
  // A's pattern slots by Form (the dense layout is zeroed: Form writes only
  // the pattern), the workspace before each factorisation.
  RawVector<double> unique_values_;  // B·T, J in unique (row, column) order
  RawVector<double> a_values_;       // B·a_value_count
  RawVector<double> workspace_;      // threads·a_value_count, damped copies of A
  std::vector<uint8_t> linearized_element_;
  std::vector<uint8_t> a_finite_;
};

}  // namespace ariadne
