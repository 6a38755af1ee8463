// The per-pattern maps that drive the CUDA kernels, computed once on the CPU
// from the CPU core's analysis (NormalPattern: J's unique entries, A's
// pattern and scatter map; the supernodal analysis' fill-reducing ordering).
// Plain C++: built and tested on machines without CUDA.
//
// The scatter map of NormalPattern (row r's product J_p·J_q lands in slot s)
// is inverted into a gather map: slot s of A's compressed upper triangle
// lists its products, rows ascending, so that one thread sums them in the
// CPU core's order and writes A[s] once (kernel_math.h: NormalEntry).
#pragma once

#include <cstdint>
#include <vector>

#include "normal_pattern.h"

namespace ariadne::cuda {

struct NormalMaps {
  int m = 0;
  int n = 0;
  int unique = 0;     // T, J's unique entries
  int64_t nnz = 0;    // J's COO entries
  int64_t a_nnz = 0;  // slots of A's compressed upper triangle

  // J: COO -> unique (NormalPattern::gather_*), rows (CSR) and columns (CSC,
  // rows ascending in each column) of the unique entries.
  std::vector<int32_t> gather_start;  // T + 1, or empty without duplicates
  std::vector<int32_t> gather_coo;
  std::vector<int32_t> row_start;   // m + 1
  std::vector<int32_t> unique_col;  // T
  std::vector<int32_t> col_start;   // n + 1
  std::vector<int32_t> col_entry;   // T: unique entry
  std::vector<int32_t> col_row;     // T: its row

  // A[s] = Σ U[product_p[k]]·U[product_q[k]], k in [product_start[s], product_start[s + 1]).
  std::vector<int64_t> product_start;  // a_nnz + 1
  std::vector<int32_t> product_p;
  std::vector<int32_t> product_q;
  std::vector<uint8_t> slot_diagonal;  // a_nnz: 1 for A(j, j)

  // The factorisation's input for one element: `stride` values; slot s of A
  // goes to target_upper[s] and, if ≥ 0, also to target_lower[s].
  int64_t stride = 0;
  std::vector<int32_t> target_upper;
  std::vector<int32_t> target_lower;

  // Sparse layout only: P A Pᵀ as a full symmetric CSR matrix (both
  // triangles, columns sorted), with perm[k] = the caller's column at
  // position k and iperm its inverse.
  std::vector<int32_t> csr_row_ptr;  // n + 1
  std::vector<int32_t> csr_col;      // stride
  std::vector<int32_t> perm;
  std::vector<int32_t> iperm;
};

// J's maps and A's products, by slot of A's compressed upper triangle: call
// it while the pattern is in its compressed layout (the default).
NormalMaps BuildNormalMaps(const NormalPattern& pattern);

// n×n column-major, A(i, j) (i ≤ j) at its mirror (j, i): the lower triangle
// that potrf and trsm read. The pattern must have been switched to its dense
// layout (NormalPattern::UseDenseLayout, which also checks that n² fits),
// whose slot positions are these targets.
void UseDenseLayout(const NormalPattern& pattern, NormalMaps* maps);

// P A Pᵀ in full symmetric CSR (sparse Cholesky without reordering of its own).
void UseSparseLayout(const NormalPattern& pattern, const std::vector<int32_t>& perm, NormalMaps* maps);

}  // namespace ariadne::cuda
