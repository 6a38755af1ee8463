// The batched normal equations of DESIGN.md section 4, without any N-API:
// B problems share one Jacobian pattern; each has its own J, r, A = JᵀJ and
// Cholesky factor. Every entry point checks its arguments (lengths, finite
// values, state) and throws ArgumentError / StateError with the message the
// JavaScript caller sees. Not thread-safe: one call at a time per object (the
// binding enforces it); inside a call, batch elements run in parallel.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cholesky_backend.h"
#include "normal_pattern.h"
#include "raw_vector.h"

namespace ariadne {

template <typename T>
struct Span {
  T* data = nullptr;
  int64_t size = 0;
};

enum class KindRequest { kAuto, kDense, kSparse };
enum class Damping { kDiagonal, kIdentity };

struct NormalEquationsOptions {
  KindRequest kind = KindRequest::kAuto;
  int64_t threads = 0;  // 0: min(hardware threads, batch)
};

// Damping D of A + λD in 'diagonal' mode: diag(A) clamped to this range.
constexpr double kMinDiagonalDamping = 1e-6;
constexpr double kMaxDiagonalDamping = 1e32;

class NormalEquations {
 public:
  NormalEquations(const PatternInput& pattern, int64_t batch, const NormalEquationsOptions& options);
  ~NormalEquations();

  int batch() const { return batch_; }
  int m() const { return pattern_->m(); }
  int n() const { return pattern_->n(); }
  int64_t nnz() const { return pattern_->nnz(); }
  int threads() const { return threads_; }
  bool dense() const { return pattern_->layout() == ALayout::kDenseLower; }
  std::string backend_name() const { return backend_->name(); }
  int64_t a_nonzeros() const { return pattern_->a_nnz(); }
  int64_t factor_nonzeros() const { return backend_->factor_nonzeros(); }
  int64_t factorization_count() const { return factorization_count_.load(); }
  // Bytes this object holds or will hold once every element is factored.
  int64_t memory_bytes() const { return memory_bytes_; }

  // gradient (B·n) = Jᵀr and squared_norm (B) = ‖r‖² for the active
  // elements (all when active.data is null); inactive elements get zeros and
  // keep their J, A and factor.
  void Linearize(Span<const double> j_values, Span<const double> residuals, Span<const uint8_t> active,
                 double* gradient, double* squared_norm);
  // Factors A + λ_b D_b for the elements active in the last linearize; the
  // others keep their factor and status. ok and reasons are filled for all B.
  void Factor(Span<const double> lambda, Damping damping, uint8_t* ok, std::vector<std::string>* reasons);
  // out (B·k·n) = A⁻¹ rhs per element with its last factor; elements without
  // a valid factor get NaN.
  void Solve(Span<const double> rhs, int64_t k, double* out);
  void Jv(Span<const double> v, double* out);   // B·n -> B·m
  void Jtv(Span<const double> u, double* out);  // B·m -> B·n

 private:
  // out = J in (transpose false) or Jᵀ in, per element, with checks.
  void Multiply(const char* function, const char* argument, Span<const double> in, bool transpose, double* out);
  // RangeError naming 'batch' when `bytes` exceed the physical memory.
  int64_t CheckMemory(double bytes) const;
  void CheckLength(const char* function, const char* argument, int64_t actual, int64_t per_element,
                   const char* per_element_name) const;

  int batch_ = 0;
  int threads_ = 1;
  std::unique_ptr<NormalPattern> pattern_;
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
  std::vector<uint8_t> active_;        // of the last linearize
  std::vector<uint8_t> a_finite_;
  std::vector<FactorStatus> status_;
  bool linearized_ = false;
  bool factored_ = false;
  std::atomic<int64_t> factorization_count_{0};
};

}  // namespace ariadne
