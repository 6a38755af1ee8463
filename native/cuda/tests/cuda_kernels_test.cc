// The kernels (kernels.cu, CUDA runtime only) against the same per-thread
// functions run on the CPU (kernel_math.h), which native/tests/cuda_maps_test
// checks against the CPU core. Skips, with the reason, without a device.
#include <cstring>

#include "../../tests/harness.h"
#include "../../tests/random_problems.h"
#include "device_buffer.h"
#include "device_info.h"
#include "kernel_math.h"
#include "kernels.h"
#include "normal_maps.h"
#include "supernodal_cholesky.h"

namespace cuda = ariadne::cuda;

namespace {

constexpr int kBatch = 5;

void RequireDevice() {
  const cuda::DeviceInfo device = cuda::QueryDevice();
  if (!device.available) SKIP(device.reason);
}

template <typename T>
std::vector<T> ToHost(const cuda::DeviceBuffer<T>& buffer) {
  std::vector<T> host(buffer.size());
  buffer.Download(host.data(), host.size(), nullptr);
  cuda::CheckCuda(cudaDeviceSynchronize(), "cudaDeviceSynchronize");
  return host;
}

}  // namespace

TEST(KernelsMatchTheirHostArithmetic) {
  RequireDevice();
  const testing::Problem p = testing::RandomScalarPattern(200, 60, 5, 3);  // with duplicates
  const ariadne::NormalPattern pattern(p.Input(), "test");
  cuda::NormalMaps maps = cuda::BuildNormalMaps(pattern);
  cuda::UseSparseLayout(pattern, ariadne::AnalyseSupernodalDefault(pattern).perm, &maps);
  const auto coo = testing::RandomValues(kBatch * maps.nnz, 1);
  const auto r = testing::RandomValues(static_cast<size_t>(kBatch) * maps.m, 2);
  const std::vector<uint8_t> mask = {1, 1, 0, 1, 1};
  cudaStream_t stream = nullptr;
  const int32_t* host_gather_start = maps.gather_start.empty() ? nullptr : maps.gather_start.data();

  auto d_coo = cuda::ToDevice(coo, stream);
  auto d_r = cuda::ToDevice(r, stream);
  auto d_mask = cuda::ToDevice(mask, stream);
  auto gather_start = cuda::ToDevice(maps.gather_start, stream);
  auto gather_coo = cuda::ToDevice(maps.gather_coo, stream);
  auto product_start = cuda::ToDevice(maps.product_start, stream);
  auto product_p = cuda::ToDevice(maps.product_p, stream);
  auto product_q = cuda::ToDevice(maps.product_q, stream);
  auto col_start = cuda::ToDevice(maps.col_start, stream);
  auto col_entry = cuda::ToDevice(maps.col_entry, stream);
  auto col_row = cuda::ToDevice(maps.col_row, stream);
  cuda::DeviceBuffer<double> u(maps.unique * kBatch), a(maps.a_nnz * kBatch), g(maps.n * kBatch), norms(kBatch);
  cuda::DeviceBuffer<uint8_t> not_finite(kBatch);
  u.Zero(stream);
  a.Zero(stream);
  g.Zero(stream);
  norms.Zero(stream);
  not_finite.Zero(stream);
  cuda::CudaGatherUnique(d_coo.data(), maps.nnz, kBatch, d_mask.data(), gather_start.data(), gather_coo.data(),
                         maps.unique, u.data(), stream);
  cuda::CudaFormNormal(u.data(), kBatch, d_mask.data(), product_start.data(), product_p.data(), product_q.data(),
                       maps.a_nnz, a.data(), not_finite.data(), stream);
  cuda::CudaMultiplyJt(u.data(), kBatch, d_mask.data(), col_start.data(), col_entry.data(), col_row.data(), maps.m,
                       maps.n, d_r.data(), g.data(), stream);
  cuda::CudaSquaredNorms(d_r.data(), maps.m, kBatch, d_mask.data(), norms.data(), stream);
  const auto u_host = ToHost(u), a_host = ToHost(a), g_host = ToHost(g), norm_host = ToHost(norms);
  CHECK(ToHost(not_finite) == std::vector<uint8_t>(kBatch, 0));

  for (int b = 0; b < kBatch; ++b) {
    for (int t = 0; t < maps.unique; ++t) {
      const double expected =
          mask[b] ? cuda::GatherEntry(coo.data(), maps.nnz, b, host_gather_start, maps.gather_coo.data(), t) : 0.0;
      CHECK(u_host[t * kBatch + b] == expected);
    }
    for (int s = 0; s < maps.a_nnz; ++s) {
      const double expected = mask[b] ? cuda::NormalEntry(u_host.data(), kBatch, b, maps.product_start.data(),
                                                          maps.product_p.data(), maps.product_q.data(), s)
                                      : 0.0;
      CHECK_NEAR(a_host[s * kBatch + b], expected, 1e-14 * (1 + std::abs(expected)));
    }
    double norm = 0.0;
    for (int i = 0; i < maps.m; ++i) norm += r[b * maps.m + i] * r[b * maps.m + i];
    CHECK_NEAR(norm_host[b], mask[b] ? norm : 0.0, 1e-13 * norm);
    for (int c = 0; c < maps.n; ++c) {
      const double expected = mask[b]
                                  ? cuda::ColumnProduct(u_host.data(), kBatch, b, maps.col_start.data(),
                                                        maps.col_entry.data(), maps.col_row.data(), r.data(), maps.m, c)
                                  : 0.0;
      CHECK_NEAR(g_host[b * maps.n + c], expected, 1e-14 * (1 + std::abs(expected)));
    }
  }

  // Damping into the block-diagonal CSR, its pivots, and the permutations.
  const std::vector<uint8_t> mode = {cuda::kDamp, cuda::kIdentity, cuda::kKeep, cuda::kDamp, cuda::kDamp};
  const std::vector<double> lambda = {0.5, 0.5, 0.5, 0.5, 0.5};
  auto d_mode = cuda::ToDevice(mode, stream);
  auto d_lambda = cuda::ToDevice(lambda, stream);
  auto slot_diagonal = cuda::ToDevice(maps.slot_diagonal, stream);
  auto target_upper = cuda::ToDevice(maps.target_upper, stream);
  auto target_lower = cuda::ToDevice(maps.target_lower, stream);
  cuda::DeviceBuffer<double> w(maps.stride * kBatch);
  const std::vector<double> ones(w.size(), 1.0);
  w.Upload(ones.data(), ones.size(), stream);
  cuda::CudaZeroBlocks(w.data(), maps.stride, kBatch, d_mode.data(), stream);
  cuda::CudaDamp({a.data(), nullptr, kBatch, maps.a_nnz, slot_diagonal.data(), target_upper.data(), target_lower.data(),
                  maps.stride, d_lambda.data(), d_mode.data(), false, 1e-6, 1e32, w.data()},
                 stream);
  const auto w_host = ToHost(w);
  for (int b = 0; b < kBatch; ++b) {
    for (int s = 0; s < maps.a_nnz; ++s) {
      const double expected = mode[b] == cuda::kKeep ? 1.0
                                                     : cuda::DampedEntry(a_host[s * kBatch + b], maps.slot_diagonal[s],
                                                                         mode[b], 0.5, false, 1e-6, 1e32);
      CHECK(w_host[b * maps.stride + maps.target_upper[s]] == expected);
      if (maps.target_lower[s] >= 0) CHECK(w_host[b * maps.stride + maps.target_lower[s]] == expected);
    }
  }
  // With factor's extra term E (batch-major) and other damping bounds: (A + E) + λ clamp(diag(A + E)).
  {
    std::vector<double> extra_host(static_cast<size_t>(kBatch) * maps.a_nnz);
    for (size_t i = 0; i < extra_host.size(); ++i) extra_host[i] = 0.25 * static_cast<double>(i % 7) - 0.5;
    auto extra = cuda::ToDevice(extra_host, stream);
    w.Upload(ones.data(), ones.size(), stream);
    cuda::CudaZeroBlocks(w.data(), maps.stride, kBatch, d_mode.data(), stream);
    cuda::CudaDamp({a.data(), extra.data(), kBatch, maps.a_nnz, slot_diagonal.data(), target_upper.data(),
                    target_lower.data(), maps.stride, d_lambda.data(), d_mode.data(), false, 1e-3, 10.0, w.data()},
                   stream);
    const auto w_extra = ToHost(w);
    for (int b = 0; b < kBatch; ++b) {
      for (int s = 0; s < maps.a_nnz; ++s) {
        const double sum = cuda::WithExtra(a_host[s * kBatch + b], extra_host.data(), maps.a_nnz, b, s);
        CHECK(sum == a_host[s * kBatch + b] + extra_host[b * maps.a_nnz + s]);
        const double expected = mode[b] == cuda::kKeep
                                    ? 1.0
                                    : cuda::DampedEntry(sum, maps.slot_diagonal[s], mode[b], 0.5, false, 1e-3, 10.0);
        CHECK(w_extra[b * maps.stride + maps.target_upper[s]] == expected);
      }
    }
  }

  std::vector<double> pivots(kBatch * maps.n, 1.0);
  pivots[1 * maps.n + 7] = -1.0;
  pivots[3 * maps.n + 2] = std::nan("");
  pivots[3 * maps.n + 9] = 0.0;
  auto d_pivots = cuda::ToDevice(pivots, stream);
  cuda::DeviceBuffer<int32_t> first_bad(kBatch);
  cuda::CudaFirstBadPivot(d_pivots.data(), maps.n, kBatch, maps.n, 1, first_bad.data(), stream);
  CHECK((ToHost(first_bad) == std::vector<int32_t>{-1, 7, -1, 2, -1}));

  auto row_ptr = cuda::ToDevice(maps.csr_row_ptr, stream);
  auto col = cuda::ToDevice(maps.csr_col, stream);
  cuda::DeviceBuffer<int32_t> big_row_ptr(kBatch * maps.n + 1), big_col(kBatch * maps.stride);
  cuda::CudaReplicateCsr(row_ptr.data(), col.data(), maps.n, maps.stride, kBatch, big_row_ptr.data(), big_col.data(),
                         stream);
  const auto big_rows = ToHost(big_row_ptr), big_cols = ToHost(big_col);
  for (int b = 0; b < kBatch; ++b) {
    for (int i = 0; i < maps.n; ++i) CHECK(big_rows[b * maps.n + i] == b * maps.stride + maps.csr_row_ptr[i]);
    for (int64_t k = 0; k < maps.stride; ++k) CHECK(big_cols[b * maps.stride + k] == b * maps.n + maps.csr_col[k]);
  }
  CHECK(big_rows[kBatch * maps.n] == kBatch * maps.stride);

  const int k = 2;
  const auto rhs = testing::RandomValues(static_cast<size_t>(kBatch) * k * maps.n, 3);
  auto d_rhs = cuda::ToDevice(rhs, stream);
  auto iperm = cuda::ToDevice(maps.iperm, stream);
  cuda::DeviceBuffer<double> z(kBatch * maps.n), back(rhs.size());
  for (int kk = 0; kk < k; ++kk) {
    cuda::CudaPermuteIn(d_rhs.data(), kBatch, k, kk, maps.n, iperm.data(), z.data(), stream);
    const auto z_host = ToHost(z);
    for (int b = 0; b < kBatch; ++b) {
      for (int i = 0; i < maps.n; ++i) CHECK(z_host[b * maps.n + maps.iperm[i]] == rhs[(b * k + kk) * maps.n + i]);
    }
    cuda::CudaPermuteOut(z.data(), kBatch, k, kk, maps.n, iperm.data(), back.data(), stream);
  }
  CHECK(ToHost(back) == rhs);
}

HARNESS_MAIN()
