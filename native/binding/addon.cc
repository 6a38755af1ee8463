// The addon's exports. Context-aware (Napi::Addon): every worker_thread that
// loads it gets its own instance; the core's thread pool is shared.
#include <napi.h>

#include <Eigen/Core>

#include "arguments.h"
#include "blas_threads.h"
#include "cholesky_backend.h"
#include "messages.h"
#include "normal_equations.h"
#include "normal_equations_factory.h"
#include "normal_equations_wrap.h"
#include "reference_ldlt_binding.h"
#include "thread_pool.h"

namespace ariadne::binding {

std::unique_ptr<BatchedNormalEquations> MakeNormalEquations(const PatternInput& pattern, int64_t batch,
                                                            const NormalEquationsOptions& options) {
  return std::make_unique<NormalEquations>(pattern, batch, options);
}

const napi_type_tag& NormalEquationsTag() {
  static constexpr napi_type_tag kTag = {0x61726961646e6531ULL, 0x4e6f726d616c4571ULL};
  return kTag;
}

namespace {

Napi::Value BuildInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object result = Napi::Object::New(env);
  result.Set("cholmod", HaveCholmod());
  // The sparse kind's factorisation: ours, or CHOLMOD (when built with it) for
  // the rare large patterns where METIS' ordering makes it clearly better.
  result.Set("sparseBackend", HaveCholmod() ? "ariadne-supernodal (CHOLMOD for some large patterns)" : "ariadne-supernodal");
  result.Set("eigen", Concat(EIGEN_WORLD_VERSION, ".", EIGEN_MAJOR_VERSION, ".", EIGEN_MINOR_VERSION));
  result.Set("blas", BlasDescription());
  result.Set("openmpThreadLimit", OpenMpThreadLimit());
  result.Set("hardwareThreads", HardwareThreads());
  result.Set("napiVersion", NAPI_VERSION);
  return result;
}

class Addon : public Napi::Addon<Addon> {
 public:
  Addon(Napi::Env env, Napi::Object exports) {
    // CHOLMOD's OpenMP and BLAS run one thread per factorisation from the start,
    // so that buildInfo() reports what solves will use.
    if (HaveCholmod()) LimitLibraryThreads();
    DefineAddon(exports, {
                             InstanceValue("NormalEquations", NormalEquationsWrap::Define(env), napi_enumerable),
                             InstanceValue("referenceLdlt", Napi::Function::New(env, ReferenceLdltSolve, "referenceLdlt"), napi_enumerable),
                             InstanceValue("buildInfo", Napi::Function::New(env, BuildInfo, "buildInfo"), napi_enumerable),
                         });
  }
};

}  // namespace
}  // namespace ariadne::binding

static Napi::Object InitAriadne(Napi::Env env, Napi::Object exports) {
  return ariadne::binding::Addon::Init(env, exports);
}

NODE_API_MODULE(NODE_GYP_MODULE_NAME, InitAriadne)
