#include "blas_threads.h"

#include <dlfcn.h>
#ifdef __linux__
#include <link.h>
#endif

#include <mutex>
#include <vector>

#include "messages.h"

namespace ariadne {
namespace {

// Looks `symbol` up in every object loaded in the process, including those
// loaded with RTLD_LOCAL (as the addon's dependencies are).
void* FindLoadedSymbol(const char* symbol) {
  if (void* found = dlsym(RTLD_DEFAULT, symbol)) return found;
#ifdef __linux__
  std::vector<std::string> names;
  dl_iterate_phdr(
      [](dl_phdr_info* info, size_t, void* data) {
        if (info->dlpi_name != nullptr && info->dlpi_name[0] != '\0') {
          static_cast<std::vector<std::string>*>(data)->emplace_back(info->dlpi_name);
        }
        return 0;
      },
      &names);
  for (const std::string& name : names) {
    void* handle = dlopen(name.c_str(), RTLD_LAZY | RTLD_NOLOAD);
    if (handle == nullptr) continue;
    void* found = dlsym(handle, symbol);
    dlclose(handle);  // balances this dlopen; the object stays loaded
    if (found != nullptr) return found;
  }
#endif
  return nullptr;
}

}  // namespace

void LimitLibraryThreads() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (auto set_threads = reinterpret_cast<void (*)(int)>(FindLoadedSymbol("openblas_set_num_threads"))) {
      set_threads(1);
    }
  });
}

std::string BlasDescription() {
  if (auto config = reinterpret_cast<char* (*)()>(FindLoadedSymbol("openblas_get_config"))) {
    std::string text = config();
    if (auto threads = reinterpret_cast<int (*)()>(FindLoadedSymbol("openblas_get_num_threads"))) {
      const int n = threads();
      text += Concat(" (", n, n == 1 ? " thread" : " threads", " per call)");
    }
    return text;  // "OpenBLAS 0.3.21 ..."
  }
  if (void* gemm = FindLoadedSymbol("dgemm_")) {
    Dl_info info;
    if (dladdr(gemm, &info) != 0 && info.dli_fname != nullptr) return info.dli_fname;
    return "unknown BLAS";
  }
  return "none";
}

void RunOnOneOpenMpThread(void (*body)(void*), void* data) {
  // libgomp's entry for a host teams region: (body, data, num_teams,
  // thread_limit, flags); it runs the teams one after another on this thread.
  using TeamsEntry = void (*)(void (*)(void*), void*, unsigned, unsigned, unsigned);
  static const auto teams = reinterpret_cast<TeamsEntry>(FindLoadedSymbol("GOMP_teams_reg"));
  if (teams != nullptr) {
    teams(body, data, 1, 1, 0);
  } else {
    body(data);
  }
}

int OpenMpThreadLimit() {
  auto limit = reinterpret_cast<int (*)()>(FindLoadedSymbol("omp_get_thread_limit"));
  if (limit == nullptr) return 0;
  int inside = 0;
  OnOneOpenMpThread([&] { inside = limit(); });
  return inside;
}

}  // namespace ariadne
