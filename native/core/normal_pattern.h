// The symbolic half of the normal equations, computed once per Jacobian
// pattern: the unique entries of J in (row, column) order, the pattern of
// A = JᵀJ (upper triangle, compressed columns, every diagonal entry present)
// and the scatter map that forms A, g = Jᵀr and ‖r‖² from J's values.
//
// J is given as COO entries (rows[k], cols[k]); duplicates are summed. Let the
// unique entries t = 0..T-1 be sorted by (row, column). For a row with unique
// entries t_0 < ... < t_{L-1} (so columns c_0 < ... < c_{L-1}),
//   A[c_p, c_q] += J_t_p · J_t_q   for 0 ≤ p ≤ q < L,
// and pair_slot lists, row by row and for p then q ≥ p, the position in the
// value array of A where that product lands (rows with the same columns as the
// row before, like the d rows of one cost instance, share one list). A row
// may be empty (a cost instance on constant elements only): it adds only its
// residual's square to ‖r‖².
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "raw_vector.h"

namespace ariadne {

struct PatternInput {
  int64_t m = 0;
  int64_t n = 0;
  const int32_t* rows = nullptr;
  const int32_t* cols = nullptr;
  int64_t nnz = 0;
  const int32_t* col_blocks = nullptr;  // optional
  int64_t num_col_blocks = 0;
  int64_t eliminate = 0;
};

// Where the values of A live for one batch element.
enum class ALayout {
  kCompressedUpper,  // CSC upper triangle, a_col_start / a_row_index
  kDenseLower,       // n×n column-major; A(i, j), i ≤ j, stored at its mirror (j, i)
};

class NormalPattern {
 public:
  // Validates the pattern (RangeError naming 'pattern.<field>' on bad values)
  // and computes everything below. `function` names the caller in messages.
  NormalPattern(const PatternInput& input, const char* function);

  int m() const { return m_; }
  int n() const { return n_; }
  int64_t nnz() const { return nnz_; }
  int64_t unique_count() const { return static_cast<int64_t>(unique_col_.size()); }
  bool has_duplicates() const { return has_duplicates_; }
  const std::vector<int32_t>& col_blocks() const { return col_blocks_; }
  int eliminate() const { return eliminate_; }

  // Pattern of A: upper triangle by columns, rows sorted, diagonal last in
  // every column.
  int64_t a_nnz() const { return static_cast<int64_t>(a_row_index_.size()); }
  const std::vector<int32_t>& a_col_start() const { return a_col_start_; }
  const std::vector<int32_t>& a_row_index() const { return a_row_index_; }

  // Switches the scatter map from the compressed layout (the default) to the
  // dense one; RangeError when n² does not fit.
  void UseDenseLayout(const char* function);
  ALayout layout() const { return layout_; }
  // Length of the value array of A for one element in the current layout.
  int64_t a_value_count() const;
  // Positions of A's pattern entries, and of its diagonal, in the value array.
  const std::vector<int64_t>& a_slots() const { return a_slots_; }
  const std::vector<int64_t>& diagonal_slots() const { return diagonal_slots_; }

  // Gathers J's COO values (nnz) into unique (row, column) order (T values).
  void GatherUnique(const double* coo_values, double* unique_values) const;
  // A's values (all a_slots zeroed first), g = Jᵀr and returns ‖r‖².
  double Form(const double* unique_values, const double* residuals, double* a_values, double* gradient) const;
  // y = J x (length m) and x = Jᵀ y (length n) with unique-order values.
  void MultiplyJ(const double* unique_values, const double* x, double* y) const;
  void MultiplyJt(const double* unique_values, const double* y, double* x) const;

  // The maps above, read-only, for a backend that forms A itself (native/cuda).
  // Row r's unique entries are [row_start()[r], row_start()[r + 1]); entry t
  // lies in column unique_col()[t] and sums the COO entries gather_coo()[g]
  // for g in [gather_start()[t], gather_start()[t + 1]) (gather_start() is
  // empty without duplicates: then entry t is COO entry gather_coo()[t]).
  // row_pair_slots(r)[p·L − p(p−1)/2 + (q − p)] is where row r's product of
  // its entries p ≤ q lands in A's values (current layout; L entries in row r).
  const std::vector<int32_t>& row_start() const { return row_start_; }
  const RawVector<int32_t>& unique_col() const { return unique_col_; }
  const RawVector<int32_t>& gather_start() const { return gather_start_; }
  const RawVector<int32_t>& gather_coo() const { return gather_coo_; }
  const int32_t* row_pair_slots(int r) const { return pair_slot_.data() + row_pairs_[r]; }

  // Bytes held by this object (for external-memory accounting).
  int64_t memory_bytes() const;

 private:
  int m_ = 0;
  int n_ = 0;
  int64_t nnz_ = 0;
  bool has_duplicates_ = false;
  std::vector<int32_t> col_blocks_;
  int eliminate_ = 0;

  // Unique entries in (row, column) order.
  std::vector<int32_t> row_start_;   // m + 1, into the unique entries
  RawVector<int32_t> unique_col_;    // T
  RawVector<int32_t> gather_start_;  // T + 1, into gather_coo_ (empty without duplicates)
  RawVector<int32_t> gather_coo_;    // nnz: COO entries of each unique entry

  std::vector<int32_t> a_col_start_;  // n + 1
  std::vector<int32_t> a_row_index_;  // nnz(A upper)

  ALayout layout_ = ALayout::kCompressedUpper;
  // Row r's pairs start at pair_slot_[row_pairs_[r]]; a row with the same
  // columns as the row before shares its pairs. Rows [group_start_[g],
  // group_start_[g + 1]) are such a run (the first row is its leader). An
  // empty row takes no pairs, so its offset equals the next row's: runs are
  // never told apart by equal offsets.
  RawVector<int64_t> row_pairs_;
  RawVector<int32_t> group_start_;  // runs + 1
  RawVector<int32_t> pair_slot_;    // L(L+1)/2 positions in the value array per distinct row
  std::vector<int64_t> a_slots_;
  std::vector<int64_t> diagonal_slots_;

  void SetSlots();
};

}  // namespace ariadne
