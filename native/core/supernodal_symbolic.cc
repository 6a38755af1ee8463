#include "supernodal_symbolic.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "eigen.h"
#include "errors.h"
#include "messages.h"

namespace ariadne {

void CheckOrderingGraph(int64_t entries, int64_t nodes) {
  if (entries + entries / 5 + 2 * nodes <= std::numeric_limits<int32_t>::max()) return;
  throw RangeArgumentError(MustBe("NormalEquations", "pattern",
                                  "a pattern whose fill-reducing ordering fits 32-bit indices",
                                  Concat("one whose ordering graph has ", entries, " entries over ", nodes, " nodes")));
}

namespace {

// Compressed symmetric graph: the neighbours of node v are
// adjacent[start[v] .. start[v + 1]).
struct Graph {
  std::vector<int32_t> start;
  std::vector<int32_t> adjacent;
};

// splitmix64: a small generator whose stream is the same on every platform
// (std::shuffle's is not), so the chosen ordering is too.
uint64_t NextRandom(uint64_t* state) {
  uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

double TrapezoidFlops(double columns, double rows) {
  // Σ_{j<n} (n − j + r)² = Σ_{m=r+1}^{r+n} m².
  auto square_sum = [](double m) { return m * (m + 1) * (2 * m + 1) / 6; };
  return square_sum(columns + rows) - square_sum(rows);
}

// The flops Σ_j c_j² of LLᵀ when the nodes of `graph` (symmetric, diagonal
// included) are eliminated in `order`, each node standing for `size[v]`
// indistinguishable columns: with R_v the columns of the nodes in the
// structure of node v below it, v's t-th column has size[v] − t + R_v entries.
// Elimination tree and row subtrees as in AnalyseSupernodal, on the nodes.
double OrderingFlops(const Graph& graph, const std::vector<int32_t>& order, const std::vector<int32_t>& size) {
  const int nodes = static_cast<int>(order.size());
  std::vector<int32_t> position(nodes);
  for (int k = 0; k < nodes; ++k) position[order[k]] = k;
  std::vector<int32_t> parent(nodes, -1), ancestor(nodes, -1), mark(nodes, -1);
  std::vector<double> below(nodes, 0.0);
  for (int q = 0; q < nodes; ++q) {
    const int v = order[q];
    for (int32_t s = graph.start[v]; s < graph.start[v + 1]; ++s) {
      for (int i = position[graph.adjacent[s]]; i != -1 && i < q;) {
        const int next = ancestor[i];
        ancestor[i] = q;
        if (next == -1) parent[i] = q;
        i = next;
      }
    }
  }
  for (int q = 0; q < nodes; ++q) {
    const int v = order[q];
    mark[q] = q;
    for (int32_t s = graph.start[v]; s < graph.start[v + 1]; ++s) {
      const int p = position[graph.adjacent[s]];
      if (p >= q) continue;
      for (int k = p; mark[k] != q; k = parent[k]) {
        below[k] += size[v];
        mark[k] = q;
      }
    }
  }
  double flops = 0;
  for (int q = 0; q < nodes; ++q) flops += TrapezoidFlops(size[order[q]], below[q]);
  return flops;
}

// Flops of a factorisation per entry of the block graph that make one more
// AMD try worth its time: a try (AMD, relabelling, flop count) measured
// 120-150 ns per graph entry on the pose graphs, and the numeric
// factorisation runs at about 10 GFLOP/s, so 1000 flops per entry lets the
// extra tries together cost about one numeric factorisation.
constexpr double kFlopsPerEntryPerTry = 1000;

// The fill-reducing ordering: order[k] = column of A at position k.
//
// AMD's result depends on how ties between nodes of equal approximate degree
// are broken, that is on the labels of the nodes, and the natural labels of
// a pose graph (trajectory order) are a poor case for the CSparse variant in
// Eigen: on sphere2500 it gives 555 MFLOP where random relabellings give
// 345-445 (SuiteSparse's AMD: 397). So AMD runs on the natural labels and
// then on fixed pseudo-random relabellings, as many as the natural
// ordering's flops justify (kFlopsPerEntryPerTry) up to `max_tries` in all,
// and the ordering with the fewest flops wins (ties: the earlier try).
std::vector<int32_t> FillReducingOrder(const NormalPattern& pattern, bool use_blocks, int max_tries) {
  const int n = pattern.n();
  const std::vector<int32_t>& col_start = pattern.a_col_start();
  const std::vector<int32_t>& row_index = pattern.a_row_index();
  const std::vector<int32_t>& sizes = pattern.col_blocks();
  const bool blocked = use_blocks && !sizes.empty() && static_cast<int>(sizes.size()) < n;
  const int nodes = blocked ? static_cast<int>(sizes.size()) : n;
  std::vector<int32_t> node_of(n), node_first(nodes + 1, 0), node_size(nodes, 1);
  if (blocked) {
    node_size = sizes;
    for (int b = 0; b < nodes; ++b) node_first[b + 1] = node_first[b] + sizes[b];
    for (int b = 0; b < nodes; ++b) {
      for (int c = node_first[b]; c < node_first[b + 1]; ++c) node_of[c] = b;
    }
  } else {
    std::iota(node_of.begin(), node_of.end(), 0);
    std::iota(node_first.begin(), node_first.end(), 0);
  }

  // The quotient graph of A's pattern on the nodes, symmetric and with every
  // diagonal entry (Eigen's AMD treats a node without one as dense).
  std::vector<std::vector<int32_t>> lists(nodes);
  for (int v = 0; v < nodes; ++v) lists[v].push_back(v);
  for (int j = 0; j < n; ++j) {
    const int bj = node_of[j];
    for (int32_t s = col_start[j]; s < col_start[j + 1]; ++s) {
      const int bi = node_of[row_index[s]];
      if (bi == bj) continue;
      lists[bi].push_back(bj);
      lists[bj].push_back(bi);
    }
  }
  // The entries are counted in 64 bits and checked before the graph's 32-bit
  // offsets are written (a pattern may give more than 2³¹).
  int64_t entries = 0;
  for (int v = 0; v < nodes; ++v) {
    std::vector<int32_t>& list = lists[v];
    std::sort(list.begin(), list.end());
    list.erase(std::unique(list.begin(), list.end()), list.end());
    entries += static_cast<int64_t>(list.size());
  }
  CheckOrderingGraph(entries, nodes);
  Graph graph;
  graph.start.assign(nodes + 1, 0);
  for (int v = 0; v < nodes; ++v) graph.start[v + 1] = graph.start[v] + static_cast<int32_t>(lists[v].size());
  graph.adjacent.reserve(graph.start[nodes]);
  for (std::vector<int32_t>& list : lists) {
    graph.adjacent.insert(graph.adjacent.end(), list.begin(), list.end());
    std::vector<int32_t>().swap(list);
  }

  using SparseMatrix = Eigen::SparseMatrix<double, Eigen::ColMajor, int32_t>;
  const std::vector<double> ones(graph.adjacent.size(), 1.0);
  std::vector<int32_t> best;
  double best_flops = std::numeric_limits<double>::infinity();
  std::vector<int32_t> label(nodes), start(nodes + 1), adjacent(graph.adjacent.size()), unlabel(nodes);
  uint64_t random_state = 0x5EED;
  int tries = 1;
  for (int attempt = 0; attempt < tries; ++attempt) {
    // label[v]: v's name for this try; the relabelled graph in CSC.
    std::iota(label.begin(), label.end(), 0);
    for (int i = nodes - 1; attempt > 0 && i > 0; --i) {
      std::swap(label[i], label[static_cast<int>(NextRandom(&random_state) % static_cast<uint64_t>(i + 1))]);
    }
    for (int v = 0; v < nodes; ++v) unlabel[label[v]] = v;
    start[0] = 0;
    for (int w = 0; w < nodes; ++w) {
      const int v = unlabel[w];
      start[w + 1] = start[w] + (graph.start[v + 1] - graph.start[v]);
      int32_t* out = adjacent.data() + start[w];
      for (int32_t s = graph.start[v]; s < graph.start[v + 1]; ++s) *out++ = label[graph.adjacent[s]];
      std::sort(adjacent.data() + start[w], out);
    }
    const SparseMatrix symmetric =
        Eigen::Map<const SparseMatrix>(nodes, nodes, start[nodes], start.data(), adjacent.data(), ones.data());
    Eigen::PermutationMatrix<Eigen::Dynamic, Eigen::Dynamic, int32_t> node_order;
    Eigen::AMDOrdering<int32_t>()(symmetric, node_order);  // indices()[k] = node eliminated k-th
    if (node_order.size() != nodes) throw InternalError("supernodal analysis: AMD returned no permutation");
    std::vector<int32_t> order(nodes);
    for (int k = 0; k < nodes; ++k) order[k] = unlabel[node_order.indices()[k]];
    const double flops = OrderingFlops(graph, order, node_size);
    if (attempt == 0) {
      const double extra = std::floor(flops / (kFlopsPerEntryPerTry * static_cast<double>(graph.adjacent.size())));
      tries = static_cast<int>(std::clamp(1.0 + extra, 1.0, static_cast<double>(std::max(max_tries, 1))));
    }
    if (flops < best_flops) {
      best_flops = flops;
      best = std::move(order);
    }
  }

  std::vector<int32_t> columns;
  columns.reserve(n);
  for (int v : best) {
    for (int c = node_first[v]; c < node_first[v + 1]; ++c) columns.push_back(c);
  }
  return columns;
}

// Columns of the strict upper triangle of P A Pᵀ (for position → original
// column `order`): rows of column j are the positions i < j with A_ij ≠ 0.
Graph PermutedUpper(const NormalPattern& pattern, const std::vector<int32_t>& position) {
  const int n = pattern.n();
  const std::vector<int32_t>& col_start = pattern.a_col_start();
  const std::vector<int32_t>& row_index = pattern.a_row_index();
  Graph upper;
  upper.start.assign(n + 1, 0);
  for (int j = 0; j < n; ++j) {
    for (int32_t s = col_start[j]; s < col_start[j + 1]; ++s) {
      const int i = row_index[s];
      if (i != j) ++upper.start[std::max(position[i], position[j]) + 1];
    }
  }
  for (int c = 0; c < n; ++c) upper.start[c + 1] += upper.start[c];
  upper.adjacent.resize(upper.start[n]);
  std::vector<int32_t> next(upper.start.begin(), upper.start.end() - 1);
  for (int j = 0; j < n; ++j) {
    for (int32_t s = col_start[j]; s < col_start[j + 1]; ++s) {
      const int i = row_index[s];
      if (i == j) continue;
      const int p = position[i], q = position[j];
      upper.adjacent[next[std::max(p, q)]++] = std::min(p, q);
    }
  }
  return upper;
}

// Elimination tree of the matrix whose strict upper triangle is `upper`.
std::vector<int32_t> EliminationTree(const Graph& upper, int n) {
  std::vector<int32_t> parent(n, -1), ancestor(n, -1);
  for (int j = 0; j < n; ++j) {
    for (int32_t s = upper.start[j]; s < upper.start[j + 1]; ++s) {
      // Climb from the row to the root of its current subtree, pointing
      // every node passed at j (path compression); that root's parent is j.
      for (int i = upper.adjacent[s]; i != -1 && i < j;) {
        const int next = ancestor[i];
        ancestor[i] = j;
        if (next == -1) parent[i] = j;
        i = next;
      }
    }
  }
  return parent;
}

// c_j = |struct(L_{*j})|, diagonal included: row i of L holds column k < i
// exactly when k lies on a tree path from some row of upper column i to i.
std::vector<int64_t> ColumnCounts(const Graph& upper, const std::vector<int32_t>& parent, int n) {
  std::vector<int64_t> count(n, 1);
  std::vector<int32_t> mark(n, -1);
  for (int i = 0; i < n; ++i) {
    mark[i] = i;
    for (int32_t s = upper.start[i]; s < upper.start[i + 1]; ++s) {
      for (int k = upper.adjacent[s]; mark[k] != i; k = parent[k]) {
        ++count[k];
        mark[k] = i;
      }
    }
  }
  return count;
}

// Children lists of a forest given by parent[] (-1 at roots), children in
// ascending order; roots listed in ascending order.
struct Forest {
  std::vector<int32_t> child_start;
  std::vector<int32_t> children;
  std::vector<int32_t> roots;
};

Forest MakeForest(const std::vector<int32_t>& parent) {
  const int n = static_cast<int>(parent.size());
  Forest forest;
  forest.child_start.assign(n + 1, 0);
  for (int v = 0; v < n; ++v) {
    if (parent[v] >= 0) ++forest.child_start[parent[v] + 1];
  }
  for (int v = 0; v < n; ++v) forest.child_start[v + 1] += forest.child_start[v];
  forest.children.resize(forest.child_start[n]);
  std::vector<int32_t> next(forest.child_start.begin(), forest.child_start.end() - 1);
  for (int v = 0; v < n; ++v) {
    if (parent[v] >= 0) {
      forest.children[next[parent[v]]++] = v;
    } else {
      forest.roots.push_back(v);
    }
  }
  return forest;
}

// Postorder of the forest visiting the children of v in the order given by
// `child_order` (a permutation of forest.children within each list) and the
// roots in the order given.
std::vector<int32_t> Postorder(const Forest& forest, const std::vector<int32_t>& child_order,
                               const std::vector<int32_t>& roots) {
  const int n = static_cast<int>(forest.child_start.size()) - 1;
  std::vector<int32_t> order;
  order.reserve(n);
  std::vector<std::pair<int32_t, int32_t>> stack;  // (node, next child slot)
  for (int root : roots) {
    stack.emplace_back(root, forest.child_start[root]);
    while (!stack.empty()) {
      auto& [v, slot] = stack.back();
      if (slot < forest.child_start[v + 1]) {
        const int child = child_order[slot++];
        stack.emplace_back(child, forest.child_start[child]);
      } else {
        order.push_back(v);
        stack.pop_back();
      }
    }
  }
  return order;
}

}  // namespace

SupernodalSymbolic AnalyseSupernodal(const NormalPattern& pattern, const SupernodalOptions& options) {
  const int n = pattern.n();
  SupernodalSymbolic sym;
  sym.n = n;

  // 1-2. Ordering, elimination tree, column counts (in the AMD numbering).
  const std::vector<int32_t> amd_order = FillReducingOrder(pattern, options.block_ordering, options.ordering_tries);
  std::vector<int32_t> amd_position(n);
  for (int k = 0; k < n; ++k) amd_position[amd_order[k]] = k;
  std::vector<int32_t> tree_parent;
  std::vector<int64_t> count;
  {
    const Graph upper = PermutedUpper(pattern, amd_position);
    tree_parent = EliminationTree(upper, n);
    count = ColumnCounts(upper, tree_parent, n);
  }
  for (int j = 0; j < n; ++j) {
    sym.true_nonzeros += count[j];
    sym.true_flops += static_cast<double>(count[j]) * count[j];
  }
  const Forest tree = MakeForest(tree_parent);
  const std::vector<int32_t> tree_post = Postorder(tree, tree.children, tree.roots);

  // 3. Relaxed amalgamation, bottom-up. A supernode is named by its top
  // column t (the last in its ordering): it has width[t] columns and the
  // rows struct(L_{*t}) \ {t} below them, and zeros[t] of the entries of its
  // trapezoid are structural zeros.
  std::vector<int32_t> width(n, 1);
  std::vector<int64_t> zeros(n, 0);
  std::vector<uint8_t> is_top(n, 1);
  std::vector<int32_t> candidates;
  auto accept = [&](int columns, int64_t entries, int64_t zero_count) {
    if (columns <= options.always_columns) return true;
    for (int t = 0; t < 3; ++t) {
      if (columns <= options.tier_columns[t]) {
        return static_cast<double>(zero_count) <= options.tier_zero_fraction[t] * static_cast<double>(entries);
      }
    }
    return false;
  };
  for (int p : tree_post) {
    candidates.assign(tree.children.begin() + tree.child_start[p], tree.children.begin() + tree.child_start[p + 1]);
    if (candidates.empty()) continue;
    // Cheapest first: the child whose rows are most like the parent's.
    std::sort(candidates.begin(), candidates.end(),
              [&](int a, int b) { return count[a] != count[b] ? count[a] > count[b] : a < b; });
    const int64_t r = count[p] - 1;
    for (int c : candidates) {
      const int64_t merged = width[p] + width[c];
      if (merged > options.max_columns) continue;
      const int64_t entries = merged * (merged + 1) / 2 + merged * r;
      const int64_t held_p = static_cast<int64_t>(width[p]) * (width[p] + 1) / 2 + width[p] * r;
      const int64_t held_c = static_cast<int64_t>(width[c]) * (width[c] + 1) / 2 + width[c] * (count[c] - 1);
      const int64_t merged_zeros = entries - (held_p - zeros[p]) - (held_c - zeros[c]);
      const bool free = merged_zeros == zeros[p] + zeros[c];  // c's structure is {c} ∪ p's: no new zero
      if (!free && !accept(static_cast<int>(merged), entries, merged_zeros)) continue;
      width[p] = static_cast<int32_t>(merged);
      zeros[p] = merged_zeros;
      is_top[c] = 0;
    }
  }
  // Every column belongs to the supernode of its nearest top ancestor-or-self.
  std::vector<int32_t> top_of(n, -1);
  for (int k = n - 1; k >= 0; --k) {
    const int v = tree_post[k];
    top_of[v] = is_top[v] ? v : top_of[tree_parent[v]];
  }

  // 4. The supernodal tree and its postorder (Liu's child order: decreasing
  // peak(C) − |U_C|, which minimises the peak of the update-matrix stack).
  std::vector<int32_t> tops;
  for (int v : tree_post) {
    if (is_top[v]) tops.push_back(v);  // ascending postorder: children before parents
  }
  const int count_s = static_cast<int>(tops.size());
  std::vector<int32_t> super_of_top(n, -1);
  for (int s = 0; s < count_s; ++s) super_of_top[tops[s]] = s;
  std::vector<int32_t> super_parent(count_s, -1);
  for (int s = 0; s < count_s; ++s) {
    const int up = tree_parent[tops[s]];
    super_parent[s] = up < 0 ? -1 : super_of_top[top_of[up]];
  }
  const Forest super_tree = MakeForest(super_parent);
  std::vector<double> update_size(count_s), peak(count_s);
  for (int s = 0; s < count_s; ++s) {
    const double r = static_cast<double>(count[tops[s]] - 1);
    update_size[s] = r * r;
  }
  std::vector<int32_t> child_order = super_tree.children;
  for (int s = 0; s < count_s; ++s) {  // children (smaller s) are done first
    auto begin = child_order.begin() + super_tree.child_start[s];
    auto end = child_order.begin() + super_tree.child_start[s + 1];
    std::stable_sort(begin, end, [&](int a, int b) { return peak[a] - update_size[a] > peak[b] - update_size[b]; });
    double running = 0, highest = 0;
    for (auto it = begin; it != end; ++it) {
      highest = std::max(highest, running + peak[*it]);
      running += update_size[*it];
    }
    peak[s] = std::max({highest, running, update_size[s]});
  }
  const std::vector<int32_t> super_post = Postorder(super_tree, child_order, super_tree.roots);

  // Columns of each supernode in etree postorder (a topological order).
  std::vector<std::vector<int32_t>> members(count_s);
  for (int v : tree_post) members[super_of_top[top_of[v]]].push_back(v);
  sym.supernode_count = count_s;
  sym.first.assign(count_s + 1, 0);
  sym.perm.resize(n);
  std::vector<int32_t> new_id(count_s);
  {
    int k = 0;
    for (int idx = 0; idx < count_s; ++idx) {
      const int s = super_post[idx];
      new_id[s] = idx;
      sym.first[idx] = k;
      for (int v : members[s]) {
        sym.perm[k] = amd_order[v];
        ++k;
      }
    }
    sym.first[count_s] = k;
  }
  std::vector<int64_t> expected_rows(count_s);
  sym.parent.assign(count_s, -1);
  for (int s = 0; s < count_s; ++s) {
    expected_rows[new_id[s]] = count[tops[s]] - 1;
    sym.parent[new_id[s]] = super_parent[s] < 0 ? -1 : new_id[super_parent[s]];
  }
  members.clear();

  // 5. Structures in the final numbering. Lower triangle of P A Pᵀ by
  // columns, with each entry's position in A's compressed upper pattern.
  std::vector<int32_t> position(n);  // caller's column -> final position
  for (int k = 0; k < n; ++k) position[sym.perm[k]] = k;
  const std::vector<int32_t>& col_start = pattern.a_col_start();
  const std::vector<int32_t>& row_index = pattern.a_row_index();
  std::vector<int32_t> lower_start(n + 1, 0);
  for (int j = 0; j < n; ++j) {
    for (int32_t s = col_start[j]; s < col_start[j + 1]; ++s) {
      ++lower_start[std::min(position[row_index[s]], position[j]) + 1];
    }
  }
  for (int c = 0; c < n; ++c) lower_start[c + 1] += lower_start[c];
  std::vector<int32_t> lower_row(lower_start[n]), lower_entry(lower_start[n]);
  {
    std::vector<int32_t> next(lower_start.begin(), lower_start.end() - 1);
    for (int j = 0; j < n; ++j) {
      for (int32_t s = col_start[j]; s < col_start[j + 1]; ++s) {
        const int p = position[row_index[s]], q = position[j];
        const int32_t slot = next[std::min(p, q)]++;
        lower_row[slot] = std::max(p, q);
        lower_entry[slot] = s;
      }
    }
  }

  const Forest final_tree = MakeForest(sym.parent);
  sym.child_start = final_tree.child_start;
  sym.children = final_tree.children;
  sym.row_start.assign(count_s + 1, 0);
  sym.value_start.assign(count_s + 1, 0);
  sym.a_start.assign(count_s + 1, 0);
  sym.stack_offset.assign(count_s, 0);
  std::vector<int32_t> mark(n, -1), row_position(n, -1);
  std::vector<std::pair<int32_t, int32_t>> assembly;
  int64_t stack_top = 0;
  for (int s = 0; s < count_s; ++s) {
    const int f = sym.first[s], l = sym.first[s + 1] - 1;
    const int width_s = l - f + 1;
    const int64_t begin = static_cast<int64_t>(sym.rows.size());
    for (int j = f; j <= l; ++j) {
      for (int32_t t = lower_start[j]; t < lower_start[j + 1]; ++t) {
        const int i = lower_row[t];
        if (i > l && mark[i] != s) {
          mark[i] = s;
          sym.rows.push_back(i);
        }
      }
    }
    for (int32_t t = sym.child_start[s]; t < sym.child_start[s + 1]; ++t) {
      const int c = sym.children[t];
      for (int64_t u = sym.row_start[c]; u < sym.row_start[c + 1]; ++u) {
        const int i = sym.rows[u];
        if (i > l && mark[i] != s) {
          mark[i] = s;
          sym.rows.push_back(i);
        }
      }
    }
    std::sort(sym.rows.begin() + begin, sym.rows.end());
    const int64_t r = static_cast<int64_t>(sym.rows.size()) - begin;
    if (r != expected_rows[s]) {
      throw InternalError(
          Concat("supernodal analysis: supernode ", s, " has ", r, " rows, the column counts say ", expected_rows[s]));
    }
    sym.row_start[s + 1] = static_cast<int64_t>(sym.rows.size());
    for (int64_t u = begin; u < begin + r; ++u) row_position[sym.rows[u]] = static_cast<int32_t>(width_s + u - begin);
    for (int j = f; j <= l; ++j) row_position[j] = j - f;
    const int64_t ld = width_s + r;
    if (ld * width_s > std::numeric_limits<int32_t>::max()) {
      throw RangeArgumentError(Concat("NormalEquations: a supernode of the sparse factorization is too large (",
                                      width_s, " columns × ", ld, " rows)"));
    }
    sym.value_start[s + 1] = sym.value_start[s] + ld * width_s;
    sym.factor_nonzeros += static_cast<int64_t>(width_s) * (width_s + 1) / 2 + width_s * r;
    sym.factor_flops += TrapezoidFlops(width_s, static_cast<double>(r));
    sym.max_rows = std::max<int>(sym.max_rows, static_cast<int>(r));
    sym.max_columns = std::max(sym.max_columns, width_s);
    sym.max_front = std::max<int>(sym.max_front, static_cast<int>(ld));

    // Where A's entries land in the panel, in the order of A's values (the
    // numeric phase then reads A forwards and writes into the panel, which
    // it has just zeroed and so holds in cache).
    assembly.clear();
    for (int j = f; j <= l; ++j) {
      for (int32_t t = lower_start[j]; t < lower_start[j + 1]; ++t) {
        assembly.emplace_back(lower_entry[t], static_cast<int32_t>((j - f) * ld + row_position[lower_row[t]]));
      }
    }
    std::sort(assembly.begin(), assembly.end());
    for (const auto& [entry, offset] : assembly) {
      sym.a_index.push_back(entry);
      sym.a_offset.push_back(offset);
    }
    sym.a_start[s + 1] = static_cast<int64_t>(sym.a_index.size());

    // Each child's rows as positions in this front; the children's update
    // matrices are the top of the stack, popped before U_s is pushed.
    sym.relative.resize(sym.rows.size());
    int64_t popped = 0;
    for (int32_t t = sym.child_start[s]; t < sym.child_start[s + 1]; ++t) {
      const int c = sym.children[t];
      for (int64_t u = sym.row_start[c]; u < sym.row_start[c + 1]; ++u) {
        const int i = sym.rows[u];
        const bool inside = (i >= f && i <= l) || (i > l && mark[i] == s);
        if (!inside) throw InternalError("supernodal analysis: a child's row is missing from its parent");
        sym.relative[u] = row_position[i];
      }
      const int64_t rc = sym.below(c);
      popped += rc * rc;
    }
    stack_top -= popped;
    const bool has_children = sym.child_start[s] < sym.child_start[s + 1];
    if (has_children && sym.stack_offset[sym.children[sym.child_start[s]]] != stack_top) {
      throw InternalError("supernodal analysis: the update matrices are not on top of the stack");
    }
    sym.stack_offset[s] = stack_top;
    stack_top += r * r;
    sym.stack_size = std::max(sym.stack_size, stack_top);
  }

  return sym;
}

}  // namespace ariadne
