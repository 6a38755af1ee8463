#include "solver_kind.h"

#include <iterator>

#include "cholesky_backend.h"
#include "errors.h"
#include "messages.h"

namespace ariadne {
namespace {

// 'auto' takes the dense kind up to this n, and up to kDenseMaxN when the
// factor would be at least kDenseFill full anyway.
constexpr int kDenseAlwaysN = 64;
constexpr int kDenseMaxN = 2000;
constexpr double kDenseFill = 0.25;

}  // namespace

const SolverKindEntry& KindEntry(SolverKind kind) {
  for (const SolverKindEntry& entry : kSolverKinds) {
    if (entry.kind == kind) return entry;
  }
  throw InternalError(Concat("solver kind ", static_cast<int>(kind), " has no row in kSolverKinds"));
}

std::string KindRequestNames() {
  std::string names = Concat("'", kAutoKindName, "'");
  const size_t count = std::size(kSolverKinds);
  for (size_t i = 0; i < count; ++i) names += Concat(i + 1 == count ? " or '" : ", '", kSolverKinds[i].name, "'");
  return names;
}

KindRequest ParseKindRequest(const std::string& name, const char* function, const char* argument) {
  if (name == kAutoKindName) return std::nullopt;
  for (const SolverKindEntry& entry : kSolverKinds) {
    if (name == entry.name) return entry.kind;
  }
  throw RangeArgumentError(MustBe(function, argument, KindRequestNames(), Concat("'", name, "'")));
}

SolverKind ResolveKind(KindRequest request, const NormalPattern& pattern) {
  if (request) return *request;
  const int n = pattern.n();
  const bool dense =
      n <= kDenseAlwaysN || (n <= kDenseMaxN && EstimateFactorNonzeros(pattern) >= kDenseFill * 0.5 * n * (n + 1.0));
  return dense ? SolverKind::kDense : SolverKind::kSparse;
}

}  // namespace ariadne
