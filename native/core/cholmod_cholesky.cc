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

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>
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
  last_cholmod_message =
      Concat("CHOLMOD status ", status, " at ", file, ":", line, ": ", message == nullptr ? "" : message);
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

// A cholmod_common of its own per workspace slot, with the workspaces of
// cholmod_solve2: what one thread needs to solve (and factor).
struct CholmodSlot {
  CholmodSlot() {
    cholmod_start(&common);
    common.print = 0;
    common.error_handler = RecordCholmodMessage;
    common.supernodal = CHOLMOD_SUPERNODAL;
    // LLᵀ also for the simplicial factorisation: its default LDLᵀ accepts
    // negative pivots, so indefinite matrices would pass as factored.
    common.final_ll = 1;
  }
  ~CholmodSlot() {
    cholmod_free_dense(&x, &common);
    cholmod_free_dense(&y, &common);
    cholmod_free_dense(&e, &common);
    cholmod_finish(&common);
  }
  CholmodSlot(const CholmodSlot&) = delete;
  CholmodSlot& operator=(const CholmodSlot&) = delete;

  cholmod_common common;
  cholmod_dense* x = nullptr;
  cholmod_dense* y = nullptr;
  cholmod_dense* e = nullptr;
};

std::vector<std::unique_ptr<CholmodSlot>> MakeSlots(int count) {
  std::vector<std::unique_ptr<CholmodSlot>> slots;
  for (int s = 0; s < std::max(count, 1); ++s) slots.push_back(std::make_unique<CholmodSlot>());
  return slots;
}

// Frees a factor that may outlive the backend that made it (a snapshot
// shares it), with a cholmod_common kept for the process: a free only counts
// in its common, the memory is SuiteSparse's.
void FreeFactor(cholmod_factor** factor) {
  static std::mutex mutex;
  static cholmod_common* const common = [] {
    auto* started = new cholmod_common;
    cholmod_start(started);
    return started;
  }();
  std::lock_guard<std::mutex> lock(mutex);
  cholmod_free_factor(factor, common);
}

// One element's numeric factor.
class CholmodFactor {
 public:
  CholmodFactor(const cholmod_factor* symbolic, cholmod_common* common)
      : factor_(cholmod_copy_factor(const_cast<cholmod_factor*>(symbolic), common)) {
    if (factor_ == nullptr) CheckStatus(*common, "cholmod_copy_factor");
  }
  ~CholmodFactor() { FreeFactor(&factor_); }
  CholmodFactor(const CholmodFactor&) = delete;
  CholmodFactor& operator=(const CholmodFactor&) = delete;

  cholmod_factor* get() const { return factor_; }

 private:
  cholmod_factor* factor_;
};

// out = A⁻¹ rhs (n×k column-major) with a factor, on a slot's workspaces.
void SolveWithFactor(const CholmodFactor& factor, int n, const double* rhs, int k, double* out, CholmodSlot& slot) {
  cholmod_dense b;
  std::memset(&b, 0, sizeof(b));
  b.nrow = n;
  b.ncol = k;
  b.nzmax = b.nrow * b.ncol;
  b.d = b.nrow;
  b.x = const_cast<double*>(rhs);  // read only
  b.xtype = CHOLMOD_REAL;
  b.dtype = CHOLMOD_DOUBLE;
  // cholmod_solve2 reads the factor only (solves may share it).
  int solved = 0;
  OnOneOpenMpThread([&] {
    solved = cholmod_solve2(CHOLMOD_A, factor.get(), &b, nullptr, &slot.x, nullptr, &slot.y, &slot.e, &slot.common);
  });
  if (!solved) {
    CheckStatus(slot.common, "cholmod_solve2");
    throw InternalError(Concat("cholmod_solve2 failed: ", last_cholmod_message));
  }
  std::memcpy(out, slot.x->x, sizeof(double) * b.nzmax);
}

class CholmodFactors : public CholeskyFactors {
 public:
  CholmodFactors(int n, int64_t factor_nonzeros, std::vector<std::shared_ptr<const CholmodFactor>> factors, int slots)
      : n_(n), factor_nonzeros_(factor_nonzeros), factors_(std::move(factors)), slots_(MakeSlots(slots)) {}

  void Solve(int element, const double* rhs, int k, double* out, int slot) override {
    SolveWithFactor(*factors_[element], n_, rhs, k, out, *slots_[slot]);
  }

  // L's values and row indices per element taken.
  int64_t memory_bytes() const override {
    int64_t count = 0;
    for (const auto& factor : factors_) count += factor ? 1 : 0;
    return count * 12 * factor_nonzeros_;
  }

  void Release(int element) override { factors_[element].reset(); }

 private:
  int n_;
  int64_t factor_nonzeros_;
  std::vector<std::shared_ptr<const CholmodFactor>> factors_;
  std::vector<std::unique_ptr<CholmodSlot>> slots_;
};

class CholmodCholesky : public CholeskyBackend {
 public:
  CholmodCholesky(const NormalPattern& pattern, int batch, int slots) : pattern_(pattern), factors_(batch) {
    LimitLibraryThreads();
    slots_ = MakeSlots(slots);
    cholmod_sparse a = Header(nullptr);
    a.xtype = CHOLMOD_PATTERN;
    cholmod_common& common = slots_[0]->common;
    symbolic_ = Analyze(&a, nullptr);
    if (common.lnz < kMinEntriesPerSupernode * symbolic_->nsuper) {  // lnz: nnz(L) of that analysis
      // Again as simplicial, in the ordering just found.
      std::vector<int> perm(static_cast<const int*>(symbolic_->Perm),
                            static_cast<const int*>(symbolic_->Perm) + pattern.n());
      cholmod_free_factor(&symbolic_, &common);
      for (auto& slot : slots_) slot->common.supernodal = CHOLMOD_SIMPLICIAL;
      common.nmethods = 1;
      common.method[0].ordering = CHOLMOD_GIVEN;
      common.postorder = 0;
      symbolic_ = Analyze(&a, perm.data());
    }
    factor_nonzeros_ = symbolic_->is_super ? static_cast<int64_t>(symbolic_->xsize) : static_cast<int64_t>(common.lnz);
  }

  ~CholmodCholesky() override { cholmod_free_factor(&symbolic_, &slots_[0]->common); }

  std::string name() const override { return symbolic_->is_super ? "cholmod-supernodal" : "cholmod-simplicial"; }

  FactorStatus Factor(int element, const double* a_values, int slot) override {
    cholmod_common& common = slots_[slot]->common;
    cholmod_factor* factor =
        factors_.Writable(element, [&] { return std::make_shared<CholmodFactor>(symbolic_, &common); }).get();
    cholmod_sparse a = Header(a_values);
    OnOneOpenMpThread([&] { cholmod_factorize(&a, factor, &common); });
    if (common.status == CHOLMOD_NOT_POSDEF) {
      const int column = factor->Perm != nullptr ? static_cast<const int*>(factor->Perm)[factor->minor]
                                                 : static_cast<int>(factor->minor);
      return NotPositiveDefinite(column);
    }
    CheckStatus(common, "cholmod_factorize");
    return {true, ""};
  }

  void Solve(int element, const double* rhs, int k, double* out, int slot) override {
    SolveWithFactor(*factors_.get(element), pattern_.n(), rhs, k, out, *slots_[slot]);
  }

  // L is of A(p, p): L's column j is A's column p(j).
  void VisitPivots(int element, const std::function<void(int64_t, double)>& visit) const override {
    const cholmod_factor* l = factors_.get(element)->get();
    const int* perm = static_cast<const int*>(l->Perm);
    const double* x = static_cast<const double*>(l->x);
    const auto column = [&](int64_t j) -> int64_t { return perm != nullptr ? perm[j] : j; };
    if (l->is_super) {
      // The int interface (itype CHOLMOD_INT): every index array holds int.
      const int* super = static_cast<const int*>(l->super);
      const int* pi = static_cast<const int*>(l->pi);
      const int* px = static_cast<const int*>(l->px);
      for (size_t s = 0; s < l->nsuper; ++s) {
        const int64_t rows = pi[s + 1] - pi[s];  // the supernode's columns are stored rows × columns, column-major
        for (int64_t j = super[s]; j < super[s + 1]; ++j) {
          const int64_t k = j - super[s];
          visit(column(j), x[px[s] + k + k * rows]);  // px: where the supernode's values start
        }
      }
    } else {
      const int* p = static_cast<const int*>(l->p);  // simplicial LLᵀ: each column's diagonal first
      for (size_t j = 0; j < l->n; ++j) visit(column(static_cast<int64_t>(j)), x[p[j]]);
    }
  }

  int64_t factor_nonzeros() const override { return factor_nonzeros_; }

  std::unique_ptr<CholeskyFactors> Snapshot(const std::vector<uint8_t>& take, int slots) const override {
    return std::make_unique<CholmodFactors>(pattern_.n(), factor_nonzeros_, factors_.Share(take), slots);
  }

 private:
  static constexpr double kMinEntriesPerSupernode = 450;

  // The symbolic factorisation, in CHOLMOD's ordering or in `perm`.
  cholmod_factor* Analyze(cholmod_sparse* a, int* perm) {
    cholmod_common& common = slots_[0]->common;
    cholmod_factor* factor = nullptr;
    OnOneOpenMpThread([&] {
      factor = perm == nullptr ? cholmod_analyze(a, &common) : cholmod_analyze_p(a, perm, nullptr, 0, &common);
    });
    if (factor == nullptr) {
      CheckStatus(common, "cholmod_analyze");
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

  const NormalPattern& pattern_;
  // Declared before the factors: the slots' commons go last.
  std::vector<std::unique_ptr<CholmodSlot>> slots_;
  SharedFactors<CholmodFactor> factors_;
  cholmod_factor* symbolic_ = nullptr;
  int64_t factor_nonzeros_ = 0;
};

}  // namespace

bool HaveCholmod() { return true; }

std::unique_ptr<CholeskyBackend> MakeSparseCholesky(const NormalPattern& pattern, int batch, int slots) {
  return std::make_unique<CholmodCholesky>(pattern, batch, slots);
}

}  // namespace ariadne
