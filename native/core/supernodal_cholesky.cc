#include "supernodal_cholesky.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <vector>

#include "eigen.h"
#include "messages.h"
#include "raw_vector.h"
#include "supernodal_kernels.h"

namespace ariadne {
namespace {

namespace kernels = supernodal_kernels;
using MatrixMap = Eigen::Map<Eigen::MatrixXd, 0, Eigen::OuterStride<>>;

// Right-hand sides per pass of the solve.
constexpr int kSolveChunk = 8;

// Factors the (n + r) × n panel [F11; F21] (leading dimension ld = n + r) in
// place into [L11; L21]. Returns the first column whose pivot is not
// positive and finite, or -1.
//
// Left-looking by blocks of `panel_block` columns: block J first receives
// −L(J.., 0:J)·L(J, 0:J)ᵀ from the columns before it, then each column j of J
// receives the same from the columns of J before j, is divided by
// √(its diagonal), and becomes L's column.
int FactorPanelTiles(double* panel, int n, int ld, int panel_block) {
  for (int j0 = 0; j0 < n; j0 += panel_block) {
    const int j1 = std::min(n, j0 + panel_block);
    double* block = panel + j0 + static_cast<ptrdiff_t>(j0) * ld;
    if (j0 > 0) {
      kernels::SubtractProduct<true>(ld - j0, j1 - j0, j0, panel + j0, ld, panel + j0, 1, ld, block, block, ld);
    }
    for (int j = j0; j < j1; ++j) {
      double* column = panel + j + static_cast<ptrdiff_t>(j) * ld;
      if (j > j0) {
        const double* left = panel + j + static_cast<ptrdiff_t>(j0) * ld;
        kernels::Strip<1, true>(ld - j, j - j0, left, ld, left, 1, ld, column, column, ld);
      }
      const double pivot = column[0];
      if (!(pivot > 0.0 && pivot <= std::numeric_limits<double>::max())) return j;
      const double diagonal = std::sqrt(pivot);
      column[0] = diagonal;
      const double inverse = 1.0 / diagonal;
      for (int i = 1; i < ld - j; ++i) column[i] *= inverse;
    }
  }
  // The tiles also wrote above the diagonal of L11; L keeps zeros there.
  for (int j = 1; j < n; ++j) {
    double* column = panel + static_cast<ptrdiff_t>(j) * ld;
    std::fill(column, column + j, 0.0);
  }
  return -1;
}

// The same with Eigen's blocked LLᵀ on L11 and its triangular solve for L21.
int FactorPanelEigen(double* panel, int n, int ld) {
  MatrixMap l11(panel, n, n, Eigen::OuterStride<>(ld));
  const Eigen::Index bad = Eigen::internal::llt_inplace<double, Eigen::Lower>::blocked(l11);
  // Eigen stops at a pivot ≤ 0 only; a NaN or infinite one runs on.
  for (int j = 0; j < n; ++j) {
    if (j == bad || !std::isfinite(l11(j, j))) return j;
  }
  if (ld > n) {
    MatrixMap l21(panel + n, ld - n, n, Eigen::OuterStride<>(ld));
    l11.triangularView<Eigen::Lower>().transpose().solveInPlace<Eigen::OnTheRight>(l21);
  }
  return -1;
}

// U (r × r, leading dimension r, lower triangle) = W − L21·L21ᵀ, or −L21·L21ᵀ
// without W. L21 is r × n with leading dimension ld.
void UpdateMatrix(const double* l21, int r, int n, int ld, const double* w, double* u, bool use_eigen) {
  if (use_eigen) {
    Eigen::Map<Eigen::MatrixXd> target(u, r, r);
    if (w != nullptr) {
      target.triangularView<Eigen::Lower>() = Eigen::Map<const Eigen::MatrixXd>(w, r, r);
    } else {
      target.triangularView<Eigen::Lower>().setZero();
    }
    target.selfadjointView<Eigen::Lower>().rankUpdate(
        Eigen::Map<const Eigen::MatrixXd, 0, Eigen::OuterStride<>>(l21, r, n, Eigen::OuterStride<>(ld)), -1.0);
  } else if (w != nullptr) {
    kernels::SubtractSyrkLower<true>(r, n, l21, ld, w, u, r);
  } else {
    kernels::SubtractSyrkLower<false>(r, n, l21, ld, u, u, r);
  }
}

using FactorValues = RawVector<double>;  // L's panels, by supernode (value_start)

// The workspace of one solve: x (n × kSolveChunk, permuted right-hand sides)
// and max_rows × kSolveChunk gathered values.
struct SolveWorkspace {
  explicit SolveWorkspace(const SupernodalSymbolic& sym)
      : x(static_cast<size_t>(sym.n) * kSolveChunk, 0.0),
        gathered(static_cast<size_t>(sym.max_rows) * kSolveChunk, 0.0) {}
  int64_t bytes() const { return static_cast<int64_t>(sizeof(double) * (x.size() + gathered.size())); }
  std::vector<double> x;
  std::vector<double> gathered;
};

// Forward substitution through supernode s for kc right-hand sides (x is
// n × kc, permuted): x_S ← L11⁻¹ x_S, then x_R ← x_R − L21 x_S.
void ForwardStep(const SupernodalSymbolic& sym, int s, const double* values, double* x, int kc, double* gathered) {
  const int f = sym.first[s];
  const int n = sym.columns(s);
  const int r = sym.below(s);
  const int ld = n + r;
  const double* panel = values + sym.value_start[s];
  for (int c = 0; c < kc; ++c) {
    double* xs = x + static_cast<ptrdiff_t>(c) * sym.n + f;
    for (int j = 0; j < n; ++j) {
      // The reciprocal does not depend on x, so the division runs beside
      // the substitution's dependency chain instead of in it.
      const double* column = panel + static_cast<ptrdiff_t>(j) * ld;
      const double xj = xs[j] * (1.0 / column[j]);
      xs[j] = xj;
      for (int i = j + 1; i < n; ++i) xs[i] -= column[i] * xj;
    }
  }
  if (r == 0) return;
  // T (r × kc) = −L21 X_S, then scattered into x_R.
  kernels::SubtractProduct<false>(r, kc, n, panel + n, ld, x + f, sym.n, 1, gathered, gathered, r);
  const int32_t* rows = sym.rows.data() + sym.row_start[s];
  for (int c = 0; c < kc; ++c) {
    double* xc = x + static_cast<ptrdiff_t>(c) * sym.n;
    const double* t = gathered + static_cast<ptrdiff_t>(c) * r;
    for (int i = 0; i < r; ++i) xc[rows[i]] += t[i];
  }
}

// Backward substitution through supernode s: x_S ← L11⁻ᵀ (x_S − L21ᵀ x_R).
void BackwardStep(const SupernodalSymbolic& sym, int s, const double* values, double* x, int kc, double* gathered) {
  const int f = sym.first[s];
  const int n = sym.columns(s);
  const int r = sym.below(s);
  const int ld = n + r;
  const double* panel = values + sym.value_start[s];
  const int32_t* rows = sym.rows.data() + sym.row_start[s];
  for (int c = 0; c < kc; ++c) {
    double* xc = x + static_cast<ptrdiff_t>(c) * sym.n;
    double* xs = xc + f;
    if (r > 0) {
      for (int i = 0; i < r; ++i) gathered[i] = xc[rows[i]];
      kernels::SubtractTransposedProduct(r, n, panel + n, ld, gathered, xs);
    }
    for (int j = n - 1; j >= 0; --j) {
      const double* column = panel + static_cast<ptrdiff_t>(j) * ld;
      xs[j] = (xs[j] - kernels::Dot(n - j - 1, column + j + 1, xs + j + 1)) * (1.0 / column[j]);
    }
  }
}

// out = A⁻¹ rhs with one element's factor values (null: never factored, NaN).
void SolveWithFactor(const SupernodalSymbolic& sym, const double* values, const double* rhs, int k, double* out,
                     SolveWorkspace& work) {
  const int n_total = sym.n;
  if (values == nullptr) {  // never factored (NormalEquations does not ask)
    std::fill(out, out + static_cast<ptrdiff_t>(k) * n_total, std::numeric_limits<double>::quiet_NaN());
    return;
  }
  for (int c0 = 0; c0 < k; c0 += kSolveChunk) {
    const int kc = std::min(kSolveChunk, k - c0);
    double* x = work.x.data();
    for (int c = 0; c < kc; ++c) {
      const double* b = rhs + static_cast<ptrdiff_t>(c0 + c) * n_total;
      double* xc = x + static_cast<ptrdiff_t>(c) * n_total;
      for (int i = 0; i < n_total; ++i) xc[i] = b[sym.perm[i]];
    }
    for (int s = 0; s < sym.supernode_count; ++s) ForwardStep(sym, s, values, x, kc, work.gathered.data());
    for (int s = sym.supernode_count - 1; s >= 0; --s) BackwardStep(sym, s, values, x, kc, work.gathered.data());
    for (int c = 0; c < kc; ++c) {
      double* o = out + static_cast<ptrdiff_t>(c0 + c) * n_total;
      const double* xc = x + static_cast<ptrdiff_t>(c) * n_total;
      for (int i = 0; i < n_total; ++i) o[sym.perm[i]] = xc[i];
    }
  }
}

class SupernodalFactors : public CholeskyFactors {
 public:
  SupernodalFactors(std::shared_ptr<const SupernodalSymbolic> symbolic,
                    std::vector<std::shared_ptr<const FactorValues>> values, int slots)
      : symbolic_(std::move(symbolic)),
        values_(std::move(values)),
        workspaces_(std::max(slots, 1), SolveWorkspace(*symbolic_)) {}

  void Solve(int element, const double* rhs, int k, double* out, int slot) override {
    SolveWithFactor(*symbolic_, values_[element]->data(), rhs, k, out, workspaces_[slot]);
  }

  int64_t memory_bytes() const override {
    int64_t bytes = 0;
    for (const auto& values : values_) bytes += values ? static_cast<int64_t>(sizeof(double) * values->size()) : 0;
    for (const SolveWorkspace& work : workspaces_) bytes += work.bytes();
    return bytes;
  }

  void Release(int element) override { values_[element].reset(); }

 private:
  std::shared_ptr<const SupernodalSymbolic> symbolic_;  // shared with the backend
  std::vector<std::shared_ptr<const FactorValues>> values_;
  std::vector<SolveWorkspace> workspaces_;
};

class SupernodalCholesky : public CholeskyBackend {
 public:
  SupernodalCholesky(const NormalPattern& pattern, int batch, int slots, const SupernodalOptions& options,
                     const SupernodalKernelOptions& kernel_options)
      : symbolic_(std::make_shared<const SupernodalSymbolic>(AnalyseSupernodal(pattern, options))),
        kernel_options_(kernel_options),
        values_(batch) {
    const SupernodalSymbolic& sym = *symbolic_;
    for (int s = 0; s < std::max(slots, 1); ++s) {
      Workspace& work = workspaces_.emplace_back(sym);
      work.stack.assign(static_cast<size_t>(sym.stack_size), 0.0);
      work.front.assign(static_cast<size_t>(sym.max_rows) * sym.max_rows, 0.0);
    }
  }

  std::string name() const override { return "ariadne-supernodal"; }

  int64_t factor_nonzeros() const override { return symbolic_->factor_nonzeros; }
  int64_t factor_storage() const override { return symbolic_->value_start[symbolic_->supernode_count]; }
  double flops() const { return symbolic_->factor_flops; }

  FactorStatus Factor(int element, const double* a_values, int slot) override {
    const SupernodalSymbolic& sym = *symbolic_;
    FactorValues& storage = values_.Writable(element, [&] {
      auto made = std::make_shared<FactorValues>();
      made->resize(static_cast<size_t>(factor_storage()));
      return made;
    });
    double* values = storage.data();
    Workspace& work = workspaces_[slot];
    double* stack = work.stack.data();
    double* front = work.front.data();
    for (int s = 0; s < sym.supernode_count; ++s) {
      const int n = sym.columns(s);
      const int r = sym.below(s);
      const int ld = n + r;
      double* panel = values + sym.value_start[s];
      std::fill(panel, panel + static_cast<ptrdiff_t>(n) * ld, 0.0);
      for (int64_t t = sym.a_start[s]; t < sym.a_start[s + 1]; ++t) panel[sym.a_offset[t]] = a_values[sym.a_index[t]];

      const int32_t child_begin = sym.child_start[s];
      const int32_t child_end = sym.child_start[s + 1];
      const bool gathers = r > 0 && child_begin < child_end;
      if (gathers) {  // W's lower triangle
        for (int q = 0; q < r; ++q) {
          std::fill(front + static_cast<ptrdiff_t>(q) * r + q, front + static_cast<ptrdiff_t>(q + 1) * r, 0.0);
        }
      }
      for (int32_t t = child_begin; t < child_end; ++t) {
        const int c = sym.children[t];
        ExtendAdd(stack + sym.stack_offset[c], sym.below(c), sym.relative.data() + sym.row_start[c], panel, n, ld,
                  front, r);
      }

      const int bad = n >= kernel_options_.eigen_panel_columns
                          ? FactorPanelEigen(panel, n, ld)
                          : FactorPanelTiles(panel, n, ld, kernel_options_.panel_block);
      if (bad >= 0) {
        return NotPositiveDefinite(sym.perm[sym.first[s] + bad]);
      }
      if (r > 0) {
        const bool use_eigen = static_cast<int64_t>(r) * r * n >= kernel_options_.eigen_update_work;
        UpdateMatrix(panel + n, r, n, ld, gathers ? front : nullptr, stack + sym.stack_offset[s], use_eigen);
      }
    }
    return {true, ""};
  }

  void Solve(int element, const double* rhs, int k, double* out, int slot) override {
    const FactorValues* values = values_.get(element);
    SolveWithFactor(*symbolic_, values == nullptr ? nullptr : values->data(), rhs, k, out, workspaces_[slot]);
  }

  void VisitPivots(int element, const std::function<void(int64_t, double)>& visit) const override {
    const SupernodalSymbolic& sym = *symbolic_;
    const double* values = values_.get(element)->data();
    for (int s = 0; s < sym.supernode_count; ++s) {
      const int ld = sym.columns(s) + sym.below(s);
      const double* panel = values + sym.value_start[s];
      for (int j = 0; j < sym.columns(s); ++j)
        visit(sym.perm[sym.first[s] + j], panel[j + static_cast<ptrdiff_t>(j) * ld]);
    }
  }

  std::unique_ptr<CholeskyFactors> Snapshot(const std::vector<uint8_t>& take, int slots) const override {
    return std::make_unique<SupernodalFactors>(symbolic_, values_.Share(take), slots);
  }

 private:
  struct Workspace : SolveWorkspace {
    using SolveWorkspace::SolveWorkspace;
    std::vector<double> stack;  // update matrices
    std::vector<double> front;  // W: the F22 block of the current front
  };

  // Adds U_c (rc × rc, lower) to the parent's front: entry (p, q), p ≥ q,
  // goes to front position (rel[p], rel[q]); positions below n are the
  // panel's columns (all n + r rows), the others W's (r × r, offset by n).
  // (Vector additions over runs of consecutive positions were measured 5-7 %
  // slower on the SE2 graphs, whose runs are 3 long, and 1-2 % faster on SE3.)
  static void ExtendAdd(const double* update, int rc, const int32_t* rel, double* panel, int n, int ld, double* w,
                        int r) {
    for (int q = 0; q < rc; ++q) {
      const double* source = update + static_cast<ptrdiff_t>(q) * rc;
      const int target = rel[q];
      if (target < n) {
        double* column = panel + static_cast<ptrdiff_t>(target) * ld;
        for (int p = q; p < rc; ++p) column[rel[p]] += source[p];
      } else {
        double* column = w + static_cast<ptrdiff_t>(target - n) * r;
        for (int p = q; p < rc; ++p) column[rel[p] - n] += source[p];
      }
    }
  }

  // The analysis, shared with the snapshots (which solve with it).
  const std::shared_ptr<const SupernodalSymbolic> symbolic_;
  const SupernodalKernelOptions kernel_options_;
  SharedFactors<FactorValues> values_;
  std::vector<Workspace> workspaces_;
};

}  // namespace

std::unique_ptr<CholeskyBackend> MakeSupernodalCholesky(const NormalPattern& pattern, int batch, int slots,
                                                        const SupernodalOptions& options,
                                                        const SupernodalKernelOptions& kernels) {
  return std::make_unique<SupernodalCholesky>(pattern, batch, slots, options, kernels);
}

std::unique_ptr<CholeskyBackend> MakeSupernodalCholesky(const NormalPattern& pattern, int batch, int slots) {
  return MakeSupernodalCholesky(pattern, batch, slots, SupernodalOptions(), SupernodalKernelOptions());
}

SupernodalSymbolic AnalyseSupernodalDefault(const NormalPattern& pattern) {
  return AnalyseSupernodal(pattern, SupernodalOptions());
}

int64_t SupernodalFactorStorage(const CholeskyBackend& backend) {
  const auto* ours = dynamic_cast<const SupernodalCholesky*>(&backend);
  return ours == nullptr ? -1 : ours->factor_storage();
}

double SupernodalFactorFlops(const CholeskyBackend& backend) {
  const auto* ours = dynamic_cast<const SupernodalCholesky*>(&backend);
  return ours == nullptr ? -1 : ours->flops();
}

}  // namespace ariadne
