// The libraries under CHOLMOD bring their own threads: OpenMP loops inside
// CHOLMOD (Debian's build asks for 4 threads whatever the core count) and a
// threaded BLAS. ariadne parallelises over batch elements instead, so it runs
// each factorisation on one thread: measured on 2 cores, more threads per
// factorisation cost 1.4-2.3x (OpenMP) and up to 5x (OpenBLAS) there.
//
// OpenMP is limited per call, on the calling thread only: the factorisation
// runs inside a host teams region of one team with a thread limit of one
// (what `#pragma omp teams num_teams(1) thread_limit(1)` compiles to), which
// libgomp runs on the calling thread with that thread's limit at one, so
// CHOLMOD's parallel loops (num_threads(4)) get one thread. Nothing in the
// environment changes and other users of OpenMP in the process keep theirs.
// (omp_set_max_active_levels(0) is process-wide and serialised concurrent
// factorisations: two threads factoring sphere2500 at 0.3-1.0x the speed of
// one, against 1.7x with the limit.)
#pragma once

#include <string>

namespace ariadne {

// Once per process: OpenBLAS to one thread per call, where it is loaded. A
// process-wide setting, documented in the README.
void LimitLibraryThreads();

// Which BLAS the process uses, e.g. "OpenBLAS 0.3.21 ... (1 thread per call)",
// "/usr/lib/x86_64-linux-gnu/atlas/libblas.so.3", or "none".
std::string BlasDescription();

// Runs body(data) with OpenMP limited to one thread on the calling thread, as
// above; where libgomp is not loaded (or lacks the teams entry) it just runs.
// body must not throw.
void RunOnOneOpenMpThread(void (*body)(void*), void* data);

template <typename F>
void OnOneOpenMpThread(F&& fn) {
  auto* callable = &fn;
  RunOnOneOpenMpThread([](void* f) { (*static_cast<decltype(callable)>(f))(); }, callable);
}

// OpenMP's thread limit inside OnOneOpenMpThread, where a factorisation runs
// (1 when limited), or 0 without OpenMP.
int OpenMpThreadLimit();

}  // namespace ariadne
