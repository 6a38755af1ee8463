// referenceLdlt(pattern, jValues, residuals, lambda, repeats): the linear
// benchmark's reference (core/reference_ldlt.h). Solves the B problems one
// after another, `repeats` times; returns the solutions and the seconds each
// repeat took for all B problems (the one-off symbolic analysis excluded).
#pragma once

#include <napi.h>

namespace ariadne::binding {

Napi::Value ReferenceLdltSolve(const Napi::CallbackInfo& info);

}  // namespace ariadne::binding
