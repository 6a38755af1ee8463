// How much memory the machine has, for the checks that turn an impossible
// request into a RangeError naming the argument instead of an out-of-memory
// kill.
#pragma once

#include <unistd.h>

#include <cmath>
#include <limits>
#include <string>

#include "messages.h"

namespace ariadne {

inline double PhysicalMemoryBytes() {
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page_size = sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || page_size <= 0) return std::numeric_limits<double>::infinity();
  return static_cast<double>(pages) * static_cast<double>(page_size);
}

inline std::string Gibibytes(double bytes) { return Concat(std::round(bytes / (1 << 30) * 10) / 10, " GiB"); }

}  // namespace ariadne
