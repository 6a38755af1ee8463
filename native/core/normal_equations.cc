#include "normal_equations.h"

#include <algorithm>
#include <limits>
#include <cmath>

#include "errors.h"
#include "memory.h"
#include "messages.h"
#include "supernodal_cholesky.h"
#include "thread_pool.h"

namespace ariadne {
namespace {

constexpr const char* kConstructor = "NormalEquations";
// 'auto' takes the dense kind up to this n, and up to kDenseMaxN when the
// factor would be at least kDenseFill full anyway.
constexpr int kDenseAlwaysN = 64;
constexpr int kDenseMaxN = 2000;
constexpr double kDenseFill = 0.25;


// The sparse kind's backend: ariadne's supernodal LLᵀ, unless this build has
// CHOLMOD and CHOLMOD's own analysis finds a supernodal factor that stores at
// most kCholmodStorageRatio of ours (both count the square diagonal blocks).
//
// Measured with native/bench/factor_bench (one thread, -O3 as the addon is
// built): ours factors the five pose graphs of ../shared/data 1.6x
// (sphere2500) to 24x (intel) faster than the better CHOLMOD variant, and
// lattices of poses (100² SE2, 6³ SE3) 1.9-3.3x faster; on a 10³ SE3 lattice
// (fronts of ~1500) CHOLMOD's AVX-512 BLAS makes it 1.2x faster than our
// -O3 kernels (ours is 1.7x faster with -march=native). CHOLMOD wins clearly
// by its ordering: when AMD fills badly it also tries METIS and
// keeps the better one; on a 14³ lattice of SE3 poses that halves the flops
// (2.9 vs 6.2 GFLOP), and CHOLMOD factors 2.9x faster while storing 0.71 of
// ours. On every other graph measured CHOLMOD's factor stores 0.99-1.23x of
// ours, so the ratio separates the two cases.
constexpr double kCholmodStorageRatio = 0.8;
// CHOLMOD's analysis (10-25 ms on the shared pose graphs) is only worth
// running where METIS could pay it back: factorisations of at least this many
// flops (about 0.1 s with our kernels). The pose graphs are below it.
constexpr double kCholmodMinFlops = 1e9;

std::unique_ptr<CholeskyBackend> MakeSparseBackend(const NormalPattern& pattern, int batch, int slots) {
  std::unique_ptr<CholeskyBackend> ours = MakeSupernodalCholesky(pattern, batch, slots);
  if (!HaveCholmod() || SupernodalFactorFlops(*ours) < kCholmodMinFlops) return ours;
  std::unique_ptr<CholeskyBackend> cholmod = MakeSparseCholesky(pattern, batch, slots);
  const double ours_storage = static_cast<double>(SupernodalFactorStorage(*ours));
  if (cholmod->name() == "cholmod-supernodal" &&
      static_cast<double>(cholmod->factor_nonzeros()) <= kCholmodStorageRatio * ours_storage) {
    return cholmod;
  }
  return ours;
}

// Doubles one element's factor occupies.
double FactorValues(const CholeskyBackend& backend) {
  const int64_t storage = SupernodalFactorStorage(backend);
  return static_cast<double>(storage >= 0 ? storage : backend.factor_nonzeros());
}

}  // namespace

bool AutoKindIsDense(const NormalPattern& pattern) {
  const int n = pattern.n();
  return n <= kDenseAlwaysN ||
         (n <= kDenseMaxN && EstimateFactorNonzeros(pattern) >= kDenseFill * 0.5 * n * (n + 1.0));
}

NormalEquations::NormalEquations(const PatternInput& input, int64_t batch,
                                 const NormalEquationsOptions& options)
    : BatchedNormalEquations(input, batch, options, kConstructor) {
  NormalPattern& pattern = mutable_pattern();
  const int batch_size = this->batch();
  const int n = pattern.n();
  const bool dense =
      options.kind == KindRequest::kDense || (options.kind == KindRequest::kAuto && AutoKindIsDense(pattern));
  if (dense) pattern.UseDenseLayout(kConstructor);

  // Everything this handle will hold, checked against the machine before the
  // allocations (first without the factors, whose size the backend's symbolic
  // analysis gives): an impossible batch is a RangeError, not an OOM kill.
  const double per_element = static_cast<double>(pattern.unique_count()) + pattern.a_value_count();
  const double fixed = 8.0 * threads() * pattern.a_value_count() + pattern.memory_bytes();
  CheckMemory(8.0 * batch_size * per_element + fixed);
  // One factor per element, and one per thread for Step.
  if (batch_size > std::numeric_limits<int>::max() - threads()) {
    throw RangeArgumentError(MustBe(kConstructor, "batch", Concat("at most ", std::numeric_limits<int>::max() - threads()),
                                    Concat(batch_size)));
  }
  const int factors = batch_size + threads();
  backend_ = dense ? MakeDenseCholesky(pattern, factors) : MakeSparseBackend(pattern, factors, threads());
  const double factor = dense ? static_cast<double>(n) * n : FactorValues(*backend_);
  memory_bytes_ = CheckMemory(8.0 * (batch_size * (per_element + factor) + threads() * factor) + fixed);

  const int64_t a_count = pattern.a_value_count();
  unique_values_.resize(static_cast<size_t>(batch_size) * pattern.unique_count());
  a_values_.resize(static_cast<size_t>(batch_size) * a_count);
  if (dense) std::fill(a_values_.begin(), a_values_.end(), 0.0);
  workspace_.resize(static_cast<size_t>(threads()) * a_count);
  // Step forms A in the workspace, where only the pattern's slots are written.
  if (dense) std::fill(workspace_.begin(), workspace_.end(), 0.0);
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

bool NormalEquations::FormElement(int b, const double* j_values, const double* residuals, double* a,
                                  double* gradient, double* squared_norm) {
  const NormalPattern& p = pattern();
  double* values = unique_values_.data() + b * p.unique_count();
  p.GatherUnique(j_values + b * p.nnz(), values);
  linearized_element_[b] = 1;
  squared_norm[b] = p.Form(values, residuals + static_cast<int64_t>(b) * p.m(), a,
                           gradient + static_cast<int64_t>(b) * p.n());
  bool finite = true;
  for (int64_t slot : p.a_slots()) finite = finite && std::isfinite(a[slot]);
  a_finite_[b] = finite;
  return finite;
}

void NormalEquations::DoLinearize(const double* j_values, const double* residuals,
                                  const std::vector<uint8_t>& mask, double* gradient, double* squared_norm) {
  const int64_t a_count = pattern().a_value_count();
  ParallelFor(batch(), threads(), [&](int b, int) {
    if (mask[b]) FormElement(b, j_values, residuals, a_values_.data() + b * a_count, gradient, squared_norm);
  });
}

void NormalEquations::DoFactor(const double* lambda, Damping damping) {
  const NormalPattern& p = pattern();
  const int64_t a_count = p.a_value_count();
  ParallelFor(batch(), threads(), [&](int b, int slot) {
    if (!active()[b]) return;
    if (!a_finite_[b]) {
      set_status(b, {false, kNotFiniteReason});
      return;
    }
    double* work = workspace_.data() + slot * a_count;
    const double* a = a_values_.data() + b * a_count;
    if (dense()) {
      std::copy(a, a + a_count, work);
    } else {
      for (int64_t s : p.a_slots()) work[s] = a[s];
    }
    Damp(work, a, lambda[b], damping);
    CountFactorizations(1);
    set_status(b, backend_->Factor(b, work, slot));
  });
}

void NormalEquations::Damp(double* work, const double* a, double lambda, Damping damping) const {
  for (int64_t s : pattern().diagonal_slots()) {
    const double d = damping == Damping::kIdentity ? 1.0 : std::clamp(a[s], kMinDiagonalDamping, kMaxDiagonalDamping);
    work[s] = a[s] + lambda * d;
  }
}

bool NormalEquations::DoStep(const double* j_values, const double* residuals, const double* lambda,
                             Damping damping, double* gradient, double* squared_norm, double* step, double* jy) {
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
    Damp(work, work, lambda[b], damping);
    CountFactorizations(1);
    const int factor = batch() + slot;
    FactorStatus status = backend_->Factor(factor, work, slot);
    if (status.ok) {
      double* y = step + static_cast<int64_t>(b) * n;
      backend_->Solve(factor, gradient + static_cast<int64_t>(b) * n, 1, y, slot);
      for (int c = 0; c < n; ++c) y[c] = -y[c];
      p.MultiplyJ(unique_values_.data() + b * p.unique_count(), y, jy + static_cast<int64_t>(b) * p.m());
    }
    set_status(b, std::move(status));
  });
  return false;
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
