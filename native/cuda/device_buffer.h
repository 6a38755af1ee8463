// An array in device memory (cudaMalloc'd, freed on destruction) and the
// copies between it and the host, on a stream.
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "cuda_check.h"

namespace ariadne::cuda {

template <typename T>
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(size_t count) { Resize(count); }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  DeviceBuffer(DeviceBuffer&& other) noexcept { *this = std::move(other); }
  DeviceBuffer& operator=(DeviceBuffer&& other) noexcept {
    std::swap(data_, other.data_);
    std::swap(size_, other.size_);
    return *this;
  }
  ~DeviceBuffer() {
    if (data_ != nullptr) cudaFree(data_);
  }

  // Discards the contents when the size changes.
  void Resize(size_t count) {
    if (count == size_) return;
    if (data_ != nullptr) cudaFree(data_);
    data_ = nullptr;
    size_ = 0;
    if (count == 0) return;
    CheckCuda(cudaMalloc(reinterpret_cast<void**>(&data_), count * sizeof(T)), "cudaMalloc");
    size_ = count;
  }
  // At least `count` elements (grows only).
  void Reserve(size_t count) {
    if (count > size_) Resize(count);
  }

  T* data() { return data_; }
  const T* data() const { return data_; }
  size_t size() const { return size_; }
  size_t bytes() const { return size_ * sizeof(T); }

  void Upload(const T* host, size_t count, cudaStream_t stream, size_t offset = 0) {
    CheckCuda(cudaMemcpyAsync(data_ + offset, host, count * sizeof(T), cudaMemcpyHostToDevice, stream),
              "cudaMemcpyAsync (to the device)");
  }
  void Download(T* host, size_t count, cudaStream_t stream, size_t offset = 0) const {
    CheckCuda(cudaMemcpyAsync(host, data_ + offset, count * sizeof(T), cudaMemcpyDeviceToHost, stream),
              "cudaMemcpyAsync (to the host)");
  }
  void Zero(cudaStream_t stream) { CheckCuda(cudaMemsetAsync(data_, 0, bytes(), stream), "cudaMemsetAsync"); }

 private:
  T* data_ = nullptr;
  size_t size_ = 0;
};

// A host vector copied to a new device buffer (empty vector: empty buffer).
template <typename T>
DeviceBuffer<T> ToDevice(const std::vector<T>& host, cudaStream_t stream) {
  DeviceBuffer<T> buffer(host.size());
  if (!host.empty()) buffer.Upload(host.data(), host.size(), stream);
  return buffer;
}

}  // namespace ariadne::cuda
