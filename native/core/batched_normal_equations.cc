#include "batched_normal_equations.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "errors.h"
#include "factor_snapshot.h"
#include "messages.h"
#include "thread_pool.h"

namespace ariadne {
namespace {

constexpr int kMaxThreads = 1024;

// The damping bounds together (as Ceres' TrustRegionOptionsAreValid checks
// related options): each a finite number > 0, and min ≤ max, the message
// naming both.
void CheckDiagonalBounds(const char* function, double min, double max) {
  for (const auto& [name, value] : {std::pair{"options.minDiagonal", min}, std::pair{"options.maxDiagonal", max}}) {
    if (!(std::isfinite(value) && value > 0)) {
      throw RangeArgumentError(MustBe(function, name, "a finite number > 0", FormatNumber(value)));
    }
  }
  if (min > max) {
    throw RangeArgumentError(MustBe(function, "options.minDiagonal",
                                    Concat("at most 'options.maxDiagonal' (", FormatNumber(max), ")"),
                                    FormatNumber(min)));
  }
}

}  // namespace

BatchedNormalEquations::BatchedNormalEquations(const PatternInput& input, int64_t batch,
                                               const NormalEquationsOptions& options, const char* function) {
  if (batch < 1 || batch > std::numeric_limits<int32_t>::max()) {
    throw RangeArgumentError(MustBe(function, "batch", "an integer in [1, 2147483647]", Concat(batch)));
  }
  if (options.threads < 0 || options.threads > kMaxThreads) {
    throw RangeArgumentError(
        MustBe(function, "options.threads", Concat("an integer in [1, ", kMaxThreads, "]"), Concat(options.threads)));
  }
  CheckDiagonalBounds(function, options.min_diagonal, options.max_diagonal);
  batch_ = static_cast<int>(batch);
  threads_ = std::min(options.threads > 0 ? static_cast<int>(options.threads) : HardwareThreads(), batch_);
  min_diagonal_ = options.min_diagonal;
  max_diagonal_ = options.max_diagonal;
  pattern_ = std::make_unique<NormalPattern>(input, function);
  kind_ = ResolveKind(options.kind, *pattern_);
}

BatchedNormalEquations::~BatchedNormalEquations() = default;

void BatchedNormalEquations::CheckLength(const char* function, const char* argument, int64_t actual,
                                         int64_t per_element, const char* per_element_name) const {
  CheckBatchLength(function, argument, actual, batch_, per_element, per_element_name);
}

void BatchedNormalEquations::CheckFinite(const char* function, const char* argument, const double* values,
                                         int64_t per_element, const std::vector<uint8_t>* mask) const {
  CheckBatchFinite(function, argument, values, batch_, per_element, mask, threads_);
}

std::vector<uint8_t> BatchedNormalEquations::CheckLinearize(const char* function, Span<const double> j_values,
                                                            Span<const double> residuals,
                                                            Span<const uint8_t> active) const {
  const int64_t nnz = pattern_->nnz();
  const int m = pattern_->m();
  CheckLength(function, "jValues", j_values.size, nnz, "nnz");
  CheckLength(function, "residuals", residuals.size, m, "m");
  std::vector<uint8_t> mask(batch_, 1);
  if (active.data != nullptr) {
    CheckLength(function, "active", active.size, 1, "1");
    for (int b = 0; b < batch_; ++b) mask[b] = active.data[b] != 0;
  }
  CheckFinite(function, "jValues", j_values.data, nnz, &mask);
  CheckFinite(function, "residuals", residuals.data, m, &mask);
  return mask;
}

void BatchedNormalEquations::CheckLambda(const char* function, Span<const double> lambda) const {
  CheckLength(function, "lambda", lambda.size, 1, "1");
  for (int b = 0; b < batch_; ++b) {
    const double value = lambda.data[b];
    if (!(std::isfinite(value) && value >= 0)) {
      throw RangeArgumentError(
          MustBe(function, "lambda", "finite and non-negative", Concat(FormatNumber(value), " at batch element ", b)));
    }
  }
}

void BatchedNormalEquations::ClearInactive(const std::vector<uint8_t>& mask, double* gradient,
                                           double* squared_norm) const {
  const int n = pattern_->n();
  for (int b = 0; b < batch_; ++b) {
    if (mask[b]) continue;
    std::fill(gradient + static_cast<int64_t>(b) * n, gradient + static_cast<int64_t>(b + 1) * n, 0.0);
    squared_norm[b] = 0.0;
  }
}

void BatchedNormalEquations::ReportStatus(uint8_t* ok, std::vector<std::string>* reasons) {
  reasons->resize(batch_);
  pivot_ratio_.resize(batch_);
  pivot_column_.resize(batch_);
  for (int b = 0; b < batch_; ++b) {
    ok[b] = status_[b].ok ? 1 : 0;
    (*reasons)[b] = status_[b].reason;
    pivot_ratio_[b] = status_[b].pivot_ratio;
    pivot_column_[b] = static_cast<int32_t>(status_[b].pivot_column);
  }
}

void BatchedNormalEquations::Pivots(std::vector<double>* ratio, std::vector<int32_t>* column) const {
  ratio->assign(batch_, std::numeric_limits<double>::quiet_NaN());
  column->assign(batch_, -1);
  if (pivot_ratio_.empty()) return;  // nothing factored yet
  *ratio = pivot_ratio_;
  *column = pivot_column_;
}

void BatchedNormalEquations::Linearize(Span<const double> j_values, Span<const double> residuals,
                                       Span<const uint8_t> active, double* gradient, double* squared_norm) {
  std::vector<uint8_t> mask = CheckLinearize("NormalEquations.linearize", j_values, residuals, active);
  // Per-element state from the first linearize on: the derived constructor
  // has checked by then that the batch fits in memory.
  if (status_.empty()) status_.assign(batch_, FactorStatus{false, "not factored yet"});
  DoLinearize(j_values.data, residuals.data, mask, gradient, squared_norm);
  ClearInactive(mask, gradient, squared_norm);
  active_ = std::move(mask);
  linearized_ = true;
  a_kept_ = true;
}

void BatchedNormalEquations::Factor(Span<const double> lambda, Damping damping, Span<const double> extra, uint8_t* ok,
                                    std::vector<std::string>* reasons) {
  constexpr const char* kFunction = "NormalEquations.factor";
  if (!a_kept_) throw StateError(Concat(kFunction, ": call linearize before factor"));
  CheckLambda(kFunction, lambda);
  if (extra.data != nullptr) {
    CheckLength(kFunction, "extra", extra.size, pattern_->a_nnz(), "normalNonzeros");
    CheckFinite(kFunction, "extra", extra.data, pattern_->a_nnz(), &active_);
  }
  DoFactor(lambda.data, damping, extra.data);
  factored_ = true;
  ReportStatus(ok, reasons);
}

void BatchedNormalEquations::Step(Span<const double> j_values, Span<const double> residuals, Span<const uint8_t> active,
                                  Span<const double> lambda, Damping damping, double* gradient, double* squared_norm,
                                  uint8_t* ok, std::vector<std::string>* reasons, double* step, double* jy) {
  constexpr const char* kFunction = "NormalEquations.step";
  std::vector<uint8_t> mask = CheckLinearize(kFunction, j_values, residuals, active);
  CheckLambda(kFunction, lambda);
  if (status_.empty()) status_.assign(batch_, FactorStatus{false, "not factored yet"});
  active_ = mask;
  const bool kept = DoStep(j_values.data, residuals.data, lambda.data, damping, gradient, squared_norm, step, jy);
  ClearInactive(mask, gradient, squared_norm);
  const int n = pattern_->n();
  const int m = pattern_->m();
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  for (int b = 0; b < batch_; ++b) {
    if (mask[b] && status_[b].ok) continue;
    std::fill(step + static_cast<int64_t>(b) * n, step + static_cast<int64_t>(b + 1) * n, kNaN);
    std::fill(jy + static_cast<int64_t>(b) * m, jy + static_cast<int64_t>(b + 1) * m, kNaN);
  }
  linearized_ = true;
  a_kept_ = kept;
  factored_ = kept;
  ReportStatus(ok, reasons);
  // An element's status describes its kept factor, which factor and solve
  // use for the elements a later linearize leaves inactive: a core that kept
  // none leaves the stepped elements without one (not a stale factor, or none
  // at all, behind an ok status).
  if (!kept) {
    for (int b = 0; b < batch_; ++b) {
      if (mask[b]) status_[b] = FactorStatus{false, "not factored since the last step"};
    }
  }
}

bool BatchedNormalEquations::DoStep(const double* j_values, const double* residuals, const double* lambda,
                                    Damping damping, double* gradient, double* squared_norm, double* step, double* jy) {
  DoLinearize(j_values, residuals, active_, gradient, squared_norm);
  DoFactor(lambda, damping, nullptr);
  DoSolve(gradient, 1, step);
  StepFromSolution(step, static_cast<int64_t>(batch_) * pattern_->n());
  DoMultiply(step, /*transpose=*/false, jy);
  return true;
}

void BatchedNormalEquations::Solve(Span<const double> rhs, int64_t k, double* out) {
  constexpr const char* kFunction = "NormalEquations.solve";
  if (!factored_) throw StateError(Concat(kFunction, ": call factor before solve"));
  const int n = pattern_->n();
  CheckSolveArguments(kFunction, rhs, k, batch_, n, threads_);
  DoSolve(rhs.data, static_cast<int>(k), out);
  FillNaNWhereNotOk(OkMask(), k * n, out);
}

std::unique_ptr<FactorSnapshot> BatchedNormalEquations::Snapshot() {
  constexpr const char* kFunction = "NormalEquations.snapshot";
  if (!factored_) throw StateError(Concat(kFunction, ": call factor before snapshot"));
  std::vector<uint8_t> ok = OkMask();
  std::unique_ptr<CholeskyFactors> factors = DoSnapshot(ok);
  return std::make_unique<FactorSnapshot>(pattern_->n(), threads_, std::move(ok), std::move(factors));
}

std::vector<uint8_t> BatchedNormalEquations::OkMask() const {
  std::vector<uint8_t> ok(batch_);
  for (int b = 0; b < batch_; ++b) ok[b] = status_[b].ok ? 1 : 0;
  return ok;
}

void BatchedNormalEquations::Jv(Span<const double> v, double* out) {
  Multiply("NormalEquations.jv", "v", v, /*transpose=*/false, out);
}

void BatchedNormalEquations::Jtv(Span<const double> u, double* out) {
  Multiply("NormalEquations.jtv", "u", u, /*transpose=*/true, out);
}

void BatchedNormalEquations::Multiply(const char* function, const char* argument, Span<const double> in, bool transpose,
                                      double* out) {
  if (!linearized_) throw StateError(Concat(function, ": call linearize before ", transpose ? "jtv" : "jv"));
  const int64_t in_size = transpose ? pattern_->m() : pattern_->n();
  CheckLength(function, argument, in.size, in_size, transpose ? "m" : "n");
  CheckFinite(function, argument, in.data, in_size, nullptr);
  DoMultiply(in.data, transpose, out);
}

}  // namespace ariadne
