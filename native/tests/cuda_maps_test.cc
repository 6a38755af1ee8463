// The CUDA backend's per-pattern maps (native/cuda/normal_maps.h) and the
// arithmetic of its kernels' threads (native/cuda/kernel_math.h), run on the
// CPU against the CPU core: no GPU and no CUDA toolkit needed.
#include <cstring>
#include <limits>
#include <numeric>

#include "../bench/pose_graph_patterns.h"
#include "batched_normal_equations.h"
#include "../cuda/kernel_math.h"
#include "../cuda/normal_maps.h"
#include "harness.h"
#include "random_problems.h"
#include "supernodal_cholesky.h"

using ariadne::NormalPattern;
using testing::Problem;
namespace cuda = ariadne::cuda;

namespace {

constexpr int kBatch = 3;
constexpr double kLambda = 0.25;

std::vector<Problem> Patterns() {
  std::vector<Problem> patterns = {testing::RandomScalarPattern(60, 25, 4, 1),  // with duplicate entries
                                   testing::RandomBlockPattern(30, 6, 20, 2, 5)};
  pose_graphs::PoseGraphPattern grid;
  pose_graphs::MakeGridGraph(3, /*planar=*/false, 6, 3, &grid);
  patterns.push_back(testing::MakeProblem(grid.m, grid.n, grid.rows, grid.cols, grid.col_blocks));
  return patterns;
}

double MaxAbs(const std::vector<double>& v) {
  double m = 0.0;
  for (double x : v) m = std::max(m, std::abs(x));
  return m;
}

// Runs the kernels' per-thread functions over every (entry, element): U, A
// (batch-minor), g = Jᵀr (batch-major), as the device does.
struct Emulated {
  std::vector<double> u, a, g;
};

Emulated Emulate(const cuda::NormalMaps& maps, const std::vector<double>& coo, const std::vector<double>& r) {
  Emulated out;
  out.u.resize(static_cast<size_t>(maps.unique) * kBatch);
  out.a.resize(static_cast<size_t>(maps.a_nnz) * kBatch);
  out.g.resize(static_cast<size_t>(maps.n) * kBatch);
  const int32_t* gather_start = maps.gather_start.empty() ? nullptr : maps.gather_start.data();
  for (int t = 0; t < maps.unique; ++t) {
    for (int b = 0; b < kBatch; ++b) {
      out.u[t * kBatch + b] = cuda::GatherEntry(coo.data(), maps.nnz, b, gather_start, maps.gather_coo.data(), t);
    }
  }
  for (int s = 0; s < maps.a_nnz; ++s) {
    for (int b = 0; b < kBatch; ++b) {
      out.a[s * kBatch + b] = cuda::NormalEntry(out.u.data(), kBatch, b, maps.product_start.data(),
                                                maps.product_p.data(), maps.product_q.data(), s);
    }
  }
  for (int c = 0; c < maps.n; ++c) {
    for (int b = 0; b < kBatch; ++b) {
      out.g[b * maps.n + c] = cuda::ColumnProduct(out.u.data(), kBatch, b, maps.col_start.data(), maps.col_entry.data(),
                                                  maps.col_row.data(), r.data(), maps.m, c);
    }
  }
  return out;
}

// One element's damped factorisation input, as the damping kernel writes it.
std::vector<double> Damped(const cuda::NormalMaps& maps, const std::vector<double>& a, int b, uint8_t mode) {
  std::vector<double> w(maps.stride, 0.0);
  for (int s = 0; s < maps.a_nnz; ++s) {
    const double v = cuda::DampedEntry(a[s * kBatch + b], maps.slot_diagonal[s] != 0, mode, kLambda, false,
                                       ariadne::kDefaultMinDiagonal, ariadne::kDefaultMaxDiagonal);
    w[maps.target_upper[s]] = v;
    if (maps.target_lower[s] >= 0) w[maps.target_lower[s]] = v;
  }
  return w;
}

// A + λ·clamp(diag A) of element b, dense, from J.
Eigen::MatrixXd DampedDense(const Problem& p, const std::vector<double>& coo, int b) {
  const Eigen::MatrixXd j = testing::DenseJ(p, coo.data() + b * p.rows.size());
  Eigen::MatrixXd a = j.transpose() * j;
  for (int c = 0; c < p.n; ++c) {
    a(c, c) += kLambda * std::clamp(a(c, c), ariadne::kDefaultMinDiagonal, ariadne::kDefaultMaxDiagonal);
  }
  return a;
}

}  // namespace

TEST(GatherFormAndProductsMatchTheCpuCore) {
  for (const Problem& p : Patterns()) {
    const NormalPattern pattern(p.Input(), "test");
    const cuda::NormalMaps maps = cuda::BuildNormalMaps(pattern);
    const int64_t nnz = pattern.nnz();
    const auto coo = testing::RandomValues(kBatch * nnz, 11);
    const auto r = testing::RandomValues(static_cast<size_t>(kBatch) * p.m, 12);
    const auto x = testing::RandomValues(static_cast<size_t>(kBatch) * p.n, 13);
    const Emulated e = Emulate(maps, coo, r);
    const double a_scale = MaxAbs(e.a);
    for (int b = 0; b < kBatch; ++b) {
      std::vector<double> u(pattern.unique_count()), a(pattern.a_nnz()), g(p.n), y(p.m), z(p.n);
      pattern.GatherUnique(coo.data() + b * nnz, u.data());
      pattern.Form(u.data(), r.data() + b * p.m, a.data(), g.data());
      for (int t = 0; t < maps.unique; ++t) CHECK(e.u[t * kBatch + b] == u[t]);
      for (int s = 0; s < maps.a_nnz; ++s) CHECK_NEAR(e.a[s * kBatch + b], a[s], 1e-14 * a_scale);
      for (int c = 0; c < p.n; ++c) CHECK_NEAR(e.g[b * p.n + c], g[c], 1e-14 * MaxAbs(g));
      pattern.MultiplyJ(u.data(), x.data() + b * p.n, y.data());
      for (int row = 0; row < p.m; ++row) {
        const double jv =
            cuda::RowProduct(e.u.data(), kBatch, b, maps.row_start.data(), maps.unique_col.data(), x.data(), p.n, row);
        CHECK_NEAR(jv, y[row], 1e-14 * MaxAbs(y));
      }
      pattern.MultiplyJt(u.data(), r.data() + b * p.m, z.data());
      for (int c = 0; c < p.n; ++c) CHECK_NEAR(e.g[b * p.n + c], z[c], 1e-14 * MaxAbs(z));
    }
  }
}

TEST(DenseLayoutIsTheLowerTriangleOfTheDampedMatrix) {
  for (const Problem& p : Patterns()) {
    NormalPattern pattern(p.Input(), "test");
    cuda::NormalMaps maps = cuda::BuildNormalMaps(pattern);
    pattern.UseDenseLayout("test");
    cuda::UseDenseLayout(pattern, &maps);
    const auto coo = testing::RandomValues(kBatch * pattern.nnz(), 21);
    const auto r = testing::RandomValues(static_cast<size_t>(kBatch) * p.m, 22);
    const Emulated e = Emulate(maps, coo, r);
    for (int b = 0; b < kBatch; ++b) {
      const std::vector<double> w = Damped(maps, e.a, b, cuda::kDamp);
      const Eigen::MatrixXd expected = DampedDense(p, coo, b);
      const Eigen::Map<const Eigen::MatrixXd> lower(w.data(), p.n, p.n);
      for (int j = 0; j < p.n; ++j) {
        for (int i = j; i < p.n; ++i) CHECK_NEAR(lower(i, j), expected(i, j), 1e-13 * expected.norm());
      }
      const std::vector<double> identity = Damped(maps, e.a, b, cuda::kIdentity);
      for (int i = 0; i < p.n; ++i) CHECK(identity[i + static_cast<int64_t>(i) * p.n] == 1.0);
      CHECK(std::accumulate(identity.begin(), identity.end(), 0.0) == p.n);
    }
  }
}

TEST(SparseLayoutIsThePermutedFullMatrix) {
  for (const Problem& p : Patterns()) {
    const NormalPattern pattern(p.Input(), "test");
    cuda::NormalMaps maps = cuda::BuildNormalMaps(pattern);
    const std::vector<int32_t> perm = ariadne::AnalyseSupernodalDefault(pattern).perm;
    cuda::UseSparseLayout(pattern, perm, &maps);
    CHECK(maps.stride == 2 * pattern.a_nnz() - p.n);
    for (int row = 0; row < p.n; ++row) {
      for (int32_t k = maps.csr_row_ptr[row] + 1; k < maps.csr_row_ptr[row + 1]; ++k) {
        CHECK(maps.csr_col[k - 1] < maps.csr_col[k]);
      }
    }
    const auto coo = testing::RandomValues(kBatch * pattern.nnz(), 31);
    const auto r = testing::RandomValues(static_cast<size_t>(kBatch) * p.m, 32);
    const Emulated e = Emulate(maps, coo, r);
    for (int b = 0; b < kBatch; ++b) {
      const std::vector<double> w = Damped(maps, e.a, b, cuda::kDamp);
      Eigen::MatrixXd permuted = Eigen::MatrixXd::Zero(p.n, p.n);
      for (int row = 0; row < p.n; ++row) {
        for (int32_t k = maps.csr_row_ptr[row]; k < maps.csr_row_ptr[row + 1]; ++k)
          permuted(row, maps.csr_col[k]) = w[k];
      }
      const Eigen::MatrixXd expected = DampedDense(p, coo, b);
      for (int i = 0; i < p.n; ++i) {
        for (int j = 0; j < p.n; ++j) {
          CHECK_NEAR(permuted(maps.iperm[i], maps.iperm[j]), expected(i, j), 1e-13 * expected.norm());
        }
      }
    }
  }
}

TEST(PivotsAreGoodWhenFiniteAndPositive) {
  CHECK(cuda::GoodPivot(1e-300));
  CHECK(cuda::GoodPivot(1e308));
  CHECK(!cuda::GoodPivot(0.0));
  CHECK(!cuda::GoodPivot(-1.0));
  CHECK(!cuda::GoodPivot(std::numeric_limits<double>::infinity()));
  CHECK(!cuda::GoodPivot(std::numeric_limits<double>::quiet_NaN()));
}

HARNESS_MAIN()
