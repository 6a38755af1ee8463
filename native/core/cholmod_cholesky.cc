// CHOLMOD's Cholesky (source builds with SuiteSparse only: CHOLMOD's
// Supernodal module is GPL). One symbolic analysis per pattern; each batch
// element gets a copy of the symbolic factor that it refactors in place; each
// workspace slot has its own cholmod_common, so elements factor in parallel.
//
// Supernodal or simplicial: supernodes pay a fixed cost each (BLAS and OpenMP
// calls), so small ones are slower than CHOLMOD's simplicial LLᵀ. Measured on
// the shared pose graphs (one thread): supernodal wins where supernodes
// average ≥ 588 entries of L (parking-garage, smallGrid3D, sphere2500: up to
// 3.8x), simplicial where they average ≤ 335 (city10000, M3500, intel,
// ETHCampus: 1.4-2.7x), so the threshold sits between.
//
// Parallelism belongs to the batch: CHOLMOD's own OpenMP loops and OpenBLAS'
// threads are limited to one per factorisation (blas_threads.cc).
#include <cholmod.h>

#include <cstring>
#include <memory>
#include <new>
#include <vector>

#include "blas_threads.h"
#include "cholesky_backend.h"
#include "errors.h"
#include "messages.h"

namespace ariadne {
namespace {

thread_local std::string last_cholmod_message;

void RecordCholmodMessage(int status, const char* file, int line, const char* message) {
  last_cholmod_message = Concat("CHOLMOD status ", status, " at ", file, ":", line, ": ",
                                message == nullptr ? "" : message);
}

// Turns a CHOLMOD error status into an exception (warnings are data).
void CheckStatus(const cholmod_common& common, const char* what) {
  if (common.status >= CHOLMOD_OK) return;
  if (common.status == CHOLMOD_OUT_OF_MEMORY) throw std::bad_alloc();
  if (common.status == CHOLMOD_TOO_LARGE) {
    throw RangeArgumentError(Concat("NormalEquations: the factorization is too large for CHOLMOD (", what, ")"));
  }
  throw InternalError(Concat("CHOLMOD failed in ", what, ": ", last_cholmod_message));
}

class CholmodCholesky : public CholeskyBackend {
 public:
  CholmodCholesky(const NormalPattern& pattern, int batch, int slots)
      : pattern_(pattern), commons_(slots), workspaces_(slots), factors_(batch, nullptr) {
    LimitLibraryThreads();
    for (cholmod_common& common : commons_) {
      cholmod_start(&common);
      common.print = 0;
      common.error_handler = RecordCholmodMessage;
      common.supernodal = CHOLMOD_SUPERNODAL;
      // LLᵀ also for the simplicial factorisation: its default LDLᵀ accepts
      // negative pivots, so indefinite matrices would pass as factored.
      common.final_ll = 1;
    }
    cholmod_sparse a = Header(nullptr);
    a.xtype = CHOLMOD_PATTERN;
    cholmod_common& common = commons_[0];
    symbolic_ = Analyze(&a, nullptr);
    if (common.lnz < kMinEntriesPerSupernode * symbolic_->nsuper) {  // lnz: nnz(L) of that analysis
      // Again as simplicial, in the ordering just found.
      std::vector<int> perm(static_cast<const int*>(symbolic_->Perm), static_cast<const int*>(symbolic_->Perm) + pattern.n());
      cholmod_free_factor(&symbolic_, &common);
      for (cholmod_common& c : commons_) c.supernodal = CHOLMOD_SIMPLICIAL;
      common.nmethods = 1;
      common.method[0].ordering = CHOLMOD_GIVEN;
      common.postorder = 0;
      symbolic_ = Analyze(&a, perm.data());
    }
    factor_nonzeros_ = symbolic_->is_super ? static_cast<int64_t>(symbolic_->xsize)
                                           : static_cast<int64_t>(common.lnz);
  }

  ~CholmodCholesky() override { FreeAll(); }

  std::string name() const override { return symbolic_->is_super ? "cholmod-supernodal" : "cholmod-simplicial"; }

  FactorStatus Factor(int element, const double* a_values, int slot) override {
    cholmod_common& common = commons_[slot];
    cholmod_factor*& factor = factors_[element];
    if (factor == nullptr) {
      factor = cholmod_copy_factor(symbolic_, &common);
      if (factor == nullptr) CheckStatus(common, "cholmod_copy_factor");
    }
    cholmod_sparse a = Header(a_values);
    cholmod_factorize(&a, factor, &common);
    if (common.status == CHOLMOD_NOT_POSDEF) {
      const int column = factor->Perm != nullptr ? static_cast<const int*>(factor->Perm)[factor->minor]
                                                  : static_cast<int>(factor->minor);
      return {false, NotPositiveDefiniteReason(column)};
    }
    CheckStatus(common, "cholmod_factorize");
    return {true, ""};
  }

  void Solve(int element, const double* rhs, int k, double* out, int slot) override {
    cholmod_common& common = commons_[slot];
    Workspace& work = workspaces_[slot];
    cholmod_dense b;
    std::memset(&b, 0, sizeof(b));
    b.nrow = pattern_.n();
    b.ncol = k;
    b.nzmax = b.nrow * b.ncol;
    b.d = b.nrow;
    b.x = const_cast<double*>(rhs);  // read only
    b.xtype = CHOLMOD_REAL;
    b.dtype = CHOLMOD_DOUBLE;
    if (!cholmod_solve2(CHOLMOD_A, factors_[element], &b, nullptr, &work.x, nullptr, &work.y,
                        &work.e, &common)) {
      CheckStatus(common, "cholmod_solve2");
      throw InternalError(Concat("cholmod_solve2 failed: ", last_cholmod_message));
    }
    std::memcpy(out, work.x->x, sizeof(double) * b.nzmax);
  }

  int64_t factor_nonzeros() const override { return factor_nonzeros_; }

 private:
  struct Workspace {
    cholmod_dense* x = nullptr;
    cholmod_dense* y = nullptr;
    cholmod_dense* e = nullptr;
  };

  static constexpr double kMinEntriesPerSupernode = 450;

  // The symbolic factorisation, in CHOLMOD's ordering or in `perm`.
  cholmod_factor* Analyze(cholmod_sparse* a, int* perm) {
    cholmod_factor* factor = perm == nullptr ? cholmod_analyze(a, &commons_[0])
                                             : cholmod_analyze_p(a, perm, nullptr, 0, &commons_[0]);
    if (factor == nullptr) {
      const cholmod_common status = commons_[0];
      FreeAll();
      CheckStatus(status, "cholmod_analyze");
      throw InternalError("cholmod_analyze returned no factor");
    }
    return factor;
  }

  // A's upper triangle as CHOLMOD sees it, over the pattern's arrays.
  cholmod_sparse Header(const double* values) const {
    cholmod_sparse a;
    std::memset(&a, 0, sizeof(a));
    a.nrow = a.ncol = pattern_.n();
    a.nzmax = pattern_.a_nnz();
    a.p = const_cast<int32_t*>(pattern_.a_col_start().data());  // CHOLMOD reads A only
    a.i = const_cast<int32_t*>(pattern_.a_row_index().data());
    a.x = const_cast<double*>(values);
    a.stype = 1;
    a.itype = CHOLMOD_INT;
    a.xtype = CHOLMOD_REAL;
    a.dtype = CHOLMOD_DOUBLE;
    a.sorted = 1;
    a.packed = 1;
    return a;
  }

  void FreeAll() {
    for (size_t s = 0; s < commons_.size(); ++s) {
      cholmod_common& common = commons_[s];
      if (s == 0) {
        for (cholmod_factor*& factor : factors_) cholmod_free_factor(&factor, &common);
        cholmod_free_factor(&symbolic_, &common);
      }
      cholmod_free_dense(&workspaces_[s].x, &common);
      cholmod_free_dense(&workspaces_[s].y, &common);
      cholmod_free_dense(&workspaces_[s].e, &common);
      cholmod_finish(&common);
    }
    commons_.clear();
  }

  const NormalPattern& pattern_;
  std::vector<cholmod_common> commons_;
  std::vector<Workspace> workspaces_;
  std::vector<cholmod_factor*> factors_;
  cholmod_factor* symbolic_ = nullptr;
  int64_t factor_nonzeros_ = 0;
};

}  // namespace

bool HaveCholmod() { return true; }

std::unique_ptr<CholeskyBackend> MakeSparseCholesky(const NormalPattern& pattern, int batch, int slots) {
  return std::make_unique<CholmodCholesky>(pattern, batch, slots);
}

}  // namespace ariadne
