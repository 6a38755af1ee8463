#include <cmath>
#include <memory>
#include <vector>

#include "cholesky_backend.h"
#include "eigen.h"
#include "messages.h"
#include "raw_vector.h"

namespace ariadne {
namespace {

using DenseFactor = RawVector<double>;  // n×n column-major, L in the lower triangle

// out = (L Lᵀ)⁻¹ rhs for n×k column-major rhs.
void SolveWithFactor(const DenseFactor& factor, int n, const double* rhs, int k, double* out) {
  Eigen::Map<const Eigen::MatrixXd> l(factor.data(), n, n);
  Eigen::Map<Eigen::MatrixXd> x(out, n, k);
  x = Eigen::Map<const Eigen::MatrixXd>(rhs, n, k);
  l.triangularView<Eigen::Lower>().solveInPlace(x);
  l.triangularView<Eigen::Lower>().adjoint().solveInPlace(x);
}

class DenseFactors : public CholeskyFactors {
 public:
  DenseFactors(int n, std::vector<std::shared_ptr<const DenseFactor>> factors) : n_(n), factors_(std::move(factors)) {}

  void Solve(int element, const double* rhs, int k, double* out, int /*slot*/) override {
    SolveWithFactor(*factors_[element], n_, rhs, k, out);
  }

  int64_t memory_bytes() const override {
    int64_t bytes = 0;
    for (const auto& factor : factors_) bytes += factor ? static_cast<int64_t>(sizeof(double) * factor->size()) : 0;
    return bytes;
  }

  void Release(int element) override { factors_[element].reset(); }

 private:
  int n_;
  std::vector<std::shared_ptr<const DenseFactor>> factors_;
};

class DenseCholesky : public CholeskyBackend {
 public:
  DenseCholesky(const NormalPattern& pattern, int batch) : n_(pattern.n()), factors_(batch) {}

  std::string name() const override { return "dense-llt"; }

  FactorStatus Factor(int element, const double* a_values, int /*slot*/) override {
    const size_t size = static_cast<size_t>(n_) * n_;
    DenseFactor& factor = factors_.Writable(element, [&] {
      auto made = std::make_shared<DenseFactor>();
      made->resize(size);
      return made;
    });
    double* l = factor.data();
    std::copy(a_values, a_values + size, l);
    Eigen::Map<Eigen::MatrixXd> matrix(l, n_, n_);
    // Returns the first column whose pivot is not positive, or -1.
    const Eigen::Index bad = Eigen::internal::llt_inplace<double, Eigen::Lower>::blocked(matrix);
    if (bad >= 0) return NotPositiveDefinite(bad);
    for (int c = 0; c < n_; ++c) {
      if (!std::isfinite(matrix(c, c))) return {false, kOverflowReason};
    }
    return {true, ""};
  }

  void Solve(int element, const double* rhs, int k, double* out, int /*slot*/) override {
    SolveWithFactor(*factors_.get(element), n_, rhs, k, out);
  }

  void VisitPivots(int element, const std::function<void(int64_t, double)>& visit) const override {
    const double* l = factors_.get(element)->data();
    for (int c = 0; c < n_; ++c) visit(c, l[c + static_cast<int64_t>(c) * n_]);
  }

  int64_t factor_nonzeros() const override { return static_cast<int64_t>(n_) * (n_ + 1) / 2; }
  int64_t factor_storage() const override { return static_cast<int64_t>(n_) * n_; }

  std::unique_ptr<CholeskyFactors> Snapshot(const std::vector<uint8_t>& take, int /*slots*/) const override {
    return std::make_unique<DenseFactors>(n_, factors_.Share(take));
  }

 private:
  int n_;
  SharedFactors<DenseFactor> factors_;
};

}  // namespace

std::unique_ptr<CholeskyBackend> MakeDenseCholesky(const NormalPattern& pattern, int batch) {
  return std::make_unique<DenseCholesky>(pattern, batch);
}

}  // namespace ariadne
