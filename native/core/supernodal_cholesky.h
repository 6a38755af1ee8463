// ariadne's own supernodal sparse Cholesky factorisation, "ariadne-supernodal":
// multifrontal LLᵀ of P A Pᵀ over the supernodes of supernodal_symbolic.h,
// for a batch of matrices with one pattern. MIT code on Eigen's dense
// kernels and AMD ordering; no SuiteSparse.
//
// Numeric factorisation of one element, supernodes s in postorder. The front
// of s is the symmetric matrix over its columns S then its rows R,
//   F = [F11 F21ᵀ; F21 F22] = (A's entries of S's columns)
//       + Σ_children extend-add(U_c),
// and its partial factorisation is
//   F11 = L11 L11ᵀ,  L21 = F21 L11⁻ᵀ,  U_s = F22 − L21 L21ᵀ,
// [L11; L21] being s's columns of L and U_s the update matrix that s passes
// to its parent. Extend-add places entry (p, q) of U_c at the positions
// (relative[p], relative[q]) of the parent's front precomputed by the
// analysis. [F11; F21] is assembled in L's own storage; F22 is gathered in a
// per-slot scratch matrix W and U_s = W − L21 L21ᵀ is written on a per-slot
// stack of update matrices (children's U popped before the parent's is
// pushed), so a factorisation allocates nothing after the element's first.
//
// A pivot that is not positive and finite stops the factorisation with
// "not positive definite (pivot of column k)", k in the caller's numbering
// (a NaN anywhere in A reaches some pivot, since every entry of L feeds the
// pivot of its row).
//
// Solve with k right-hand sides: x = Pᵀ L⁻ᵀ L⁻¹ P b by supernodes, forward
// (x_S ← L11⁻¹ x_S, x_R ← x_R − L21 x_S) then backward (x_S ← L11⁻ᵀ(x_S −
// L21ᵀ x_R)), in chunks of kSolveChunk columns.
//
// Every operation's order is fixed by the pattern, so the bits do not depend
// on the slot or thread; slots only select workspaces, and batch elements
// own their factors, so different elements may be factored and solved
// concurrently on different slots.
#pragma once

#include <memory>

#include "cholesky_backend.h"
#include "supernodal_symbolic.h"

namespace ariadne {

// Kernel choices (sizes where the register-tile kernels give way to Eigen's
// blocked ones); exposed for the benchmark. On the pose graphs the factor
// time moved by ±2 % over 32 ≤ eigen_panel_columns ≤ ∞ and 2¹⁴ ≤
// eigen_update_work ≤ ∞ except that the largest fronts (sphere2500's top
// supernodes, 3D lattices) gain ~10 % from Eigen's packed products with
// AVX-512; and panel_block from 2 to 16 moved it by ±1 %.
struct SupernodalKernelOptions {
  int eigen_panel_columns = 128;        // panels at least this wide: Eigen LLT + triangular solve
  int64_t eigen_update_work = 1 << 20;  // r·r·n_s at least this: Eigen rank update for U_s
  int panel_block = 16;                 // columns per block of the register-tile panel factorisation
};

std::unique_ptr<CholeskyBackend> MakeSupernodalCholesky(const NormalPattern& pattern, int batch, int slots,
                                                        const SupernodalOptions& options,
                                                        const SupernodalKernelOptions& kernels = {});

// The analysis of the backend made for `pattern` with the default options
// (for tests and benchmarks).
SupernodalSymbolic AnalyseSupernodalDefault(const NormalPattern& pattern);

// Doubles one element's factor occupies when `backend` is this backend
// (factor_nonzeros() plus the unused strict upper triangles of the diagonal
// blocks), else -1.
int64_t SupernodalFactorStorage(const CholeskyBackend& backend);

// Flops of one numeric factorisation when `backend` is this backend, else -1.
double SupernodalFactorFlops(const CholeskyBackend& backend);

}  // namespace ariadne
