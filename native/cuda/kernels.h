// Host launchers of the CUDA kernels (kernels.cu), which need only the CUDA
// runtime. Pointers are device pointers, launches are asynchronous on
// `stream`, a launch error throws (cuda_check.h). Layouts as in
// kernel_math.h: U and A batch-minor ([entry][b]), host-facing arrays
// batch-major. `mask` (B flags) selects the elements to compute; the others'
// outputs are left untouched.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

namespace ariadne::cuda {

// U[t][b] for the masked elements from J's COO values coo (B·nnz).
void CudaGatherUnique(const double* coo, int64_t nnz, int batch, const uint8_t* mask, const int32_t* gather_start,
                      const int32_t* gather_coo, int unique, double* u, cudaStream_t stream);

// A[s][b] for the masked elements; not_finite[b] is set to 1 (never reset)
// when one of element b's entries is not finite.
void CudaFormNormal(const double* u, int batch, const uint8_t* mask, const int64_t* product_start,
                    const int32_t* product_p, const int32_t* product_q, int64_t a_nnz, double* a, uint8_t* not_finite,
                    cudaStream_t stream);

// y (B·m) = J x (x: B·n) per element.
void CudaMultiplyJ(const double* u, int batch, const uint8_t* mask, const int32_t* row_start, const int32_t* unique_col,
                   int m, int n, const double* x, double* y, cudaStream_t stream);

// x (B·n) = Jᵀ y (y: B·m) per element; with y = r, the gradient.
void CudaMultiplyJt(const double* u, int batch, const uint8_t* mask, const int32_t* col_start, const int32_t* col_entry,
                    const int32_t* col_row, int m, int n, const double* y, double* x, cudaStream_t stream);

// out[b] = ‖r_b‖² (r: B·m) for the masked elements, by a fixed reduction tree.
void CudaSquaredNorms(const double* r, int m, int batch, const uint8_t* mask, double* out, cudaStream_t stream);

// The factorisation input w (B blocks of `stride`) from A (+ E): per
// element, by mode[b] (kernel_math.h DampMode), (A + E) + λ_b D, I, or
// untouched.
struct DampArguments {
  const double* a;
  const double* extra;  // E: B·a_nnz, batch-major, or null

  int batch;
  int64_t a_nnz;
  const uint8_t* slot_diagonal;
  const int32_t* target_upper;
  const int32_t* target_lower;
  int64_t stride;
  const double* lambda;
  const uint8_t* mode;
  bool identity_damping;
  double min_damping;
  double max_damping;
  double* w;
};
void CudaDamp(const DampArguments& arguments, cudaStream_t stream);

// Zeroes the blocks of w (B blocks of `stride`) whose mode[b] is not kKeep:
// the dense layout's entries outside A's pattern, which a factorisation
// fills in, before CudaDamp writes the pattern's.
void CudaZeroBlocks(double* w, int64_t stride, int batch, const uint8_t* mode, cudaStream_t stream);

// first_bad[b] = the first i in [0, n) whose pivot values[b·block_stride +
// i·step] is not finite and positive, else −1.
void CudaFirstBadPivot(const double* values, int n, int batch, int64_t block_stride, int64_t step, int32_t* first_bad,
                       cudaStream_t stream);

// The block-diagonal CSR structure of B copies of one n×n CSR pattern with
// nnz entries: row_ptr (B·n + 1) and col (B·nnz).
void CudaReplicateCsr(const int32_t* row_ptr, const int32_t* col, int n, int64_t nnz, int batch, int32_t* big_row_ptr,
                      int32_t* big_col, cudaStream_t stream);

// Column kk of k right-hand sides (rhs: B·k·n, batch-major) into the
// permuted block vector z (z[b·n + iperm[i]] = rhs_b[kk·n + i]), and back
// (out_b[kk·n + i] = x[b·n + iperm[i]]).
void CudaPermuteIn(const double* rhs, int batch, int k, int kk, int n, const int32_t* iperm, double* z,
                   cudaStream_t stream);
void CudaPermuteOut(const double* x, int batch, int k, int kk, int n, const int32_t* iperm, double* out,
                    cudaStream_t stream);

}  // namespace ariadne::cuda
