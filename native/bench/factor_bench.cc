// Numeric Cholesky factorisation of A = JᵀJ for real pose-graph patterns:
// ariadne's supernodal backend against CHOLMOD (simplicial and supernodal,
// each with its own ordering) and Eigen's SimplicialLLT, one thread; then the
// throughput of 2 threads factoring 16 batch elements against 1 thread.
//
//   cmake -S . -B build-bench -DARIADNE_BUILD_BENCH=ON [-DARIADNE_BENCH_NATIVE=ON]
//   cmake --build build-bench --target factor_bench
//   build-bench/factor_bench [options] [g2o files under ../shared/data]
//
// Options: --ours-only, --no-scaling (skip the 2-thread part), --pin=CPU (the one-thread timings run pinned to this
// CPU, default 0, −1 for none: the two vCPUs of the machine this was tuned on
// are not equally fast), --repeat=N (timed factorisations per backend,
// default adaptive), and the amalgamation/kernel settings of SupernodalOptions /
// SupernodalKernelOptions: --always=N, --tiers=c1:f1,c2:f2,c3:f3,
// --max-columns=N, --scalar-ordering, --tries=N, --eigen-panel=N,
// --eigen-update=N, --panel-block=N. Tuning: --variant=NAME:OPT+OPT+...
// (repeatable) times our factorisation with each set of options round-robin.
// Times are medians; the machine's drift between runs is large, so compare
// within one run.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <sched.h>
#include <unistd.h>

#include "blas_threads.h"
#include "eigen.h"
#include "cholesky_backend.h"
#include "normal_pattern.h"
#include "pose_graph_patterns.h"
#include "supernodal_cholesky.h"
#include "thread_pool.h"

#ifdef ARIADNE_BENCH_HAVE_CHOLMOD
#include <cholmod.h>
#endif

namespace {

using Clock = std::chrono::steady_clock;

// A number with one decimal.
std::string OneDecimal(double x) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.1f", x);
  return buffer;
}

double Seconds(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t h = v.size() / 2;
  return v.size() % 2 ? v[h] : 0.5 * (v[h - 1] + v[h]);
}

struct Settings {
  bool ours_only = false;
  int pin = 0;  // CPU of the one-thread timings (−1: not pinned)
  bool scaling = true;
  int repeat = 0;  // 0: adaptive
  ariadne::SupernodalOptions options;
  ariadne::SupernodalKernelOptions kernels;
};

// Median seconds of `run` over an adaptive number of calls (at least 5,
// about 1.5 s in all, at most 200) or `repeat` calls.
double TimeMedian(const Settings& settings, const std::function<void()>& run) {
  run();  // warm
  std::vector<double> times;
  const auto start = Clock::now();
  const int most = settings.repeat > 0 ? settings.repeat : 200;
  while (static_cast<int>(times.size()) < most) {
    const auto a = Clock::now();
    run();
    times.push_back(Seconds(a, Clock::now()));
    if (settings.repeat == 0 && times.size() >= 5 && Seconds(start, Clock::now()) > 1.5) break;
  }
  return Median(times);
}

struct Timing {
  std::string name;
  double symbolic = 0, factor = 0, solve = 0;
  int64_t nnz = 0;
  double flops = 0;
};

#ifdef ARIADNE_BENCH_HAVE_CHOLMOD
// CHOLMOD forced to one kind, with its own default ordering (AMD, and METIS
// too when AMD fills badly).
class Cholmod {
 public:
  Cholmod(const ariadne::NormalPattern& pattern, bool supernodal) : pattern_(pattern) {
    cholmod_start(&common_);
    common_.print = 0;
    common_.supernodal = supernodal ? CHOLMOD_SUPERNODAL : CHOLMOD_SIMPLICIAL;
    common_.final_ll = 1;  // LLᵀ for the simplicial kind too, as cholmod_cholesky.cc factors
    cholmod_sparse a = Header(nullptr);
    a.xtype = CHOLMOD_PATTERN;
    ariadne::OnOneOpenMpThread([&] { factor_ = cholmod_analyze(&a, &common_); });
    flops_ = common_.fl;
    nnz_ = static_cast<int64_t>(common_.lnz);
  }
  ~Cholmod() {
    cholmod_free_factor(&factor_, &common_);
    cholmod_free_dense(&x_, &common_);
    cholmod_free_dense(&y_, &common_);
    cholmod_free_dense(&e_, &common_);
    cholmod_finish(&common_);
  }
  bool Factor(const double* values) {
    cholmod_sparse a = Header(values);
    ariadne::OnOneOpenMpThread([&] { cholmod_factorize(&a, factor_, &common_); });
    return common_.status == CHOLMOD_OK;
  }
  void Solve(const double* rhs, double* out) {
    cholmod_dense b;
    std::memset(&b, 0, sizeof(b));
    b.nrow = b.d = pattern_.n();
    b.ncol = 1;
    b.nzmax = b.nrow;
    b.x = const_cast<double*>(rhs);
    b.xtype = CHOLMOD_REAL;
    b.dtype = CHOLMOD_DOUBLE;
    ariadne::OnOneOpenMpThread(
        [&] { cholmod_solve2(CHOLMOD_A, factor_, &b, nullptr, &x_, nullptr, &y_, &e_, &common_); });
    std::memcpy(out, x_->x, sizeof(double) * pattern_.n());
  }
  double flops() const { return flops_; }
  int64_t nnz() const { return nnz_; }

 private:
  cholmod_sparse Header(const double* values) const {
    cholmod_sparse a;
    std::memset(&a, 0, sizeof(a));
    a.nrow = a.ncol = pattern_.n();
    a.nzmax = pattern_.a_nnz();
    a.p = const_cast<int32_t*>(pattern_.a_col_start().data());
    a.i = const_cast<int32_t*>(pattern_.a_row_index().data());
    a.x = const_cast<double*>(values);
    a.stype = 1;
    a.itype = CHOLMOD_INT;
    a.xtype = CHOLMOD_REAL;
    a.dtype = CHOLMOD_DOUBLE;
    a.sorted = 1;
    a.packed = 1;
    return a;
  }
  const ariadne::NormalPattern& pattern_;
  cholmod_common common_;
  cholmod_factor* factor_ = nullptr;
  cholmod_dense *x_ = nullptr, *y_ = nullptr, *e_ = nullptr;
  double flops_ = 0;
  int64_t nnz_ = 0;
};
#endif

Timing TimeBackend(const Settings& settings, const std::string& name, ariadne::CholeskyBackend& backend,
                   const std::vector<double>& a, const std::vector<double>& rhs) {
  Timing t;
  t.name = name;
  std::vector<double> x(rhs.size());
  t.factor = TimeMedian(settings, [&] {
    if (!backend.Factor(0, a.data(), 0).ok) {
      std::fprintf(stderr, "%s: factorisation failed\n", name.c_str());
      std::exit(1);
    }
  });
  t.solve = TimeMedian(settings, [&] { backend.Solve(0, rhs.data(), 1, x.data(), 0); });
  t.nnz = backend.factor_nonzeros();
  return t;
}

// CPU time used by the whole machine and by this process so far (seconds),
// from /proc (Linux); zeros elsewhere.
struct CpuTimes {
  double machine = 0, process = 0;
};

CpuTimes ReadCpuTimes() {
  CpuTimes t;
  const double tick = static_cast<double>(sysconf(_SC_CLK_TCK));
  if (std::FILE* f = std::fopen("/proc/stat", "r")) {
    unsigned long long user, nice, system, idle;
    if (std::fscanf(f, "cpu %llu %llu %llu %llu", &user, &nice, &system, &idle) == 4) {
      t.machine = (user + nice + system) / tick;
    }
    std::fclose(f);
  }
  if (std::FILE* f = std::fopen("/proc/self/stat", "r")) {
    // Fields 14 and 15 (utime, stime) follow the command name in parentheses.
    char buffer[1024];
    const size_t length = std::fread(buffer, 1, sizeof(buffer) - 1, f);
    buffer[length] = 0;
    const char* p = std::strrchr(buffer, ')');
    unsigned long long utime = 0, stime = 0;
    if (p && std::sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) == 2) {
      t.process = (utime + stime) / tick;
    }
    std::fclose(f);
  }
  return t;
}

// Pins the calling thread to `cpu` (−1: every CPU it may use); Linux only.
void PinTo(int cpu) {
#ifdef __linux__
  cpu_set_t set;
  CPU_ZERO(&set);
  if (cpu >= 0) {
    CPU_SET(cpu, &set);
  } else {
    for (int c = 0; c < CPU_SETSIZE; ++c) CPU_SET(c, &set);
  }
  sched_setaffinity(0, sizeof(set), &set);
#else
  (void)cpu;
#endif
}

struct Scaling {
  double one[2] = {0, 0};                 // best rate of one thread pinned to CPU 0, CPU 1
  double two = 0;                         // best rate of two threads
  double one_median = 0, two_median = 0;  // one thread on CPU 0
  double others = 0;                      // CPUs used by other processes meanwhile (average)
};

// Elements per second of 1 thread (pinned to CPU 0, then to CPU 1) and of 2
// threads factoring the batch, alternating one batch each for about 4 s (at
// least 15 rounds). Other processes only slow a round down, so the best
// round of each is the machine's capacity; the medians and the other
// processes' load are reported beside it. Two threads can at most reach the
// sum of the two CPUs' one-thread rates (on this kind of VM the two vCPUs
// need not be equally fast).
Scaling MeasureScaling(ariadne::CholeskyBackend& backend, const std::vector<std::vector<double>>& a) {
  const int batch = static_cast<int>(a.size());
  auto run = [&](int threads) {
    const auto t0 = Clock::now();
    ariadne::ParallelFor(batch, threads, [&](int b, int slot) { backend.Factor(b, a[b].data(), slot); });
    return Seconds(t0, Clock::now());
  };
  PinTo(-1);
  run(2);  // allocate every element's factor (and start the pool's helper unpinned)
  std::vector<double> one[2], two;
  const CpuTimes before = ReadCpuTimes();
  const auto start = Clock::now();
  while (two.size() < 15 || Seconds(start, Clock::now()) < 4.0) {
    for (int cpu = 0; cpu < 2; ++cpu) {
      PinTo(cpu);
      one[cpu].push_back(run(1));
    }
    PinTo(-1);
    two.push_back(run(2));
    if (two.size() >= 2000) break;
  }
  const double elapsed = Seconds(start, Clock::now());
  const CpuTimes after = ReadCpuTimes();
  Scaling s;
  for (int cpu = 0; cpu < 2; ++cpu) s.one[cpu] = batch / *std::min_element(one[cpu].begin(), one[cpu].end());
  s.two = batch / *std::min_element(two.begin(), two.end());
  s.one_median = batch / Median(one[0]);
  s.two_median = batch / Median(two);
  s.others = ((after.machine - before.machine) - (after.process - before.process)) / elapsed;
  return s;
}

std::vector<double> FormA(const ariadne::NormalPattern& pattern, const std::vector<double>& j) {
  std::vector<double> unique(pattern.unique_count()), a(pattern.a_value_count()), g(pattern.n());
  const std::vector<double> r(pattern.m(), 0.0);
  pattern.GatherUnique(j.data(), unique.data());
  pattern.Form(unique.data(), r.data(), a.data(), g.data());
  return a;
}

void RunPattern(const Settings& settings, const std::string& file) {
  pose_graphs::PoseGraphPattern graph;
  if (!pose_graphs::LoadPattern(file, 42, &graph)) {
    std::printf("%s: not found under %s\n", file.c_str(), pose_graphs::SharedDataDirectory().c_str());
    return;
  }
  const ariadne::NormalPattern pattern(graph.Input(), "bench");
  const std::vector<double> a = FormA(pattern, graph.values);
  std::vector<double> rhs(graph.n);
  for (int i = 0; i < graph.n; ++i) rhs[i] = std::sin(1.0 + i);

  // Symbolic: the whole constructor (analysis + workspaces), median of 5.
  PinTo(settings.pin);
  std::vector<double> symbolic_times;
  for (int i = 0; i < 5; ++i) {
    const auto s0 = Clock::now();
    auto probe = ariadne::MakeSupernodalCholesky(pattern, 1, 1, settings.options, settings.kernels);
    symbolic_times.push_back(Seconds(s0, Clock::now()));
  }
  const ariadne::SupernodalSymbolic sym = ariadne::AnalyseSupernodal(pattern, settings.options);
  auto ours = ariadne::MakeSupernodalCholesky(pattern, 16, 2, settings.options, settings.kernels);

  std::printf("\n%s: n = %d, nnz(A upper) = %lld, blocks %d×%d\n", graph.name.c_str(), graph.n,
              static_cast<long long>(pattern.a_nnz()), static_cast<int>(graph.col_blocks.size()), graph.d);
  std::printf(
      "  ours: nnz(L) = %lld (%lld without amalgamation zeros, +%.1f%%), "
      "flops = %.1f M (%.1f M with the zeros), "
      "%d supernodes (mean %.1f columns, max %d; max rows %d), stack %.2f MB/slot, symbolic %.2f ms\n",
      static_cast<long long>(sym.factor_nonzeros), static_cast<long long>(sym.true_nonzeros),
      100.0 * (sym.factor_nonzeros - sym.true_nonzeros) / sym.true_nonzeros, sym.true_flops / 1e6,
      sym.factor_flops / 1e6, sym.supernode_count, static_cast<double>(graph.n) / sym.supernode_count, sym.max_columns,
      sym.max_rows, 8.0 * sym.stack_size / 1e6, 1e3 * Median(symbolic_times));

  std::vector<Timing> timings;
  Timing t = TimeBackend(settings, "ariadne-supernodal", *ours, a, rhs);
  t.flops = sym.true_flops;
  t.symbolic = Median(symbolic_times);
  timings.push_back(t);
  if (!settings.ours_only) {
#ifdef ARIADNE_BENCH_HAVE_CHOLMOD
    for (bool supernodal : {false, true}) {
      const auto s0 = Clock::now();
      Cholmod cholmod(pattern, supernodal);
      Timing c;
      c.symbolic = Seconds(s0, Clock::now());
      c.name = supernodal ? "cholmod-supernodal" : "cholmod-simplicial";
      std::vector<double> x(rhs.size());
      c.factor = TimeMedian(settings, [&] {
        if (!cholmod.Factor(a.data())) {
          std::fprintf(stderr, "CHOLMOD failed\n");
          std::exit(1);
        }
      });
      c.solve = TimeMedian(settings, [&] { cholmod.Solve(rhs.data(), x.data()); });
      c.nnz = cholmod.nnz();
      c.flops = cholmod.flops();
      timings.push_back(c);
    }
#endif
    const auto s0 = Clock::now();
    auto eigen = ariadne::MakeEigenSparseCholesky(pattern, 1);
    const double eigen_symbolic = Seconds(s0, Clock::now());
    timings.push_back(TimeBackend(settings, "eigen-simplicial-llt", *eigen, a, rhs));
    timings.back().symbolic = eigen_symbolic;
  }
  std::printf("  %-22s %12s %10s %12s %10s %10s %10s\n", "backend", "nnz(L)", "MFLOP", "symbolic ms", "factor ms",
              "GFLOP/s", "solve ms");
  for (const Timing& x : timings) {
    // Eigen's flop count is not exposed (its own AMD ordering): "-".
    const std::string mflop = x.flops > 0 ? OneDecimal(x.flops / 1e6) : "-";
    const std::string rate = x.flops > 0 ? OneDecimal(x.flops / x.factor / 1e9) : "-";
    std::printf("  %-22s %12lld %10s %12.2f %10.3f %10s %10.3f", x.name.c_str(), static_cast<long long>(x.nnz),
                mflop.c_str(), 1e3 * x.symbolic, 1e3 * x.factor, rate.c_str(), 1e3 * x.solve);
    if (&x != &timings[0]) std::printf("   ours %.2fx faster", x.factor / timings[0].factor);
    std::printf("\n");
  }

  if (!settings.scaling) return;
  // Throughput: 16 elements (different values), 1 and 2 threads.
  std::vector<std::vector<double>> batch;
  for (int b = 0; b < 16; ++b) {
    pose_graphs::PoseGraphPattern other;
    pose_graphs::LoadPattern(file, 100 + b, &other);
    batch.push_back(FormA(pattern, other.values));
  }
  auto report = [](const char* name, const Scaling& s) {
    std::printf(
        "  16 elements, %s: best 1 thread %.1f /s on CPU 0 (%.1f /s on CPU 1), 2 threads %.1f /s: %.2fx "
        "(%.0f%% of the two CPUs' sum; medians %.2fx; other processes used %.2f CPUs meanwhile)\n",
        name, s.one[0], s.one[1], s.two, s.two / s.one[0], 100 * s.two / (s.one[0] + s.one[1]),
        s.two_median / s.one_median, s.others);
  };
  report("ours", MeasureScaling(*ours, batch));
  if (!settings.ours_only) {
    auto sparse = ariadne::MakeSparseCholesky(pattern, 16, 2);
    report(sparse->name().c_str(), MeasureScaling(*sparse, batch));
  }
}

bool Flag(const char* arg, const char* name, const char** value) {
  const size_t length = std::strlen(name);
  if (std::strncmp(arg, name, length) != 0) return false;
  *value = arg + length;
  return true;
}

}  // namespace

// Applies one option to `settings`; false if it is not one.
bool ParseOption(const char* arg, Settings* settings) {
  const char* v = nullptr;
  if (std::strcmp(arg, "--ours-only") == 0) {
    settings->ours_only = true;
  } else if (std::strcmp(arg, "--scalar-ordering") == 0) {
    settings->options.block_ordering = false;
  } else if (std::strcmp(arg, "--no-scaling") == 0) {
    settings->scaling = false;
  } else if (Flag(arg, "--pin=", &v)) {
    settings->pin = std::atoi(v);
  } else if (Flag(arg, "--repeat=", &v)) {
    settings->repeat = std::atoi(v);
  } else if (Flag(arg, "--tries=", &v)) {
    settings->options.ordering_tries = std::atoi(v);
  } else if (Flag(arg, "--always=", &v)) {
    settings->options.always_columns = std::atoi(v);
  } else if (Flag(arg, "--max-columns=", &v)) {
    settings->options.max_columns = std::atoi(v);
  } else if (Flag(arg, "--tiers=", &v)) {
    for (int t = 0; t < 3 && *v; ++t) {
      char* end = nullptr;
      settings->options.tier_columns[t] = static_cast<int>(std::strtol(v, &end, 10));
      settings->options.tier_zero_fraction[t] = std::strtod(end + 1, &end);
      v = *end == ',' ? end + 1 : end;
    }
  } else if (Flag(arg, "--eigen-panel=", &v)) {
    settings->kernels.eigen_panel_columns = std::atoi(v);
  } else if (Flag(arg, "--panel-block=", &v)) {
    settings->kernels.panel_block = std::atoi(v);
  } else if (Flag(arg, "--eigen-update=", &v)) {
    settings->kernels.eigen_update_work = std::atoll(v);
  } else {
    return false;
  }
  return true;
}

struct Variant {
  std::string name;
  Settings settings;
};

// Tuning: the variants' numeric factorisations timed round-robin (one call
// each per round, 41 rounds), so that the machine's drift hits them alike.
void CompareVariants(const std::vector<Variant>& variants, const std::string& file) {
  PinTo(variants.front().settings.pin);
  pose_graphs::PoseGraphPattern graph;
  if (!pose_graphs::LoadPattern(file, 42, &graph)) return;
  const ariadne::NormalPattern pattern(graph.Input(), "bench");
  const std::vector<double> a = FormA(pattern, graph.values);
  std::vector<std::unique_ptr<ariadne::CholeskyBackend>> backends;
  std::vector<std::vector<double>> times(variants.size());
  for (const Variant& v : variants) {
    backends.push_back(ariadne::MakeSupernodalCholesky(pattern, 1, 1, v.settings.options, v.settings.kernels));
    backends.back()->Factor(0, a.data(), 0);
  }
  for (int round = 0; round < 41; ++round) {
    for (size_t i = 0; i < variants.size(); ++i) {
      const auto t0 = Clock::now();
      backends[i]->Factor(0, a.data(), 0);
      times[i].push_back(Seconds(t0, Clock::now()));
    }
  }
  std::printf("%-20s", graph.name.c_str());
  for (size_t i = 0; i < variants.size(); ++i) {
    const auto sym = ariadne::AnalyseSupernodal(pattern, variants[i].settings.options);
    std::printf("  %s %.3f ms (%d sn, %.0fM)", variants[i].name.c_str(), 1e3 * Median(times[i]), sym.supernode_count,
                sym.factor_flops / 1e6);
  }
  std::printf("\n");
}

int main(int argc, char** argv) {
  Settings settings;
  std::vector<std::string> files;
  std::vector<Variant> variants;
  for (int i = 1; i < argc; ++i) {
    const char* v = nullptr;
    if (Flag(argv[i], "--variant=", &v)) {
      // --variant=NAME:--opt=1+--opt=2
      Variant variant;
      variant.settings = settings;
      const std::string spec = v;
      const size_t colon = spec.find(':');
      variant.name = spec.substr(0, colon);
      std::string rest = colon == std::string::npos ? "" : spec.substr(colon + 1);
      while (!rest.empty()) {
        const size_t plus = rest.find('+');
        const std::string option = rest.substr(0, plus);
        if (!ParseOption(option.c_str(), &variant.settings)) {
          std::fprintf(stderr, "unknown option %s\n", option.c_str());
          return 2;
        }
        rest = plus == std::string::npos ? "" : rest.substr(plus + 1);
      }
      variants.push_back(variant);
    } else if (ParseOption(argv[i], &settings)) {
      continue;
    } else if (argv[i][0] == '-') {
      std::fprintf(stderr, "unknown option %s\n", argv[i]);
      return 2;
    } else {
      files.push_back(argv[i]);
    }
  }
  if (files.empty()) {
    files = {"g2o-2d/M3500.g2o", "g2o-2d/city10000.g2o", "g2o-2d/intel.g2o", "g2o-3d/sphere2500.g2o",
             "g2o-3d/parking-garage.g2o"};
  }
  ariadne::LimitLibraryThreads();
  if (!variants.empty()) {
    for (const std::string& file : files) CompareVariants(variants, file);
    return 0;
  }
  std::printf("factor_bench: %s; Eigen SIMD: %s; OpenMP thread limit %d; BLAS: %s\n",
#ifdef __AVX512F__
              "-march with AVX-512",
#elif defined(__AVX2__)
              "-march with AVX2",
#else
              "generic x86-64 (SSE2)",
#endif
              Eigen::SimdInstructionSetsInUse(), ariadne::OpenMpThreadLimit(), ariadne::BlasDescription().c_str());
  if (ariadne::HaveCholmod() && ariadne::OpenMpThreadLimit() != 1) {
    std::printf("warning: CHOLMOD's OpenMP loops are not limited to one thread (libgomp without GOMP_teams_reg?)\n");
  }
  for (const std::string& file : files) RunPattern(settings, file);
  return 0;
}
