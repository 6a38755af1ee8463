// The pivots of every CPU backend (VisitPivots) and the pivot measure
// NormalEquations reports with each factor (FactorStatus::pivot_ratio, the
// observability check of the optimisers): each of A's columns is visited
// once, Π L_jj² = det A, and a column that is a combination of others gives
// a ratio at rounding level in every backend and ordering.
#include <cmath>
#include <limits>
#include <vector>

#include "backends.h"
#include "cholesky_backend.h"
#include "eigen.h"
#include "harness.h"
#include "normal_equations.h"
#include "random_problems.h"

using ariadne::CholeskyBackend;
using ariadne::Damping;
using ariadne::NormalEquations;
using ariadne::NormalEquationsOptions;
using ariadne::NormalPattern;
using ariadne::Span;
using testing::BackendCase;
using testing::FormA;
using testing::Problem;

namespace {

// Each column visited once, Π L_jj² = det A (against a dense LLᵀ).
void CheckPivots(CholeskyBackend& backend, const NormalPattern& pattern, const Problem& p,
                 const std::vector<double>& a) {
  CHECK(backend.Factor(0, a.data(), 0).ok);
  std::vector<int> visits(p.n, 0);
  double log_det = 0.0;
  backend.VisitPivots(0, [&](int64_t column, double l) {
    CHECK(column >= 0 && column < p.n);
    ++visits[column];
    log_det += 2.0 * std::log(l);
  });
  for (int v : visits) CHECK(v == 1);
  const Eigen::LLT<Eigen::MatrixXd> reference(testing::DenseA(pattern, a.data()));
  const double expected = 2.0 * reference.matrixLLT().diagonal().array().log().sum();
  CHECK_NEAR(log_det, expected, 1e-9 * std::abs(expected) + 1e-9);
}

}  // namespace

TEST(EveryBackendVisitsEachColumnOnceAndItsPivotsGiveTheDeterminant) {
  testing::ForEachBackend({12, 300}, 51, 6, [](const BackendCase& c, const NormalPattern& pattern, const Problem& p) {
    std::unique_ptr<CholeskyBackend> backend = c.make(pattern, 1, 1);
    CheckPivots(*backend, pattern, p, FormA(pattern, p, 1, 600));
  });
}

// Blocks of 6 with many couplings make CHOLMOD supernodal (where it is built): its supernodes' layout.
TEST(CholmodSupernodalPivots) {
  if (!ariadne::HaveCholmod()) SKIP("a build without CHOLMOD");
  const Problem p = testing::RandomBlockPattern(200, 6, 2000, 52);
  NormalPattern pattern(p.Input(), "test");
  std::unique_ptr<CholeskyBackend> backend = ariadne::MakeSparseCholesky(pattern, 1, 1);
  CHECK(backend->name() == "cholmod-supernodal");
  CheckPivots(*backend, pattern, p, FormA(pattern, p, 1, 601));
}

// Column 0 of J is made the sum of two others in element 1 (A singular but
// for rounding), nearly so in element 2 (1e-3 apart: observable) and in
// element 3 (1e-7 apart: numerically rank-deficient, the ratio ~1e-14).
// Element 1 fails, or factors with a ratio at rounding level; element 3
// factors with a ratio ≤ 1e-12; elements 0 and 2 report ratios far above;
// the measure is L_cc² / M_cc of the damped M.
TEST(NormalEquationsReportsThePivotRatioOfEveryFactor) {
  const Problem p = testing::RandomScalarPattern(60, 12, 4, 71);
  for (const ariadne::SolverKind kind : {ariadne::SolverKind::kDense, ariadne::SolverKind::kSparse}) {
    NormalEquationsOptions options;
    options.kind = kind;
    NormalEquations ne(p.Input(), 4, options);
    std::vector<double> j = testing::RandomValues(4 * p.rows.size(), 72);
    // Dense columns 0, 1, 2 in every row (added entries of the pattern would
    // change it): set J's values so that column 0 = column 1 + column 2 row by
    // row, through a dense J rebuilt from the triplets.
    const int m = p.m, n = p.n;
    std::vector<double> r(4 * static_cast<size_t>(m), 0.0);
    const double apart[4] = {0.0, 0.0, 1e-3, 1e-7};
    for (int b = 1; b < 4; ++b) {
      Eigen::MatrixXd dense = Eigen::MatrixXd::Zero(m, n);
      const size_t nnz = p.rows.size();
      for (size_t k = 0; k < nnz; ++k) dense(p.rows[k], p.cols[k]) += j[b * nnz + k];
      // Column 0's entries: zero every triplet of it, then put the sum on its first triplet per row.
      std::vector<int> first(m, -1);
      for (size_t k = 0; k < nnz; ++k) {
        if (p.cols[k] != 0) continue;
        j[b * nnz + k] = 0.0;
        if (first[p.rows[k]] < 0) first[p.rows[k]] = static_cast<int>(k);
      }
      // Rows without column 0 in the pattern keep 0 there; column 1 + 2 must then vanish too.
      for (size_t k = 0; k < nnz; ++k) {
        if ((p.cols[k] == 1 || p.cols[k] == 2) && first[p.rows[k]] < 0) j[b * nnz + k] = 0.0;
      }
      for (int row = 0; row < m; ++row) {
        if (first[row] < 0) continue;
        double sum = 0.0;
        for (size_t k = 0; k < nnz; ++k) {
          if (p.rows[k] == row && (p.cols[k] == 1 || p.cols[k] == 2)) sum += j[b * nnz + k];
        }
        j[b * nnz + first[row]] = sum * (1.0 + apart[b] * std::sin(row + 1.0));
      }
    }
    std::vector<double> g(4 * static_cast<size_t>(n)), norm(4);
    ne.Linearize({j.data(), static_cast<int64_t>(j.size())}, {r.data(), static_cast<int64_t>(r.size())}, {}, g.data(),
                 norm.data());
    std::vector<uint8_t> ok(4);
    std::vector<std::string> reasons;
    const std::vector<double> lambda(4, 0.0);
    ne.Factor({lambda.data(), 4}, Damping::kIdentity, ok.data(), &reasons);
    std::vector<double> ratio;
    std::vector<int32_t> column;
    ne.Pivots(&ratio, &column);
    CHECK(ok[0] == 1 && ok[2] == 1 && ok[3] == 1);
    CHECK(ratio[3] <= 1e-12 && ratio[3] > 0.0);
    CHECK(column[3] == 0 || column[3] == 1 || column[3] == 2);
    CHECK(ratio[0] > 1e-6 && ratio[0] <= 1.0);
    CHECK(ratio[2] > 1e-12 && ratio[2] < 1e-3);
    if (ok[1]) {
      CHECK(ratio[1] <= 1e-12);
      CHECK(column[1] == 0 || column[1] == 1 || column[1] == 2);
    } else {
      CHECK(std::isnan(ratio[1]) && (column[1] == 0 || column[1] == 1 || column[1] == 2));
    }
    // A step (λ = 0) reports the same measures, though the CPU core keeps no factor after it.
    const std::vector<double> before = ratio;
    std::vector<double> y(4 * static_cast<size_t>(n)), jy(4 * static_cast<size_t>(m));
    ne.Step({j.data(), static_cast<int64_t>(j.size())}, {r.data(), static_cast<int64_t>(r.size())}, {},
            {lambda.data(), 4}, Damping::kIdentity, g.data(), norm.data(), ok.data(), &reasons, y.data(), jy.data());
    ne.Pivots(&ratio, &column);
    for (int b : {0, 2, 3}) CHECK(ratio[b] == before[b]);
    // Damped, the same element is far from singular: the measure is of the matrix factored.
    ne.Linearize({j.data(), static_cast<int64_t>(j.size())}, {r.data(), static_cast<int64_t>(r.size())}, {}, g.data(),
                 norm.data());
    const std::vector<double> damped(4, 1.0);
    ne.Factor({damped.data(), 4}, Damping::kIdentity, ok.data(), &reasons);
    ne.Pivots(&ratio, &column);
    CHECK(ok[1] == 1 && ratio[1] > 1e-6 && ratio[3] > 1e-6);
  }
}

HARNESS_MAIN()
