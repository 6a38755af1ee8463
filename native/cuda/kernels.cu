// The CUDA kernels of the batched normal equations: each thread computes one
// (entry, element) pair with the functions of kernel_math.h, enumerated
// batch-minor (i = entry·B + b), so that a warp covers consecutive elements
// of one entry. Needs only the CUDA runtime.
#include "kernels.h"

#include <algorithm>

#include "cuda_check.h"
#include "kernel_math.h"

namespace ariadne::cuda {
namespace {

constexpr int kThreads = 256;

// Enough blocks for `count` threads, capped (the kernels loop over the rest).
unsigned Blocks(int64_t count) {
  const int64_t blocks = (count + kThreads - 1) / kThreads;
  return static_cast<unsigned>(std::max<int64_t>(1, std::min<int64_t>(blocks, 1 << 20)));
}

// Calls body(entry, b) for every entry in [0, entries) and element b in [0, batch) with mask[b].
template <typename Body>
__device__ void ForEachMasked(int64_t entries, int batch, const uint8_t* mask, Body body) {
  const int64_t count = entries * batch;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < count;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int b = static_cast<int>(i % batch);
    if (mask != nullptr && !mask[b]) continue;
    body(i / batch, b);
  }
}

__global__ void GatherUniqueKernel(const double* coo, int64_t nnz, int batch, const uint8_t* mask,
                                   const int32_t* gather_start, const int32_t* gather_coo, int unique, double* u) {
  ForEachMasked(unique, batch, mask, [&](int64_t t, int b) {
    u[t * batch + b] = GatherEntry(coo, nnz, b, gather_start, gather_coo, static_cast<int>(t));
  });
}

__global__ void FormNormalKernel(const double* u, int batch, const uint8_t* mask, const int64_t* product_start,
                                 const int32_t* product_p, const int32_t* product_q, int64_t a_nnz, double* a,
                                 uint8_t* not_finite) {
  ForEachMasked(a_nnz, batch, mask, [&](int64_t s, int b) {
    const double value = NormalEntry(u, batch, b, product_start, product_p, product_q, static_cast<int>(s));
    a[s * batch + b] = value;
    // Every writer stores the same 1: the result does not depend on the order.
    if (!isfinite(value)) not_finite[b] = 1;
  });
}

__global__ void MultiplyJKernel(const double* u, int batch, const uint8_t* mask, const int32_t* row_start,
                                const int32_t* unique_col, int m, int n, const double* x, double* y) {
  ForEachMasked(m, batch, mask, [&](int64_t r, int b) {
    y[static_cast<int64_t>(b) * m + r] = RowProduct(u, batch, b, row_start, unique_col, x, n, static_cast<int>(r));
  });
}

__global__ void MultiplyJtKernel(const double* u, int batch, const uint8_t* mask, const int32_t* col_start,
                                 const int32_t* col_entry, const int32_t* col_row, int m, int n, const double* y,
                                 double* x) {
  ForEachMasked(n, batch, mask, [&](int64_t c, int b) {
    x[static_cast<int64_t>(b) * n + c] =
        ColumnProduct(u, batch, b, col_start, col_entry, col_row, y, m, static_cast<int>(c));
  });
}

// One block per element: strided partial sums, then a fixed tree.
__global__ void SquaredNormsKernel(const double* r, int m, const uint8_t* mask, double* out) {
  __shared__ double partial[kThreads];
  const int b = blockIdx.x;
  if (mask != nullptr && !mask[b]) return;
  const double* r_b = r + static_cast<int64_t>(b) * m;
  double sum = 0.0;
  for (int i = threadIdx.x; i < m; i += kThreads) sum += r_b[i] * r_b[i];
  partial[threadIdx.x] = sum;
  __syncthreads();
  for (int half = kThreads / 2; half > 0; half /= 2) {
    if (threadIdx.x < half) partial[threadIdx.x] += partial[threadIdx.x + half];
    __syncthreads();
  }
  if (threadIdx.x == 0) out[b] = partial[0];
}

__global__ void DampKernel(DampArguments x) {
  const int64_t count = x.a_nnz * x.batch;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < count;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int b = static_cast<int>(i % x.batch);
    const uint8_t mode = x.mode[b];
    if (mode == kKeep) continue;
    const int64_t s = i / x.batch;
    const double a = WithExtra(x.a[i], x.extra, x.a_nnz, b, s);
    const double value =
        DampedEntry(a, x.slot_diagonal[s] != 0, mode, x.lambda[b], x.identity_damping, x.min_damping, x.max_damping);
    double* w_b = x.w + b * x.stride;
    w_b[x.target_upper[s]] = value;
    if (x.target_lower[s] >= 0) w_b[x.target_lower[s]] = value;
  }
}

__global__ void ZeroBlocksKernel(double* w, int64_t stride, int batch, const uint8_t* mode) {
  const int64_t count = stride * batch;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < count;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    if (mode[i / stride] != kKeep) w[i] = 0.0;
  }
}

// One block per element; the smallest bad index by a fixed min-tree.
__global__ void FirstBadPivotKernel(const double* values, int n, int64_t block_stride, int64_t step,
                                    int32_t* first_bad) {
  __shared__ int32_t first[kThreads];
  const int b = blockIdx.x;
  int32_t mine = n;
  for (int i = threadIdx.x; i < n; i += kThreads) {
    if (!GoodPivot(values[b * block_stride + i * step])) {
      mine = i;
      break;
    }
  }
  first[threadIdx.x] = mine;
  __syncthreads();
  for (int half = kThreads / 2; half > 0; half /= 2) {
    if (threadIdx.x < half) first[threadIdx.x] = min(first[threadIdx.x], first[threadIdx.x + half]);
    __syncthreads();
  }
  if (threadIdx.x == 0) first_bad[b] = first[0] < n ? first[0] : -1;
}

__global__ void ReplicateCsrKernel(const int32_t* row_ptr, const int32_t* col, int n, int64_t nnz, int batch,
                                   int32_t* big_row_ptr, int32_t* big_col) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  const int64_t start = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  for (int64_t i = start; i < nnz * batch; i += stride) {
    const int64_t b = i / nnz;
    big_col[i] = static_cast<int32_t>(b * n + col[i % nnz]);
  }
  for (int64_t i = start; i <= static_cast<int64_t>(n) * batch; i += stride) {
    const int64_t b = i / n;
    big_row_ptr[i] = b == batch ? static_cast<int32_t>(nnz * batch) : static_cast<int32_t>(b * nnz + row_ptr[i % n]);
  }
}

__global__ void PermuteKernel(const double* from, int batch, int k, int kk, int n, const int32_t* iperm, double* to,
                              bool in) {
  const int64_t count = static_cast<int64_t>(n) * batch;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < count;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t b = i / n;
    const int64_t column = i % n;
    const int64_t block = b * n + iperm[column];
    const int64_t plain = (b * k + kk) * n + column;
    if (in) {
      to[block] = from[plain];
    } else {
      to[plain] = from[block];
    }
  }
}

}  // namespace

void CudaGatherUnique(const double* coo, int64_t nnz, int batch, const uint8_t* mask, const int32_t* gather_start,
                      const int32_t* gather_coo, int unique, double* u, cudaStream_t stream) {
  GatherUniqueKernel<<<Blocks(static_cast<int64_t>(unique) * batch), kThreads, 0, stream>>>(
      coo, nnz, batch, mask, gather_start, gather_coo, unique, u);
  CheckLaunch("GatherUniqueKernel");
}

void CudaFormNormal(const double* u, int batch, const uint8_t* mask, const int64_t* product_start,
                    const int32_t* product_p, const int32_t* product_q, int64_t a_nnz, double* a, uint8_t* not_finite,
                    cudaStream_t stream) {
  FormNormalKernel<<<Blocks(a_nnz * batch), kThreads, 0, stream>>>(u, batch, mask, product_start, product_p, product_q,
                                                                   a_nnz, a, not_finite);
  CheckLaunch("FormNormalKernel");
}

void CudaMultiplyJ(const double* u, int batch, const uint8_t* mask, const int32_t* row_start, const int32_t* unique_col,
                   int m, int n, const double* x, double* y, cudaStream_t stream) {
  MultiplyJKernel<<<Blocks(static_cast<int64_t>(m) * batch), kThreads, 0, stream>>>(u, batch, mask, row_start,
                                                                                    unique_col, m, n, x, y);
  CheckLaunch("MultiplyJKernel");
}

void CudaMultiplyJt(const double* u, int batch, const uint8_t* mask, const int32_t* col_start, const int32_t* col_entry,
                    const int32_t* col_row, int m, int n, const double* y, double* x, cudaStream_t stream) {
  MultiplyJtKernel<<<Blocks(static_cast<int64_t>(n) * batch), kThreads, 0, stream>>>(u, batch, mask, col_start,
                                                                                     col_entry, col_row, m, n, y, x);
  CheckLaunch("MultiplyJtKernel");
}

void CudaSquaredNorms(const double* r, int m, int batch, const uint8_t* mask, double* out, cudaStream_t stream) {
  SquaredNormsKernel<<<batch, kThreads, 0, stream>>>(r, m, mask, out);
  CheckLaunch("SquaredNormsKernel");
}

void CudaDamp(const DampArguments& arguments, cudaStream_t stream) {
  DampKernel<<<Blocks(arguments.a_nnz * arguments.batch), kThreads, 0, stream>>>(arguments);
  CheckLaunch("DampKernel");
}

void CudaZeroBlocks(double* w, int64_t stride, int batch, const uint8_t* mode, cudaStream_t stream) {
  ZeroBlocksKernel<<<Blocks(stride * batch), kThreads, 0, stream>>>(w, stride, batch, mode);
  CheckLaunch("ZeroBlocksKernel");
}

void CudaFirstBadPivot(const double* values, int n, int batch, int64_t block_stride, int64_t step, int32_t* first_bad,
                       cudaStream_t stream) {
  FirstBadPivotKernel<<<batch, kThreads, 0, stream>>>(values, n, block_stride, step, first_bad);
  CheckLaunch("FirstBadPivotKernel");
}

void CudaReplicateCsr(const int32_t* row_ptr, const int32_t* col, int n, int64_t nnz, int batch, int32_t* big_row_ptr,
                      int32_t* big_col, cudaStream_t stream) {
  ReplicateCsrKernel<<<Blocks(nnz * batch), kThreads, 0, stream>>>(row_ptr, col, n, nnz, batch, big_row_ptr, big_col);
  CheckLaunch("ReplicateCsrKernel");
}

void CudaPermuteIn(const double* rhs, int batch, int k, int kk, int n, const int32_t* iperm, double* z,
                   cudaStream_t stream) {
  PermuteKernel<<<Blocks(static_cast<int64_t>(n) * batch), kThreads, 0, stream>>>(rhs, batch, k, kk, n, iperm, z, true);
  CheckLaunch("PermuteKernel");
}

void CudaPermuteOut(const double* x, int batch, int k, int kk, int n, const int32_t* iperm, double* out,
                    cudaStream_t stream) {
  PermuteKernel<<<Blocks(static_cast<int64_t>(n) * batch), kThreads, 0, stream>>>(x, batch, k, kk, n, iperm, out,
                                                                                  false);
  CheckLaunch("PermuteKernel");
}

}  // namespace ariadne::cuda
