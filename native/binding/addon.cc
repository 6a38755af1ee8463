// The addon's exports. Context-aware (Napi::Addon): every worker_thread that
// loads it gets its own instance; the core's thread pool is shared.
#include <napi.h>

#include <Eigen/Core>

#include <vector>

#include "arguments.h"
#include "blas_threads.h"
#include "cholesky_backend.h"
#include "messages.h"
#include "normal_equations.h"
#include "normal_equations_factory.h"
#include "normal_equations_wrap.h"
#include "reference_ldlt_binding.h"
#include "solver_kind.h"
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

const napi_type_tag& FactorSnapshotTag() {
  static constexpr napi_type_tag kTag = {0x61726961646e6533ULL, 0x466163536e617031ULL};
  return kTag;
}

namespace {

Napi::Value BuildInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  // The sparse kind's factorisation: ours, or CHOLMOD (when built with it) for
  // the rare large patterns where METIS' ordering makes it clearly better.
  const char* sparse = HaveCholmod() ? "ariadne-supernodal (CHOLMOD for some large patterns)" : "ariadne-supernodal";
  std::vector<Napi::Value> kinds;
  for (const SolverKindEntry& entry : kSolverKinds) kinds.push_back(Napi::String::New(env, entry.name));
  return NewRecord(env, {
                            {"kinds", NewList(env, kinds)},
                            {"cholmod", Napi::Boolean::New(env, HaveCholmod())},
                            {"sparseBackend", Napi::String::New(env, sparse)},
                            {"eigen", Napi::String::New(env, Concat(EIGEN_WORLD_VERSION, ".", EIGEN_MAJOR_VERSION, ".",
                                                                    EIGEN_MINOR_VERSION))},
                            {"blas", Napi::String::New(env, BlasDescription())},
                            {"openmpThreadLimit", Napi::Number::New(env, OpenMpThreadLimit())},
                            {"hardwareThreads", Napi::Number::New(env, HardwareThreads())},
                            {"napiVersion", Napi::Number::New(env, NAPI_VERSION)},
                        });
}

class Addon : public Napi::Addon<Addon> {
 public:
  Addon(Napi::Env env, Napi::Object exports) {
    // CHOLMOD's OpenMP and BLAS run one thread per factorisation from the start,
    // so that buildInfo() reports what solves will use.
    if (HaveCholmod()) LimitLibraryThreads();
    DefineAddon(
        exports,
        {
            InstanceValue("NormalEquations", NormalEquationsWrap::Define(env, &snapshot_class_), napi_enumerable),
            InstanceValue("referenceLdlt", Napi::Function::New(env, ReferenceLdltSolve, "referenceLdlt"),
                          napi_enumerable),
            InstanceValue("buildInfo", Napi::Function::New(env, BuildInfo, "buildInfo"), napi_enumerable),
        });
  }

 private:
  Napi::FunctionReference snapshot_class_;  // FactorSnapshot, made by NormalEquations.snapshot()
};

}  // namespace
}  // namespace ariadne::binding

static Napi::Object InitAriadne(Napi::Env env, Napi::Object exports) {
  return ariadne::binding::Addon::Init(env, exports);
}

NODE_API_MODULE(NODE_GYP_MODULE_NAME, InitAriadne)
