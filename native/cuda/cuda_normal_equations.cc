#include "cuda_normal_equations.h"

#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <cusolverDn.h>
#include <cusparse.h>

// The low-level sparse Cholesky is marked deprecated in favour of cuDSS,
// which the GPU machines do not have (docs: ../../../shared/notes/gpu.md).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#include <cusolverSp.h>
#include <cusolverSp_LOWLEVEL_PREVIEW.h>

#include <limits>

#include "cuda_check.h"
#include "device_buffer.h"
#include "device_info.h"
#include "errors.h"
#include "kernel_math.h"
#include "kernels.h"
#include "memory.h"
#include "messages.h"
#include "normal_equations.h"
#include "supernodal_cholesky.h"

namespace ariadne::cuda {
namespace {

constexpr const char* kConstructor = "NormalEquations";
constexpr int64_t kMaxInt32 = std::numeric_limits<int32_t>::max();

void CheckSolver(cusolverStatus_t status, const char* what) {
  if (status == CUSOLVER_STATUS_SUCCESS) return;
  if (status == CUSOLVER_STATUS_ALLOC_FAILED) throw std::bad_alloc();
  throw InternalError(Concat(what, ": cuSOLVER status ", static_cast<int>(status)));
}

void CheckBlas(cublasStatus_t status, const char* what) {
  if (status == CUBLAS_STATUS_SUCCESS) return;
  if (status == CUBLAS_STATUS_ALLOC_FAILED) throw std::bad_alloc();
  throw InternalError(Concat(what, ": ", cublasGetStatusString(status)));
}

void CheckSparse(cusparseStatus_t status, const char* what) {
  if (status == CUSPARSE_STATUS_SUCCESS) return;
  if (status == CUSPARSE_STATUS_ALLOC_FAILED) throw std::bad_alloc();
  throw InternalError(Concat(what, ": ", cusparseGetErrorString(status)));
}

template <typename T>
T* OrNull(DeviceBuffer<T>& buffer) {
  return buffer.size() == 0 ? nullptr : buffer.data();
}

}  // namespace

struct CudaNormalEquations::Device {
  cudaStream_t stream = nullptr;
  cudaEvent_t start = nullptr;
  cudaEvent_t stop = nullptr;
  cusolverDnHandle_t dense_solver = nullptr;
  cublasHandle_t blas = nullptr;
  cusolverSpHandle_t sparse_solver = nullptr;
  cusparseMatDescr_t descr = nullptr;
  csrcholInfo_t chol = nullptr;

  // The maps (normal_maps.h).
  DeviceBuffer<int32_t> gather_start, gather_coo, row_start, unique_col, col_start, col_entry, col_row;
  DeviceBuffer<int64_t> product_start;
  DeviceBuffer<int32_t> product_p, product_q, target_upper, target_lower, iperm;
  DeviceBuffer<uint8_t> slot_diagonal;
  DeviceBuffer<int32_t> csr_row_ptr, csr_col;  // the block diagonal of all elements (sparse)

  // Values: J's COO values and r as copied in, U and A (batch-minor), the
  // factorisation input W (B blocks of maps.stride; dense: the factors).
  DeviceBuffer<double> coo, residuals, u, a, w, gradient, squared_norm, lambda;
  DeviceBuffer<uint8_t> mask, not_finite, mode;
  DeviceBuffer<double> in, out;         // vectors of solve, jv and jtv
  DeviceBuffer<double> z, x, pivots;    // B·n each (sparse)
  DeviceBuffer<int32_t> first_bad, info;
  DeviceBuffer<double*> w_pointers, rhs_pointers;  // dense
  DeviceBuffer<char> chol_workspace;

  Device() {
    CheckCuda(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking), "cudaStreamCreate");
    CheckCuda(cudaEventCreate(&start), "cudaEventCreate");
    CheckCuda(cudaEventCreate(&stop), "cudaEventCreate");
  }
  ~Device() {
    if (chol != nullptr) cusolverSpDestroyCsrcholInfo(chol);
    if (descr != nullptr) cusparseDestroyMatDescr(descr);
    if (sparse_solver != nullptr) cusolverSpDestroy(sparse_solver);
    if (blas != nullptr) cublasDestroy(blas);
    if (dense_solver != nullptr) cusolverDnDestroy(dense_solver);
    if (stop != nullptr) cudaEventDestroy(stop);
    if (start != nullptr) cudaEventDestroy(start);
    if (stream != nullptr) cudaStreamDestroy(stream);
  }

  void Start() { CheckCuda(cudaEventRecord(start, stream), "cudaEventRecord"); }
  // Seconds since Start, after the stream's work so far has finished.
  double Stop() {
    CheckCuda(cudaEventRecord(stop, stream), "cudaEventRecord");
    CheckCuda(cudaEventSynchronize(stop), "the device's work");
    float ms = 0;
    CheckCuda(cudaEventElapsedTime(&ms, start, stop), "cudaEventElapsedTime");
    return ms * 1e-3;
  }
  void Synchronize() { CheckCuda(cudaStreamSynchronize(stream), "the device's work"); }
};

CudaNormalEquations::CudaNormalEquations(const PatternInput& input, int64_t batch,
                                         const NormalEquationsOptions& options)
    : BatchedNormalEquations(input, batch, options, kConstructor) {
  const DeviceInfo info = QueryDevice();
  if (!info.available) throw StateError(Concat(kConstructor, ": the CUDA backend is unavailable (", info.reason, ")"));
  CheckCuda(cudaSetDevice(0), "cudaSetDevice");

  NormalPattern& pattern = mutable_pattern();
  const int B = this->batch();
  const int n = pattern.n();
  maps_ = BuildNormalMaps(pattern);
  dense_ = options.kind == KindRequest::kDense || (options.kind == KindRequest::kAuto && AutoKindIsDense(pattern));
  if (dense_) {
    pattern.UseDenseLayout(kConstructor);
    UseDenseLayout(pattern, &maps_);
    factor_nonzeros_ = static_cast<int64_t>(n) * (n + 1) / 2;
  } else {
    const SupernodalSymbolic symbolic = AnalyseSupernodalDefault(pattern);
    UseSparseLayout(pattern, symbolic.perm, &maps_);
    factor_nonzeros_ = symbolic.true_nonzeros;
    // csrchol indexes the block diagonal of all elements with 32-bit integers.
    const int64_t limit = std::min(kMaxInt32 / maps_.stride, (kMaxInt32 - 1) / n);
    if (B > limit) {
      throw RangeArgumentError(MustBe(kConstructor, "batch",
                                      Concat("at most ", limit, " for this pattern with the sparse kind on CUDA (",
                                             "cuSOLVER's sparse Cholesky indexes all elements' entries with 32-bit integers)"),
                                      Concat(B)));
    }
  }

  // Doubles per element (J in, r, U, A, W, g, vectors, pivots) plus, sparse,
  // the block-diagonal indices and the factor (its values and row indices).
  const double per_element = 8.0 * (maps_.nnz + 3.0 * maps_.m + maps_.unique + maps_.a_nnz + maps_.stride + 6.0 * n) +
                             (dense_ ? 0.0 : 4.0 * (maps_.stride + n) + 12.0 * factor_nonzeros_);
  const double maps_bytes = 8.0 * maps_.product_start.size() + 4.0 * (maps_.product_p.size() + maps_.product_q.size()) +
                            4.0 * (maps_.gather_coo.size() + 3.0 * maps_.unique + 2.0 * maps_.m + 3.0 * maps_.a_nnz);
  CheckDeviceMemory(B * per_element + maps_bytes);

  device_ = std::make_unique<Device>();
  Device& d = *device_;
  cudaStream_t stream = d.stream;
  d.gather_start = ToDevice(maps_.gather_start, stream);
  d.gather_coo = ToDevice(maps_.gather_coo, stream);
  d.row_start = ToDevice(maps_.row_start, stream);
  d.unique_col = ToDevice(maps_.unique_col, stream);
  d.col_start = ToDevice(maps_.col_start, stream);
  d.col_entry = ToDevice(maps_.col_entry, stream);
  d.col_row = ToDevice(maps_.col_row, stream);
  d.product_start = ToDevice(maps_.product_start, stream);
  d.product_p = ToDevice(maps_.product_p, stream);
  d.product_q = ToDevice(maps_.product_q, stream);
  d.slot_diagonal = ToDevice(maps_.slot_diagonal, stream);
  d.target_upper = ToDevice(maps_.target_upper, stream);
  d.target_lower = ToDevice(maps_.target_lower, stream);

  d.coo.Resize(static_cast<size_t>(B) * maps_.nnz);
  d.residuals.Resize(static_cast<size_t>(B) * maps_.m);
  d.u.Resize(static_cast<size_t>(B) * maps_.unique);
  d.u.Zero(stream);  // J of an element never linearized is 0 (jv, jtv)
  d.a.Resize(static_cast<size_t>(B) * maps_.a_nnz);
  d.a.Zero(stream);
  d.w.Resize(static_cast<size_t>(B) * maps_.stride);
  d.w.Zero(stream);
  d.gradient.Resize(static_cast<size_t>(B) * n);
  d.squared_norm.Resize(B);
  d.lambda.Resize(B);
  d.lambda.Zero(stream);
  d.mask.Resize(B);
  d.not_finite.Resize(B);
  d.mode.Resize(B);
  d.first_bad.Resize(B);
  // Every block starts as I: elements not yet factored stay positive definite.
  Damp(std::vector<uint8_t>(B, kIdentity), false);

  if (dense_) {
    d.info.Resize(B);
    d.w_pointers.Resize(B);
    d.rhs_pointers.Resize(B);
    CheckSolver(cusolverDnCreate(&d.dense_solver), "cusolverDnCreate");
    CheckSolver(cusolverDnSetStream(d.dense_solver, stream), "cusolverDnSetStream");
    CheckBlas(cublasCreate(&d.blas), "cublasCreate");
    CheckBlas(cublasSetStream(d.blas, stream), "cublasSetStream");
  } else {
    d.iperm = ToDevice(maps_.iperm, stream);
    d.z.Resize(static_cast<size_t>(B) * n);
    d.x.Resize(static_cast<size_t>(B) * n);
    d.pivots.Resize(static_cast<size_t>(B) * n);
    {
      const DeviceBuffer<int32_t> row_ptr = ToDevice(maps_.csr_row_ptr, stream);
      const DeviceBuffer<int32_t> col = ToDevice(maps_.csr_col, stream);
      d.csr_row_ptr.Resize(static_cast<size_t>(B) * n + 1);
      d.csr_col.Resize(static_cast<size_t>(B) * maps_.stride);
      CudaReplicateCsr(row_ptr.data(), col.data(), n, maps_.stride, B, d.csr_row_ptr.data(), d.csr_col.data(), stream);
      d.Synchronize();  // before the temporaries are freed
    }
    const int rows = B * n;
    const int entries = static_cast<int>(B * maps_.stride);
    CheckSolver(cusolverSpCreate(&d.sparse_solver), "cusolverSpCreate");
    CheckSolver(cusolverSpSetStream(d.sparse_solver, stream), "cusolverSpSetStream");
    CheckSparse(cusparseCreateMatDescr(&d.descr), "cusparseCreateMatDescr");
    CheckSparse(cusparseSetMatType(d.descr, CUSPARSE_MATRIX_TYPE_GENERAL), "cusparseSetMatType");
    CheckSparse(cusparseSetMatIndexBase(d.descr, CUSPARSE_INDEX_BASE_ZERO), "cusparseSetMatIndexBase");
    CheckSolver(cusolverSpCreateCsrcholInfo(&d.chol), "cusolverSpCreateCsrcholInfo");
    CheckSolver(cusolverSpXcsrcholAnalysis(d.sparse_solver, rows, entries, d.descr, d.csr_row_ptr.data(),
                                           d.csr_col.data(), d.chol),
                "cusolverSpXcsrcholAnalysis");
    size_t internal_bytes = 0;
    size_t workspace_bytes = 0;
    CheckSolver(cusolverSpDcsrcholBufferInfo(d.sparse_solver, rows, entries, d.descr, d.w.data(), d.csr_row_ptr.data(),
                                             d.csr_col.data(), d.chol, &internal_bytes, &workspace_bytes),
                "cusolverSpDcsrcholBufferInfo");
    d.chol_workspace.Resize(workspace_bytes);
    memory_bytes_ += static_cast<int64_t>(internal_bytes);
  }
  d.Synchronize();
  a_finite_.assign(B, 1);
  for (const size_t bytes :
       {d.gather_start.bytes(), d.gather_coo.bytes(), d.row_start.bytes(), d.unique_col.bytes(), d.col_start.bytes(),
        d.col_entry.bytes(), d.col_row.bytes(), d.product_start.bytes(), d.product_p.bytes(), d.product_q.bytes(),
        d.target_upper.bytes(), d.target_lower.bytes(), d.iperm.bytes(), d.slot_diagonal.bytes(),
        d.csr_row_ptr.bytes(), d.csr_col.bytes(), d.coo.bytes(), d.residuals.bytes(), d.u.bytes(), d.a.bytes(),
        d.w.bytes(), d.gradient.bytes(), d.z.bytes(), d.x.bytes(), d.pivots.bytes(), d.chol_workspace.bytes()}) {
    memory_bytes_ += static_cast<int64_t>(bytes);
  }
}

CudaNormalEquations::~CudaNormalEquations() = default;

std::string CudaNormalEquations::backend_name() const {
  return dense_ ? "cusolver-potrf-batched" : "cusolver-csrchol";
}

void CudaNormalEquations::CheckDeviceMemory(double bytes) const {
  size_t free_bytes = 0;
  size_t total_bytes = 0;
  CheckCuda(cudaMemGetInfo(&free_bytes, &total_bytes), "cudaMemGetInfo");
  if (bytes > static_cast<double>(free_bytes)) {
    throw RangeArgumentError(MustBe(kConstructor, "batch",
                                    Concat("small enough for the device's ", Gibibytes(static_cast<double>(free_bytes)),
                                           " of free memory (this pattern needs about ", Gibibytes(bytes),
                                           " at that batch)"),
                                    Concat(batch())));
  }
}

void CudaNormalEquations::Damp(const std::vector<uint8_t>& mode, bool identity_damping) {
  Device& d = *device_;
  d.mode.Upload(mode.data(), mode.size(), d.stream);
  DampArguments arguments{};
  arguments.a = d.a.data();
  arguments.batch = batch();
  arguments.a_nnz = maps_.a_nnz;
  arguments.slot_diagonal = d.slot_diagonal.data();
  arguments.target_upper = d.target_upper.data();
  arguments.target_lower = d.target_lower.data();
  arguments.stride = maps_.stride;
  arguments.lambda = d.lambda.data();
  arguments.mode = d.mode.data();
  arguments.identity_damping = identity_damping;
  arguments.min_damping = kMinDiagonalDamping;
  arguments.max_damping = kMaxDiagonalDamping;
  arguments.w = d.w.data();
  // The dense blocks hold the last factor's fill outside A's pattern.
  if (dense_) CudaZeroBlocks(d.w.data(), maps_.stride, batch(), d.mode.data(), d.stream);
  CudaDamp(arguments, d.stream);
}

void CudaNormalEquations::DoLinearize(const double* j_values, const double* residuals,
                                      const std::vector<uint8_t>& mask, double* gradient, double* squared_norm) {
  Device& d = *device_;
  const int B = batch();
  d.mask.Upload(mask.data(), B, d.stream);
  d.coo.Upload(j_values, d.coo.size(), d.stream);
  d.residuals.Upload(residuals, d.residuals.size(), d.stream);
  d.not_finite.Zero(d.stream);
  d.Start();
  CudaGatherUnique(d.coo.data(), maps_.nnz, B, d.mask.data(), OrNull(d.gather_start), d.gather_coo.data(),
                   maps_.unique, d.u.data(), d.stream);
  CudaFormNormal(d.u.data(), B, d.mask.data(), d.product_start.data(), d.product_p.data(), d.product_q.data(),
                 maps_.a_nnz, d.a.data(), d.not_finite.data(), d.stream);
  CudaMultiplyJt(d.u.data(), B, d.mask.data(), d.col_start.data(), d.col_entry.data(), d.col_row.data(), maps_.m,
                 maps_.n, d.residuals.data(), d.gradient.data(), d.stream);
  CudaSquaredNorms(d.residuals.data(), maps_.m, B, d.mask.data(), d.squared_norm.data(), d.stream);
  last_device_seconds_ = d.Stop();
  d.gradient.Download(gradient, d.gradient.size(), d.stream);
  d.squared_norm.Download(squared_norm, B, d.stream);
  std::vector<uint8_t> not_finite(B);
  d.not_finite.Download(not_finite.data(), B, d.stream);
  d.Synchronize();
  for (int b = 0; b < B; ++b) {
    if (mask[b]) a_finite_[b] = !not_finite[b];
  }
}

void CudaNormalEquations::DoFactor(const double* lambda, Damping damping) {
  Device& d = *device_;
  const int B = batch();
  // Active elements are damped and factored; those whose A is not finite get
  // I (they fail without a factorisation); inactive ones keep their block.
  std::vector<uint8_t> mode(B, kKeep);
  int64_t count = 0;
  for (int b = 0; b < B; ++b) {
    if (!active()[b]) continue;
    if (!a_finite_[b]) {
      set_status(b, {false, kNotFiniteReason});
      mode[b] = kIdentity;
      continue;
    }
    mode[b] = kDamp;
    ++count;
  }
  CountFactorizations(count);
  d.lambda.Upload(lambda, B, d.stream);
  d.Start();
  Damp(mode, damping == Damping::kIdentity);
  if (dense_) {
    FactorDense(mode);
  } else {
    FactorSparse(std::move(mode));
  }
  last_device_seconds_ = d.Stop();
}

void CudaNormalEquations::FactorDense(const std::vector<uint8_t>& mode) {
  Device& d = *device_;
  const int B = batch();
  const int n = maps_.n;
  std::vector<double*> pointers;
  std::vector<int> elements;
  for (int b = 0; b < B; ++b) {
    if (mode[b] != kDamp) continue;
    pointers.push_back(d.w.data() + b * maps_.stride);
    elements.push_back(b);
  }
  if (elements.empty()) return;
  const int count = static_cast<int>(elements.size());
  d.w_pointers.Upload(pointers.data(), count, d.stream);
  CheckSolver(cusolverDnDpotrfBatched(d.dense_solver, CUBLAS_FILL_MODE_LOWER, n, d.w_pointers.data(), n, d.info.data(),
                                      count),
              "cusolverDnDpotrfBatched");
  // L's diagonal: finite and positive, or the factorisation overflowed.
  CudaFirstBadPivot(d.w.data(), n, B, maps_.stride, n + 1, d.first_bad.data(), d.stream);
  std::vector<int32_t> info(count);
  std::vector<int32_t> first_bad(B);
  d.info.Download(info.data(), count, d.stream);
  d.first_bad.Download(first_bad.data(), B, d.stream);
  d.Synchronize();
  for (int i = 0; i < count; ++i) {
    const int b = elements[i];
    if (info[i] < 0) throw InternalError(Concat("cusolverDnDpotrfBatched: invalid parameter ", -info[i]));
    if (info[i] > 0) {
      set_status(b, {false, NotPositiveDefiniteReason(info[i] - 1)});  // the leading minor of order info fails
    } else if (first_bad[b] >= 0) {
      set_status(b, {false, kOverflowReason});
    } else {
      set_status(b, {true, ""});
    }
  }
}

void CudaNormalEquations::FactorSparse(std::vector<uint8_t> mode) {
  Device& d = *device_;
  const int B = batch();
  const int n = maps_.n;
  bool changed = false;
  for (uint8_t m : mode) changed = changed || m != kKeep;
  if (!changed && factor_exists_) return;  // every block as factored last time
  const int rows = B * n;
  const int entries = static_cast<int>(B * maps_.stride);
  // At most one round per failing element, plus the clean one.
  for (int round = 0; round <= B; ++round) {
    CheckSolver(cusolverSpDcsrcholFactor(d.sparse_solver, rows, entries, d.descr, d.w.data(), d.csr_row_ptr.data(),
                                         d.csr_col.data(), d.chol, d.chol_workspace.data()),
                "cusolverSpDcsrcholFactor");
    factor_exists_ = true;
    // The first zero pivot, trusted alone (the factorisation may not have
    // reached the later blocks); without one, every block's pivots.
    int position = -1;
    CheckSolver(cusolverSpDcsrcholZeroPivot(d.sparse_solver, d.chol, 0.0, &position), "cusolverSpDcsrcholZeroPivot");
    std::vector<int32_t> bad(B, -1);
    if (position >= 0) {
      bad[position / n] = position % n;
    } else {
      CheckSolver(cusolverSpDcsrcholDiag(d.sparse_solver, d.chol, d.pivots.data()), "cusolverSpDcsrcholDiag");
      CudaFirstBadPivot(d.pivots.data(), n, B, n, 1, d.first_bad.data(), d.stream);
      d.first_bad.Download(bad.data(), B, d.stream);
      d.Synchronize();
    }
    std::vector<uint8_t> replace(B, kKeep);
    bool replaced = false;
    for (int b = 0; b < B; ++b) {
      if (bad[b] < 0) continue;
      if (mode[b] != kDamp) {
        throw InternalError(Concat("cusolverSpDcsrcholFactor: a pivot of batch element ", b,
                                   " failed although its block is positive definite"));
      }
      set_status(b, {false, NotPositiveDefiniteReason(maps_.perm[bad[b]])});
      mode[b] = kIdentity;
      replace[b] = kIdentity;
      replaced = true;
    }
    if (!replaced) {
      for (int b = 0; b < B; ++b) {
        if (mode[b] == kDamp) set_status(b, {true, ""});
      }
      return;
    }
    Damp(replace, false);
  }
  throw InternalError("cusolverSpDcsrcholFactor: pivots kept failing after every failed block was replaced");
}

void CudaNormalEquations::DoSolve(const double* rhs, int k, double* out) {
  Device& d = *device_;
  const int B = batch();
  const int n = maps_.n;
  const size_t size = static_cast<size_t>(B) * k * n;
  d.in.Reserve(size);
  d.in.Upload(rhs, size, d.stream);
  d.Start();
  if (dense_) {
    std::vector<const double*> factors;
    std::vector<double*> sides;
    for (int b = 0; b < B; ++b) {
      if (!status(b).ok) continue;
      factors.push_back(d.w.data() + b * maps_.stride);
      sides.push_back(d.in.data() + static_cast<size_t>(b) * k * n);
    }
    const int count = static_cast<int>(factors.size());
    if (count > 0) {
      d.w_pointers.Upload(const_cast<double**>(factors.data()), count, d.stream);
      d.rhs_pointers.Upload(sides.data(), count, d.stream);
      const double one = 1.0;
      // x = L⁻ᵀ (L⁻¹ rhs), k columns of n per element.
      for (const cublasOperation_t op : {CUBLAS_OP_N, CUBLAS_OP_T}) {
        CheckBlas(cublasDtrsmBatched(d.blas, CUBLAS_SIDE_LEFT, CUBLAS_FILL_MODE_LOWER, op, CUBLAS_DIAG_NON_UNIT, n, k,
                                     &one, d.w_pointers.data(), n, d.rhs_pointers.data(), n, count),
                  "cublasDtrsmBatched");
      }
    }
    last_device_seconds_ = d.Stop();
    d.in.Download(out, size, d.stream);
  } else {
    d.out.Reserve(size);
    if (factor_exists_) {
      for (int kk = 0; kk < k; ++kk) {
        CudaPermuteIn(d.in.data(), B, k, kk, n, d.iperm.data(), d.z.data(), d.stream);
        CheckSolver(cusolverSpDcsrcholSolve(d.sparse_solver, B * n, d.z.data(), d.x.data(), d.chol,
                                            d.chol_workspace.data()),
                    "cusolverSpDcsrcholSolve");
        CudaPermuteOut(d.x.data(), B, k, kk, n, d.iperm.data(), d.out.data(), d.stream);
      }
    }
    last_device_seconds_ = d.Stop();
    d.out.Download(out, size, d.stream);
  }
  d.Synchronize();
}

void CudaNormalEquations::DoMultiply(const double* in, bool transpose, double* out) {
  Device& d = *device_;
  const int B = batch();
  const size_t in_size = static_cast<size_t>(B) * (transpose ? maps_.m : maps_.n);
  const size_t out_size = static_cast<size_t>(B) * (transpose ? maps_.n : maps_.m);
  d.in.Reserve(in_size);
  d.out.Reserve(out_size);
  d.in.Upload(in, in_size, d.stream);
  d.Start();
  if (transpose) {
    CudaMultiplyJt(d.u.data(), B, nullptr, d.col_start.data(), d.col_entry.data(), d.col_row.data(), maps_.m, maps_.n,
                   d.in.data(), d.out.data(), d.stream);
  } else {
    CudaMultiplyJ(d.u.data(), B, nullptr, d.row_start.data(), d.unique_col.data(), maps_.m, maps_.n, d.in.data(),
                  d.out.data(), d.stream);
  }
  last_device_seconds_ = d.Stop();
  d.out.Download(out, out_size, d.stream);
  d.Synchronize();
}

std::vector<double> CudaNormalEquations::NormalMatrix(int element) {
  Device& d = *device_;
  std::vector<double> all(d.a.size());
  d.a.Download(all.data(), all.size(), d.stream);
  d.Synchronize();
  std::vector<double> a(maps_.a_nnz);
  for (int64_t s = 0; s < maps_.a_nnz; ++s) a[s] = all[s * batch() + element];
  return a;
}

}  // namespace ariadne::cuda

#pragma GCC diagnostic pop
