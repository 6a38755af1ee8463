#include <cmath>
#include <memory>
#include <vector>

#include "cholesky_backend.h"
#include "eigen.h"
#include "messages.h"

namespace ariadne {
namespace {

class DenseCholesky : public CholeskyBackend {
 public:
  DenseCholesky(const NormalPattern& pattern, int batch) : n_(pattern.n()), factors_(batch) {}

  std::string name() const override { return "dense-llt"; }

  FactorStatus Factor(int element, const double* a_values, int /*slot*/) override {
    const int64_t size = static_cast<int64_t>(n_) * n_;
    if (!factors_[element]) factors_[element].reset(new double[size]);
    double* l = factors_[element].get();
    std::copy(a_values, a_values + size, l);
    Eigen::Map<Eigen::MatrixXd> matrix(l, n_, n_);
    // Returns the first column whose pivot is not positive, or -1.
    const Eigen::Index bad = Eigen::internal::llt_inplace<double, Eigen::Lower>::blocked(matrix);
    if (bad >= 0) return {false, NotPositiveDefiniteReason(bad)};
    for (int c = 0; c < n_; ++c) {
      if (!std::isfinite(matrix(c, c))) return {false, kOverflowReason};
    }
    return {true, ""};
  }

  void Solve(int element, const double* rhs, int k, double* out, int /*slot*/) override {
    Eigen::Map<const Eigen::MatrixXd> l(factors_[element].get(), n_, n_);
    Eigen::Map<Eigen::MatrixXd> x(out, n_, k);
    x = Eigen::Map<const Eigen::MatrixXd>(rhs, n_, k);
    l.triangularView<Eigen::Lower>().solveInPlace(x);
    l.triangularView<Eigen::Lower>().adjoint().solveInPlace(x);
  }

  int64_t factor_nonzeros() const override { return static_cast<int64_t>(n_) * (n_ + 1) / 2; }

 private:
  int n_;
  std::vector<std::unique_ptr<double[]>> factors_;
};

}  // namespace

std::unique_ptr<CholeskyBackend> MakeDenseCholesky(const NormalPattern& pattern, int batch) {
  return std::make_unique<DenseCholesky>(pattern, batch);
}

}  // namespace ariadne
