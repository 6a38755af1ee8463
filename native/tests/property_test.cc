// A property test of NormalEquations against a dense reference computed from
// J's COO entries with Eigen (independent of NormalPattern's maps): thousands
// of small random patterns with the features of random_problems.h (empty
// rows, constant-only instances, duplicates, shuffled entries), for the dense
// and sparse kinds, batches of 1 and 3, on 1 and 2 threads.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <random>

#include "harness.h"
#include "messages.h"
#include "normal_equations.h"
#include "random_problems.h"

using ariadne::Concat;
using ariadne::Damping;
using ariadne::KindRequest;
using ariadne::NormalEquations;
using ariadne::NormalEquationsOptions;
using ariadne::SolverKind;
using testing::Problem;

namespace {

constexpr uint64_t kSeed = 20261207;
constexpr int kCases = 10000;

double Relative(const Eigen::MatrixXd& got, const Eigen::MatrixXd& expected) {
  return (got - expected).norm() / std::max(expected.norm(), 1e-300);
}

// A small random pattern: scalar rows, or blocks like a pose graph's.
Problem RandomPattern(std::mt19937_64& rng) {
  auto draw = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  const uint64_t seed = rng();
  if (draw(0, 1) == 0) return testing::RandomScalarPattern(draw(1, 30), draw(1, 10), draw(1, 4), seed);
  return testing::RandomBlockPattern(draw(2, 5), draw(1, 3), draw(0, 5), seed, draw(0, 2));
}

struct Shares {
  int cases = 0, empty_rows = 0, duplicates = 0, shuffled = 0;
};

// Every output of linearize, factor, solve, jv, jtv and step for one case.
void CheckCase(const Problem& p, int batch, KindRequest kind, int threads, std::mt19937_64& rng) {
  const int64_t nnz = static_cast<int64_t>(p.rows.size());
  const int m = p.m, n = p.n;
  const auto j = testing::RandomValues(batch * nnz, rng());
  const auto r = testing::RandomValues(static_cast<size_t>(batch) * m, rng());
  const auto rhs = testing::RandomValues(static_cast<size_t>(batch) * n, rng());
  const auto v = testing::RandomValues(static_cast<size_t>(batch) * n, rng());
  std::uniform_real_distribution<double> unit(0.5, 2.0), small(1e-3, 1.0);
  std::vector<double> lambda_i(batch), lambda_d(batch);
  for (int b = 0; b < batch; ++b) {
    lambda_i[b] = unit(rng);
    lambda_d[b] = small(rng);
  }
  NormalEquationsOptions options;
  options.kind = kind;
  options.threads = threads;
  NormalEquations ne(p.Input(), batch, options);
  std::vector<double> g(batch * n), s(batch), inverse(static_cast<size_t>(batch) * n * n), x(batch * n),
      jv(static_cast<size_t>(batch) * m), jtv(batch * n);
  std::vector<uint8_t> ok(batch);
  std::vector<std::string> reasons;
  ne.Linearize({j.data(), batch * nnz}, {r.data(), batch * m}, {}, g.data(), s.data());
  // (A + λI)⁻¹ from the n unit vectors: every entry of A = JᵀJ.
  std::vector<double> identity(static_cast<size_t>(batch) * n * n, 0.0);
  for (int b = 0; b < batch; ++b) {
    for (int c = 0; c < n; ++c) identity[(static_cast<size_t>(b) * n + c) * n + c] = 1.0;
  }
  ne.Factor({lambda_i.data(), batch}, Damping::kIdentity, ok.data(), &reasons);
  for (int b = 0; b < batch; ++b) CHECK(ok[b] == 1);
  ne.Solve({identity.data(), static_cast<int64_t>(identity.size())}, n, inverse.data());
  ne.Factor({lambda_d.data(), batch}, Damping::kDiagonal, ok.data(), &reasons);
  for (int b = 0; b < batch; ++b) CHECK(ok[b] == 1);
  ne.Solve({rhs.data(), batch * n}, 1, x.data());
  ne.Jv({v.data(), batch * n}, jv.data());
  ne.Jtv({r.data(), batch * m}, jtv.data());
  // Step on a handle of its own: −(A + λD)⁻¹g and J times it.
  NormalEquations stepper(p.Input(), batch, options);
  std::vector<double> g2(batch * n), s2(batch), step(batch * n), jy(static_cast<size_t>(batch) * m);
  stepper.Step({j.data(), batch * nnz}, {r.data(), batch * m}, {}, {lambda_d.data(), batch}, Damping::kDiagonal,
               g2.data(), s2.data(), ok.data(), &reasons, step.data(), jy.data());
  for (int b = 0; b < batch; ++b) CHECK(ok[b] == 1);

  for (int b = 0; b < batch; ++b) {
    const Eigen::MatrixXd jd = testing::DenseJ(p, j.data() + b * nnz);
    const Eigen::Map<const Eigen::VectorXd> rb(r.data() + b * m, m);
    const Eigen::MatrixXd a = jd.transpose() * jd;
    const Eigen::VectorXd gb = jd.transpose() * rb;
    const Eigen::Map<const Eigen::VectorXd> got_g(g.data() + b * n, n);
    CHECK(Relative(got_g, gb) < 1e-13 || (got_g - gb).norm() < 1e-13);
    CHECK_NEAR(s[b], rb.squaredNorm(), 1e-13 * rb.squaredNorm());
    CHECK(std::memcmp(g2.data() + b * n, g.data() + b * n, sizeof(double) * n) == 0);
    CHECK(s2[b] == s[b]);

    const Eigen::MatrixXd damped_i = a + lambda_i[b] * Eigen::MatrixXd::Identity(n, n);
    const Eigen::Map<const Eigen::MatrixXd> got_inverse(inverse.data() + static_cast<size_t>(b) * n * n, n, n);
    CHECK(Relative(got_inverse, damped_i.llt().solve(Eigen::MatrixXd::Identity(n, n))) < 1e-10);

    Eigen::MatrixXd damped_d = a;
    for (int c = 0; c < n; ++c) damped_d(c, c) += lambda_d[b] * std::clamp(a(c, c), 1e-6, 1e32);
    const Eigen::Map<const Eigen::VectorXd> rhs_b(rhs.data() + b * n, n);
    const Eigen::Map<const Eigen::VectorXd> xb(x.data() + b * n, n);
    // Backward error: D may hold 1e-6 for a column no row touches.
    CHECK((damped_d * xb - rhs_b).norm() <= 1e-12 * (damped_d.norm() * xb.norm() + rhs_b.norm()));
    const Eigen::Map<const Eigen::VectorXd> step_b(step.data() + b * n, n);
    CHECK((damped_d * step_b + gb).norm() <= 1e-12 * (damped_d.norm() * step_b.norm() + gb.norm()));
    const Eigen::VectorXd jy_expected = jd * step_b;
    CHECK((Eigen::Map<const Eigen::VectorXd>(jy.data() + b * m, m) - jy_expected).norm() <=
          1e-13 * std::max(jd.norm() * step_b.norm(), 1e-300));

    const Eigen::Map<const Eigen::VectorXd> vb(v.data() + b * n, n);
    const Eigen::VectorXd jv_expected = jd * vb;
    CHECK((Eigen::Map<const Eigen::VectorXd>(jv.data() + b * m, m) - jv_expected).norm() <=
          1e-13 * std::max(jd.norm() * vb.norm(), 1e-300));
    CHECK((Eigen::Map<const Eigen::VectorXd>(jtv.data() + b * n, n) - gb).norm() <=
          1e-13 * std::max(jd.norm() * rb.norm(), 1e-300));
  }
}

}  // namespace

TEST(RandomPatternsMatchTheDenseReference) {
  std::mt19937_64 rng(kSeed);
  Shares shares;
  for (int c = 0; c < kCases; ++c) {
    const Problem p = RandomPattern(rng);
    // Every combination of kind, batch and threads in turn.
    const KindRequest kind = c % 2 == 0 ? SolverKind::kDense : SolverKind::kSparse;
    const int batch = (c / 2) % 2 == 0 ? 1 : 3;
    const int threads = (c / 4) % 2 == 0 ? 1 : 2;
    try {
      CheckCase(p, batch, kind, threads, rng);
    } catch (const harness::Failure& failure) {
      throw harness::Failure(Concat("case ", c, " (seed ", kSeed, ", m = ", p.m, ", n = ", p.n, ", B = ", batch, ", ",
                                    kind == SolverKind::kDense ? "dense" : "sparse", ", threads ", threads,
                                    "): ", failure.what()));
    }
    ++shares.cases;
    shares.empty_rows += p.empty_rows;
    shares.duplicates += p.duplicates;
    shares.shuffled += p.shuffled;
  }
  std::printf("property: %d cases (seed %llu): %d with empty rows, %d with duplicates, %d shuffled\n", shares.cases,
              static_cast<unsigned long long>(kSeed), shares.empty_rows, shares.duplicates, shares.shuffled);
  // The features are drawn at a fixed share (1/2 each): far from 0 or all.
  CHECK(shares.empty_rows > kCases / 3 && shares.empty_rows < 2 * kCases / 3);
  CHECK(shares.duplicates > kCases / 3 && shares.shuffled > kCases / 3);
}

HARNESS_MAIN()
