// The solver kinds of the normal equations, as Ceres' LinearSolverType: one
// enum, one table that names every kind (what JavaScript passes as
// options.kind and reads back from info().kind, and what messages list), and
// the one place where 'auto' is resolved. Each core has one factory over the
// enum (the CPU core's: MakeCholeskyBackend, cholesky_backend.h; the CUDA
// core's: MakeDeviceCholesky, native/cuda), so that a new kind (a Schur
// complement over pattern.colBlocks/eliminate, say) is one enum value, one
// table row, one `case` per factory and the class that implements it.
#pragma once

#include <optional>
#include <string>

#include "normal_pattern.h"

namespace ariadne {

enum class SolverKind { kDense, kSparse };

struct SolverKindEntry {
  SolverKind kind;
  const char* name;  // as JavaScript spells it
  ALayout layout;    // where A's values live for this kind (NormalPattern)
};

// Every kind, in the order messages list them.
inline constexpr SolverKindEntry kSolverKinds[] = {
    {SolverKind::kDense, "dense", ALayout::kDenseLower},
    {SolverKind::kSparse, "sparse", ALayout::kCompressedUpper},
};

// The name that asks for a kind chosen from the pattern.
inline constexpr const char* kAutoKindName = "auto";

// A requested kind: one of the table's, or empty for 'auto'.
using KindRequest = std::optional<SolverKind>;

const SolverKindEntry& KindEntry(SolverKind kind);
inline const char* KindName(SolverKind kind) { return KindEntry(kind).name; }

// "'auto', 'dense' or 'sparse'": every name a request may take.
std::string KindRequestNames();

// The request a name spells; RangeError "<function>: '<argument>' must be
// 'auto', 'dense' or 'sparse', got '<name>'" for any other.
KindRequest ParseKindRequest(const std::string& name, const char* function, const char* argument);

// The kind a request resolves to for a pattern (in its compressed layout):
// 'auto' takes the dense kind where n is small, or where the factor would be
// dense enough anyway, else the sparse one. The one place where 'auto' is
// resolved: every core calls it, so that the kind depends on n and the
// pattern only, never on the batch or the device.
SolverKind ResolveKind(KindRequest request, const NormalPattern& pattern);

}  // namespace ariadne
