// The CUDA core of the batched normal equations: the contract of
// batched_normal_equations.h (argument checks and call order shared with the
// CPU core), with J, A and the factors kept on device 0 between calls.
//
// Per handle, once: the CPU core's analysis (NormalPattern; for the sparse
// kind the supernodal analysis' fill-reducing ordering P), turned into
// gather maps (normal_maps.h) and uploaded. The kind comes from the shared
// base (ResolveKind), and MakeDeviceCholesky, this core's one factory over
// SolverKind, makes the kind's device solver (the layout of the
// factorisation input W, its factorisation and solve).
//
// linearize: J's COO values and r are copied to the device; one thread per
//   (unique entry, element) gathers U (batch-minor), one per (slot of A,
//   element) sums its products into A, one per (column, element) forms
//   g = Jᵀr, one block per element ‖r‖²; g and ‖r‖² are copied back.
// factor: one pass writes the factorisation input W = (A + E) + λD (or I
//   for elements that must not fail, W kept for inactive ones) in the
//   kind's layout:
//   dense kind ("cusolver-potrf-batched"): B column-major n×n blocks,
//     cusolverDnDpotrfBatched on the active elements, whose infoArray is
//     each element's status;
//   sparse kind ("cusolver-csrchol"): the block-diagonal matrix
//     diag(P W_1 Pᵀ, …, P W_B Pᵀ) in full CSR, factored by cuSOLVER's
//     low-level sparse Cholesky (csrchol: analysed once per handle, which
//     also fixes the factor's storage, refactored per call, kept in the
//     csrcholInfo for solves). A pivot that is not finite and positive
//     (cusolverSpDcsrcholZeroPivot, else cusolverSpDcsrcholDiag) fails its
//     element, whose block is then replaced by I and the batch refactored,
//     so that the kept factor is clean and every other element's status is
//     exact.
// solve: dense, two cublasDtrsmBatched (L, then Lᵀ) over the elements that
//   factored, k right-hand sides at once; sparse, per right-hand side one
//   permutation in, cusolverSpDcsrcholSolve on the whole block diagonal and
//   one permutation out. Never refactors.
// jv / jtv: one thread per (row or column, element) on the kept U.
// snapshot: not available (StateError naming the device solver).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "batched_normal_equations.h"
#include "normal_maps.h"

namespace ariadne::cuda {

class CudaNormalEquations : public BatchedNormalEquations {
 public:
  // Throws StateError "no device: ..." when no CUDA device can be used, and
  // RangeError naming 'batch' when the device memory cannot hold the batch.
  CudaNormalEquations(const PatternInput& pattern, int64_t batch, const NormalEquationsOptions& options);
  ~CudaNormalEquations() override;

  std::string backend_name() const override;
  int64_t factor_nonzeros() const override;
  int64_t memory_bytes() const override { return memory_bytes_; }
  double last_device_seconds() const override { return last_device_seconds_; }

  // For tests: element b's A (slots of the compressed upper triangle, before
  // damping) from the last linearize.
  std::vector<double> NormalMatrix(int element);

 protected:
  void DoLinearize(const double* j_values, const double* residuals, const std::vector<uint8_t>& mask, double* gradient,
                   double* squared_norm) override;
  void DoFactor(const double* lambda, Damping damping, const double* extra) override;
  void DoSolve(const double* rhs, int k, double* out) override;
  void DoMultiply(const double* in, bool transpose, double* out) override;
  std::unique_ptr<CholeskyFactors> DoSnapshot(const std::vector<uint8_t>& take) override;

 private:
  struct Device;
  // What a solver kind does on the device (cuda_normal_equations.cc).
  class DeviceCholesky;
  class DenseDeviceCholesky;
  class SparseDeviceCholesky;
  // The factory over SolverKind: the kind's device solver, which puts the
  // pattern and the maps in its layout.
  static std::unique_ptr<DeviceCholesky> MakeDeviceCholesky(SolverKind kind, CudaNormalEquations& core);

  // Host-side estimate of the device bytes, checked against the free memory.
  void CheckDeviceMemory(double bytes) const;
  // Writes W's blocks by mode (kernel_math.h DampMode) from A (+ E, the
  // uploaded extra, when `with_extra`) and λ.
  void Damp(const std::vector<uint8_t>& mode, bool identity_damping, bool with_extra);

  NormalMaps maps_;
  int64_t memory_bytes_ = 0;
  double last_device_seconds_ = 0;
  std::vector<uint8_t> a_finite_;
  std::unique_ptr<Device> device_;
  std::unique_ptr<DeviceCholesky> solver_;
};

}  // namespace ariadne::cuda
