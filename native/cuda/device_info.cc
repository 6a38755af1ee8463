#include "device_info.h"

#include <cuda_runtime_api.h>

#include <algorithm>

#include "cuda_check.h"
#include "device_buffer.h"
#include "messages.h"

namespace ariadne::cuda {

DeviceInfo QueryDevice() {
  DeviceInfo info;
  cudaRuntimeGetVersion(&info.runtime_version);
  cudaDriverGetVersion(&info.driver_version);
  const cudaError_t status = cudaGetDeviceCount(&info.count);
  if (status != cudaSuccess || info.count == 0) {
    info.count = 0;
    info.reason = status == cudaSuccess
                      ? "no device: no CUDA device is present"
                      : Concat("no device: ", cudaGetErrorString(status), " (", cudaGetErrorName(status), ")");
    cudaGetLastError();
    return info;
  }
  cudaDeviceProp properties{};
  CheckCuda(cudaGetDeviceProperties(&properties, 0), "cudaGetDeviceProperties");
  info.available = true;
  info.name = properties.name;
  info.compute_major = properties.major;
  info.compute_minor = properties.minor;
  info.memory_bytes = static_cast<double>(properties.totalGlobalMem);
  return info;
}

double MeasureCopyBandwidth(size_t bytes) {
  CheckCuda(cudaSetDevice(0), "cudaSetDevice");
  DeviceBuffer<char> from(bytes), to(bytes);
  cudaEvent_t start, stop;
  CheckCuda(cudaEventCreate(&start), "cudaEventCreate");
  CheckCuda(cudaEventCreate(&stop), "cudaEventCreate");
  float best_ms = 0;
  for (int run = 0; run < 5; ++run) {
    cudaEventRecord(start);
    cudaMemcpy(to.data(), from.data(), bytes, cudaMemcpyDeviceToDevice);
    cudaEventRecord(stop);
    CheckCuda(cudaEventSynchronize(stop), "cudaMemcpy (device to device)");
    float ms = 0;
    cudaEventElapsedTime(&ms, start, stop);
    if (run > 0) best_ms = run == 1 ? ms : std::min(best_ms, ms);  // run 0 warms up
  }
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  return 2.0 * static_cast<double>(bytes) / (best_ms * 1e-3);
}

}  // namespace ariadne::cuda
