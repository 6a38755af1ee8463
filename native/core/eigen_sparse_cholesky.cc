// Eigen's simplicial LLᵀ, analysed once: every batch element's solver adopts
// the symbolic analysis (ordering, elimination tree, column counts) of one
// analysed solver instead of repeating it.
#include <cmath>
#include <memory>
#include <vector>

#include "cholesky_backend.h"
#include "eigen.h"
#include "messages.h"

namespace ariadne {
namespace {

using SparseMatrix = Eigen::SparseMatrix<double, Eigen::ColMajor, int>;

using SimplicialLLT = Eigen::SimplicialLLT<SparseMatrix, Eigen::Upper, Eigen::AMDOrdering<int>>;

class SharedSymbolicLLT : public SimplicialLLT {
 public:
  // Takes over `analysed`'s symbolic factorisation; numeric state is reset.
  void AdoptSymbolic(const SharedSymbolicLLT& analysed) {
    m_matrix = analysed.m_matrix;
    m_parent = analysed.m_parent;
    m_nonZerosPerCol = analysed.m_nonZerosPerCol;
    m_P = analysed.m_P;
    m_Pinv = analysed.m_Pinv;
    m_analysisIsOk = analysed.m_analysisIsOk;
    // SimplicialCholeskyBase hides this flag behind a private using-declaration.
    this->Eigen::SparseSolverBase<SimplicialLLT>::m_isInitialized = m_analysisIsOk;
    m_factorizationIsOk = false;
    m_info = Eigen::Success;
  }

  // The first entry of each column of L is its diagonal.
  bool DiagonalIsFinite() const {
    for (Eigen::Index c = 0; c < m_matrix.outerSize(); ++c) {
      if (!std::isfinite(m_matrix.valuePtr()[m_matrix.outerIndexPtr()[c]])) return false;
    }
    return true;
  }

  // L is of P A Pᵀ: A's column c is L's column P(c); its first entry is the diagonal.
  void VisitPivots(const std::function<void(int64_t, double)>& visit) const {
    const Eigen::Index n = m_matrix.outerSize();
    for (Eigen::Index c = 0; c < n; ++c) {
      const Eigen::Index j = m_P.size() == 0 ? c : m_P.indices()[c];
      visit(c, m_matrix.valuePtr()[m_matrix.outerIndexPtr()[j]]);
    }
  }

  int64_t FactorNonzeros() const {
    int64_t total = 0;
    for (Eigen::Index c = 0; c < m_nonZerosPerCol.size(); ++c) total += m_nonZerosPerCol[c] + 1;
    return total;
  }
};

Eigen::Map<const SparseMatrix> MapUpper(const NormalPattern& pattern, const double* values) {
  return Eigen::Map<const SparseMatrix>(pattern.n(), pattern.n(), pattern.a_nnz(), pattern.a_col_start().data(),
                                        pattern.a_row_index().data(), values);
}

// out = A⁻¹ rhs with a factored solver (n×k column-major).
void SolveWithFactor(const SharedSymbolicLLT& solver, int n, const double* rhs, int k, double* out) {
  Eigen::Map<Eigen::MatrixXd>(out, n, k) = solver.solve(Eigen::Map<const Eigen::MatrixXd>(rhs, n, k));
}

class EigenSparseFactors : public CholeskyFactors {
 public:
  EigenSparseFactors(int n, int64_t factor_nonzeros, std::vector<std::shared_ptr<const SharedSymbolicLLT>> factors)
      : n_(n), factor_nonzeros_(factor_nonzeros), factors_(std::move(factors)) {}

  void Solve(int element, const double* rhs, int k, double* out, int /*slot*/) override {
    SolveWithFactor(*factors_[element], n_, rhs, k, out);
  }

  // L's values and row indices, and the ordering, per element taken.
  int64_t memory_bytes() const override {
    int64_t count = 0;
    for (const auto& factor : factors_) count += factor ? 1 : 0;
    return count * (12 * factor_nonzeros_ + 16 * static_cast<int64_t>(n_));
  }

  void Release(int element) override { factors_[element].reset(); }

 private:
  int n_;
  int64_t factor_nonzeros_;
  std::vector<std::shared_ptr<const SharedSymbolicLLT>> factors_;
};

class EigenSparseCholesky : public CholeskyBackend {
 public:
  EigenSparseCholesky(const NormalPattern& pattern, int batch) : pattern_(pattern), factors_(batch) {
    const std::vector<double> ones(pattern.a_nnz(), 1.0);
    analysed_.analyzePattern(SparseMatrix(MapUpper(pattern, ones.data())));
  }

  std::string name() const override { return "eigen-simplicial-llt"; }

  FactorStatus Factor(int element, const double* a_values, int /*slot*/) override {
    SharedSymbolicLLT& solver = factors_.Writable(element, [&] {
      auto made = std::make_shared<SharedSymbolicLLT>();
      made->AdoptSymbolic(analysed_);
      return made;
    });
    solver.factorize(SparseMatrix(MapUpper(pattern_, a_values)));
    if (solver.info() != Eigen::Success) return {false, "not positive definite"};
    if (!solver.DiagonalIsFinite()) return {false, kOverflowReason};
    return {true, ""};
  }

  void Solve(int element, const double* rhs, int k, double* out, int /*slot*/) override {
    SolveWithFactor(*factors_.get(element), pattern_.n(), rhs, k, out);
  }

  void VisitPivots(int element, const std::function<void(int64_t, double)>& visit) const override {
    factors_.get(element)->VisitPivots(visit);
  }

  int64_t factor_nonzeros() const override { return analysed_.FactorNonzeros(); }

  std::unique_ptr<CholeskyFactors> Snapshot(const std::vector<uint8_t>& take, int /*slots*/) const override {
    return std::make_unique<EigenSparseFactors>(pattern_.n(), factor_nonzeros(), factors_.Share(take));
  }

 private:
  const NormalPattern& pattern_;
  SharedSymbolicLLT analysed_;
  SharedFactors<SharedSymbolicLLT> factors_;
};

}  // namespace

std::unique_ptr<CholeskyBackend> MakeEigenSparseCholesky(const NormalPattern& pattern, int batch) {
  return std::make_unique<EigenSparseCholesky>(pattern, batch);
}

int64_t EstimateFactorNonzeros(const NormalPattern& pattern) {
  const std::vector<double> ones(pattern.a_nnz(), 1.0);
  SharedSymbolicLLT analysed;
  analysed.analyzePattern(SparseMatrix(MapUpper(pattern, ones.data())));
  return analysed.FactorNonzeros();
}

}  // namespace ariadne
