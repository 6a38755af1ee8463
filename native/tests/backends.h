// The CPU Cholesky backends, for tests that run every one of them, and
// positive definite A = JᵀJ + I of random Jacobians in a pattern's layout.
#pragma once

#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "cholesky_backend.h"
#include "eigen.h"
#include "random_problems.h"
#include "supernodal_cholesky.h"

namespace testing {

// A's values (pattern's layout) for `batch` elements of random J.
inline std::vector<double> FormA(const ariadne::NormalPattern& pattern, const Problem& p, int batch, uint64_t seed) {
  const int64_t count = pattern.a_value_count();
  std::vector<double> a(static_cast<size_t>(batch) * count, 0.0);
  std::vector<double> unique(pattern.unique_count()), g(p.n);
  const auto j = RandomValues(static_cast<size_t>(batch) * p.rows.size(), seed);
  const auto r = RandomValues(static_cast<size_t>(batch) * p.m, seed + 1);
  for (int b = 0; b < batch; ++b) {
    pattern.GatherUnique(j.data() + b * p.rows.size(), unique.data());
    pattern.Form(unique.data(), r.data() + b * p.m, a.data() + b * count, g.data());
    // Positive definite however J falls: A + I.
    for (int64_t s : pattern.diagonal_slots()) a[b * count + s] += 1.0;
  }
  return a;
}

struct BackendCase {
  std::string name;
  bool dense;  // the pattern's layout
  std::function<std::unique_ptr<ariadne::CholeskyBackend>(const ariadne::NormalPattern&, int batch, int slots)> make;
};

inline std::vector<BackendCase> Backends() {
  return {
      {"dense-llt", true,
       [](const ariadne::NormalPattern& p, int batch, int) { return ariadne::MakeDenseCholesky(p, batch); }},
      {"ariadne-supernodal", false,
       [](const ariadne::NormalPattern& p, int batch, int slots) {
         return ariadne::MakeSupernodalCholesky(p, batch, slots);
       }},
      {"MakeSparseCholesky (CHOLMOD where built)", false,
       [](const ariadne::NormalPattern& p, int batch, int slots) {
         return ariadne::MakeSparseCholesky(p, batch, slots);
       }},
      {"eigen-simplicial-llt", false,
       [](const ariadne::NormalPattern& p, int batch, int) { return ariadne::MakeEigenSparseCholesky(p, batch); }},
  };
}

// body(backend case, pattern in its layout, problem) for each backend on a
// random block pattern of each node count (small patterns make CHOLMOD
// simplicial, larger ones supernodal; the dense backend only up to 100 nodes).
template <typename Body>
void ForEachBackend(std::initializer_list<int> node_counts, uint64_t seed, int span, Body&& body) {
  for (const int nodes : node_counts) {
    const Problem p = RandomBlockPattern(nodes, 3, nodes, seed, span);
    for (const BackendCase& c : Backends()) {
      if (c.dense && nodes > 100) continue;
      ariadne::NormalPattern pattern(p.Input(), "test");
      if (c.dense) pattern.UseDenseLayout("test");
      body(c, pattern, p);
    }
  }
}

// The dense symmetric matrix of A's values in the pattern's layout.
inline Eigen::MatrixXd DenseA(const ariadne::NormalPattern& pattern, const double* a) {
  const int n = pattern.n();
  Eigen::MatrixXd dense = Eigen::MatrixXd::Zero(n, n);
  for (int j = 0; j < n; ++j) {
    for (int32_t s = pattern.a_col_start()[j]; s < pattern.a_col_start()[j + 1]; ++s) {
      const int i = pattern.a_row_index()[s];
      const double v = a[pattern.a_slots()[s]];
      dense(i, j) = v;
      dense(j, i) = v;
    }
  }
  return dense;
}

}  // namespace testing
