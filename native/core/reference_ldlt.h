// The reference the linear benchmark measures against: the normal equations
// as one would write them with Eigen alone. J is an Eigen sparse matrix whose
// structure is built once, A = JᵀJ comes from Eigen's sparse product, and
// Eigen's SimplicialLDLT (analysed once, with its AMD ordering) factors and
// solves, one problem at a time.
#pragma once

#include <memory>
#include <vector>

#include "eigen.h"
#include "normal_pattern.h"

namespace ariadne {

class ReferenceLdlt {
 public:
  explicit ReferenceLdlt(const PatternInput& pattern);
  // x = (JᵀJ + λ·clamp(diag JᵀJ))⁻¹ Jᵀr for one problem; false when the
  // factorisation fails.
  bool Solve(const double* j_values, const double* residuals, double lambda, double* x);

 private:
  using SparseMatrix = Eigen::SparseMatrix<double, Eigen::ColMajor, int>;
  int m_ = 0;
  int n_ = 0;
  SparseMatrix j_;
  std::vector<int> value_position_;  // COO entry -> position in j_'s values
  Eigen::SimplicialLDLT<SparseMatrix, Eigen::Lower, Eigen::AMDOrdering<int>> ldlt_;
};

}  // namespace ariadne
