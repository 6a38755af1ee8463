#include "normal_pattern.h"

#include <algorithm>
#include <limits>

#include "errors.h"
#include "memory.h"
#include "messages.h"

namespace ariadne {
namespace {

constexpr int64_t kMaxIndex = std::numeric_limits<int32_t>::max();

void CheckSize(const char* function, const char* name, int64_t value) {
  if (value < 1 || value > kMaxIndex) {
    throw RangeArgumentError(MustBe(function, name, Concat("an integer in [1, ", kMaxIndex, "]"), Concat(value)));
  }
}

void CheckIndices(const char* function, const char* name, const int32_t* values, int64_t count, int64_t bound,
                  const char* bound_name) {
  for (int64_t k = 0; k < count; ++k) {
    if (values[k] < 0 || values[k] >= bound) {
      throw RangeArgumentError(MustBe(function, Concat(name, "[", k, "]"),
                                      Concat("in [0, ", bound_name, " = ", bound, ")"), Concat(values[k])));
    }
  }
}

}  // namespace

NormalPattern::NormalPattern(const PatternInput& in, const char* function) {
  CheckSize(function, "pattern.m", in.m);
  CheckSize(function, "pattern.n", in.n);
  if (in.nnz < 1) {
    throw RangeArgumentError(
        MustBe(function, "pattern.rows", "non-empty (a pattern needs at least one entry)", "length 0"));
  }
  if (in.nnz > kMaxIndex) {
    throw RangeArgumentError(
        MustBe(function, "pattern.rows", Concat("at most ", kMaxIndex, " entries long"), Concat("length ", in.nnz)));
  }
  // The analysis' working arrays, before allocating them (the pairs of rows,
  // at least nnz of them, are checked when counted).
  const double bytes = 48.0 * in.nnz + 16.0 * in.m + 40.0 * in.n;
  if (bytes > PhysicalMemoryBytes()) {
    throw RangeArgumentError(MustBe(function, "pattern",
                                    Concat("small enough for this machine's ", Gibibytes(PhysicalMemoryBytes()),
                                           " of memory (its analysis needs about ", Gibibytes(bytes), ")"),
                                    Concat("m = ", in.m, ", n = ", in.n, ", nnz = ", in.nnz)));
  }
  m_ = static_cast<int>(in.m);
  n_ = static_cast<int>(in.n);
  nnz_ = in.nnz;
  CheckIndices(function, "pattern.rows", in.rows, in.nnz, in.m, "m");
  CheckIndices(function, "pattern.cols", in.cols, in.nnz, in.n, "n");

  if (in.col_blocks != nullptr) {
    int64_t total = 0;
    for (int64_t b = 0; b < in.num_col_blocks; ++b) {
      if (in.col_blocks[b] < 1) {
        throw RangeArgumentError(
            MustBe(function, Concat("pattern.colBlocks[", b, "]"), "a positive block size", Concat(in.col_blocks[b])));
      }
      total += in.col_blocks[b];
    }
    if (total != in.n) {
      throw RangeArgumentError(MustBe(function, "pattern.colBlocks", Concat("block sizes that sum to n = ", in.n),
                                      Concat("a sum of ", total)));
    }
    col_blocks_.assign(in.col_blocks, in.col_blocks + in.num_col_blocks);
  }
  if (in.eliminate < 0 || in.eliminate > static_cast<int64_t>(col_blocks_.size())) {
    throw RangeArgumentError(MustBe(function, "pattern.eliminate",
                                    Concat("an integer in [0, colBlocks.length = ", col_blocks_.size(), "]"),
                                    Concat(in.eliminate)));
  }
  eliminate_ = static_cast<int>(in.eliminate);

  // Unique entries: COO entries bucketed by row (a counting sort), each row's
  // few entries sorted by column, runs of equal (row, column) merged. All
  // index arrays are 32-bit (nnz < 2³¹): the analysis touches little memory,
  // which matters where first-touch page faults are slow (VMs).
  RawVector<int32_t> order(nnz_);
  {
    std::vector<int32_t> next(m_ + 1, 0);
    for (int64_t k = 0; k < nnz_; ++k) ++next[in.rows[k] + 1];
    for (int r = 0; r < m_; ++r) next[r + 1] += next[r];
    std::vector<int32_t> row_ptr(next);
    for (int64_t k = 0; k < nnz_; ++k) order[next[in.rows[k]]++] = static_cast<int32_t>(k);
    for (int r = 0; r < m_; ++r) {
      int32_t* begin = order.data() + row_ptr[r];
      int32_t* end = order.data() + row_ptr[r + 1];
      // Stable: equal columns keep their COO order, so duplicates sum in input order.
      std::stable_sort(begin, end, [&](int32_t a, int32_t b) { return in.cols[a] < in.cols[b]; });
    }
  }
  row_start_.assign(m_ + 1, 0);
  unique_col_.reserve(nnz_);
  RawVector<int32_t> unique_first;  // first sorted position of each unique entry
  unique_first.reserve(nnz_);
  for (int64_t s = 0; s < nnz_; ++s) {
    const int32_t k = order[s];
    if (s > 0 && in.rows[k] == in.rows[order[s - 1]] && in.cols[k] == in.cols[order[s - 1]]) continue;
    unique_first.push_back(static_cast<int32_t>(s));
    unique_col_.push_back(in.cols[k]);
    ++row_start_[in.rows[k] + 1];
  }
  for (int r = 0; r < m_; ++r) row_start_[r + 1] += row_start_[r];
  const int32_t unique = static_cast<int32_t>(unique_col_.size());
  has_duplicates_ = unique != nnz_;
  gather_coo_ = std::move(order);
  if (has_duplicates_) {
    gather_start_ = std::move(unique_first);
    gather_start_.push_back(static_cast<int32_t>(nnz_));
  }

  // Rows whose column list repeats the previous row's (the d rows of a cost
  // instance) share its pair map: only "leader" rows get one.
  std::vector<uint8_t> leader(m_, 1);
  for (int r = 1; r < m_; ++r) {
    const int32_t len = row_start_[r + 1] - row_start_[r];
    leader[r] = !(len == row_start_[r] - row_start_[r - 1] &&
                  std::equal(unique_col_.begin() + row_start_[r], unique_col_.begin() + row_start_[r + 1],
                             unique_col_.begin() + row_start_[r - 1]));
  }
  row_pairs_.resize(m_);
  int64_t pairs = 0;
  for (int r = 0; r < m_; ++r) {
    if (!leader[r]) {
      row_pairs_[r] = row_pairs_[r - 1];
      continue;
    }
    group_start_.push_back(r);
    const int64_t len = row_start_[r + 1] - row_start_[r];
    row_pairs_[r] = pairs;
    pairs += len * (len + 1) / 2;
  }
  group_start_.push_back(m_);
  if (pairs > kMaxIndex * 4 || 4.0 * pairs + bytes > PhysicalMemoryBytes()) {
    throw RangeArgumentError(
        MustBe(function, "pattern",
               "a pattern whose rows give few enough column pairs for the scatter map of JᵀJ to fit in memory",
               Concat(pairs, " pairs")));
  }
  pair_slot_.resize(pairs);

  // Unique entries of leader rows by column, in row order (a counting sort).
  std::vector<int32_t> col_start(n_ + 1, 0);
  RawVector<int32_t> row_of(unique);
  for (int r = 0; r < m_; ++r) {
    for (int32_t t = row_start_[r]; t < row_start_[r + 1]; ++t) {
      row_of[t] = r;
      if (leader[r]) ++col_start[unique_col_[t] + 1];
    }
  }
  for (int c = 0; c < n_; ++c) col_start[c + 1] += col_start[c];
  RawVector<int32_t> by_col(col_start[n_]);
  {
    std::vector<int32_t> next(col_start.begin(), col_start.end() - 1);
    for (int32_t t = 0; t < unique; ++t) {
      if (leader[row_of[t]]) by_col[next[unique_col_[t]]++] = t;
    }
  }

  // Column sweep: column j of A's upper triangle holds the columns i ≤ j that
  // share a row of J with column j (leader rows suffice: the others repeat them).
  a_col_start_.assign(n_ + 1, 0);
  std::vector<int32_t> mark(n_, -1);
  RawVector<int32_t> position(n_);
  std::vector<int32_t> column_rows;
  for (int j = 0; j < n_; ++j) {
    column_rows.clear();
    mark[j] = j;
    column_rows.push_back(j);
    for (int32_t s = col_start[j]; s < col_start[j + 1]; ++s) {
      const int32_t t = by_col[s];
      const int r = row_of[t];
      for (int32_t u = row_start_[r]; u < t; ++u) {
        const int i = unique_col_[u];
        if (mark[i] != j) {
          mark[i] = j;
          column_rows.push_back(i);
        }
      }
    }
    std::sort(column_rows.begin(), column_rows.end());
    const int64_t base = static_cast<int64_t>(a_row_index_.size());
    if (base + static_cast<int64_t>(column_rows.size()) > kMaxIndex) {
      throw RangeArgumentError(
          MustBe(function, "pattern", Concat("a pattern whose JᵀJ has at most ", kMaxIndex, " entries"), "more"));
    }
    for (size_t p = 0; p < column_rows.size(); ++p) {
      position[column_rows[p]] = static_cast<int32_t>(base + static_cast<int64_t>(p));
      a_row_index_.push_back(column_rows[p]);
    }
    a_col_start_[j + 1] = static_cast<int32_t>(a_row_index_.size());
    // Pairs (p, q) of a leader row whose second entry q lies in column j.
    for (int32_t s = col_start[j]; s < col_start[j + 1]; ++s) {
      const int32_t t = by_col[s];
      const int r = row_of[t];
      const int64_t len = row_start_[r + 1] - row_start_[r];
      const int64_t q = t - row_start_[r];
      for (int64_t p = 0; p <= q; ++p) {
        const int64_t offset = p * len - p * (p - 1) / 2 + (q - p);
        pair_slot_[row_pairs_[r] + offset] = position[unique_col_[row_start_[r] + p]];
      }
    }
  }
  SetSlots();
}

void NormalPattern::SetSlots() {
  const bool dense = layout_ == ALayout::kDenseLower;
  a_slots_.resize(a_row_index_.size());
  for (int j = 0; j < n_; ++j) {
    for (int32_t s = a_col_start_[j]; s < a_col_start_[j + 1]; ++s) {
      a_slots_[s] = dense ? j + static_cast<int64_t>(a_row_index_[s]) * n_ : s;
    }
  }
  diagonal_slots_.resize(n_);
  for (int j = 0; j < n_; ++j) diagonal_slots_[j] = a_slots_[a_col_start_[j + 1] - 1];
}

void NormalPattern::UseDenseLayout(const char* function) {
  if (layout_ == ALayout::kDenseLower) return;
  if (static_cast<int64_t>(n_) * n_ > kMaxIndex) {
    throw RangeArgumentError(
        MustBe(function, "options.kind", "'sparse' or 'auto' when n > 46340 (a dense A would not fit)", "'dense'"));
  }
  layout_ = ALayout::kDenseLower;
  SetSlots();
  for (int32_t& slot : pair_slot_) slot = static_cast<int32_t>(a_slots_[slot]);
}

int64_t NormalPattern::a_value_count() const {
  return layout_ == ALayout::kDenseLower ? static_cast<int64_t>(n_) * n_ : a_nnz();
}

void NormalPattern::GatherUnique(const double* coo, double* unique) const {
  const int64_t count = unique_count();
  if (!has_duplicates_) {
    for (int64_t t = 0; t < count; ++t) unique[t] = coo[gather_coo_[t]];
    return;
  }
  for (int64_t t = 0; t < count; ++t) {
    double sum = 0.0;
    for (int64_t g = gather_start_[t]; g < gather_start_[t + 1]; ++g) sum += coo[gather_coo_[g]];
    unique[t] = sum;
  }
}

double NormalPattern::Form(const double* values, const double* residuals, double* a_values, double* gradient) const {
  for (int64_t slot : a_slots_) a_values[slot] = 0.0;
  std::fill(gradient, gradient + n_, 0.0);
  double squared_norm = 0.0;
  // Consecutive rows with one column list (the d rows of a cost instance)
  // share their pairs: their products are summed in `block` and added to A
  // once, instead of one indirect update of A per row and pair.
  constexpr int kMaxBlockPairs = 2080;  // 64 columns
  double block[kMaxBlockPairs];
  const int64_t groups = static_cast<int64_t>(group_start_.size()) - 1;
  for (int64_t group = 0; group < groups; ++group) {
    const int r = group_start_[group];
    const int64_t pairs_at = row_pairs_[r];
    const int32_t len = row_start_[r + 1] - row_start_[r];
    const int64_t pairs = static_cast<int64_t>(len) * (len + 1) / 2;
    const int rows_end = group_start_[group + 1];
    const bool grouped = rows_end - r > 1 && pairs <= kMaxBlockPairs;
    if (grouped) std::fill(block, block + pairs, 0.0);
    for (int row = r; row < rows_end; ++row) {
      const int32_t begin = row_start_[row];
      const int32_t end = begin + len;
      const double residual = residuals[row];
      squared_norm += residual * residual;
      const int32_t* slot = pair_slot_.data() + pairs_at;
      double* sum = block;
      for (int32_t p = begin; p < end; ++p) {
        const double jp = values[p];
        gradient[unique_col_[p]] += jp * residual;
        if (grouped) {
          for (int32_t q = p; q < end; ++q) *sum++ += jp * values[q];
        } else {
          for (int32_t q = p; q < end; ++q) a_values[*slot++] += jp * values[q];
        }
      }
    }
    if (grouped) {
      const int32_t* slot = pair_slot_.data() + pairs_at;
      for (int64_t k = 0; k < pairs; ++k) a_values[slot[k]] += block[k];
    }
  }
  return squared_norm;
}

void NormalPattern::MultiplyJ(const double* values, const double* x, double* y) const {
  for (int r = 0; r < m_; ++r) {
    double sum = 0.0;
    for (int32_t t = row_start_[r]; t < row_start_[r + 1]; ++t) sum += values[t] * x[unique_col_[t]];
    y[r] = sum;
  }
}

void NormalPattern::MultiplyJt(const double* values, const double* y, double* x) const {
  std::fill(x, x + n_, 0.0);
  for (int r = 0; r < m_; ++r) {
    const double yr = y[r];
    for (int32_t t = row_start_[r]; t < row_start_[r + 1]; ++t) x[unique_col_[t]] += values[t] * yr;
  }
}

int64_t NormalPattern::memory_bytes() const {
  return static_cast<int64_t>(sizeof(*this) +
                              4 * (row_start_.size() + unique_col_.size() + a_col_start_.size() + a_row_index_.size() +
                                   pair_slot_.size() + col_blocks_.size() + gather_start_.size() + gather_coo_.size() +
                                   group_start_.size()) +
                              8 * (row_pairs_.size() + a_slots_.size() + diagonal_slots_.size()));
}

}  // namespace ariadne
