// The symbolic half of the supernodal Cholesky factorisation (see
// supernodal_cholesky.h): everything about L = chol(P A Pᵀ) that depends on
// the pattern of A only, computed once per NormalPattern.
//
// 1. Ordering. AMD (Eigen::AMDOrdering, the CSparse algorithm) on the graph
//    of the column blocks when the pattern has them (every column of a
//    variable shares its neighbours, so ordering the q-times smaller block
//    graph gives the same kind of ordering, faster, and keeps each block's
//    columns adjacent), expanded to scalars; scalar AMD otherwise. AMD's
//    tie-breaking depends on the node labels, so when the factorisation is
//    expensive enough to repay it, AMD also runs on a few fixed
//    relabellings, and the ordering with the fewest flops (counted on the
//    block graph) wins.
// 2. Elimination tree of P A Pᵀ (Liu's algorithm with path compression) and
//    the column counts c_j = |struct(L_{*j})| (diagonal included), counted
//    row by row: row i of L is the union of the tree paths from each k with
//    A_ik ≠ 0, k < i, up to i (the row subtree), so walking those paths
//    until a node already marked for row i visits each entry of L once.
// 3. Supernodes by relaxed amalgamation (see SupernodalOptions): bottom-up,
//    a child supernode C is merged into its parent's supernode X. With
//    n_X, n_C columns and r_X, r_C rows below them, struct(C) ⊆ cols(X) ∪
//    R(X), so the merged trapezoid (n_X + n_C columns over R(X)) stores
//    n_C·(n_X + r_X − r_C) explicit zeros more than the two parts. A column
//    whose structure is its parent's plus the parent itself costs no zero
//    (the fundamental supernodes come out of the same rule).
// 4. The final ordering: a postorder of the supernodal tree (children in
//    the order that minimises the peak of the update-matrix stack, Liu 1986)
//    with each supernode's columns consecutive in an order that is
//    topological for the elimination tree. Any topological ordering of the
//    elimination tree has the same fill, so merging non-adjacent children
//    is free of extra fill beyond the counted zeros.
// 5. Row structures R(S) = (rows of A's columns of S below S) ∪ (R(C)
//    below S for the children C), the layout of L, where each entry of A
//    lands in L, the relative indices of each child's rows in its parent's
//    front, and the offsets of the update matrices on the stack.
#pragma once

#include <cstdint>
#include <vector>

#include "normal_pattern.h"

namespace ariadne {

// The relaxed-amalgamation rule: merging a child supernode into its parent
// is accepted when it adds no explicit zero, when the merged supernode has
// at most `always_columns` columns, or when its explicit zeros (all that it
// holds, not just the new ones) are at most the fraction
// tier_zero_fraction[t] of its entries for the first tier t with
// tier_columns[t] ≥ its column count.
//
// Tuned with native/bench/factor_bench --variant on the five pose graphs,
// numeric factorisation time, -O3 (-march=native):
//   chosen: 4 columns always; up to 16 columns 20 % zeros, up to 48 5 %,
//           wider 1 %                              best or within 1 % of it
//   fundamental supernodes only (no zeros)       +1-11 % (+3-13 %)
//   CHOLMOD's defaults (4; 16: 80 %, 48: 10 %, 5 %) +4-38 % (0-15 %)
//   4; 16: 50 %, 48: 20 %, 5 %                    +3-15 % (−1-+3 %)
//   8; 32: 50 %, 64: 30 %, 10 %                   +11-34 % (+6-13 %)
// The register-tile kernels cost little per supernode, so merging pays for
// few zeros; the chosen rule also keeps nnz(L) within 0.5-17 % of the exact
// count (memory and solve time).
struct SupernodalOptions {
  bool block_ordering = true;  // AMD on col_blocks() when the pattern has them
  int ordering_tries = 8;      // at most this many AMD runs (natural labels + relabellings)
  int always_columns = 4;
  int tier_columns[3] = {16, 48, 1 << 30};
  double tier_zero_fraction[3] = {0.2, 0.05, 0.01};
  // No merge makes a supernode wider than this.
  int max_columns = 1 << 30;
};

struct SupernodalSymbolic {
  int n = 0;
  int supernode_count = 0;
  // perm[k] = the caller's column at position k of the factor's ordering.
  std::vector<int32_t> perm;

  // Supernode s owns the columns [first[s], first[s + 1]) of the ordering and
  // the rows below them rows[row_start[s] .. row_start[s + 1]) (ascending).
  // Supernodes are numbered in a postorder of the supernodal tree.
  std::vector<int32_t> first;      // supernode_count + 1
  std::vector<int64_t> row_start;  // supernode_count + 1
  std::vector<int32_t> rows;
  std::vector<int32_t> parent;  // -1 at a root

  // L's values: supernode s is a column-major (n_s + r_s) × n_s panel at
  // value_start[s] (leading dimension n_s + r_s; the rows are its own columns
  // then R(s); the strict upper triangle of the diagonal block is unused).
  std::vector<int64_t> value_start;  // supernode_count + 1
  int64_t factor_nonzeros = 0;       // Σ n_s(n_s + 1)/2 + n_s·r_s: nnz(L) with the explicit zeros
  int64_t true_nonzeros = 0;         // Σ c_j: nnz(L) of the elimination itself
  double true_flops = 0;             // Σ c_j², the usual flop count of LLᵀ
  double factor_flops = 0;           // the same for the supernodal trapezoids (n_s³/3 + n_s²r_s + n_s r_s²)

  // Assembly of A: the entries of A (positions in the compressed upper
  // pattern) that land in supernode s are a_index[a_start[s] .. a_start[s+1]),
  // each at offset a_offset[...] inside s's panel.
  std::vector<int64_t> a_start;  // supernode_count + 1
  std::vector<int32_t> a_index;
  std::vector<int32_t> a_offset;

  // Children of s: children[child_start[s] .. child_start[s + 1]), in
  // processing order (ascending). relative[row_start[c] .. row_start[c + 1])
  // gives each row of R(c) as a position in its parent's front (the parent's
  // columns first, then its R).
  std::vector<int32_t> child_start;  // supernode_count + 1
  std::vector<int32_t> children;
  std::vector<int32_t> relative;  // parallel to rows

  // The update matrix U_s (r_s × r_s, column-major, lower triangle used) is
  // at stack_offset[s] of a stack of stack_size doubles.
  std::vector<int64_t> stack_offset;
  int64_t stack_size = 0;
  int max_rows = 0;     // max r_s
  int max_columns = 0;  // max n_s
  int max_front = 0;    // max n_s + r_s

  int columns(int s) const { return first[s + 1] - first[s]; }
  int below(int s) const { return static_cast<int>(row_start[s + 1] - row_start[s]); }
};

// Throws a RangeError naming 'pattern' unless AMD can order a graph of
// `entries` adjacency entries (diagonal included) over `nodes` nodes:
// Eigen's AMD keeps them in 32-bit indices, in a workspace of
// entries + entries/5 + 2·nodes.
void CheckOrderingGraph(int64_t entries, int64_t nodes);

// Runs the analysis; throws InternalError if an internal consistency check
// fails (never for a valid NormalPattern), and CheckOrderingGraph's
// RangeError for a pattern too large to order.
SupernodalSymbolic AnalyseSupernodal(const NormalPattern& pattern, const SupernodalOptions& options);

}  // namespace ariadne
