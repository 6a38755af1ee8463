// The supernodal Cholesky backend ("ariadne-supernodal") against dense
// references, against Eigen's simplicial backend, on real pose-graph
// patterns, and for its failure reports and determinism.
#include "supernodal_cholesky.h"
#include "supernodal_symbolic.h"

#include <cstring>
#include <limits>
#include <numeric>
#include <thread>

#include "../bench/pose_graph_patterns.h"
#include "backends.h"
#include "cholesky_backend.h"
#include "errors.h"
#include "harness.h"
#include "messages.h"
#include "normal_equations.h"
#include "random_problems.h"
#include "thread_pool.h"

using ariadne::CholeskyBackend;
using ariadne::NormalPattern;
using ariadne::SupernodalKernelOptions;
using ariadne::SupernodalOptions;
using testing::DenseA;
using testing::Problem;

namespace {

double RelativeError(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) {
  return (a - b).norm() / std::max(b.norm(), 1e-300);
}

// A's values (compressed upper layout) for Jacobian values `j` (COO order).
std::vector<double> FormA(const NormalPattern& pattern, const double* j) {
  std::vector<double> unique(pattern.unique_count()), a(pattern.a_value_count()), g(pattern.n());
  const std::vector<double> r(pattern.m(), 0.0);
  pattern.GatherUnique(j, unique.data());
  pattern.Form(unique.data(), r.data(), a.data(), g.data());
  return a;
}

// ‖A x − b‖ / (‖A‖ ‖x‖) with A applied from its compressed upper values.
double BackwardError(const NormalPattern& pattern, const double* a, const double* x, const double* b) {
  const int n = pattern.n();
  std::vector<double> ax(n, 0.0);
  double a_norm2 = 0.0;
  for (int j = 0; j < n; ++j) {
    for (int32_t s = pattern.a_col_start()[j]; s < pattern.a_col_start()[j + 1]; ++s) {
      const int i = pattern.a_row_index()[s];
      ax[i] += a[s] * x[j];
      a_norm2 += a[s] * a[s];
      if (i != j) {
        ax[j] += a[s] * x[i];
        a_norm2 += a[s] * a[s];
      }
    }
  }
  double residual2 = 0.0, x2 = 0.0;
  for (int i = 0; i < n; ++i) {
    residual2 += (ax[i] - b[i]) * (ax[i] - b[i]);
    x2 += x[i] * x[i];
  }
  return std::sqrt(residual2) / (std::sqrt(a_norm2) * std::sqrt(x2));
}

// Factors `batch` elements of random J values with `backend` and checks the
// solutions of k right-hand sides against dense LDLᵀ.
void CheckBackendAgainstDense(const Problem& p, CholeskyBackend& backend, int batch, int k, uint64_t seed,
                              double tolerance = 1e-10) {
  NormalPattern pattern(p.Input(), "test");
  const int n = p.n;
  for (int b = 0; b < batch; ++b) {
    const auto j = testing::RandomValues(p.rows.size(), seed + 7 * b);
    const std::vector<double> a = FormA(pattern, j.data());
    const auto status = backend.Factor(b, a.data(), 0);
    CHECK(status.ok);
    CHECK(status.reason.empty());
    const auto rhs = testing::RandomValues(static_cast<size_t>(n) * k, seed + 7 * b + 1);
    std::vector<double> x(rhs.size());
    backend.Solve(b, rhs.data(), k, x.data(), 0);
    const Eigen::MatrixXd expected =
        DenseA(pattern, a.data()).ldlt().solve(Eigen::Map<const Eigen::MatrixXd>(rhs.data(), n, k));
    CHECK(RelativeError(Eigen::Map<const Eigen::MatrixXd>(x.data(), n, k), expected) < tolerance);
  }
}

void CheckAgainstDense(const Problem& p, int batch, int k, uint64_t seed, const SupernodalOptions& options = {},
                       const SupernodalKernelOptions& kernels = {}) {
  NormalPattern pattern(p.Input(), "test");
  auto backend = ariadne::MakeSupernodalCholesky(pattern, batch, 1, options, kernels);
  CHECK(backend->name() == "ariadne-supernodal");
  CHECK(backend->factor_nonzeros() >= ariadne::AnalyseSupernodalDefault(pattern).true_nonzeros ||
        options.always_columns != SupernodalOptions().always_columns);
  CheckBackendAgainstDense(p, *backend, batch, k, seed);
}

// A banded J (three rows start at each column and touch the next `band`
// columns), so that the factor has wide supernodes.
Problem BandedPattern(int n, int band) {
  Problem p;
  p.n = n;
  int row = 0;
  for (int c = 0; c < n; ++c) {
    for (int copy = 0; copy < 3; ++copy, ++row) {
      for (int k = c; k < std::min(n, c + band + 1); ++k) {
        p.rows.push_back(row);
        p.cols.push_back(k);
      }
    }
  }
  p.m = row;
  return p;
}

}  // namespace

TEST(SymbolicAnalysisIsConsistent) {
  for (const Problem& p : {testing::RandomScalarPattern(300, 120, 4, 1), testing::RandomBlockPattern(150, 3, 80, 2),
                           testing::RandomBlockPattern(90, 6, 40, 3, 10)}) {
    NormalPattern pattern(p.Input(), "test");
    const ariadne::SupernodalSymbolic sym = ariadne::AnalyseSupernodalDefault(pattern);
    CHECK(sym.n == p.n);
    std::vector<int32_t> sorted(sym.perm);
    std::sort(sorted.begin(), sorted.end());
    std::vector<int32_t> identity(p.n);
    std::iota(identity.begin(), identity.end(), 0);
    CHECK(sorted == identity);
    CHECK(sym.first.front() == 0 && sym.first.back() == p.n);
    CHECK(sym.factor_nonzeros >= sym.true_nonzeros);
    CHECK(sym.factor_flops >= sym.true_flops * 0.999);
    CHECK(sym.a_start.back() == pattern.a_nnz());
    for (int s = 0; s < sym.supernode_count; ++s) {
      CHECK(sym.columns(s) >= 1);
      // Rows below the supernode, ascending; the parent comes later.
      for (int64_t u = sym.row_start[s]; u < sym.row_start[s + 1]; ++u) {
        CHECK(sym.rows[u] >= sym.first[s + 1]);
        if (u > sym.row_start[s]) CHECK(sym.rows[u] > sym.rows[u - 1]);
      }
      CHECK((sym.parent[s] < 0) == (sym.below(s) == 0));
      if (sym.parent[s] >= 0) {
        CHECK(sym.parent[s] > s);
        const int top_parent = sym.rows[sym.row_start[s]];
        CHECK(top_parent >= sym.first[sym.parent[s]] && top_parent < sym.first[sym.parent[s] + 1]);
      }
    }
    // Each block's columns stay adjacent in the ordering.
    if (!p.col_blocks.empty()) {
      std::vector<int32_t> position(p.n);
      for (int k = 0; k < p.n; ++k) position[sym.perm[k]] = k;
      const int d = p.col_blocks[0];
      for (int c = 0; c < p.n; c += d) {
        for (int i = 1; i < d; ++i) CHECK(position[c + i] == position[c] + i);
      }
    }
  }
}

TEST(RandomScalarPatternsMatchDense) {
  CheckAgainstDense(testing::RandomScalarPattern(40, 12, 3, 11), 2, 1, 110);
  CheckAgainstDense(testing::RandomScalarPattern(400, 150, 5, 12), 3, 2, 120);
  CheckAgainstDense(testing::RandomScalarPattern(900, 400, 3, 13), 2, 1, 130);
  CheckAgainstDense(testing::RandomScalarPattern(200, 200, 8, 14), 1, 3, 140);
}

TEST(RandomBlockPatternsMatchDense) {
  CheckAgainstDense(testing::RandomBlockPattern(100, 3, 60, 21), 3, 1, 210);
  CheckAgainstDense(testing::RandomBlockPattern(100, 6, 60, 22), 2, 2, 220);
  CheckAgainstDense(testing::RandomBlockPattern(300, 3, 120, 23, 25), 2, 1, 230);
  CheckAgainstDense(testing::RandomBlockPattern(120, 6, 200, 24, 15), 2, 1, 240);
  // Mixed block sizes (a pattern with points and poses).
  Problem p = testing::RandomBlockPattern(60, 2, 30, 25);
  p.col_blocks.assign({3, 1});
  for (int b = 0; b < 58; ++b) p.col_blocks.push_back(2);
  CheckAgainstDense(p, 2, 1, 250);
}

TEST(WideSupernodesUseBothKernelPaths) {
  // Wide supernodes (the Eigen path by default) and everything forced
  // through one path or the other must agree with the dense answer.
  const Problem p = BandedPattern(260, 90);
  CheckAgainstDense(p, 2, 2, 310);
  SupernodalKernelOptions tiles;
  tiles.eigen_panel_columns = 1 << 30;
  tiles.eigen_update_work = int64_t{1} << 60;
  CheckAgainstDense(p, 1, 1, 311, {}, tiles);
  SupernodalKernelOptions eigen;
  eigen.eigen_panel_columns = 1;
  eigen.eigen_update_work = 0;
  CheckAgainstDense(p, 1, 1, 312, {}, eigen);
  CheckAgainstDense(testing::RandomBlockPattern(150, 6, 300, 26), 1, 1, 313, {}, eigen);
}

TEST(AmalgamationSettingsDoNotChangeTheAnswer) {
  const Problem p = testing::RandomBlockPattern(200, 3, 150, 31, 30);
  SupernodalOptions none;  // fundamental supernodes only (no explicit zeros)
  none.always_columns = 0;
  for (double& f : none.tier_zero_fraction) f = 0.0;
  SupernodalOptions eager;  // everything merges
  eager.always_columns = 1 << 30;
  SupernodalOptions scalar;  // scalar AMD despite the blocks
  scalar.block_ordering = false;
  for (const SupernodalOptions& options : {none, eager, scalar}) CheckAgainstDense(p, 2, 2, 320, options);
  NormalPattern pattern(p.Input(), "test");
  const auto fundamental = ariadne::AnalyseSupernodal(pattern, none);
  CHECK(fundamental.factor_nonzeros == fundamental.true_nonzeros);
  CHECK(ariadne::AnalyseSupernodal(pattern, eager).supernode_count == 1);
}

TEST(MatchesTheEigenBackend) {
  const Problem p = testing::RandomBlockPattern(400, 3, 250, 41, 40);
  NormalPattern pattern(p.Input(), "test");
  auto ours = ariadne::MakeSupernodalCholesky(pattern, 1, 1);
  auto eigen = ariadne::MakeEigenSparseCholesky(pattern, 1);
  const auto j = testing::RandomValues(p.rows.size(), 410);
  const std::vector<double> a = FormA(pattern, j.data());
  CHECK(ours->Factor(0, a.data(), 0).ok);
  CHECK(eigen->Factor(0, a.data(), 0).ok);
  const int k = 3;
  const auto rhs = testing::RandomValues(static_cast<size_t>(p.n) * k, 411);
  std::vector<double> x(rhs.size()), y(rhs.size());
  ours->Solve(0, rhs.data(), k, x.data(), 0);
  eigen->Solve(0, rhs.data(), k, y.data(), 0);
  CHECK(RelativeError(Eigen::Map<Eigen::MatrixXd>(x.data(), p.n, k), Eigen::Map<Eigen::MatrixXd>(y.data(), p.n, k)) <
        1e-11);
  // Same ordering family, so nnz(L) is close (ours adds explicit zeros and
  // orders the block graph).
  CHECK(ours->factor_nonzeros() < 3 * eigen->factor_nonzeros());
}

TEST(DuplicateEntriesAreSummed) {
  Problem p;
  p.m = 5;
  p.n = 3;
  p.rows = {0, 0, 1, 2, 2, 0, 3, 4, 4, 3};
  p.cols = {0, 1, 1, 0, 0, 0, 2, 2, 1, 2};
  CheckAgainstDense(p, 2, 2, 510);
  Problem q = testing::RandomBlockPattern(50, 3, 30, 51);
  const size_t entries = q.rows.size();
  for (size_t t = 0; t < entries; t += 5) {  // every fifth entry twice
    q.rows.push_back(q.rows[t]);
    q.cols.push_back(q.cols[t]);
  }
  CheckAgainstDense(q, 2, 1, 511);
}

TEST(SeveralRightHandSides) {
  const Problem p = testing::RandomBlockPattern(120, 3, 80, 61);
  NormalPattern pattern(p.Input(), "test");
  auto backend = ariadne::MakeSupernodalCholesky(pattern, 1, 1);
  for (int k : {1, 2, 7, 8, 9, 20}) CheckBackendAgainstDense(p, *backend, 1, k, 610 + k);
  // Column c of a k-column solve equals the single-column solve of that column, bit for bit.
  const auto j = testing::RandomValues(p.rows.size(), 620);
  const auto a = FormA(pattern, j.data());
  CHECK(backend->Factor(0, a.data(), 0).ok);
  const int k = 11;
  const auto rhs = testing::RandomValues(static_cast<size_t>(p.n) * k, 621);
  std::vector<double> all(rhs.size()), one(p.n);
  backend->Solve(0, rhs.data(), k, all.data(), 0);
  for (int c = 0; c < k; ++c) {
    backend->Solve(0, rhs.data() + c * p.n, 1, one.data(), 0);
    CHECK(std::memcmp(one.data(), all.data() + c * p.n, sizeof(double) * p.n) == 0);
  }
}

TEST(NotPositiveDefiniteReportsTheCallersColumn) {
  // Column 5 is touched by rows 5 and 11 only; zeroing those values in
  // element 1 leaves A(5, 5) = 0 there while elements 0 and 2 stay positive definite.
  Problem p;
  p.m = 12;
  p.n = 6;
  for (int r = 0; r < p.m; ++r) {
    p.rows.push_back(r);
    p.cols.push_back(r % 6);
    p.rows.push_back(r);
    p.cols.push_back((r + 1) % 6 == 5 ? 0 : (r + 1) % 6);
  }
  NormalPattern pattern(p.Input(), "test");
  auto backend = ariadne::MakeSupernodalCholesky(pattern, 3, 1);
  for (int b = 0; b < 3; ++b) {
    auto j = testing::RandomValues(p.rows.size(), 700 + b);
    if (b == 1) {
      for (size_t t = 0; t < p.rows.size(); ++t) {
        if (p.cols[t] == 5) j[t] = 0.0;
      }
    }
    const auto a = FormA(pattern, j.data());
    const auto status = backend->Factor(b, a.data(), 0);
    if (b == 1) {
      CHECK(!status.ok);
      CHECK(status.reason == "not positive definite (pivot of column 5)");
    } else {
      CHECK(status.ok);
    }
  }
  // An indefinite matrix: a negative diagonal entry in column 2.
  {
    const auto j = testing::RandomValues(p.rows.size(), 710);
    auto a = FormA(pattern, j.data());
    const int32_t diagonal = pattern.a_col_start()[3] - 1;
    a[diagonal] = -1.0;
    const auto status = backend->Factor(0, a.data(), 0);
    CHECK(!status.ok);
    CHECK(status.reason.find("not positive definite (pivot of column ") == 0);
  }
  // A non-finite value fails the same way (NormalEquations never passes one,
  // but the backend must not report success on it).
  {
    const auto j = testing::RandomValues(p.rows.size(), 720);
    auto a = FormA(pattern, j.data());
    a[pattern.a_col_start()[4] - 1] = std::numeric_limits<double>::quiet_NaN();
    const auto status = backend->Factor(0, a.data(), 0);
    CHECK(!status.ok);
    CHECK(status.reason.find("not positive definite (pivot of column ") == 0);
  }
  // Through NormalEquations with the sparse kind, as in normal_equations_test.
  {
    Problem q;
    q.m = 12;
    q.n = 6;
    for (int r = 0; r < q.m; ++r) {
      q.rows.push_back(r);
      q.cols.push_back(r % 6);
    }
    NormalPattern single(q.Input(), "test");
    auto ours = ariadne::MakeSupernodalCholesky(single, 1, 1);
    auto j = testing::RandomValues(q.rows.size(), 730);
    j[5] = 0.0;
    j[11] = 0.0;
    const auto a = FormA(single, j.data());
    const auto status = ours->Factor(0, a.data(), 0);
    CHECK(!status.ok);
    CHECK(status.reason == "not positive definite (pivot of column 5)");
  }
}

TEST(WideSupernodeFailureReportsTheColumn) {
  // A failing pivot inside a supernode factored by Eigen's kernels.
  const Problem p = BandedPattern(200, 80);
  NormalPattern pattern(p.Input(), "test");
  auto backend = ariadne::MakeSupernodalCholesky(pattern, 1, 1);
  const auto j = testing::RandomValues(p.rows.size(), 800);
  auto a = FormA(pattern, j.data());
  const int column = 150;
  a[pattern.a_col_start()[column + 1] - 1] = -1e3;
  const auto status = backend->Factor(0, a.data(), 0);
  CHECK(!status.ok);
  CHECK(status.reason.find("not positive definite (pivot of column ") == 0);
  // After a failure the element factors again.
  const auto good = FormA(pattern, j.data());
  CHECK(backend->Factor(0, good.data(), 0).ok);
}

TEST(DisconnectedPatternsFactor) {
  // Two independent blocks (a forest of elimination trees) and a 1×1 problem.
  Problem p = testing::RandomBlockPattern(40, 3, 20, 91);
  const int half = p.n;
  const Problem q = testing::RandomBlockPattern(30, 6, 10, 92);
  for (size_t t = 0; t < q.rows.size(); ++t) {
    p.rows.push_back(q.rows[t] + p.m);
    p.cols.push_back(q.cols[t] + half);
  }
  p.m += q.m;
  p.n += q.n;
  p.col_blocks.insert(p.col_blocks.end(), q.col_blocks.begin(), q.col_blocks.end());
  CheckAgainstDense(p, 2, 2, 910);
  Problem one;
  one.m = 2;
  one.n = 1;
  one.rows = {0, 1};
  one.cols = {0, 0};
  CheckAgainstDense(one, 1, 3, 920);
}

TEST(SameBitsWhateverSlotOrThread) {
  const Problem p = testing::RandomBlockPattern(300, 6, 200, 101, 30);
  NormalPattern pattern(p.Input(), "test");
  const int batch = 8, k = 2;
  std::vector<std::vector<double>> a(batch), rhs(batch);
  for (int b = 0; b < batch; ++b) {
    const auto j = testing::RandomValues(p.rows.size(), 1010 + b);
    a[b] = FormA(pattern, j.data());
    rhs[b] = testing::RandomValues(static_cast<size_t>(p.n) * k, 1020 + b);
  }
  auto run = [&](int threads) {
    auto backend = ariadne::MakeSupernodalCholesky(pattern, batch, threads);
    std::vector<double> x(static_cast<size_t>(batch) * p.n * k);
    ariadne::ParallelFor(batch, threads, [&](int b, int slot) {
      if (!backend->Factor(b, a[b].data(), slot).ok) throw std::runtime_error("factor failed");
      backend->Solve(b, rhs[b].data(), k, x.data() + static_cast<size_t>(b) * p.n * k, slot);
    });
    return x;
  };
  const auto one = run(1);
  for (int threads : {2, 3, 4}) {
    const auto other = run(threads);
    CHECK(std::memcmp(one.data(), other.data(), sizeof(double) * one.size()) == 0);
  }
  // Two threads on one backend, each factoring every element on its own slot.
  auto backend = ariadne::MakeSupernodalCholesky(pattern, 2 * batch, 2);
  std::vector<double> x(static_cast<size_t>(2 * batch) * p.n * k);
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      for (int b = 0; b < batch; ++b) {
        const int element = t * batch + b;
        backend->Factor(element, a[b].data(), t);
        backend->Solve(element, rhs[b].data(), k, x.data() + static_cast<size_t>(element) * p.n * k, t);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(std::memcmp(x.data(), one.data(), sizeof(double) * one.size()) == 0);
  CHECK(std::memcmp(x.data() + one.size(), one.data(), sizeof(double) * one.size()) == 0);
}

TEST(PoseGraphPatternsFactorAndSolve) {
  const char* files[] = {"g2o-2d/M3500.g2o", "g2o-2d/city10000.g2o", "g2o-2d/intel.g2o", "g2o-3d/sphere2500.g2o",
                         "g2o-3d/parking-garage.g2o"};
  int loaded = 0;
  for (const char* file : files) {
    pose_graphs::PoseGraphPattern graph;
    if (!pose_graphs::LoadPoseGraph(file, 1234, &graph)) continue;
    ++loaded;
    NormalPattern pattern(graph.Input(), "test");
    const std::vector<double> a = FormA(pattern, graph.values.data());
    auto backend = ariadne::MakeSupernodalCholesky(pattern, 1, 1);
    const auto status = backend->Factor(0, a.data(), 0);
    CHECK(status.ok);
    const int k = 2;
    const auto rhs = testing::RandomValues(static_cast<size_t>(graph.n) * k, 1100);
    std::vector<double> x(rhs.size());
    backend->Solve(0, rhs.data(), k, x.data(), 0);
    for (int c = 0; c < k; ++c) {
      const double error = BackwardError(pattern, a.data(), x.data() + c * graph.n, rhs.data() + c * graph.n);
      if (!(error <= 1e-12)) {
        throw harness::Failure(std::string(file) + ": backward error " + std::to_string(error));
      }
    }
    // Eigen's simplicial LLᵀ agrees.
    auto eigen = ariadne::MakeEigenSparseCholesky(pattern, 1);
    CHECK(eigen->Factor(0, a.data(), 0).ok);
    std::vector<double> y(rhs.size());
    eigen->Solve(0, rhs.data(), k, y.data(), 0);
    const Eigen::Map<const Eigen::VectorXd> xv(x.data(), x.size()), yv(y.data(), y.size());
    CHECK(RelativeError(xv, yv) < 1e-8);
  }
  if (loaded == 0) SKIP("../shared/data is absent (expected at " + pose_graphs::SharedDataDirectory() + ")");
}

// The ordering graph is counted in 64 bits: past AMD's 32-bit workspace a
// pattern is refused (a RangeError naming 'pattern'), never overflowed.
TEST(OrderingGraphSizeIsCheckedIn64Bits) {
  const int64_t max = std::numeric_limits<int32_t>::max();
  ariadne::CheckOrderingGraph(1000, 10);
  // entries + entries/5 + 2·nodes ≤ 2³¹ − 1, exactly at the edge and one past it.
  const int64_t nodes = 1000;
  int64_t entries = (max - 2 * nodes) * 5 / 6;
  while (entries + 1 + (entries + 1) / 5 + 2 * nodes <= max) ++entries;
  ariadne::CheckOrderingGraph(entries, nodes);
  CHECK_THROWS(ariadne::ArgumentError,
               ariadne::Concat("NormalEquations: 'pattern' must be a pattern whose fill-reducing ordering fits 32-bit "
                               "indices, got one whose ordering graph has ",
                               entries + 1, " entries over 1000 nodes"),
               ariadne::CheckOrderingGraph(entries + 1, nodes));
  // 3·2³¹ entries, −2³¹ when narrowed to 32 bits.
  CHECK_THROWS(ariadne::ArgumentError, "6442450944 entries", ariadne::CheckOrderingGraph(int64_t{3} << 31, nodes));
}

TEST(NormalEquationsUsesItForTheSparseKind) {
  ariadne::NormalEquationsOptions options;
  options.kind = ariadne::SolverKind::kSparse;
  const Problem p = testing::RandomBlockPattern(200, 6, 150, 1201, 20);
  ariadne::NormalEquations ne(p.Input(), 2, options);
  CHECK(ne.backend_name() == "ariadne-supernodal");
  CHECK(ne.factor_nonzeros() == ariadne::AnalyseSupernodalDefault(NormalPattern(p.Input(), "test")).factor_nonzeros);
  // A 14³ lattice of SE3 poses: CHOLMOD's METIS ordering halves the flops of
  // our AMD ordering, and builds with CHOLMOD use it there.
  pose_graphs::PoseGraphPattern lattice;
  pose_graphs::MakeGridGraph(14, false, 6, 1202, &lattice);
  ariadne::NormalEquations big(lattice.Input(), 1, options);
  CHECK(big.backend_name() == (ariadne::HaveCholmod() ? "cholmod-supernodal" : "ariadne-supernodal"));
}

HARNESS_MAIN()
