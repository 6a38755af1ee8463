// NormalEquations against dense references, for every kind and backend.
#include "normal_equations.h"

#include <dirent.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "blas_threads.h"
#include "cholesky_backend.h"
#include "errors.h"
#include "harness.h"
#include "messages.h"
#include "random_problems.h"
#include "solver_kind.h"

using ariadne::Concat;
using ariadne::Damping;
using ariadne::KindRequest;
using ariadne::NormalEquations;
using ariadne::NormalEquationsOptions;
using ariadne::SolverKind;
using ariadne::Span;
using testing::Problem;

namespace {

double RelativeError(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) {
  return (a - b).norm() / std::max(b.norm(), 1e-300);
}

struct Outputs {
  std::vector<double> gradient, squared_norm, solution, jv, jtv;
  std::vector<uint8_t> ok;
  std::vector<std::string> reasons;
};

Outputs Run(const Problem& p, int batch, KindRequest kind, int threads, const std::vector<double>& j,
            const std::vector<double>& r, const std::vector<double>& lambda, Damping damping, int k,
            const std::vector<double>& rhs) {
  NormalEquationsOptions options;
  options.kind = kind;
  options.threads = threads;
  NormalEquations ne(p.Input(), batch, options);
  Outputs out;
  out.gradient.resize(static_cast<size_t>(batch) * p.n);
  out.squared_norm.resize(batch);
  ne.Linearize({j.data(), static_cast<int64_t>(j.size())}, {r.data(), static_cast<int64_t>(r.size())}, {},
               out.gradient.data(), out.squared_norm.data());
  out.ok.resize(batch);
  ne.Factor({lambda.data(), batch}, damping, out.ok.data(), &out.reasons);
  out.solution.resize(rhs.size());
  ne.Solve({rhs.data(), static_cast<int64_t>(rhs.size())}, k, out.solution.data());
  out.jv.resize(static_cast<size_t>(batch) * p.m);
  out.jtv.resize(static_cast<size_t>(batch) * p.n);
  const std::vector<double> v(out.gradient);  // any vector of length B·n
  ne.Jv({v.data(), static_cast<int64_t>(v.size())}, out.jv.data());
  ne.Jtv({r.data(), static_cast<int64_t>(r.size())}, out.jtv.data());
  return out;
}

// Checks every output of Run against dense Eigen for each batch element.
void CheckAgainstDense(const Problem& p, int batch, KindRequest kind, Damping damping, uint64_t seed) {
  const int64_t nnz = static_cast<int64_t>(p.rows.size());
  const int k = 2;
  const auto j = testing::RandomValues(batch * nnz, seed);
  const auto r = testing::RandomValues(static_cast<size_t>(batch) * p.m, seed + 1);
  const auto rhs = testing::RandomValues(static_cast<size_t>(batch) * k * p.n, seed + 2);
  std::vector<double> lambda(batch);
  for (int b = 0; b < batch; ++b) lambda[b] = 1e-3 * (b + 1);
  const Outputs out = Run(p, batch, kind, 2, j, r, lambda, damping, k, rhs);
  for (int b = 0; b < batch; ++b) {
    const Eigen::MatrixXd jd = testing::DenseJ(p, j.data() + b * nnz);
    const Eigen::Map<const Eigen::VectorXd> rb(r.data() + b * p.m, p.m);
    Eigen::MatrixXd a = jd.transpose() * jd;
    const Eigen::VectorXd g = jd.transpose() * rb;
    CHECK(RelativeError(Eigen::Map<const Eigen::VectorXd>(out.gradient.data() + b * p.n, p.n), g) < 1e-13);
    CHECK_NEAR(out.squared_norm[b], rb.squaredNorm(), 1e-12 * rb.squaredNorm());
    for (int c = 0; c < p.n; ++c) {
      const double d = damping == Damping::kIdentity ? 1.0 : std::clamp(a(c, c), 1e-6, 1e32);
      a(c, c) += lambda[b] * d;
    }
    CHECK(out.ok[b] == 1);
    const Eigen::Map<const Eigen::MatrixXd> rhs_b(rhs.data() + b * k * p.n, p.n, k);
    const Eigen::MatrixXd x = a.ldlt().solve(rhs_b);
    const Eigen::Map<const Eigen::MatrixXd> got(out.solution.data() + b * k * p.n, p.n, k);
    CHECK(RelativeError(got, x) < 1e-10);
    const Eigen::Map<const Eigen::VectorXd> v(out.gradient.data() + b * p.n, p.n);
    CHECK(RelativeError(Eigen::Map<const Eigen::VectorXd>(out.jv.data() + b * p.m, p.m), jd * v) < 1e-13);
    CHECK(RelativeError(Eigen::Map<const Eigen::VectorXd>(out.jtv.data() + b * p.n, p.n), g) < 1e-13);
  }
}

}  // namespace

TEST(DenseKindMatchesDenseReference) {
  CheckAgainstDense(testing::RandomScalarPattern(40, 12, 4, 1), 3, SolverKind::kDense, Damping::kDiagonal, 10);
  CheckAgainstDense(testing::RandomBlockPattern(20, 3, 15, 2), 3, SolverKind::kDense, Damping::kIdentity, 20);
}

TEST(SparseKindMatchesDenseReference) {
  CheckAgainstDense(testing::RandomScalarPattern(400, 150, 5, 3), 3, SolverKind::kSparse, Damping::kDiagonal, 30);
  CheckAgainstDense(testing::RandomBlockPattern(100, 6, 60, 4), 4, SolverKind::kSparse, Damping::kIdentity, 40);
}

TEST(AutoKindMatchesDenseReference) {
  CheckAgainstDense(testing::RandomScalarPattern(30, 8, 3, 5), 1, KindRequest(), Damping::kDiagonal, 50);
  CheckAgainstDense(testing::RandomBlockPattern(200, 3, 100, 6), 2, KindRequest(), Damping::kDiagonal, 60);
}

TEST(EigenSparseBackendMatchesDense) {
  // The sparse backend of builds without CHOLMOD, tested whatever this build has.
  const Problem p = testing::RandomBlockPattern(60, 3, 40, 7);
  ariadne::NormalPattern pattern(p.Input(), "test");
  const auto j = testing::RandomValues(p.rows.size(), 70);
  std::vector<double> unique(pattern.unique_count()), a(pattern.a_value_count()), g(p.n);
  const auto r = testing::RandomValues(p.m, 71);
  pattern.GatherUnique(j.data(), unique.data());
  pattern.Form(unique.data(), r.data(), a.data(), g.data());
  auto eigen = ariadne::MakeEigenSparseCholesky(pattern, 1);
  CHECK(eigen->Factor(0, a.data(), 0).ok);
  std::vector<double> x(p.n);
  eigen->Solve(0, g.data(), 1, x.data(), 0);
  const Eigen::MatrixXd jd = testing::DenseJ(p, j.data());
  const Eigen::VectorXd expected =
      (jd.transpose() * jd).ldlt().solve(jd.transpose() * Eigen::Map<const Eigen::VectorXd>(r.data(), p.m));
  CHECK(RelativeError(Eigen::Map<const Eigen::VectorXd>(x.data(), p.n), expected) < 1e-9);
  CHECK(eigen->factor_nonzeros() >= pattern.a_nnz());
}

TEST(DenseAndSparseKindsAgree) {
  const Problem p = testing::RandomBlockPattern(80, 6, 50, 8);
  const int batch = 3, k = 1;
  const auto j = testing::RandomValues(batch * p.rows.size(), 80);
  const auto r = testing::RandomValues(static_cast<size_t>(batch) * p.m, 81);
  const std::vector<double> lambda(batch, 1e-4);
  const auto rhs = testing::RandomValues(static_cast<size_t>(batch) * k * p.n, 82);
  const auto dense = Run(p, batch, SolverKind::kDense, 1, j, r, lambda, Damping::kDiagonal, k, rhs);
  const auto sparse = Run(p, batch, SolverKind::kSparse, 1, j, r, lambda, Damping::kDiagonal, k, rhs);
  const Eigen::Map<const Eigen::VectorXd> xd(dense.solution.data(), dense.solution.size());
  const Eigen::Map<const Eigen::VectorXd> xs(sparse.solution.data(), sparse.solution.size());
  CHECK(RelativeError(xs, xd) < 1e-10);
}

TEST(ThreadCountDoesNotChangeBits) {
  for (SolverKind kind : {SolverKind::kDense, SolverKind::kSparse}) {
    const Problem p = testing::RandomBlockPattern(kind == SolverKind::kDense ? 30 : 150, 6, 80, 9);
    const int batch = 7, k = 3;
    const auto j = testing::RandomValues(batch * p.rows.size(), 90);
    const auto r = testing::RandomValues(static_cast<size_t>(batch) * p.m, 91);
    const auto rhs = testing::RandomValues(static_cast<size_t>(batch) * k * p.n, 92);
    const std::vector<double> lambda(batch, 1e-2);
    const auto one = Run(p, batch, kind, 1, j, r, lambda, Damping::kDiagonal, k, rhs);
    const auto two = Run(p, batch, kind, 2, j, r, lambda, Damping::kDiagonal, k, rhs);
    const auto four = Run(p, batch, kind, 4, j, r, lambda, Damping::kDiagonal, k, rhs);
    for (const auto* other : {&two, &four}) {
      CHECK(std::memcmp(one.solution.data(), other->solution.data(), sizeof(double) * one.solution.size()) == 0);
      CHECK(std::memcmp(one.gradient.data(), other->gradient.data(), sizeof(double) * one.gradient.size()) == 0);
      CHECK(std::memcmp(one.jv.data(), other->jv.data(), sizeof(double) * one.jv.size()) == 0);
    }
  }
}

TEST(NotPositiveDefiniteElementsAreReportedAlone) {
  // Column 5 is touched only by row 5; zeroing that value in element 1 makes
  // its A singular while elements 0 and 2 stay positive definite.
  for (SolverKind kind : {SolverKind::kDense, SolverKind::kSparse}) {
    Problem p;
    p.m = 12;
    p.n = 6;
    for (int r = 0; r < p.m; ++r) {
      p.rows.push_back(r);
      p.cols.push_back(r % 6);
    }
    const int batch = 3;
    std::vector<double> j = testing::RandomValues(batch * p.rows.size(), 100);
    j[1 * 12 + 5] = 0.0;
    j[1 * 12 + 11] = 0.0;
    const auto r = testing::RandomValues(batch * p.m, 101);
    NormalEquationsOptions options;
    options.kind = kind;
    NormalEquations ne(p.Input(), batch, options);
    std::vector<double> g(batch * p.n), s(batch);
    ne.Linearize({j.data(), static_cast<int64_t>(j.size())}, {r.data(), static_cast<int64_t>(r.size())}, {}, g.data(),
                 s.data());
    const std::vector<double> lambda(batch, 0.0);
    std::vector<uint8_t> ok(batch);
    std::vector<std::string> reasons;
    ne.Factor({lambda.data(), batch}, Damping::kIdentity, ok.data(), &reasons);
    CHECK(ok[0] == 1 && ok[1] == 0 && ok[2] == 1);
    CHECK(reasons[1].find("not positive definite") != std::string::npos);
    CHECK(reasons[0].empty());
    std::vector<double> x(batch * p.n);
    ne.Solve({g.data(), static_cast<int64_t>(g.size())}, 1, x.data());
    CHECK(std::isnan(x[p.n]) && std::isfinite(x[0]) && std::isfinite(x[2 * p.n]));
    // Damping makes it positive definite again.
    const std::vector<double> damped(batch, 1.0);
    ne.Factor({damped.data(), batch}, Damping::kDiagonal, ok.data(), &reasons);
    CHECK(ok[1] == 1);
  }
}

TEST(IndefiniteMatricesAreNotFactored) {
  // A = JᵀJ with one diagonal entry made negative: every backend must refuse
  // it (an LDLᵀ would factor it). Small patterns make CHOLMOD simplicial,
  // larger ones supernodal.
  for (int nodes : {4, 400}) {
    const Problem p = testing::RandomBlockPattern(nodes, 3, nodes, 17, 5);
    ariadne::NormalPattern pattern(p.Input(), "test");
    const auto j = testing::RandomValues(p.rows.size(), 170);
    const auto r = testing::RandomValues(p.m, 171);
    std::vector<double> unique(pattern.unique_count()), a(pattern.a_value_count()), g(p.n);
    pattern.GatherUnique(j.data(), unique.data());
    pattern.Form(unique.data(), r.data(), a.data(), g.data());
    a[pattern.diagonal_slots()[p.n / 2]] = -1.0;
    CHECK(!ariadne::MakeSparseCholesky(pattern, 1, 1)->Factor(0, a.data(), 0).ok);
    CHECK(!ariadne::MakeEigenSparseCholesky(pattern, 1)->Factor(0, a.data(), 0).ok);
  }
}

TEST(SolveNeverRefactors) {
  const Problem p = testing::RandomBlockPattern(50, 3, 30, 11);
  NormalEquations ne(p.Input(), 2, {});
  const auto j = testing::RandomValues(2 * p.rows.size(), 110);
  const auto r = testing::RandomValues(2 * p.m, 111);
  std::vector<double> g(2 * p.n), s(2), x(2 * p.n);
  ne.Linearize({j.data(), static_cast<int64_t>(j.size())}, {r.data(), static_cast<int64_t>(r.size())}, {}, g.data(),
               s.data());
  const std::vector<double> lambda(2, 0.1);
  std::vector<uint8_t> ok(2);
  std::vector<std::string> reasons;
  ne.Factor({lambda.data(), 2}, Damping::kDiagonal, ok.data(), &reasons);
  CHECK(ne.factorization_count() == 2);
  for (int i = 0; i < 5; ++i) ne.Solve({g.data(), static_cast<int64_t>(g.size())}, 1, x.data());
  CHECK(ne.factorization_count() == 2);
}

TEST(InactiveElementsKeepTheirState) {
  const Problem p = testing::RandomBlockPattern(30, 3, 20, 12);
  const int batch = 3;
  NormalEquations ne(p.Input(), batch, {});
  const auto j = testing::RandomValues(batch * p.rows.size(), 120);
  const auto r = testing::RandomValues(batch * p.m, 121);
  std::vector<double> g(batch * p.n), s(batch), x1(batch * p.n), x2(batch * p.n);
  const std::vector<double> lambda(batch, 0.1);
  std::vector<uint8_t> ok(batch);
  std::vector<std::string> reasons;
  ne.Linearize({j.data(), static_cast<int64_t>(j.size())}, {r.data(), static_cast<int64_t>(r.size())}, {}, g.data(),
               s.data());
  ne.Factor({lambda.data(), batch}, Damping::kDiagonal, ok.data(), &reasons);
  const std::vector<double> rhs(g);
  ne.Solve({rhs.data(), static_cast<int64_t>(rhs.size())}, 1, x1.data());
  // Element 1 inactive: garbage values are ignored and its factor is kept.
  std::vector<double> j2 = testing::RandomValues(j.size(), 122);
  for (size_t k = p.rows.size(); k < 2 * p.rows.size(); ++k) j2[k] = std::numeric_limits<double>::quiet_NaN();
  const std::vector<uint8_t> active = {1, 0, 1};
  ne.Linearize({j2.data(), static_cast<int64_t>(j2.size())}, {r.data(), static_cast<int64_t>(r.size())},
               {active.data(), batch}, g.data(), s.data());
  CHECK(s[1] == 0.0 && g[p.n] == 0.0 && s[0] > 0.0);
  ne.Factor({lambda.data(), batch}, Damping::kDiagonal, ok.data(), &reasons);
  CHECK(ne.factorization_count() == 5);
  ne.Solve({rhs.data(), static_cast<int64_t>(rhs.size())}, 1, x2.data());
  CHECK(std::memcmp(x1.data() + p.n, x2.data() + p.n, sizeof(double) * p.n) == 0);
  CHECK(std::memcmp(x1.data(), x2.data(), sizeof(double) * p.n) != 0);
}

TEST(ElementsSteppedWithoutAKeptFactorAreNotSolvedWithOne) {
  // The CPU core's step keeps no factor: an element stepped, then left
  // inactive by the next linearize, has no factor of that step to solve with
  // (it had none at all when never factored: a null read before).
  for (SolverKind kind : {SolverKind::kDense, SolverKind::kSparse}) {
    const Problem p = testing::RandomBlockPattern(30, 3, 20, 14);
    const int batch = 2;
    NormalEquationsOptions options;
    options.kind = kind;
    NormalEquations ne(p.Input(), batch, options);
    const auto j = testing::RandomValues(batch * p.rows.size(), 140);
    const auto r = testing::RandomValues(batch * p.m, 141);
    const Span<const double> js{j.data(), static_cast<int64_t>(j.size())};
    const Span<const double> rs{r.data(), static_cast<int64_t>(r.size())};
    const std::vector<double> lambda(batch, 0.1);
    std::vector<double> g(batch * p.n), s(batch), y(batch * p.n), jy(batch * p.m), x(batch * p.n);
    std::vector<uint8_t> ok(batch);
    std::vector<std::string> reasons;
    ne.Step(js, rs, {}, {lambda.data(), batch}, Damping::kDiagonal, g.data(), s.data(), ok.data(), &reasons, y.data(),
            jy.data());
    CHECK(ok == std::vector<uint8_t>({1, 1}));
    const std::vector<uint8_t> active = {0, 1};
    ne.Linearize(js, rs, {active.data(), batch}, g.data(), s.data());
    ne.Factor({lambda.data(), batch}, Damping::kDiagonal, ok.data(), &reasons);
    CHECK(ok == std::vector<uint8_t>({0, 1}));
    CHECK(reasons[0] == "not factored since the last step");
    ne.Solve({g.data(), static_cast<int64_t>(g.size())}, 1, x.data());
    CHECK(std::isnan(x[0]) && !std::isnan(x[p.n]));
  }
}

TEST(StepEqualsLinearizeFactorSolve) {
  // The same bits as the three calls and jv, per element, whatever the kind
  // and thread count; inactive and failed elements get NaN steps; afterwards
  // A and the factor are gone (factor and solve need a new linearize), J is not.
  for (SolverKind kind : {SolverKind::kDense, SolverKind::kSparse}) {
    for (int threads : {1, 3}) {
      const Problem p = testing::RandomBlockPattern(kind == SolverKind::kDense ? 30 : 150, 6, 80, 13);
      const int batch = 5;
      auto j = testing::RandomValues(batch * p.rows.size(), 130);
      std::fill(j.begin() + 4 * p.rows.size(), j.end(), 0.0);  // element 4: A = 0, not positive definite undamped
      const auto r = testing::RandomValues(static_cast<size_t>(batch) * p.m, 131);
      const std::vector<double> lambda = {1e-3, 1e-2, 1e-1, 1.0, 0.0};
      const std::vector<uint8_t> active = {1, 1, 0, 1, 1};
      const Span<const double> js{j.data(), static_cast<int64_t>(j.size())};
      const Span<const double> rs{r.data(), static_cast<int64_t>(r.size())};
      const Span<const uint8_t> as{active.data(), batch};
      NormalEquationsOptions options;
      options.kind = kind;
      options.threads = threads;
      NormalEquations three(p.Input(), batch, options);
      std::vector<double> g1(batch * p.n), s1(batch), x1(batch * p.n);
      std::vector<uint8_t> ok1(batch);
      std::vector<std::string> reasons1;
      three.Linearize(js, rs, as, g1.data(), s1.data());
      three.Factor({lambda.data(), batch}, Damping::kDiagonal, ok1.data(), &reasons1);
      three.Solve({g1.data(), static_cast<int64_t>(g1.size())}, 1, x1.data());
      NormalEquations one(p.Input(), batch, options);
      std::vector<double> g2(batch * p.n), s2(batch), y(batch * p.n), jy(batch * p.m);
      std::vector<uint8_t> ok2(batch);
      std::vector<std::string> reasons2;
      one.Step(js, rs, as, {lambda.data(), batch}, Damping::kDiagonal, g2.data(), s2.data(), ok2.data(), &reasons2,
               y.data(), jy.data());
      CHECK(std::memcmp(g1.data(), g2.data(), sizeof(double) * g1.size()) == 0);
      CHECK(std::memcmp(s1.data(), s2.data(), sizeof(double) * s1.size()) == 0);
      CHECK(ok2 == std::vector<uint8_t>({1, 1, 0, 1, 0}));
      CHECK(reasons2[4].rfind("not positive definite", 0) == 0);
      // y = −x exactly (the solve is linear), and J y as jv gives it.
      std::vector<double> minus_x(x1.size()), jv(batch * p.m);
      for (size_t i = 0; i < x1.size(); ++i) minus_x[i] = std::isnan(x1[i]) ? 0.0 : -x1[i];  // NaN: not factored
      three.Jv({minus_x.data(), static_cast<int64_t>(minus_x.size())}, jv.data());
      for (int b : {0, 1, 3}) {
        CHECK(std::memcmp(minus_x.data() + b * p.n, y.data() + b * p.n, sizeof(double) * p.n) == 0);
        CHECK(std::memcmp(jv.data() + b * p.m, jy.data() + b * p.m, sizeof(double) * p.m) == 0);
      }
      for (int b : {2, 4}) CHECK(std::isnan(y[b * p.n]) && std::isnan(y[(b + 1) * p.n - 1]) && std::isnan(jy[b * p.m]));
      CHECK(one.factorization_count() == 4);
      std::vector<double> v1(batch * p.m), v2(batch * p.m);
      three.Jv({g1.data(), static_cast<int64_t>(g1.size())}, v1.data());
      one.Jv({g1.data(), static_cast<int64_t>(g1.size())}, v2.data());
      CHECK(std::memcmp(v1.data(), v2.data(), sizeof(double) * v1.size()) == 0);
      bool threw = false;
      try {
        one.Factor({lambda.data(), batch}, Damping::kDiagonal, ok2.data(), &reasons2);
      } catch (const ariadne::StateError&) {
        threw = true;
      }
      CHECK(threw);
    }
  }
}

namespace {
// The CPU core with the base class's Step (linearize, factor, solve, jv over
// the batch, A and the factors kept): the path the CUDA core takes.
class BaseStepNormalEquations : public NormalEquations {
 public:
  using NormalEquations::NormalEquations;

 protected:
  bool DoStep(const double* j_values, const double* residuals, const double* lambda, Damping damping, double* gradient,
              double* squared_norm, double* step, double* jy) override {
    return BatchedNormalEquations::DoStep(j_values, residuals, lambda, damping, gradient, squared_norm, step, jy);
  }
};
}  // namespace

TEST(BaseStepMatchesTheCpuStepAndKeepsTheFactors) {
  const Problem p = testing::RandomBlockPattern(150, 6, 80, 14);
  const int batch = 4;
  const auto j = testing::RandomValues(batch * p.rows.size(), 140);
  const auto r = testing::RandomValues(static_cast<size_t>(batch) * p.m, 141);
  const std::vector<double> lambda = {1e-3, 1e-2, 1e-1, 1.0};
  const std::vector<uint8_t> active = {1, 0, 1, 1};
  const Span<const double> js{j.data(), static_cast<int64_t>(j.size())};
  const Span<const double> rs{r.data(), static_cast<int64_t>(r.size())};
  const Span<const uint8_t> as{active.data(), batch};
  NormalEquationsOptions options;
  options.kind = SolverKind::kSparse;
  NormalEquations cpu(p.Input(), batch, options);
  BaseStepNormalEquations base(p.Input(), batch, options);
  std::vector<double> g1(batch * p.n), s1(batch), y1(batch * p.n), jy1(batch * p.m);
  std::vector<double> g2(batch * p.n), s2(batch), y2(batch * p.n), jy2(batch * p.m);
  std::vector<uint8_t> ok1(batch), ok2(batch);
  std::vector<std::string> reasons1, reasons2;
  cpu.Step(js, rs, as, {lambda.data(), batch}, Damping::kDiagonal, g1.data(), s1.data(), ok1.data(), &reasons1,
           y1.data(), jy1.data());
  base.Step(js, rs, as, {lambda.data(), batch}, Damping::kDiagonal, g2.data(), s2.data(), ok2.data(), &reasons2,
            y2.data(), jy2.data());
  CHECK(ok1 == ok2 && reasons1 == reasons2);
  CHECK(std::memcmp(g1.data(), g2.data(), sizeof(double) * g1.size()) == 0);
  for (int b : {0, 2, 3}) {
    CHECK(std::memcmp(y1.data() + b * p.n, y2.data() + b * p.n, sizeof(double) * p.n) == 0);
    CHECK(std::memcmp(jy1.data() + b * p.m, jy2.data() + b * p.m, sizeof(double) * p.m) == 0);
  }
  CHECK(std::isnan(y2[p.n]) && std::isnan(jy2[p.m]));
  // The base keeps A and the factors: solve and factor work without a new linearize.
  std::vector<double> x(batch * p.n);
  base.Solve({g2.data(), static_cast<int64_t>(g2.size())}, 1, x.data());
  CHECK(x[0] == -y2[0]);
  base.Factor({lambda.data(), batch}, Damping::kDiagonal, ok2.data(), &reasons2);
  CHECK(ok2[0] == 1);
}

TEST(DuplicateEntriesAreSummed) {
  Problem p;
  p.m = 3;
  p.n = 2;
  p.rows = {0, 0, 1, 2, 2, 0};
  p.cols = {0, 1, 1, 0, 0, 0};
  CheckAgainstDense(p, 2, SolverKind::kDense, Damping::kDiagonal, 130);
  CheckAgainstDense(p, 2, SolverKind::kSparse, Damping::kDiagonal, 131);
}

// An empty row (a cost instance on constant elements only) adds its
// residual to ‖r‖² and nothing to A or g; the rows after it still count.
TEST(EmptyRowsKeepTheRowsAfterThem) {
  {
    // The smallest case: row 0 empty, row 1 = [2], r = (0, 3): g = 6, A = 4.
    Problem p;
    p.m = 2;
    p.n = 1;
    p.rows = {1};
    p.cols = {0};
    NormalEquations ne(p.Input(), 1, {});
    const double j = 2, r[2] = {0, 3};
    double g = 0, s = 0;
    ne.Linearize({&j, 1}, {r, 2}, {}, &g, &s);
    CHECK(g == 6);
    CHECK(s == 9);
  }
  // Two-row instances over two 2-column blocks with constant-only instances
  // (two empty rows) first, between the others and last.
  Problem p;
  p.m = 12;
  p.n = 4;
  for (int row : {2, 3, 6, 7, 8, 9}) {
    for (int c = 0; c < 4; ++c) {
      if (row >= 6 && row <= 7 && c < 2) continue;  // rows 6-7 touch the second block only
      p.rows.push_back(row);
      p.cols.push_back(c);
    }
  }
  for (SolverKind kind : {SolverKind::kDense, SolverKind::kSparse}) {
    CheckAgainstDense(p, 1, kind, Damping::kDiagonal, 140);
    CheckAgainstDense(p, 3, kind, Damping::kIdentity, 141);
  }
}

// Threads beyond the batch would hold workspaces (and step factors) that no
// element uses: at most `batch` are used.
TEST(ThreadsAreAtMostTheBatch) {
  const Problem p = testing::RandomBlockPattern(60, 3, 30, 18);
  for (SolverKind kind : {SolverKind::kDense, SolverKind::kSparse}) {
    NormalEquationsOptions many, two;
    many.kind = two.kind = kind;
    many.threads = 1024;
    two.threads = 2;
    NormalEquations one_element(p.Input(), 1, many), wide(p.Input(), 2, many), narrow(p.Input(), 2, two);
    CHECK(one_element.threads() == 1);
    CHECK(wide.threads() == 2);
    CHECK(wide.memory_bytes() == narrow.memory_bytes());
  }
}

TEST(BadArgumentsThrowWithTheArgumentName) {
  const Problem p = testing::RandomScalarPattern(10, 4, 2, 14);
  using ariadne::ArgumentError;
  using ariadne::StateError;
  auto in = p.Input();
  in.m = 0;
  CHECK_THROWS(ArgumentError, "NormalEquations: 'pattern.m' must be an integer in [1, 2147483647], got 0",
               NormalEquations(in, 1, {}));
  in = p.Input();
  std::vector<int32_t> bad_cols(p.cols);
  bad_cols[3] = 4;
  in.cols = bad_cols.data();
  CHECK_THROWS(ArgumentError, "'pattern.cols[3]' must be in [0, n = 4), got 4", NormalEquations(in, 1, {}));
  in = p.Input();
  in.nnz = 0;
  CHECK_THROWS(ArgumentError, "'pattern.rows' must be non-empty", NormalEquations(in, 1, {}));
  in = p.Input();
  const std::vector<int32_t> blocks = {2, 1};
  in.col_blocks = blocks.data();
  in.num_col_blocks = 2;
  CHECK_THROWS(ArgumentError, "'pattern.colBlocks' must be block sizes that sum to n = 4, got a sum of 3",
               NormalEquations(in, 1, {}));
  CHECK_THROWS(ArgumentError, "'batch' must be an integer in [1, 2147483647], got 0",
               NormalEquations(p.Input(), 0, {}));
  CHECK_THROWS(ArgumentError, "'batch' must be small enough for this machine's",
               NormalEquations(p.Input(), 2000000000, {}));

  NormalEquations ne(p.Input(), 2, {});
  std::vector<double> j(2 * p.rows.size(), 1.0), r(2 * p.m, 1.0), g(2 * p.n), s(2), lambda(2, 0.0);
  std::vector<uint8_t> ok(2);
  std::vector<std::string> reasons;
  CHECK_THROWS(StateError, "NormalEquations.factor: call linearize before factor",
               ne.Factor({lambda.data(), 2}, Damping::kDiagonal, ok.data(), &reasons));
  CHECK_THROWS(StateError, "NormalEquations.jv: call linearize before jv", ne.Jv({g.data(), 8}, r.data()));
  CHECK_THROWS(ArgumentError, "'jValues' must be of length 40 (batch 2 × nnz 20), got length 39",
               ne.Linearize({j.data(), 39}, {r.data(), 20}, {}, g.data(), s.data()));
  j[25] = std::numeric_limits<double>::infinity();
  CHECK_THROWS(ArgumentError, "'jValues' must be finite, got Infinity at batch element 1, index 5",
               ne.Linearize({j.data(), 40}, {r.data(), 20}, {}, g.data(), s.data()));
  j[25] = 1.0;
  r[3] = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS(ArgumentError, "'residuals' must be finite, got NaN at batch element 0, index 3",
               ne.Linearize({j.data(), 40}, {r.data(), 20}, {}, g.data(), s.data()));
  r[3] = 0.5;
  ne.Linearize({j.data(), 40}, {r.data(), 20}, {}, g.data(), s.data());
  std::vector<double> x(2 * p.n);
  CHECK_THROWS(StateError, "NormalEquations.solve: call factor before solve", ne.Solve({g.data(), 8}, 1, x.data()));
  lambda[1] = -1.0;
  CHECK_THROWS(ArgumentError, "'lambda' must be finite and non-negative, got -1 at batch element 1",
               ne.Factor({lambda.data(), 2}, Damping::kDiagonal, ok.data(), &reasons));
  lambda[1] = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS(ArgumentError, "'lambda' must be finite and non-negative, got NaN at batch element 1",
               ne.Factor({lambda.data(), 2}, Damping::kDiagonal, ok.data(), &reasons));
  lambda[1] = 0.0;
  ne.Factor({lambda.data(), 2}, Damping::kDiagonal, ok.data(), &reasons);
  CHECK_THROWS(ArgumentError, "'k' must be a positive integer", ne.Solve({g.data(), 8}, 0, x.data()));
  CHECK_THROWS(ArgumentError, "'rhs' must be of length 16 (batch 2 × k·n 8), got length 8",
               ne.Solve({g.data(), 8}, 2, x.data()));
}

TEST(OverflowingJacobianFailsItsElementOnly) {
  const Problem p = testing::RandomScalarPattern(10, 4, 2, 15);
  NormalEquations ne(p.Input(), 2, {});
  std::vector<double> j(2 * p.rows.size(), 1.0), r(2 * p.m, 1.0), g(2 * p.n), s(2), lambda(2, 0.0);
  j[0] = 1e200;
  std::vector<uint8_t> ok(2);
  std::vector<std::string> reasons;
  ne.Linearize({j.data(), 40}, {r.data(), 20}, {}, g.data(), s.data());
  ne.Factor({lambda.data(), 2}, Damping::kDiagonal, ok.data(), &reasons);
  CHECK(ok[0] == 0 && ok[1] == 1);
  CHECK(reasons[0].find("not finite") != std::string::npos);
}

namespace {
int ProcessThreads() {
  int count = 0;
  if (DIR* dir = opendir("/proc/self/task")) {
    while (dirent* entry = readdir(dir)) count += entry->d_name[0] != '.';
    closedir(dir);
  }
  return count;
}
}  // namespace

TEST(FactorisationsStartNoLibraryThreads) {
  if (!ariadne::HaveCholmod()) SKIP("this build has no CHOLMOD");
  // Large enough for CHOLMOD's OpenMP loops: without the per-call limit,
  // Debian's CHOLMOD starts 3 more threads here (no earlier test of this
  // program runs OpenMP outside the limit, so none are there before).
  if (std::getenv("OMP_THREAD_LIMIT") != nullptr)
    SKIP("OMP_THREAD_LIMIT is set: the per-call limit cannot be told apart");
  const Problem p = testing::RandomBlockPattern(2000, 6, 4000, 16, 200);
  ariadne::NormalPattern pattern(p.Input(), "test");
  auto cholmod = ariadne::MakeSparseCholesky(pattern, 1, 1);
  CHECK(cholmod->name() == "cholmod-supernodal");
  const auto j = testing::RandomValues(p.rows.size(), 160);
  const auto r = testing::RandomValues(p.m, 161);
  std::vector<double> unique(pattern.unique_count()), a(pattern.a_value_count()), g(p.n);
  pattern.GatherUnique(j.data(), unique.data());
  pattern.Form(unique.data(), r.data(), a.data(), g.data());
  for (int i = 0; i < p.n; ++i) a[pattern.diagonal_slots()[i]] += 1.0;
  const int before = ProcessThreads();
  CHECK(cholmod->Factor(0, a.data(), 0).ok);
  CHECK(ProcessThreads() == before);
  CHECK(ariadne::OpenMpThreadLimit() == 1);
}

namespace {

// Dense symmetric E from values in the slots of A's compressed upper triangle.
Eigen::MatrixXd DenseFromSlots(const ariadne::NormalPattern& pattern, const double* values) {
  Eigen::MatrixXd e = Eigen::MatrixXd::Zero(pattern.n(), pattern.n());
  for (int j = 0; j < pattern.n(); ++j) {
    for (int32_t s = pattern.a_col_start()[j]; s < pattern.a_col_start()[j + 1]; ++s) {
      const int i = pattern.a_row_index()[s];
      e(i, j) = e(j, i) = values[s];
    }
  }
  return e;
}

}  // namespace

// factor's additive term: (A + E) + λ clamp(diag(A + E)) against dense Eigen,
// an indefinite A + E reported per element, and E gone at the next factor.
TEST(ExtraTermMatchesDenseReference) {
  for (SolverKind kind : {SolverKind::kDense, SolverKind::kSparse}) {
    const Problem p = testing::RandomBlockPattern(kind == SolverKind::kDense ? 15 : 120, 3, 60, 21);
    const int batch = 3, k = 2;
    const ariadne::NormalPattern pattern(p.Input(), "test");
    const int64_t a_nnz = pattern.a_nnz();
    NormalEquationsOptions options;
    options.kind = kind;
    NormalEquations ne(p.Input(), batch, options);
    CHECK(ne.a_nonzeros() == a_nnz);
    const auto j = testing::RandomValues(batch * p.rows.size(), 210);
    const auto r = testing::RandomValues(static_cast<size_t>(batch) * p.m, 211);
    const auto rhs = testing::RandomValues(static_cast<size_t>(batch) * k * p.n, 212);
    // Random symmetric E in A's pattern: element 0's diagonally dominant
    // (positive semidefinite), element 1's indefinite (λ large enough to
    // make (A + E) + λD positive definite).
    std::vector<double> extra = testing::RandomValues(batch * a_nnz, 213);
    std::vector<double> dominance(p.n, 0.0);
    for (int c = 0; c < p.n; ++c) {
      for (int32_t s = pattern.a_col_start()[c]; s + 1 < pattern.a_col_start()[c + 1]; ++s) {
        dominance[c] += std::abs(extra[s]);
        dominance[pattern.a_row_index()[s]] += std::abs(extra[s]);
      }
    }
    for (int c = 0; c < p.n; ++c) extra[pattern.a_col_start()[c + 1] - 1] = dominance[c];
    // Element 2: A + E indefinite (one diagonal entry −1 − A_cc), undamped.
    const Eigen::MatrixXd j2 = testing::DenseJ(p, j.data() + 2 * p.rows.size());
    const int bad_column = p.n / 2;
    const int64_t bad_slot = pattern.a_col_start()[bad_column + 1] - 1;  // the diagonal is last in its column
    CHECK(pattern.a_row_index()[bad_slot] == bad_column);
    extra[2 * a_nnz + bad_slot] = -1.0 - (j2.transpose() * j2)(bad_column, bad_column);
    const std::vector<double> lambda = {1e-3, 4.0, 0.0};
    std::vector<double> g(batch * p.n), s(batch), x(rhs.size());
    std::vector<uint8_t> ok(batch);
    std::vector<std::string> reasons;
    ne.Linearize({j.data(), static_cast<int64_t>(j.size())}, {r.data(), static_cast<int64_t>(r.size())}, {}, g.data(),
                 s.data());
    ne.Factor({lambda.data(), batch}, Damping::kDiagonal, {extra.data(), static_cast<int64_t>(extra.size())}, ok.data(),
              &reasons);
    CHECK(ok == std::vector<uint8_t>({1, 1, 0}));
    CHECK(reasons[2].rfind("not positive definite", 0) == 0);
    ne.Solve({rhs.data(), static_cast<int64_t>(rhs.size())}, k, x.data());
    for (int b = 0; b < 2; ++b) {
      const Eigen::MatrixXd jd = testing::DenseJ(p, j.data() + b * p.rows.size());
      Eigen::MatrixXd m = jd.transpose() * jd + DenseFromSlots(pattern, extra.data() + b * a_nnz);
      for (int c = 0; c < p.n; ++c) m(c, c) += lambda[b] * std::clamp(m(c, c), 1e-6, 1e32);
      const Eigen::MatrixXd expected =
          m.ldlt().solve(Eigen::Map<const Eigen::MatrixXd>(rhs.data() + b * k * p.n, p.n, k));
      CHECK(RelativeError(Eigen::Map<const Eigen::MatrixXd>(x.data() + b * k * p.n, p.n, k), expected) < 1e-10);
    }
    CHECK(std::isnan(x[2 * k * p.n]));
    // E belongs to that call: the next factor is of A again, as a fresh handle's.
    NormalEquations plain(p.Input(), batch, options);
    std::vector<double> x_plain(rhs.size()), x_again(rhs.size());
    plain.Linearize({j.data(), static_cast<int64_t>(j.size())}, {r.data(), static_cast<int64_t>(r.size())}, {},
                    g.data(), s.data());
    plain.Factor({lambda.data(), batch}, Damping::kDiagonal, ok.data(), &reasons);
    plain.Solve({rhs.data(), static_cast<int64_t>(rhs.size())}, k, x_plain.data());
    ne.Factor({lambda.data(), batch}, Damping::kDiagonal, ok.data(), &reasons);
    ne.Solve({rhs.data(), static_cast<int64_t>(rhs.size())}, k, x_again.data());
    CHECK(std::memcmp(x_plain.data(), x_again.data(), sizeof(double) * x_plain.size()) == 0);
    // An all-zero E changes no bit.
    const std::vector<double> zeros(extra.size(), 0.0);
    ne.Factor({lambda.data(), batch}, Damping::kDiagonal, {zeros.data(), static_cast<int64_t>(zeros.size())}, ok.data(),
              &reasons);
    ne.Solve({rhs.data(), static_cast<int64_t>(rhs.size())}, k, x_again.data());
    CHECK(std::memcmp(x_plain.data(), x_again.data(), sizeof(double) * x_plain.size()) == 0);

    // Its checks: length, and finiteness over the active elements only.
    using ariadne::ArgumentError;
    CHECK_THROWS(ArgumentError,
                 Concat("NormalEquations.factor: 'extra' must be of length ", batch * a_nnz,
                        " (batch 3 × normalNonzeros ", a_nnz, "), got length 5"),
                 ne.Factor({lambda.data(), batch}, Damping::kDiagonal, {extra.data(), 5}, ok.data(), &reasons));
    extra[a_nnz + 4] = std::numeric_limits<double>::quiet_NaN();
    CHECK_THROWS(ArgumentError, "NormalEquations.factor: 'extra' must be finite, got NaN at batch element 1, index 4",
                 ne.Factor({lambda.data(), batch}, Damping::kDiagonal,
                           {extra.data(), static_cast<int64_t>(extra.size())}, ok.data(), &reasons));
    const std::vector<uint8_t> active = {1, 0, 1};
    ne.Linearize({j.data(), static_cast<int64_t>(j.size())}, {r.data(), static_cast<int64_t>(r.size())},
                 {active.data(), batch}, g.data(), s.data());
    ne.Factor({lambda.data(), batch}, Damping::kDiagonal, {extra.data(), static_cast<int64_t>(extra.size())}, ok.data(),
              &reasons);
  }
}

// The damping bounds are options, checked together, and 'diagonal' damping
// in factor and step uses them.
TEST(DampingBoundsAreOptions) {
  using ariadne::ArgumentError;
  const Problem p = testing::RandomBlockPattern(40, 3, 20, 22);
  auto with = [](double min, double max) {
    NormalEquationsOptions options;
    options.min_diagonal = min;
    options.max_diagonal = max;
    return options;
  };
  CHECK_THROWS(ArgumentError, "NormalEquations: 'options.minDiagonal' must be a finite number > 0, got 0",
               NormalEquations(p.Input(), 1, with(0, 1)));
  CHECK_THROWS(ArgumentError, "NormalEquations: 'options.minDiagonal' must be a finite number > 0, got -1e-7",
               NormalEquations(p.Input(), 1, with(-1e-7, 1)));
  CHECK_THROWS(ArgumentError, "NormalEquations: 'options.maxDiagonal' must be a finite number > 0, got Infinity",
               NormalEquations(p.Input(), 1, with(1, std::numeric_limits<double>::infinity())));
  CHECK_THROWS(ArgumentError, "NormalEquations: 'options.maxDiagonal' must be a finite number > 0, got NaN",
               NormalEquations(p.Input(), 1, with(1, std::numeric_limits<double>::quiet_NaN())));
  CHECK_THROWS(ArgumentError,
               "NormalEquations: 'options.minDiagonal' must be at most 'options.maxDiagonal' (0.5), got 2",
               NormalEquations(p.Input(), 1, with(2, 0.5)));
  NormalEquations defaults(p.Input(), 1, {});
  CHECK(defaults.min_diagonal() == 1e-6 && defaults.max_diagonal() == 1e32);

  for (SolverKind kind : {SolverKind::kDense, SolverKind::kSparse}) {
    const double lo = 3.0, hi = 6.0;  // between diag A's smallest and largest entries
    NormalEquationsOptions options = with(lo, hi);
    options.kind = kind;
    const int batch = 2;
    NormalEquations ne(p.Input(), batch, options);
    NormalEquations stepper(p.Input(), batch, options);
    CHECK(ne.min_diagonal() == lo && ne.max_diagonal() == hi);
    const auto j = testing::RandomValues(batch * p.rows.size(), 220);
    const auto r = testing::RandomValues(static_cast<size_t>(batch) * p.m, 221);
    const std::vector<double> lambda = {0.3, 2.0};
    std::vector<double> g(batch * p.n), s(batch), x(batch * p.n), y(batch * p.n), jy(batch * p.m);
    std::vector<uint8_t> ok(batch);
    std::vector<std::string> reasons;
    ne.Linearize({j.data(), static_cast<int64_t>(j.size())}, {r.data(), static_cast<int64_t>(r.size())}, {}, g.data(),
                 s.data());
    ne.Factor({lambda.data(), batch}, Damping::kDiagonal, ok.data(), &reasons);
    ne.Solve({g.data(), static_cast<int64_t>(g.size())}, 1, x.data());
    bool clamped_low = false, clamped_high = false;
    for (int b = 0; b < batch; ++b) {
      const Eigen::MatrixXd jd = testing::DenseJ(p, j.data() + b * p.rows.size());
      Eigen::MatrixXd a = jd.transpose() * jd;
      for (int c = 0; c < p.n; ++c) {
        clamped_low = clamped_low || a(c, c) < lo;
        clamped_high = clamped_high || a(c, c) > hi;
        a(c, c) += lambda[b] * std::clamp(a(c, c), lo, hi);
      }
      const Eigen::VectorXd expected = a.ldlt().solve(Eigen::Map<const Eigen::VectorXd>(g.data() + b * p.n, p.n));
      CHECK(RelativeError(Eigen::Map<const Eigen::VectorXd>(x.data() + b * p.n, p.n), expected) < 1e-10);
    }
    CHECK(clamped_low && clamped_high);  // both bounds bite
    stepper.Step({j.data(), static_cast<int64_t>(j.size())}, {r.data(), static_cast<int64_t>(r.size())}, {},
                 {lambda.data(), batch}, Damping::kDiagonal, g.data(), s.data(), ok.data(), &reasons, y.data(),
                 jy.data());
    for (size_t i = 0; i < x.size(); ++i) CHECK(y[i] == -x[i]);
  }
}

// One table names every kind; 'auto' resolves in one place.
TEST(SolverKindsComeFromOneTable) {
  using ariadne::KindEntry;
  using ariadne::KindName;
  using ariadne::ParseKindRequest;
  CHECK(ariadne::KindRequestNames() == "'auto', 'dense' or 'sparse'");
  for (const ariadne::SolverKindEntry& entry : ariadne::kSolverKinds) {
    CHECK(&KindEntry(entry.kind) == &entry);
    CHECK(ParseKindRequest(entry.name, "f", "kind") == entry.kind);
  }
  CHECK(!ParseKindRequest("auto", "f", "kind").has_value());
  CHECK_THROWS(ariadne::ArgumentError,
               "NormalEquations: 'options.kind' must be 'auto', 'dense' or 'sparse', got 'schur'",
               ParseKindRequest("schur", "NormalEquations", "options.kind"));
  // 'auto': dense for small n, sparse for a large sparse pattern; the handle's layout is its kind's.
  const Problem small = testing::RandomBlockPattern(10, 3, 5, 23);
  const Problem large = testing::RandomBlockPattern(400, 6, 100, 24);
  for (const Problem* p : {&small, &large}) {
    NormalEquations ne(p->Input(), 1, {});
    const SolverKind expected = p == &small ? SolverKind::kDense : SolverKind::kSparse;
    CHECK(ne.kind() == expected);
    CHECK(ne.pattern().layout() == KindEntry(expected).layout);
    CHECK(ariadne::ResolveKind({}, ariadne::NormalPattern(p->Input(), "test")) == expected);
    for (SolverKind kind : {SolverKind::kDense, SolverKind::kSparse}) {
      if (p == &large && kind == SolverKind::kDense) continue;
      NormalEquationsOptions options;
      options.kind = kind;
      CHECK(NormalEquations(p->Input(), 1, options).kind() == kind);
    }
  }
  CHECK(std::string(KindName(SolverKind::kSparse)) == "sparse");
}

HARNESS_MAIN()
