#include "normal_equations.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "errors.h"
#include "memory.h"
#include "messages.h"
#include "supernodal_cholesky.h"
#include "thread_pool.h"

namespace ariadne {
namespace {

constexpr const char* kConstructor = "NormalEquations";
constexpr int kMaxThreads = 1024;
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

// The first non-finite value among the elements for which `check` holds;
// reports element and index in the message.
void CheckFinite(const char* function, const char* argument, const double* values, int batch,
                 int64_t per_element, int threads, const std::vector<uint8_t>* active) {
  std::vector<int64_t> bad(batch, -1);
  ParallelFor(batch, threads, [&](int b, int) {
    if (active != nullptr && !(*active)[b]) return;
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
    throw RangeArgumentError(MustBe(function, argument, "finite",
                                    Concat(FormatNumber(value), " at batch element ", b, ", index ", bad[b])));
  }
}

}  // namespace

NormalEquations::NormalEquations(const PatternInput& input, int64_t batch,
                                 const NormalEquationsOptions& options) {
  if (batch < 1 || batch > std::numeric_limits<int32_t>::max()) {
    throw RangeArgumentError(MustBe(kConstructor, "batch", "an integer in [1, 2147483647]", Concat(batch)));
  }
  if (options.threads < 0 || options.threads > kMaxThreads) {
    throw RangeArgumentError(MustBe(kConstructor, "options.threads", Concat("an integer in [1, ", kMaxThreads, "]"),
                                    Concat(options.threads)));
  }
  batch_ = static_cast<int>(batch);
  threads_ = options.threads > 0 ? static_cast<int>(options.threads) : std::min(HardwareThreads(), batch_);
  pattern_ = std::make_unique<NormalPattern>(input, kConstructor);

  const int n = pattern_->n();
  bool dense = options.kind == KindRequest::kDense;
  if (options.kind == KindRequest::kAuto) {
    dense = n <= kDenseAlwaysN ||
            (n <= kDenseMaxN && EstimateFactorNonzeros(*pattern_) >= kDenseFill * 0.5 * n * (n + 1.0));
  }
  if (dense) pattern_->UseDenseLayout(kConstructor);

  // Everything this handle will hold, checked against the machine before the
  // allocations (first without the factors, whose size the backend's symbolic
  // analysis gives): an impossible batch is a RangeError, not an OOM kill.
  const double per_element = static_cast<double>(pattern_->unique_count()) + pattern_->a_value_count();
  const double fixed = 8.0 * threads_ * pattern_->a_value_count() + pattern_->memory_bytes();
  CheckMemory(8.0 * batch_ * per_element + fixed);
  backend_ = dense ? MakeDenseCholesky(*pattern_, batch_) : MakeSparseBackend(*pattern_, batch_, threads_);
  const double factor = dense ? static_cast<double>(n) * n : FactorValues(*backend_);
  memory_bytes_ = CheckMemory(8.0 * batch_ * (per_element + factor) + fixed);

  const int64_t a_count = pattern_->a_value_count();
  unique_values_.resize(static_cast<size_t>(batch_) * pattern_->unique_count());
  a_values_.resize(static_cast<size_t>(batch_) * a_count);
  if (dense) std::fill(a_values_.begin(), a_values_.end(), 0.0);
  workspace_.resize(static_cast<size_t>(threads_) * a_count);
  linearized_element_.assign(batch_, 0);
  active_.assign(batch_, 0);
  a_finite_.assign(batch_, 1);
  status_.assign(batch_, FactorStatus{false, "not factored yet"});
}

NormalEquations::~NormalEquations() = default;

int64_t NormalEquations::CheckMemory(double bytes) const {
  const double available = PhysicalMemoryBytes();
  if (bytes > available) {
    throw RangeArgumentError(MustBe(kConstructor, "batch",
                                    Concat("small enough for this machine's ", Gibibytes(available),
                                           " of memory (this pattern needs ", Gibibytes(bytes), " at that batch)"),
                                    Concat(batch_)));
  }
  return static_cast<int64_t>(bytes);
}

void NormalEquations::CheckLength(const char* function, const char* argument, int64_t actual,
                                  int64_t per_element, const char* per_element_name) const {
  const int64_t expected = per_element * batch_;
  if (actual != expected) {
    throw RangeArgumentError(MustBe(function, argument,
                                    Concat("of length ", expected, " (batch ", batch_, " × ", per_element_name, " ",
                                           per_element, ")"),
                                    Concat("length ", actual)));
  }
}

void NormalEquations::Linearize(Span<const double> j_values, Span<const double> residuals,
                                Span<const uint8_t> active, double* gradient, double* squared_norm) {
  constexpr const char* kFunction = "NormalEquations.linearize";
  const int64_t nnz = pattern_->nnz();
  const int m = pattern_->m();
  const int n = pattern_->n();
  CheckLength(kFunction, "jValues", j_values.size, nnz, "nnz");
  CheckLength(kFunction, "residuals", residuals.size, m, "m");
  std::vector<uint8_t> mask(batch_, 1);
  if (active.data != nullptr) {
    CheckLength(kFunction, "active", active.size, 1, "1");
    for (int b = 0; b < batch_; ++b) mask[b] = active.data[b] != 0;
  }
  CheckFinite(kFunction, "jValues", j_values.data, batch_, nnz, threads_, &mask);
  CheckFinite(kFunction, "residuals", residuals.data, batch_, m, threads_, &mask);

  const int64_t unique = pattern_->unique_count();
  const int64_t a_count = pattern_->a_value_count();
  ParallelFor(batch_, threads_, [&](int b, int) {
    double* g = gradient + static_cast<int64_t>(b) * n;
    if (!mask[b]) {
      std::fill(g, g + n, 0.0);
      squared_norm[b] = 0.0;
      return;
    }
    double* values = unique_values_.data() + b * unique;
    double* a = a_values_.data() + b * a_count;
    pattern_->GatherUnique(j_values.data + b * nnz, values);
    linearized_element_[b] = 1;
    squared_norm[b] = pattern_->Form(values, residuals.data + static_cast<int64_t>(b) * m, a, g);
    bool finite = true;
    for (int64_t slot : pattern_->a_slots()) finite = finite && std::isfinite(a[slot]);
    a_finite_[b] = finite;
  });
  active_ = mask;
  linearized_ = true;
}

void NormalEquations::Factor(Span<const double> lambda, Damping damping, uint8_t* ok,
                             std::vector<std::string>* reasons) {
  constexpr const char* kFunction = "NormalEquations.factor";
  if (!linearized_) throw StateError(Concat(kFunction, ": call linearize before factor"));
  CheckLength(kFunction, "lambda", lambda.size, 1, "1");
  for (int b = 0; b < batch_; ++b) {
    const double value = lambda.data[b];
    if (!(std::isfinite(value) && value >= 0)) {
      throw RangeArgumentError(MustBe(kFunction, "lambda", "finite and non-negative",
                                      Concat(FormatNumber(value), " at batch element ", b)));
    }
  }
  const int64_t a_count = pattern_->a_value_count();
  ParallelFor(batch_, threads_, [&](int b, int slot) {
    if (!active_[b]) return;
    if (!a_finite_[b]) {
      status_[b] = {false, "JᵀJ is not finite (the Jacobian values overflow when squared)"};
      return;
    }
    double* work = workspace_.data() + slot * a_count;
    const double* a = a_values_.data() + b * a_count;
    if (dense()) {
      std::copy(a, a + a_count, work);
    } else {
      for (int64_t s : pattern_->a_slots()) work[s] = a[s];
    }
    const double l = lambda.data[b];
    for (int64_t s : pattern_->diagonal_slots()) {
      const double d = damping == Damping::kIdentity
                           ? 1.0
                           : std::clamp(a[s], kMinDiagonalDamping, kMaxDiagonalDamping);
      work[s] = a[s] + l * d;
    }
    factorization_count_.fetch_add(1);
    status_[b] = backend_->Factor(b, work, slot);
  });
  factored_ = true;
  reasons->resize(batch_);
  for (int b = 0; b < batch_; ++b) {
    ok[b] = status_[b].ok ? 1 : 0;
    (*reasons)[b] = status_[b].reason;
  }
}

void NormalEquations::Solve(Span<const double> rhs, int64_t k, double* out) {
  constexpr const char* kFunction = "NormalEquations.solve";
  if (!factored_) throw StateError(Concat(kFunction, ": call factor before solve"));
  const int n = pattern_->n();
  if (k < 1 || k > std::numeric_limits<int32_t>::max() / std::max(n, 1)) {
    throw RangeArgumentError(MustBe(kFunction, "k", "a positive integer (the number of right-hand sides)", Concat(k)));
  }
  CheckLength(kFunction, "rhs", rhs.size, k * n, "k·n");
  CheckFinite(kFunction, "rhs", rhs.data, batch_, k * n, threads_, nullptr);
  ParallelFor(batch_, threads_, [&](int b, int slot) {
    const int64_t offset = b * k * n;
    if (!status_[b].ok) {
      std::fill(out + offset, out + offset + k * n, std::numeric_limits<double>::quiet_NaN());
      return;
    }
    backend_->Solve(b, rhs.data + offset, static_cast<int>(k), out + offset, slot);
  });
}

void NormalEquations::Jv(Span<const double> v, double* out) {
  Multiply("NormalEquations.jv", "v", v, /*transpose=*/false, out);
}

void NormalEquations::Jtv(Span<const double> u, double* out) {
  Multiply("NormalEquations.jtv", "u", u, /*transpose=*/true, out);
}

void NormalEquations::Multiply(const char* function, const char* argument, Span<const double> in, bool transpose,
                               double* out) {
  if (!linearized_) throw StateError(Concat(function, ": call linearize before ", transpose ? "jtv" : "jv"));
  const int64_t in_size = transpose ? pattern_->m() : pattern_->n();
  const int64_t out_size = transpose ? pattern_->n() : pattern_->m();
  CheckLength(function, argument, in.size, in_size, transpose ? "m" : "n");
  CheckFinite(function, argument, in.data, batch_, in_size, threads_, nullptr);
  const int64_t unique = pattern_->unique_count();
  ParallelFor(batch_, threads_, [&](int b, int) {
    const double* values = unique_values_.data() + b * unique;
    if (!linearized_element_[b]) {  // J = 0
      std::fill(out + b * out_size, out + (b + 1) * out_size, 0.0);
      return;
    }
    if (transpose) {
      pattern_->MultiplyJt(values, in.data + b * in_size, out + b * out_size);
    } else {
      pattern_->MultiplyJ(values, in.data + b * in_size, out + b * out_size);
    }
  });
}

}  // namespace ariadne
