// Status checks for the CUDA runtime: an error becomes an exception (never an
// abort): std::bad_alloc for an allocation that fails (the binding reports a
// RangeError), InternalError otherwise, naming the call.
#pragma once

#include <cuda_runtime_api.h>

#include <new>

#include "errors.h"
#include "messages.h"

namespace ariadne::cuda {

inline void CheckCuda(cudaError_t status, const char* what) {
  if (status == cudaSuccess) return;
  if (status == cudaErrorMemoryAllocation) {
    cudaGetLastError();  // clear the sticky-free error
    throw std::bad_alloc();
  }
  throw InternalError(Concat(what, ": ", cudaGetErrorName(status), " (", cudaGetErrorString(status), ")"));
}

// After a kernel launch: launch errors now, execution errors at the next sync.
inline void CheckLaunch(const char* kernel) { CheckCuda(cudaGetLastError(), kernel); }

}  // namespace ariadne::cuda
