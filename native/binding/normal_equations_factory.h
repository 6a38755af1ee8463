// The core behind the JavaScript NormalEquations class. The wrap
// (normal_equations_wrap.cc) is shared by the CPU and the CUDA addon; each
// addon links exactly one definition of these functions.
#pragma once

#include <napi.h>

#include <cstdint>
#include <memory>

#include "batched_normal_equations.h"

namespace ariadne::binding {

std::unique_ptr<BatchedNormalEquations> MakeNormalEquations(const PatternInput& pattern, int64_t batch,
                                                            const NormalEquationsOptions& options);

// The type tags of this addon's handles and snapshots (napi_type_tag_object):
// an object of one addon passed to the other's methods is a TypeError, never
// a crash.
const napi_type_tag& NormalEquationsTag();
const napi_type_tag& FactorSnapshotTag();

}  // namespace ariadne::binding
