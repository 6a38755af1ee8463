#include "reference_ldlt.h"

#include <algorithm>

#include "normal_equations.h"

namespace ariadne {

ReferenceLdlt::ReferenceLdlt(const PatternInput& input) {
  const NormalPattern checked(input, "ReferenceLdlt");  // validates the pattern
  m_ = checked.m();
  n_ = checked.n();
  std::vector<Eigen::Triplet<double, int>> triplets;
  triplets.reserve(input.nnz);
  for (int64_t k = 0; k < input.nnz; ++k) triplets.emplace_back(input.rows[k], input.cols[k], 1.0);
  j_.resize(m_, n_);
  j_.setFromTriplets(triplets.begin(), triplets.end());
  value_position_.resize(input.nnz);
  for (int64_t k = 0; k < input.nnz; ++k) {
    const int* begin = j_.innerIndexPtr() + j_.outerIndexPtr()[input.cols[k]];
    const int* end = j_.innerIndexPtr() + j_.outerIndexPtr()[input.cols[k] + 1];
    value_position_[k] = static_cast<int>(std::lower_bound(begin, end, input.rows[k]) - j_.innerIndexPtr());
  }
  const SparseMatrix a = SparseMatrix(j_.transpose()) * j_;
  ldlt_.analyzePattern(a);
}

bool ReferenceLdlt::Solve(const double* j_values, const double* residuals, double lambda, double* x) {
  std::fill(j_.valuePtr(), j_.valuePtr() + j_.nonZeros(), 0.0);
  for (size_t k = 0; k < value_position_.size(); ++k) j_.valuePtr()[value_position_[k]] += j_values[k];
  SparseMatrix a = SparseMatrix(j_.transpose()) * j_;
  for (int c = 0; c < n_; ++c) {
    double& d = a.coeffRef(c, c);
    d += lambda * std::clamp(d, kDefaultMinDiagonal, kDefaultMaxDiagonal);
  }
  const Eigen::VectorXd g = j_.transpose() * Eigen::Map<const Eigen::VectorXd>(residuals, m_);
  ldlt_.factorize(a);
  if (ldlt_.info() != Eigen::Success) return false;
  Eigen::Map<Eigen::VectorXd>(x, n_) = ldlt_.solve(g);
  return true;
}

}  // namespace ariadne
