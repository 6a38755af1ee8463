// Seeded random Jacobian patterns and values for the C++ tests, and dense
// references computed the plain way.
#pragma once

#include <algorithm>
#include <cstdint>
#include <random>
#include <utility>
#include <vector>

#include "eigen.h"
#include "normal_pattern.h"

namespace testing {

struct Problem {
  int m = 0;
  int n = 0;
  std::vector<int32_t> rows;
  std::vector<int32_t> cols;
  std::vector<int32_t> col_blocks;
  // The test features AddFeatures gave this problem.
  bool empty_rows = false;  // constant-only instances (runs of empty rows)
  bool duplicates = false;  // repeated (row, column) entries
  bool shuffled = false;    // COO entries out of row order

  ariadne::PatternInput Input() const {
    ariadne::PatternInput in;
    in.m = m;
    in.n = n;
    in.rows = rows.data();
    in.cols = cols.data();
    in.nnz = static_cast<int64_t>(rows.size());
    if (!col_blocks.empty()) {
      in.col_blocks = col_blocks.data();
      in.num_col_blocks = static_cast<int64_t>(col_blocks.size());
    }
    return in;
  }
};

// A problem over a given pattern (a pose graph's, pose_graph_patterns.h).
inline Problem MakeProblem(int m, int n, std::vector<int32_t> rows, std::vector<int32_t> cols,
                           std::vector<int32_t> col_blocks) {
  Problem p;
  p.m = m;
  p.n = n;
  p.rows = std::move(rows);
  p.cols = std::move(cols);
  p.col_blocks = std::move(col_blocks);
  return p;
}

// What real objectives produce and a pattern must survive, added by every
// generator below at a fixed share of cases: each feature is on with
// probability 1/2, drawn from the generator's own stream.
// - Constant-only instances: runs of `instance_rows` empty rows (a cost
//   instance that touches only constant elements), always one before the
//   first instance and one after the last, and one in about every eighth gap
//   between instances; sometimes a single empty row; and in about every
//   eighth instance of several rows, an empty row between two of its rows.
// - Duplicates: about one entry in eight repeated (the values are summed).
// - Shuffled: the COO entries in a random order.
// Every column keeps the non-empty rows it had, so definiteness is unchanged.
inline void AddFeatures(Problem& p, int instance_rows, std::mt19937_64& rng) {
  std::bernoulli_distribution half(0.5), eighth(0.125);
  p.empty_rows = half(rng);
  p.duplicates = half(rng);
  p.shuffled = half(rng);
  if (p.empty_rows) {
    const int instances = p.m / instance_rows;  // the generators' m is a multiple
    std::vector<int32_t> new_row(p.m);
    int added = 0;
    for (int g = 0; g <= instances; ++g) {
      if (g == 0 || g == instances || eighth(rng)) added += half(rng) ? instance_rows : 1;
      if (g == instances) break;
      // Sometimes an empty row inside the instance, between two of its rows
      // with the same columns (it splits their run).
      const int inside =
          instance_rows > 1 && eighth(rng) ? std::uniform_int_distribution<int>(1, instance_rows - 1)(rng) : 0;
      for (int k = 0; k < instance_rows; ++k) {
        if (inside > 0 && k == inside) ++added;
        new_row[g * instance_rows + k] = g * instance_rows + k + added;
      }
    }
    for (int32_t& row : p.rows) row = new_row[row];
    p.m += added;
  }
  if (p.duplicates) {
    const size_t count = p.rows.size();
    for (size_t k = 0; k < count; ++k) {
      if (!eighth(rng)) continue;
      p.rows.push_back(p.rows[k]);
      p.cols.push_back(p.cols[k]);
    }
  }
  if (p.shuffled) {
    std::vector<size_t> order(p.rows.size());
    for (size_t k = 0; k < order.size(); ++k) order[k] = k;
    std::shuffle(order.begin(), order.end(), rng);
    std::vector<int32_t> rows(order.size()), cols(order.size());
    for (size_t k = 0; k < order.size(); ++k) {
      rows[k] = p.rows[order[k]];
      cols[k] = p.cols[order[k]];
    }
    p.rows = std::move(rows);
    p.cols = std::move(cols);
  }
}

// Each row touches `per_row` random columns (duplicates possible); every
// column is touched at least once (when m ≥ n) so that JᵀJ is positive
// definite; then AddFeatures.
inline Problem RandomScalarPattern(int m, int n, int per_row, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> col(0, n - 1);
  Problem p;
  p.m = m;
  p.n = n;
  for (int r = 0; r < m; ++r) {
    p.rows.push_back(r);
    p.cols.push_back(r % n);
    for (int k = 1; k < per_row; ++k) {
      p.rows.push_back(r);
      p.cols.push_back(col(rng));
    }
  }
  AddFeatures(p, 1, rng);
  return p;
}

// A pose-graph-like block pattern: `nodes` blocks of size `block`, a chain of
// edges plus `extra` random edges (loop closures between nodes at most `span`
// apart along the chain, any two nodes when span is 0), each edge a dense
// block×(2·block) block; then AddFeatures.
inline Problem RandomBlockPattern(int nodes, int block, int extra, uint64_t seed, int span = 0) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> node(0, nodes - 1);
  std::uniform_int_distribution<int> offset(1, span > 0 ? span : 1);
  std::vector<std::pair<int, int>> edges;
  for (int i = 0; i + 1 < nodes; ++i) edges.emplace_back(i, i + 1);
  for (int e = 0; e < extra; ++e) {
    const int a = node(rng);
    const int b = span > 0 ? std::min(nodes - 1, a + offset(rng)) : node(rng);
    if (a != b) edges.emplace_back(a, b);
  }
  Problem p;
  p.n = nodes * block;
  p.col_blocks.assign(nodes, block);
  int row = 0;
  // A prior block on node 0 removes the gauge freedom.
  for (int r = 0; r < block; ++r, ++row) {
    for (int c = 0; c < block; ++c) {
      p.rows.push_back(row);
      p.cols.push_back(c);
    }
  }
  for (const auto& [a, b] : edges) {
    for (int r = 0; r < block; ++r, ++row) {
      for (int v : {a, b}) {
        for (int c = 0; c < block; ++c) {
          p.rows.push_back(row);
          p.cols.push_back(v * block + c);
        }
      }
    }
  }
  p.m = row;
  AddFeatures(p, block, rng);
  return p;
}

inline std::vector<double> RandomValues(size_t count, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  std::vector<double> v(count);
  for (double& x : v) x = normal(rng);
  return v;
}

inline Eigen::MatrixXd DenseJ(const Problem& p, const double* values) {
  Eigen::MatrixXd j = Eigen::MatrixXd::Zero(p.m, p.n);
  for (size_t k = 0; k < p.rows.size(); ++k) j(p.rows[k], p.cols[k]) += values[k];
  return j;
}

}  // namespace testing
