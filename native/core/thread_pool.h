// A process-wide pool of helper threads shared by every handle (and by every
// worker_thread that loads the addon). ParallelFor runs on the caller's thread
// plus up to max_threads - 1 helpers; each participant gets a distinct slot in
// [0, max_threads) so that callers can keep per-slot workspaces. Which items a
// slot runs varies from call to call: results must never depend on it.
#pragma once

#include <functional>

namespace ariadne {

// Calls fn(item, slot) for every item in [0, count). Rethrows the exception of
// the lowest failing item after every participant has stopped.
void ParallelFor(int count, int max_threads, const std::function<void(int item, int slot)>& fn);

// Number of hardware threads (at least 1).
int HardwareThreads();

}  // namespace ariadne
