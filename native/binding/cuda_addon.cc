// The CUDA addon (build-cuda/Release/ariadne_cuda.node): the CPU addon's
// NormalEquations class (the wrap is shared, normal_equations_wrap.h) over
// the CUDA core, and deviceInfo() / copyBandwidth() for the loader and the
// benchmark. Loads without a device: deviceInfo() then says why.
#include <napi.h>

#include <memory>

#include "arguments.h"
#include "cuda_normal_equations.h"
#include "device_info.h"
#include "normal_equations_factory.h"
#include "normal_equations_wrap.h"

namespace ariadne::binding {

std::unique_ptr<BatchedNormalEquations> MakeNormalEquations(const PatternInput& pattern, int64_t batch,
                                                            const NormalEquationsOptions& options) {
  return std::make_unique<cuda::CudaNormalEquations>(pattern, batch, options);
}

const napi_type_tag& NormalEquationsTag() {
  static constexpr napi_type_tag kTag = {0x61726961646e6532ULL, 0x437564614e457132ULL};
  return kTag;
}

const napi_type_tag& FactorSnapshotTag() {
  static constexpr napi_type_tag kTag = {0x61726961646e6534ULL, 0x466163536e617032ULL};
  return kTag;
}

namespace {

Napi::Value DeviceInfoValue(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return Guard(env, "deviceInfo", [&]() -> Napi::Value {
    const cuda::DeviceInfo device = cuda::QueryDevice();
    auto number = [&](double x) -> Napi::Value { return Napi::Number::New(env, x); };
    return NewRecord(
        env, {
                 {"available", Napi::Boolean::New(env, device.available)},
                 {"reason", device.available ? env.Null() : Napi::String::New(env, device.reason)},
                 {"count", number(device.count)},
                 {"name", Napi::String::New(env, device.name)},
                 {"computeCapability", Napi::String::New(env, Concat(device.compute_major, ".", device.compute_minor))},
                 {"memoryBytes", number(static_cast<double>(device.memory_bytes))},
                 {"driverVersion", number(device.driver_version)},
                 {"runtimeVersion", number(device.runtime_version)},
             });
  });
}

// Bytes per second of a device-to-device copy (read + write).
Napi::Value CopyBandwidth(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return Guard(env, "copyBandwidth",
               [&]() -> Napi::Value { return Napi::Number::New(env, cuda::MeasureCopyBandwidth()); });
}

class Addon : public Napi::Addon<Addon> {
 public:
  Addon(Napi::Env env, Napi::Object exports) {
    DefineAddon(
        exports,
        {
            InstanceValue("NormalEquations", NormalEquationsWrap::Define(env, &snapshot_class_), napi_enumerable),
            InstanceValue("deviceInfo", Napi::Function::New(env, DeviceInfoValue, "deviceInfo"), napi_enumerable),
            InstanceValue("copyBandwidth", Napi::Function::New(env, CopyBandwidth, "copyBandwidth"), napi_enumerable),
        });
  }

 private:
  Napi::FunctionReference snapshot_class_;  // FactorSnapshot, made by NormalEquations.snapshot()
};

}  // namespace
}  // namespace ariadne::binding

static Napi::Object InitAriadneCuda(Napi::Env env, Napi::Object exports) {
  return ariadne::binding::Addon::Init(env, exports);
}

NODE_API_MODULE(NODE_GYP_MODULE_NAME, InitAriadneCuda)
