// The sparse kind of builds without SuiteSparse (and of the prebuilt
// binaries): Eigen's simplicial LLᵀ.
#include "cholesky_backend.h"

namespace ariadne {

bool HaveCholmod() { return false; }

std::unique_ptr<CholeskyBackend> MakeSparseCholesky(const NormalPattern& pattern, int batch, int /*slots*/) {
  return MakeEigenSparseCholesky(pattern, batch);
}

}  // namespace ariadne
