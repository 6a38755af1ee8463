#include "normal_equations.h"

#include <algorithm>
#include <limits>
#include <cmath>

#include "errors.h"
#include "memory.h"
#include "messages.h"
#include "thread_pool.h"

namespace ariadne {
namespace {

constexpr const char* kConstructor = "NormalEquations";

}  // namespace

NormalEquations::NormalEquations(const PatternInput& input, int64_t batch, const NormalEquationsOptions& options)
    : BatchedNormalEquations(input, batch, options, kConstructor) {
  NormalPattern& pattern = mutable_pattern();
  const int batch_size = this->batch();
  if (KindEntry(kind()).layout == ALayout::kDenseLower) pattern.UseDenseLayout(kConstructor);
  const bool dense_layout = pattern.layout() == ALayout::kDenseLower;

  // Everything this handle will hold, checked against the machine before the
  // allocations (first without the factors, whose size the backend's symbolic
  // analysis gives): an impossible batch is a RangeError, not an OOM kill.
  const double per_element = static_cast<double>(pattern.unique_count()) + pattern.a_value_count();
  const double fixed = 8.0 * threads() * pattern.a_value_count() + pattern.memory_bytes();
  CheckMemory(8.0 * batch_size * per_element + fixed);
  // One factor per element, and one per thread for Step.
  if (batch_size > std::numeric_limits<int>::max() - threads()) {
    throw RangeArgumentError(MustBe(
        kConstructor, "batch", Concat("at most ", std::numeric_limits<int>::max() - threads()), Concat(batch_size)));
  }
  backend_ = MakeCholeskyBackend(kind(), pattern, batch_size + threads(), threads());
  const double factor = static_cast<double>(backend_->factor_storage());
  memory_bytes_ = CheckMemory(8.0 * (batch_size * (per_element + factor) + threads() * factor) + fixed);

  const int64_t a_count = pattern.a_value_count();
  unique_values_.resize(static_cast<size_t>(batch_size) * pattern.unique_count());
  a_values_.resize(static_cast<size_t>(batch_size) * a_count);
  if (dense_layout) std::fill(a_values_.begin(), a_values_.end(), 0.0);
  workspace_.resize(static_cast<size_t>(threads()) * a_count);
  // Step forms A in the workspace, where only the pattern's slots are written.
  if (dense_layout) std::fill(workspace_.begin(), workspace_.end(), 0.0);
  linearized_element_.assign(batch_size, 0);
  a_finite_.assign(batch_size, 1);
}

NormalEquations::~NormalEquations() = default;

int64_t NormalEquations::CheckMemory(double bytes) const {
  const double available = PhysicalMemoryBytes();
  if (bytes > available) {
    throw RangeArgumentError(MustBe(kConstructor, "batch",
                                    Concat("small enough for this machine's ", Gibibytes(available),
                                           " of memory (this pattern needs ", Gibibytes(bytes), " at that batch)"),
                                    Concat(batch())));
  }
  return static_cast<int64_t>(bytes);
}

bool NormalEquations::FormElement(int b, const double* j_values, const double* residuals, double* a, double* gradient,
                                  double* squared_norm) {
  const NormalPattern& p = pattern();
  double* values = unique_values_.data() + b * p.unique_count();
  p.GatherUnique(j_values + b * p.nnz(), values);
  linearized_element_[b] = 1;
  squared_norm[b] =
      p.Form(values, residuals + static_cast<int64_t>(b) * p.m(), a, gradient + static_cast<int64_t>(b) * p.n());
  bool finite = true;
  for (int64_t slot : p.a_slots()) finite = finite && std::isfinite(a[slot]);
  a_finite_[b] = finite;
  return finite;
}

void NormalEquations::DoLinearize(const double* j_values, const double* residuals, const std::vector<uint8_t>& mask,
                                  double* gradient, double* squared_norm) {
  const int64_t a_count = pattern().a_value_count();
  ParallelFor(batch(), threads(), [&](int b, int) {
    if (mask[b]) FormElement(b, j_values, residuals, a_values_.data() + b * a_count, gradient, squared_norm);
  });
}

void NormalEquations::DoFactor(const double* lambda, Damping damping, const double* extra) {
  const NormalPattern& p = pattern();
  const int64_t a_count = p.a_value_count();
  const std::vector<int64_t>& slots = p.a_slots();
  const int64_t a_nnz = p.a_nnz();
  const bool dense_layout = p.layout() == ALayout::kDenseLower;
  ParallelFor(batch(), threads(), [&](int b, int slot) {
    if (!active()[b]) return;
    if (!a_finite_[b]) {
      set_status(b, {false, kNotFiniteReason});
      return;
    }
    double* work = workspace_.data() + slot * a_count;
    const double* a = a_values_.data() + b * a_count;
    if (dense_layout) {
      std::copy(a, a + a_count, work);
    } else {
      for (int64_t s : slots) work[s] = a[s];
    }
    if (extra != nullptr) {
      const double* e = extra + b * a_nnz;
      for (int64_t s = 0; s < a_nnz; ++s) work[slots[s]] += e[s];
    }
    Damp(work, lambda[b], damping);
    CountFactorizations(1);
    FactorStatus status = backend_->Factor(b, work, slot);
    if (status.ok) MeasurePivots(b, work, &status);
    set_status(b, std::move(status));
  });
}

void NormalEquations::MeasurePivots(int factor, const double* work, FactorStatus* status) const {
  const std::vector<int64_t>& diagonal = pattern().diagonal_slots();
  double ratio = std::numeric_limits<double>::infinity();
  int64_t column = -1;
  backend_->VisitPivots(factor, [&](int64_t c, double l) {
    const double r = l * l / work[diagonal[c]];
    if (r < ratio) {
      ratio = r;
      column = c;
    }
  });
  status->pivot_ratio = ratio;
  status->pivot_column = column;
}

void NormalEquations::Damp(double* work, double lambda, Damping damping) const {
  for (int64_t s : pattern().diagonal_slots()) {
    const double d = damping == Damping::kIdentity ? 1.0 : std::clamp(work[s], min_diagonal(), max_diagonal());
    work[s] += lambda * d;
  }
}

bool NormalEquations::DoStep(const double* j_values, const double* residuals, const double* lambda, Damping damping,
                             double* gradient, double* squared_norm, double* step, double* jy) {
  const NormalPattern& p = pattern();
  const int n = p.n();
  const int64_t a_count = p.a_value_count();
  ParallelFor(batch(), threads(), [&](int b, int slot) {
    if (!active()[b]) return;
    double* work = workspace_.data() + slot * a_count;
    if (!FormElement(b, j_values, residuals, work, gradient, squared_norm)) {
      set_status(b, {false, kNotFiniteReason});
      return;
    }
    Damp(work, lambda[b], damping);
    CountFactorizations(1);
    const int factor = batch() + slot;
    FactorStatus status = backend_->Factor(factor, work, slot);
    if (status.ok) {
      MeasurePivots(factor, work, &status);
      double* y = step + static_cast<int64_t>(b) * n;
      backend_->Solve(factor, gradient + static_cast<int64_t>(b) * n, 1, y, slot);
      StepFromSolution(y, n);
      p.MultiplyJ(unique_values_.data() + b * p.unique_count(), y, jy + static_cast<int64_t>(b) * p.m());
    }
    set_status(b, std::move(status));
  });
  return false;
}

std::unique_ptr<CholeskyFactors> NormalEquations::DoSnapshot(const std::vector<uint8_t>& take) {
  return backend_->Snapshot(take, threads());
}

void NormalEquations::DoSolve(const double* rhs, int k, double* out) {
  const int n = pattern().n();
  ParallelFor(batch(), threads(), [&](int b, int slot) {
    if (!status(b).ok) return;
    const int64_t offset = static_cast<int64_t>(b) * k * n;
    backend_->Solve(b, rhs + offset, k, out + offset, slot);
  });
}

void NormalEquations::DoMultiply(const double* in, bool transpose, double* out) {
  const NormalPattern& p = pattern();
  const int64_t in_size = transpose ? p.m() : p.n();
  const int64_t out_size = transpose ? p.n() : p.m();
  const int64_t unique = p.unique_count();
  ParallelFor(batch(), threads(), [&](int b, int) {
    const double* values = unique_values_.data() + b * unique;
    if (!linearized_element_[b]) {  // J = 0
      std::fill(out + b * out_size, out + (b + 1) * out_size, 0.0);
      return;
    }
    if (transpose) {
      p.MultiplyJt(values, in + b * in_size, out + b * out_size);
    } else {
      p.MultiplyJ(values, in + b * in_size, out + b * out_size);
    }
  });
}

}  // namespace ariadne
