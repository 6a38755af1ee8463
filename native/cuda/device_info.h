// Whether a CUDA device can be used, and why not: the addon's loader reports
// the reason ('no device: ...') and the C++ tests skip with it. Needs only
// the CUDA runtime.
#pragma once

#include <string>

namespace ariadne::cuda {

struct DeviceInfo {
  bool available = false;
  std::string reason;  // why not, when unavailable
  int count = 0;
  std::string name;
  int compute_major = 0;
  int compute_minor = 0;
  double memory_bytes = 0;
  int driver_version = 0;   // CUDA version the driver supports (e.g. 13000), 0 without a driver
  int runtime_version = 0;  // of the CUDA runtime linked in
};

// Device 0 (the one the CUDA core uses).
DeviceInfo QueryDevice();

// Device-to-device copy bandwidth in bytes per second (cudaMemcpy of
// `bytes`, best of a few runs, read + write counted): the bound that the
// benchmark compares its traffic with.
double MeasureCopyBandwidth(size_t bytes = size_t{1} << 28);

}  // namespace ariadne::cuda
