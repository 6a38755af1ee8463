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

#include <algorithm>
#include <limits>
#include <utility>

#include "cuda_check.h"
#include "device_buffer.h"
#include "device_info.h"
#include "errors.h"
#include "kernel_math.h"
#include "kernels.h"
#include "memory.h"
#include "messages.h"
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

// What every kind keeps on the device: the stream, the maps and the values.
struct CudaNormalEquations::Device {
  cudaStream_t stream = nullptr;
  cudaEvent_t start = nullptr;
  cudaEvent_t stop = nullptr;

  // The maps (normal_maps.h).
  DeviceBuffer<int32_t> gather_start, gather_coo, row_start, unique_col, col_start, col_entry, col_row;
  DeviceBuffer<int64_t> product_start;
  DeviceBuffer<int32_t> product_p, product_q, target_upper, target_lower;
  DeviceBuffer<uint8_t> slot_diagonal;

  // Values: J's COO values and r as copied in, U and A (batch-minor), the
  // factorisation input W (B blocks of maps.stride; dense: the factors), and
  // factor's extra term E as copied in (batch-major).
  DeviceBuffer<double> coo, residuals, u, a, w, gradient, squared_norm, lambda, extra;
  DeviceBuffer<uint8_t> mask, not_finite, mode;
  DeviceBuffer<double> in, out;  // vectors of solve, jv and jtv
  DeviceBuffer<int32_t> first_bad;

  Device() {
    CheckCuda(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking), "cudaStreamCreate");
    CheckCuda(cudaEventCreate(&start), "cudaEventCreate");
    CheckCuda(cudaEventCreate(&stop), "cudaEventCreate");
  }
  ~Device() {
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

// A solver kind on the device. Its constructor puts the pattern and the maps
// in the kind's layout (host only); Allocate makes its device state once the
// shared buffers exist; Factor factors W's blocks whose mode is kDamp (W
// written by Damp) and sets their statuses; Solve solves with the kept
// factors for the k right-hand sides in d.in and returns the buffer that
// holds the solutions.
class CudaNormalEquations::DeviceCholesky {
 public:
  explicit DeviceCholesky(CudaNormalEquations& core) : core_(core) {}
  virtual ~DeviceCholesky() = default;

  virtual std::string name() const = 0;
  virtual int64_t factor_nonzeros() const = 0;
  // Device bytes per element beyond the shared buffers (for the memory check).
  virtual double bytes_per_element() const = 0;
  // Whether W's blocks are zeroed before Damp writes A's slots (a dense
  // block holds the last factor's fill outside A's pattern).
  virtual bool zeroes_blocks() const = 0;
  virtual void Allocate() = 0;
  // Device bytes it holds.
  virtual int64_t memory_bytes() const = 0;
  virtual void Factor(std::vector<uint8_t> mode) = 0;
  virtual DeviceBuffer<double>& Solve(int k) = 0;

 protected:
  CudaNormalEquations& core_;
  Device& device() { return *core_.device_; }
  const NormalMaps& maps() const { return core_.maps_; }
};

class CudaNormalEquations::DenseDeviceCholesky : public DeviceCholesky {
 public:
  explicit DenseDeviceCholesky(CudaNormalEquations& core) : DeviceCholesky(core) {
    core.mutable_pattern().UseDenseLayout(kConstructor);
    UseDenseLayout(core.pattern(), &core.maps_);
  }
  ~DenseDeviceCholesky() override {
    if (blas_ != nullptr) cublasDestroy(blas_);
    if (solver_ != nullptr) cusolverDnDestroy(solver_);
  }

  std::string name() const override { return "cusolver-potrf-batched"; }
  int64_t factor_nonzeros() const override { return static_cast<int64_t>(maps().n) * (maps().n + 1) / 2; }
  double bytes_per_element() const override { return 0.0; }
  bool zeroes_blocks() const override { return true; }

  void Allocate() override {
    Device& d = device();
    const int B = core_.batch();
    info_.Resize(B);
    w_pointers_.Resize(B);
    rhs_pointers_.Resize(B);
    CheckSolver(cusolverDnCreate(&solver_), "cusolverDnCreate");
    CheckSolver(cusolverDnSetStream(solver_, d.stream), "cusolverDnSetStream");
    CheckBlas(cublasCreate(&blas_), "cublasCreate");
    CheckBlas(cublasSetStream(blas_, d.stream), "cublasSetStream");
  }

  int64_t memory_bytes() const override { return 0; }

  void Factor(std::vector<uint8_t> mode) override {
    Device& d = device();
    const int B = core_.batch();
    const int n = maps().n;
    const int64_t stride = maps().stride;
    std::vector<double*> pointers;
    std::vector<int> elements;
    for (int b = 0; b < B; ++b) {
      if (mode[b] != kDamp) continue;
      pointers.push_back(d.w.data() + b * stride);
      elements.push_back(b);
    }
    if (elements.empty()) return;
    const int count = static_cast<int>(elements.size());
    w_pointers_.Upload(pointers.data(), count, d.stream);
    CheckSolver(cusolverDnDpotrfBatched(solver_, CUBLAS_FILL_MODE_LOWER, n, w_pointers_.data(), n, info_.data(), count),
                "cusolverDnDpotrfBatched");
    // L's diagonal: finite and positive, or the factorisation overflowed.
    CudaFirstBadPivot(d.w.data(), n, B, stride, n + 1, d.first_bad.data(), d.stream);
    std::vector<int32_t> info(count);
    std::vector<int32_t> first_bad(B);
    info_.Download(info.data(), count, d.stream);
    d.first_bad.Download(first_bad.data(), B, d.stream);
    d.Synchronize();
    for (int i = 0; i < count; ++i) {
      const int b = elements[i];
      if (info[i] < 0) throw InternalError(Concat("cusolverDnDpotrfBatched: invalid parameter ", -info[i]));
      if (info[i] > 0) {
        core_.set_status(b, NotPositiveDefinite(info[i] - 1));  // the leading minor of order info fails
      } else if (first_bad[b] >= 0) {
        core_.set_status(b, {false, kOverflowReason});
      } else {
        core_.set_status(b, {true, ""});
      }
    }
  }

  // x = L⁻ᵀ (L⁻¹ rhs) in place in d.in, k columns of n per element.
  DeviceBuffer<double>& Solve(int k) override {
    Device& d = device();
    const int n = maps().n;
    std::vector<const double*> factors;
    std::vector<double*> sides;
    for (int b = 0; b < core_.batch(); ++b) {
      if (!core_.status(b).ok) continue;
      factors.push_back(d.w.data() + b * maps().stride);
      sides.push_back(d.in.data() + static_cast<size_t>(b) * k * n);
    }
    const int count = static_cast<int>(factors.size());
    if (count > 0) {
      w_pointers_.Upload(const_cast<double**>(factors.data()), count, d.stream);
      rhs_pointers_.Upload(sides.data(), count, d.stream);
      const double one = 1.0;
      for (const cublasOperation_t op : {CUBLAS_OP_N, CUBLAS_OP_T}) {
        CheckBlas(cublasDtrsmBatched(blas_, CUBLAS_SIDE_LEFT, CUBLAS_FILL_MODE_LOWER, op, CUBLAS_DIAG_NON_UNIT, n, k,
                                     &one, w_pointers_.data(), n, rhs_pointers_.data(), n, count),
                  "cublasDtrsmBatched");
      }
    }
    return d.in;
  }

 private:
  cusolverDnHandle_t solver_ = nullptr;
  cublasHandle_t blas_ = nullptr;
  DeviceBuffer<int32_t> info_;
  DeviceBuffer<double*> w_pointers_, rhs_pointers_;
};

class CudaNormalEquations::SparseDeviceCholesky : public DeviceCholesky {
 public:
  explicit SparseDeviceCholesky(CudaNormalEquations& core) : DeviceCholesky(core) {
    const SupernodalSymbolic symbolic = AnalyseSupernodalDefault(core.pattern());
    UseSparseLayout(core.pattern(), symbolic.perm, &core.maps_);
    factor_nonzeros_ = symbolic.true_nonzeros;
    // csrchol indexes the block diagonal of all elements with 32-bit integers.
    const NormalMaps& m = maps();
    const int64_t limit = std::min(kMaxInt32 / m.stride, (kMaxInt32 - 1) / m.n);
    if (core.batch() > limit) {
      throw RangeArgumentError(
          MustBe(kConstructor, "batch",
                 Concat("at most ", limit, " for this pattern with the sparse kind on CUDA (",
                        "cuSOLVER's sparse Cholesky indexes all elements' entries with 32-bit integers)"),
                 Concat(core.batch())));
    }
  }
  ~SparseDeviceCholesky() override {
    if (chol_ != nullptr) cusolverSpDestroyCsrcholInfo(chol_);
    if (descr_ != nullptr) cusparseDestroyMatDescr(descr_);
    if (solver_ != nullptr) cusolverSpDestroy(solver_);
  }

  std::string name() const override { return "cusolver-csrchol"; }
  int64_t factor_nonzeros() const override { return factor_nonzeros_; }
  // The block diagonal's indices, the vectors and the factor (values and row indices).
  double bytes_per_element() const override { return 4.0 * (maps().stride + maps().n) + 12.0 * factor_nonzeros_; }
  bool zeroes_blocks() const override { return false; }

  void Allocate() override {
    Device& d = device();
    const NormalMaps& m = maps();
    const int B = core_.batch();
    const int n = m.n;
    cudaStream_t stream = d.stream;
    iperm_ = ToDevice(m.iperm, stream);
    z_.Resize(static_cast<size_t>(B) * n);
    x_.Resize(static_cast<size_t>(B) * n);
    pivots_.Resize(static_cast<size_t>(B) * n);
    {
      const DeviceBuffer<int32_t> row_ptr = ToDevice(m.csr_row_ptr, stream);
      const DeviceBuffer<int32_t> col = ToDevice(m.csr_col, stream);
      csr_row_ptr_.Resize(static_cast<size_t>(B) * n + 1);
      csr_col_.Resize(static_cast<size_t>(B) * m.stride);
      CudaReplicateCsr(row_ptr.data(), col.data(), n, m.stride, B, csr_row_ptr_.data(), csr_col_.data(), stream);
      d.Synchronize();  // before the temporaries are freed
    }
    const int rows = B * n;
    const int entries = static_cast<int>(B * m.stride);
    CheckSolver(cusolverSpCreate(&solver_), "cusolverSpCreate");
    CheckSolver(cusolverSpSetStream(solver_, stream), "cusolverSpSetStream");
    CheckSparse(cusparseCreateMatDescr(&descr_), "cusparseCreateMatDescr");
    CheckSparse(cusparseSetMatType(descr_, CUSPARSE_MATRIX_TYPE_GENERAL), "cusparseSetMatType");
    CheckSparse(cusparseSetMatIndexBase(descr_, CUSPARSE_INDEX_BASE_ZERO), "cusparseSetMatIndexBase");
    CheckSolver(cusolverSpCreateCsrcholInfo(&chol_), "cusolverSpCreateCsrcholInfo");
    CheckSolver(cusolverSpXcsrcholAnalysis(solver_, rows, entries, descr_, csr_row_ptr_.data(), csr_col_.data(), chol_),
                "cusolverSpXcsrcholAnalysis");
    size_t workspace_bytes = 0;
    CheckSolver(cusolverSpDcsrcholBufferInfo(solver_, rows, entries, descr_, d.w.data(), csr_row_ptr_.data(),
                                             csr_col_.data(), chol_, &internal_bytes_, &workspace_bytes),
                "cusolverSpDcsrcholBufferInfo");
    workspace_.Resize(workspace_bytes);
  }

  int64_t memory_bytes() const override {
    size_t bytes = internal_bytes_;
    for (const size_t b : {iperm_.bytes(), csr_row_ptr_.bytes(), csr_col_.bytes(), z_.bytes(), x_.bytes(),
                           pivots_.bytes(), workspace_.bytes()}) {
      bytes += b;
    }
    return static_cast<int64_t>(bytes);
  }

  void Factor(std::vector<uint8_t> mode) override {
    Device& d = device();
    const NormalMaps& m = maps();
    const int B = core_.batch();
    const int n = m.n;
    bool changed = false;
    for (uint8_t mo : mode) changed = changed || mo != kKeep;
    if (!changed && factor_exists_) return;  // every block as factored last time
    const int rows = B * n;
    const int entries = static_cast<int>(B * m.stride);
    // At most one round per failing element, plus the clean one.
    for (int round = 0; round <= B; ++round) {
      CheckSolver(cusolverSpDcsrcholFactor(solver_, rows, entries, descr_, d.w.data(), csr_row_ptr_.data(),
                                           csr_col_.data(), chol_, workspace_.data()),
                  "cusolverSpDcsrcholFactor");
      factor_exists_ = true;
      // The first zero pivot, trusted alone (the factorisation may not have
      // reached the later blocks); without one, every block's pivots.
      int position = -1;
      CheckSolver(cusolverSpDcsrcholZeroPivot(solver_, chol_, 0.0, &position), "cusolverSpDcsrcholZeroPivot");
      std::vector<int32_t> bad(B, -1);
      if (position >= 0) {
        bad[position / n] = position % n;
      } else {
        CheckSolver(cusolverSpDcsrcholDiag(solver_, chol_, pivots_.data()), "cusolverSpDcsrcholDiag");
        CudaFirstBadPivot(pivots_.data(), n, B, n, 1, d.first_bad.data(), d.stream);
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
        core_.set_status(b, NotPositiveDefinite(m.perm[bad[b]]));
        mode[b] = kIdentity;
        replace[b] = kIdentity;
        replaced = true;
      }
      if (!replaced) {
        for (int b = 0; b < B; ++b) {
          if (mode[b] == kDamp) core_.set_status(b, {true, ""});
        }
        return;
      }
      core_.Damp(replace, false, false);
    }
    throw InternalError("cusolverSpDcsrcholFactor: pivots kept failing after every failed block was replaced");
  }

  DeviceBuffer<double>& Solve(int k) override {
    Device& d = device();
    const int B = core_.batch();
    const int n = maps().n;
    d.out.Reserve(static_cast<size_t>(B) * k * n);
    if (factor_exists_) {
      for (int kk = 0; kk < k; ++kk) {
        CudaPermuteIn(d.in.data(), B, k, kk, n, iperm_.data(), z_.data(), d.stream);
        CheckSolver(cusolverSpDcsrcholSolve(solver_, B * n, z_.data(), x_.data(), chol_, workspace_.data()),
                    "cusolverSpDcsrcholSolve");
        CudaPermuteOut(x_.data(), B, k, kk, n, iperm_.data(), d.out.data(), d.stream);
      }
    }
    return d.out;
  }

 private:
  int64_t factor_nonzeros_ = 0;
  cusolverSpHandle_t solver_ = nullptr;
  cusparseMatDescr_t descr_ = nullptr;
  csrcholInfo_t chol_ = nullptr;
  size_t internal_bytes_ = 0;
  DeviceBuffer<int32_t> iperm_;
  DeviceBuffer<int32_t> csr_row_ptr_, csr_col_;  // the block diagonal of all elements
  DeviceBuffer<double> z_, x_, pivots_;          // B·n each
  DeviceBuffer<char> workspace_;
  bool factor_exists_ = false;
};

std::unique_ptr<CudaNormalEquations::DeviceCholesky> CudaNormalEquations::MakeDeviceCholesky(
    SolverKind kind, CudaNormalEquations& core) {
  switch (kind) {
    case SolverKind::kDense:
      return std::make_unique<DenseDeviceCholesky>(core);
    case SolverKind::kSparse:
      return std::make_unique<SparseDeviceCholesky>(core);
  }
  throw RangeArgumentError(
      MustBe(kConstructor, "options.kind", "a kind the CUDA backend has", Concat("'", KindName(kind), "'")));
}

CudaNormalEquations::CudaNormalEquations(const PatternInput& input, int64_t batch,
                                         const NormalEquationsOptions& options)
    : BatchedNormalEquations(input, batch, options, kConstructor) {
  const DeviceInfo info = QueryDevice();
  if (!info.available) throw StateError(Concat(kConstructor, ": the CUDA backend is unavailable (", info.reason, ")"));
  CheckCuda(cudaSetDevice(0), "cudaSetDevice");

  const int B = this->batch();
  const int n = pattern().n();
  maps_ = BuildNormalMaps(pattern());
  solver_ = MakeDeviceCholesky(kind(), *this);

  // Doubles per element (J in, r, U, A, W, g, vectors, pivots) plus the kind's own.
  const double per_element = 8.0 * (maps_.nnz + 3.0 * maps_.m + maps_.unique + maps_.a_nnz + maps_.stride + 6.0 * n) +
                             solver_->bytes_per_element();
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
  Damp(std::vector<uint8_t>(B, kIdentity), false, false);

  solver_->Allocate();
  d.Synchronize();
  a_finite_.assign(B, 1);
  memory_bytes_ = solver_->memory_bytes();
  for (const size_t bytes :
       {d.gather_start.bytes(), d.gather_coo.bytes(), d.row_start.bytes(), d.unique_col.bytes(), d.col_start.bytes(),
        d.col_entry.bytes(), d.col_row.bytes(), d.product_start.bytes(), d.product_p.bytes(), d.product_q.bytes(),
        d.target_upper.bytes(), d.target_lower.bytes(), d.slot_diagonal.bytes(), d.coo.bytes(), d.residuals.bytes(),
        d.u.bytes(), d.a.bytes(), d.w.bytes(), d.gradient.bytes()}) {
    memory_bytes_ += static_cast<int64_t>(bytes);
  }
}

CudaNormalEquations::~CudaNormalEquations() {
  // The solver's handles go before the stream they run on.
  solver_.reset();
}

std::string CudaNormalEquations::backend_name() const { return solver_->name(); }

int64_t CudaNormalEquations::factor_nonzeros() const { return solver_->factor_nonzeros(); }

void CudaNormalEquations::CheckDeviceMemory(double bytes) const {
  size_t free_bytes = 0;
  size_t total_bytes = 0;
  CheckCuda(cudaMemGetInfo(&free_bytes, &total_bytes), "cudaMemGetInfo");
  if (bytes > static_cast<double>(free_bytes)) {
    throw RangeArgumentError(
        MustBe(kConstructor, "batch",
               Concat("small enough for the device's ", Gibibytes(static_cast<double>(free_bytes)),
                      " of free memory (this pattern needs about ", Gibibytes(bytes), " at that batch)"),
               Concat(batch())));
  }
}

void CudaNormalEquations::Damp(const std::vector<uint8_t>& mode, bool identity_damping, bool with_extra) {
  Device& d = *device_;
  d.mode.Upload(mode.data(), mode.size(), d.stream);
  DampArguments arguments{};
  arguments.a = d.a.data();
  arguments.extra = with_extra ? d.extra.data() : nullptr;
  arguments.batch = batch();
  arguments.a_nnz = maps_.a_nnz;
  arguments.slot_diagonal = d.slot_diagonal.data();
  arguments.target_upper = d.target_upper.data();
  arguments.target_lower = d.target_lower.data();
  arguments.stride = maps_.stride;
  arguments.lambda = d.lambda.data();
  arguments.mode = d.mode.data();
  arguments.identity_damping = identity_damping;
  arguments.min_damping = min_diagonal();
  arguments.max_damping = max_diagonal();
  arguments.w = d.w.data();
  if (solver_->zeroes_blocks()) CudaZeroBlocks(d.w.data(), maps_.stride, batch(), d.mode.data(), d.stream);
  CudaDamp(arguments, d.stream);
}

void CudaNormalEquations::DoLinearize(const double* j_values, const double* residuals, const std::vector<uint8_t>& mask,
                                      double* gradient, double* squared_norm) {
  Device& d = *device_;
  const int B = batch();
  d.mask.Upload(mask.data(), B, d.stream);
  d.coo.Upload(j_values, d.coo.size(), d.stream);
  d.residuals.Upload(residuals, d.residuals.size(), d.stream);
  d.not_finite.Zero(d.stream);
  d.Start();
  CudaGatherUnique(d.coo.data(), maps_.nnz, B, d.mask.data(), OrNull(d.gather_start), d.gather_coo.data(), maps_.unique,
                   d.u.data(), d.stream);
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

void CudaNormalEquations::DoFactor(const double* lambda, Damping damping, const double* extra) {
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
  if (extra != nullptr) {
    const size_t size = static_cast<size_t>(B) * maps_.a_nnz;
    d.extra.Reserve(size);
    d.extra.Upload(extra, size, d.stream);
  }
  d.Start();
  Damp(mode, damping == Damping::kIdentity, extra != nullptr);
  solver_->Factor(std::move(mode));
  last_device_seconds_ = d.Stop();
}

void CudaNormalEquations::DoSolve(const double* rhs, int k, double* out) {
  Device& d = *device_;
  const size_t size = static_cast<size_t>(batch()) * k * maps_.n;
  d.in.Reserve(size);
  d.in.Upload(rhs, size, d.stream);
  d.Start();
  const DeviceBuffer<double>& solutions = solver_->Solve(k);
  last_device_seconds_ = d.Stop();
  solutions.Download(out, size, d.stream);
  d.Synchronize();
}

std::unique_ptr<CholeskyFactors> CudaNormalEquations::DoSnapshot(const std::vector<uint8_t>& /*take*/) {
  throw StateError(Concat("NormalEquations.snapshot: factor snapshots are not available on the CUDA backend ('",
                          backend_name(), "'); use the CPU backend for them"));
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
