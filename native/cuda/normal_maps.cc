#include "normal_maps.h"

#include <algorithm>

#include "errors.h"

namespace ariadne::cuda {

NormalMaps BuildNormalMaps(const NormalPattern& pattern) {
  NormalMaps maps;
  maps.m = pattern.m();
  maps.n = pattern.n();
  maps.unique = static_cast<int>(pattern.unique_count());
  maps.nnz = pattern.nnz();
  maps.a_nnz = pattern.a_nnz();
  maps.gather_start.assign(pattern.gather_start().begin(), pattern.gather_start().end());
  maps.gather_coo.assign(pattern.gather_coo().begin(), pattern.gather_coo().end());
  maps.row_start = pattern.row_start();
  maps.unique_col.assign(pattern.unique_col().begin(), pattern.unique_col().end());

  // Columns: a counting sort of the unique entries, rows ascending.
  maps.col_start.assign(maps.n + 1, 0);
  for (int32_t c : maps.unique_col) ++maps.col_start[c + 1];
  for (int c = 0; c < maps.n; ++c) maps.col_start[c + 1] += maps.col_start[c];
  maps.col_entry.resize(maps.unique);
  maps.col_row.resize(maps.unique);
  std::vector<int32_t> next(maps.col_start.begin(), maps.col_start.end() - 1);
  for (int r = 0; r < maps.m; ++r) {
    for (int32_t t = maps.row_start[r]; t < maps.row_start[r + 1]; ++t) {
      const int32_t e = next[maps.unique_col[t]]++;
      maps.col_entry[e] = t;
      maps.col_row[e] = r;
    }
  }

  // Products: row r's pairs p ≤ q of its L entries, slot row_pair_slots(r)[offset],
  // bucketed by slot with rows ascending (a stable counting sort).
  std::vector<int64_t> start(maps.a_nnz + 1, 0);
  for (int r = 0; r < maps.m; ++r) {
    const int64_t len = maps.row_start[r + 1] - maps.row_start[r];
    const int32_t* slots = pattern.row_pair_slots(r);
    for (int64_t k = 0; k < len * (len + 1) / 2; ++k) ++start[slots[k] + 1];
  }
  for (int64_t s = 0; s < maps.a_nnz; ++s) start[s + 1] += start[s];
  const int64_t products = start[maps.a_nnz];
  maps.product_p.resize(products);
  maps.product_q.resize(products);
  std::vector<int64_t> fill(start.begin(), start.end() - 1);
  for (int r = 0; r < maps.m; ++r) {
    const int32_t begin = maps.row_start[r];
    const int32_t len = maps.row_start[r + 1] - begin;
    const int32_t* slot = pattern.row_pair_slots(r);
    for (int32_t p = 0; p < len; ++p) {
      for (int32_t q = p; q < len; ++q) {
        const int64_t k = fill[*slot++]++;
        maps.product_p[k] = begin + p;
        maps.product_q[k] = begin + q;
      }
    }
  }
  maps.product_start = std::move(start);
  maps.slot_diagonal.assign(maps.a_nnz, 0);
  for (int j = 0; j < maps.n; ++j) maps.slot_diagonal[pattern.a_col_start()[j + 1] - 1] = 1;
  return maps;
}

void UseDenseLayout(const NormalPattern& pattern, NormalMaps* maps) {
  if (pattern.layout() != ALayout::kDenseLower)
    throw InternalError("UseDenseLayout: the pattern is not in its dense layout");
  maps->stride = static_cast<int64_t>(maps->n) * maps->n;
  maps->target_upper.assign(pattern.a_slots().begin(), pattern.a_slots().end());
  maps->target_lower.assign(maps->a_nnz, -1);
}

void UseSparseLayout(const NormalPattern& pattern, const std::vector<int32_t>& perm, NormalMaps* maps) {
  const int n = maps->n;
  maps->perm = perm;
  maps->iperm.resize(n);
  for (int k = 0; k < n; ++k) maps->iperm[perm[k]] = k;

  // Entry (i, j), i ≤ j, of A is (P_i, P_j) and (P_j, P_i) of P A Pᵀ.
  struct Entry {
    int32_t col;
    int32_t slot;
    bool lower;
  };
  std::vector<int32_t> count(n + 1, 0);
  for (int j = 0; j < n; ++j) {
    for (int32_t s = pattern.a_col_start()[j]; s < pattern.a_col_start()[j + 1]; ++s) {
      const int i = pattern.a_row_index()[s];
      ++count[maps->iperm[i] + 1];
      if (i != j) ++count[maps->iperm[j] + 1];
    }
  }
  for (int r = 0; r < n; ++r) count[r + 1] += count[r];
  maps->stride = count[n];
  std::vector<Entry> entries(maps->stride);
  std::vector<int32_t> next(count.begin(), count.end() - 1);
  for (int j = 0; j < n; ++j) {
    for (int32_t s = pattern.a_col_start()[j]; s < pattern.a_col_start()[j + 1]; ++s) {
      const int i = pattern.a_row_index()[s];
      const int32_t pi = maps->iperm[i];
      const int32_t pj = maps->iperm[j];
      entries[next[pi]++] = {pj, s, false};
      if (i != j) entries[next[pj]++] = {pi, s, true};
    }
  }
  maps->csr_row_ptr = count;
  maps->csr_col.resize(maps->stride);
  maps->target_upper.resize(maps->a_nnz);
  maps->target_lower.assign(maps->a_nnz, -1);
  for (int r = 0; r < n; ++r) {
    std::sort(entries.begin() + count[r], entries.begin() + count[r + 1],
              [](const Entry& a, const Entry& b) { return a.col < b.col; });
    for (int32_t k = count[r]; k < count[r + 1]; ++k) {
      maps->csr_col[k] = entries[k].col;
      (entries[k].lower ? maps->target_lower : maps->target_upper)[entries[k].slot] = k;
    }
  }
}

}  // namespace ariadne::cuda
