// std::vector whose resize leaves new elements uninitialised (default-
// initialised), for large buffers that are written before they are read:
// value-initialisation would write every page twice (the kernel zeroes a page
// on its first touch anyway), and first touches are expensive on some VMs
// (about 12 µs per 4 KiB page measured here).
#pragma once

#include <memory>
#include <vector>

namespace ariadne {

template <typename T>
struct DefaultInitAllocator : std::allocator<T> {
  template <typename U>
  struct rebind {
    using other = DefaultInitAllocator<U>;
  };
  DefaultInitAllocator() = default;
  template <typename U>
  DefaultInitAllocator(const DefaultInitAllocator<U>&) noexcept {}
  template <typename U>
  void construct(U* p) noexcept {
    ::new (static_cast<void*>(p)) U;  // default-initialisation: no zeroing for scalars
  }
  template <typename U, typename... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};

template <typename T>
using RawVector = std::vector<T, DefaultInitAllocator<T>>;

}  // namespace ariadne
