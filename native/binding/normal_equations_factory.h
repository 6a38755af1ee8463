// The core behind the JavaScript NormalEquations class. The wrap
// (normal_equations_wrap.cc) is shared by the CPU and the CUDA addon; each
// addon links exactly one definition of these two functions.
#pragma once

#include <napi.h>

#include <cstdint>
#include <memory>

#include "batched_normal_equations.h"

namespace ariadne::binding {

std::unique_ptr<BatchedNormalEquations> MakeNormalEquations(const PatternInput& pattern, int64_t batch,
                                                            const NormalEquationsOptions& options);

// The type tag of this addon's handles (napi_type_tag_object): a handle of
// one addon passed to the other's methods is a TypeError, never a crash.
const napi_type_tag& NormalEquationsTag();

}  // namespace ariadne::binding
