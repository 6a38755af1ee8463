// The CPU core's factory over the solver kinds (cholesky_backend.h).
#include "cholesky_backend.h"

#include "errors.h"
#include "messages.h"
#include "supernodal_cholesky.h"

namespace ariadne {
namespace {

// The sparse kind's backend: ariadne's supernodal LLᵀ, unless this build has
// CHOLMOD and CHOLMOD's own analysis finds a supernodal factor that stores at
// most kCholmodStorageRatio of ours (both count the square diagonal blocks).
//
// Measured with native/bench/factor_bench (one thread, -O3 as the addon is
// built): ours factors the five pose graphs of ../shared/data 1.6x
// (sphere2500) to 24x (intel) faster than the better CHOLMOD variant, and
// lattices of poses (100² SE2, 6³ SE3) 1.9-3.3x faster; on a 10³ SE3 lattice
// (fronts of ~1500) CHOLMOD's AVX-512 BLAS makes it 1.2x faster than our
// -O3 kernels (ours is 1.7x faster with -march=native). CHOLMOD wins clearly
// by its ordering: when AMD fills badly it also tries METIS and
// keeps the better one; on a 14³ lattice of SE3 poses that halves the flops
// (2.9 vs 6.2 GFLOP), and CHOLMOD factors 2.9x faster while storing 0.71 of
// ours. On every other graph measured CHOLMOD's factor stores 0.99-1.23x of
// ours, so the ratio separates the two cases.
constexpr double kCholmodStorageRatio = 0.8;
// CHOLMOD's analysis (10-25 ms on the shared pose graphs) is only worth
// running where METIS could pay it back: factorisations of at least this many
// flops (about 0.1 s with our kernels). The pose graphs are below it.
constexpr double kCholmodMinFlops = 1e9;

std::unique_ptr<CholeskyBackend> MakeSparseBackend(const NormalPattern& pattern, int factors, int slots) {
  std::unique_ptr<CholeskyBackend> ours = MakeSupernodalCholesky(pattern, factors, slots);
  if (!HaveCholmod() || SupernodalFactorFlops(*ours) < kCholmodMinFlops) return ours;
  std::unique_ptr<CholeskyBackend> cholmod = MakeSparseCholesky(pattern, factors, slots);
  const double ours_storage = static_cast<double>(ours->factor_storage());
  if (cholmod->name() == "cholmod-supernodal" &&
      static_cast<double>(cholmod->factor_nonzeros()) <= kCholmodStorageRatio * ours_storage) {
    return cholmod;
  }
  return ours;
}

}  // namespace

std::unique_ptr<CholeskyBackend> MakeCholeskyBackend(SolverKind kind, const NormalPattern& pattern, int factors,
                                                     int slots) {
  if (pattern.layout() != KindEntry(kind).layout) {
    throw InternalError(Concat("MakeCholeskyBackend: the pattern is not in the layout of kind '", KindName(kind), "'"));
  }
  switch (kind) {
    case SolverKind::kDense:
      return MakeDenseCholesky(pattern, factors);
    case SolverKind::kSparse:
      return MakeSparseBackend(pattern, factors, slots);
  }
  throw InternalError(Concat("MakeCholeskyBackend: no backend for kind '", KindName(kind), "'"));
}

}  // namespace ariadne
