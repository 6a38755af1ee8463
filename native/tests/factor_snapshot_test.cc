// Factor snapshots: every CPU backend's Snapshot (dense LLᵀ, ariadne-
// supernodal, CHOLMOD where built, Eigen's simplicial LLᵀ) solves as the
// backend did when it was taken, to the bit, whatever the backend does or
// undergoes later; NormalEquations::Snapshot's states and checks.
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "backends.h"
#include "cholesky_backend.h"
#include "errors.h"
#include "factor_snapshot.h"
#include "harness.h"
#include "normal_equations.h"
#include "random_problems.h"
#include "supernodal_cholesky.h"

using ariadne::CholeskyBackend;
using ariadne::CholeskyFactors;
using ariadne::Damping;
using ariadne::FactorSnapshot;
using ariadne::NormalEquations;
using ariadne::NormalEquationsOptions;
using ariadne::NormalPattern;
using ariadne::SolverKind;
using ariadne::Span;
using testing::BackendCase;
using testing::FormA;
using testing::Problem;

namespace {

bool SameBits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), sizeof(double) * a.size()) == 0;
}

// Solves of every element with `solve` (k right-hand sides each).
std::vector<double> SolveAll(const std::function<void(int, const double*, int, double*)>& solve, int batch, int n,
                             const std::vector<double>& rhs, int k) {
  std::vector<double> out(rhs.size());
  for (int b = 0; b < batch; ++b) solve(b, rhs.data() + b * k * n, k, out.data() + b * k * n);
  return out;
}

}  // namespace

// Every backend: a snapshot solves as the backend did, to the bit; after the
// backend refactors every element with other values (and after it is
// destroyed) the snapshot still gives the old solutions; several snapshots
// live at once, each with the factors of its own time; only taken elements
// are shared.
TEST(EveryBackendsSnapshotKeepsTheFactorsOfItsTime) {
  testing::ForEachBackend({12, 400}, 31, 5, [](const BackendCase& c, const NormalPattern& pattern, const Problem& p) {
    const int batch = 3, k = 2, slots = 2;
    const int64_t count = pattern.a_value_count();
    const auto first = FormA(pattern, p, batch, 300);
    const auto second = FormA(pattern, p, batch, 400);
    const auto rhs = testing::RandomValues(static_cast<size_t>(batch) * k * p.n, 500);
    std::unique_ptr<CholeskyBackend> backend = c.make(pattern, batch, slots);
    for (int b = 0; b < batch; ++b) CHECK(backend->Factor(b, first.data() + b * count, b % slots).ok);
    auto by_backend = [&](int b, const double* x, int kk, double* out) { backend->Solve(b, x, kk, out, 0); };
    const std::vector<double> old_solutions = SolveAll(by_backend, batch, p.n, rhs, k);

    std::unique_ptr<CholeskyFactors> all = backend->Snapshot({1, 1, 1}, slots);
    std::unique_ptr<CholeskyFactors> some = backend->Snapshot({1, 0, 1}, 1);
    auto by = [&](CholeskyFactors& factors) {
      return [&factors](int b, const double* x, int kk, double* out) { factors.Solve(b, x, kk, out, 0); };
    };
    CHECK(SameBits(SolveAll(by(*all), batch, p.n, rhs, k), old_solutions));
    CHECK(all->memory_bytes() > some->memory_bytes());

    // Refactored with other values: the backend's solutions change, the snapshots' do not.
    for (int b = 0; b < batch; ++b) CHECK(backend->Factor(b, second.data() + b * count, 0).ok);
    const std::vector<double> new_solutions = SolveAll(by_backend, batch, p.n, rhs, k);
    CHECK(!SameBits(new_solutions, old_solutions));
    CHECK(SameBits(SolveAll(by(*all), batch, p.n, rhs, k), old_solutions));
    std::unique_ptr<CholeskyFactors> later = backend->Snapshot({1, 1, 1}, 1);
    CHECK(SameBits(SolveAll(by(*later), batch, p.n, rhs, k), new_solutions));
    // Refactoring an element that `later` shares leaves `later` as it was.
    CHECK(backend->Factor(1, first.data() + count, 0).ok);
    CHECK(SameBits(SolveAll(by(*later), batch, p.n, rhs, k), new_solutions));

    // The backend gone first: the snapshots still solve, on any slot.
    backend.reset();
    for (int b : {0, 2}) {
      std::vector<double> x(static_cast<size_t>(k) * p.n);
      some->Solve(b, rhs.data() + b * k * p.n, k, x.data(), 0);
      CHECK(std::memcmp(x.data(), old_solutions.data() + b * k * p.n, sizeof(double) * x.size()) == 0);
      all->Solve(b, rhs.data() + b * k * p.n, k, x.data(), 1);
      CHECK(std::memcmp(x.data(), old_solutions.data() + b * k * p.n, sizeof(double) * x.size()) == 0);
    }
    CHECK(SameBits(SolveAll(by(*later), batch, p.n, rhs, k), new_solutions));
  });
}

namespace {

struct Handle {
  Handle(const Problem& problem, int batch, SolverKind kind, int threads = 2) : p(problem), batch(batch) {
    NormalEquationsOptions options;
    options.kind = kind;
    options.threads = threads;
    ne = std::make_unique<NormalEquations>(p.Input(), batch, options);
  }
  void Linearize(uint64_t seed, const std::vector<uint8_t>& active = {}) {
    j = testing::RandomValues(static_cast<size_t>(batch) * p.rows.size(), seed);
    r = testing::RandomValues(static_cast<size_t>(batch) * p.m, seed + 1);
    g.assign(static_cast<size_t>(batch) * p.n, 0.0);
    s.assign(batch, 0.0);
    ne->Linearize({j.data(), static_cast<int64_t>(j.size())}, {r.data(), static_cast<int64_t>(r.size())},
                  {active.empty() ? nullptr : active.data(), static_cast<int64_t>(active.size())}, g.data(), s.data());
  }
  std::vector<uint8_t> Factor(const std::vector<double>& lambda) {
    std::vector<uint8_t> ok(batch);
    std::vector<std::string> reasons;
    ne->Factor({lambda.data(), batch}, Damping::kDiagonal, ok.data(), &reasons);
    return ok;
  }
  std::vector<double> Solve(const std::vector<double>& rhs, int k) {
    std::vector<double> x(rhs.size());
    ne->Solve({rhs.data(), static_cast<int64_t>(rhs.size())}, k, x.data());
    return x;
  }
  const Problem& p;
  int batch;
  std::unique_ptr<NormalEquations> ne;
  std::vector<double> j, r, g, s;
};

std::vector<double> SolveSnapshot(FactorSnapshot& snapshot, const std::vector<double>& rhs, int k) {
  std::vector<double> x(rhs.size());
  snapshot.Solve({rhs.data(), static_cast<int64_t>(rhs.size())}, k, x.data());
  return x;
}

}  // namespace

// Through NormalEquations, for both kinds and any thread count: snapshot
// solves equal the handle's solves at snapshot time bitwise, NaN where an
// element has no valid factor (not positive definite, never factored), and
// stay so after the handle refactors, steps or goes.
TEST(NormalEquationsSnapshotsSolveAsTheHandleDidThen) {
  for (const SolverKind kind : {SolverKind::kDense, SolverKind::kSparse}) {
    for (const int threads : {1, 3}) {
      const Problem p = testing::RandomBlockPattern(kind == SolverKind::kDense ? 20 : 150, 6, 60, 32);
      const int batch = 4, k = 3;
      Handle h(p, batch, kind, threads);
      // Element 2 inactive in the first linearize (never factored), element 3
      // without damping on a zero J (not positive definite).
      h.Linearize(600, {1, 1, 0, 1});
      std::fill(h.j.begin() + 3 * p.rows.size(), h.j.end(), 0.0);
      h.ne->Linearize({h.j.data(), static_cast<int64_t>(h.j.size())}, {h.r.data(), static_cast<int64_t>(h.r.size())},
                      {std::vector<uint8_t>{1, 1, 0, 1}.data(), batch}, h.g.data(), h.s.data());
      CHECK(h.Factor({1e-3, 1e-2, 1e-1, 0.0}) == std::vector<uint8_t>({1, 1, 0, 0}));
      const auto rhs = testing::RandomValues(static_cast<size_t>(batch) * k * p.n, 601);
      const std::vector<double> then = h.Solve(rhs, k);
      std::unique_ptr<FactorSnapshot> snapshot = h.ne->Snapshot();
      CHECK(snapshot->batch() == batch && snapshot->n() == p.n && snapshot->memory_bytes() > 0);
      const std::vector<double> got = SolveSnapshot(*snapshot, rhs, k);
      CHECK(SameBits(got, then));
      CHECK(std::isnan(got[2 * k * p.n]) && std::isnan(got[3 * k * p.n]) && !std::isnan(got[0]));

      // Refactored with other values, then stepped: the snapshot is unchanged.
      h.Linearize(700);
      CHECK(h.Factor({1e-3, 1e-3, 1e-3, 1e-3}) == std::vector<uint8_t>({1, 1, 1, 1}));
      std::unique_ptr<FactorSnapshot> second = h.ne->Snapshot();
      const std::vector<double> now = h.Solve(rhs, k);
      CHECK(!SameBits(now, then));
      CHECK(SameBits(SolveSnapshot(*snapshot, rhs, k), then));
      CHECK(SameBits(SolveSnapshot(*second, rhs, k), now));
      std::vector<double> lambda(batch, 0.1), y(batch * p.n), jy(batch * p.m);
      std::vector<uint8_t> ok(batch);
      std::vector<std::string> reasons;
      h.ne->Step({h.j.data(), static_cast<int64_t>(h.j.size())}, {h.r.data(), static_cast<int64_t>(h.r.size())}, {},
                 {lambda.data(), batch}, Damping::kDiagonal, h.g.data(), h.s.data(), ok.data(), &reasons, y.data(),
                 jy.data());
      // The CPU core's step keeps no factor: no snapshot until the next factor.
      CHECK_THROWS(ariadne::StateError, "NormalEquations.snapshot: call factor before snapshot", h.ne->Snapshot());
      h.ne.reset();
      CHECK(SameBits(SolveSnapshot(*snapshot, rhs, k), then));
      CHECK(SameBits(SolveSnapshot(*second, rhs, k), now));

      // Keep frees the factors of the elements not kept: they solve to NaN, the others as before.
      const int64_t all = second->memory_bytes();
      const std::vector<uint8_t> keep = {1, 0, 1, 0};
      second->Keep({keep.data(), batch});
      CHECK(second->memory_bytes() < all);
      const std::vector<double> kept = SolveSnapshot(*second, rhs, k);
      for (int b = 0; b < batch; ++b) {
        const size_t at = static_cast<size_t>(b) * k * p.n;
        CHECK(keep[b] ? std::memcmp(&kept[at], &now[at], sizeof(double) * k * p.n) == 0 : std::isnan(kept[at]));
      }
      CHECK_THROWS(ariadne::ArgumentError,
                   "FactorSnapshot.keep: 'elements' must be 4 flags (one per batch element), got length 3",
                   second->Keep({keep.data(), 3}));
    }
  }
}

TEST(SnapshotStatesAndChecks) {
  const Problem p = testing::RandomScalarPattern(10, 4, 2, 33);
  Handle h(p, 2, SolverKind::kSparse);
  CHECK_THROWS(ariadne::StateError, "NormalEquations.snapshot: call factor before snapshot", h.ne->Snapshot());
  h.Linearize(800);
  CHECK_THROWS(ariadne::StateError, "NormalEquations.snapshot: call factor before snapshot", h.ne->Snapshot());
  h.Factor({0.0, 0.0});
  std::unique_ptr<FactorSnapshot> snapshot = h.ne->Snapshot();
  std::vector<double> rhs(8, 1.0), x(8);
  using ariadne::ArgumentError;
  CHECK_THROWS(ArgumentError,
               "FactorSnapshot.solve: 'k' must be a positive integer (the number of right-hand sides), got 0",
               snapshot->Solve({rhs.data(), 8}, 0, x.data()));
  CHECK_THROWS(ArgumentError, "FactorSnapshot.solve: 'rhs' must be of length 16 (batch 2 × k·n 8), got length 8",
               snapshot->Solve({rhs.data(), 8}, 2, x.data()));
  rhs[5] = std::numeric_limits<double>::infinity();
  CHECK_THROWS(ArgumentError, "FactorSnapshot.solve: 'rhs' must be finite, got Infinity at batch element 1, index 1",
               snapshot->Solve({rhs.data(), 8}, 1, x.data()));
}

HARNESS_MAIN()
