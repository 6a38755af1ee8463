// The libraries under CHOLMOD bring their own threads: OpenMP loops inside
// CHOLMOD (Debian's build asks for 4 threads whatever the core count) and a
// threaded BLAS. ariadne parallelises over batch elements instead, so it runs
// each factorisation on one thread: measured on 2 cores, more threads per
// factorisation cost 1.4-2.3x (OpenMP) and up to 5x (OpenBLAS) there.
//
// OpenMP can only be limited through OMP_THREAD_LIMIT=1 in the environment
// before libgomp loads (lib/native/binding.ts sets it around loading the
// addon; ctest sets it for the C++ tests). omp_set_max_active_levels(0) also
// keeps CHOLMOD on one thread but serialises concurrent factorisations in one
// process (measured: two threads factoring sphere2500 at 0.3-1.0x the speed
// of one, against 1.7x with OMP_THREAD_LIMIT=1).
#pragma once

#include <string>

namespace ariadne {

// Once per process: OpenBLAS to one thread per call, where it is loaded. A
// process-wide setting, documented in the README.
void LimitLibraryThreads();

// Which BLAS the process uses, e.g. "OpenBLAS 0.3.21 ... (1 thread per call)",
// "/usr/lib/x86_64-linux-gnu/atlas/libblas.so.3", or "none".
std::string BlasDescription();

// OpenMP's thread limit where libgomp is loaded (1 when limited), else 0.
int OpenMpThreadLimit();

}  // namespace ariadne
