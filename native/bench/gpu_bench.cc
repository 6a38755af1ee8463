// The GPU benchmark without Node (benchmarks/gpu.ts is its twin through the
// addons): Gauss-Newton iterations (linearize, factor with λ = 0, solve for
// the step) of the batched normal equations of sphere2500 and of the SE3
// grid graph of 256 poses (4×8×8, pose_graph_patterns.h), B in {1, 16, 64,
// 256}, on the CUDA core against the CPU core built as the addon is, on this
// machine. Per batch element and iteration: the CPU's time; the GPU's device
// time (linear algebra alone) and wall time (end to end: host checks and the
// host↔device copies included); and the fraction of the bandwidth bound
// achieved: bytes of J, A and the factor moved per iteration ÷ the device's
// measured copy bandwidth, over the device time.
//
//   gpu_bench [--quick] [--batches 1,16,64,256]
// sphere2500 is read from $ARIADNE_SHARED_DATA/g2o-3d/sphere2500.g2o (default
// ../shared/data beside the repository) and skipped, with a message, if absent.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "cuda_normal_equations.h"
#include "device_info.h"
#include "normal_equations.h"
#include "pose_graph_patterns.h"

namespace {

using Clock = std::chrono::steady_clock;
using ariadne::BatchedNormalEquations;
using ariadne::Span;

double Seconds(Clock::time_point since) { return std::chrono::duration<double>(Clock::now() - since).count(); }

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t mid = v.size() / 2;
  return v.size() % 2 ? v[mid] : 0.5 * (v[mid - 1] + v[mid]);
}

struct Timing {
  double wall = 0;    // seconds per iteration, all elements
  double device = 0;  // device seconds per iteration (GPU only)
};

// Median of `repeats` iterations after one warm-up (fewer if they take long).
Timing TimeIterations(BatchedNormalEquations& ne, const std::vector<double>& j, const std::vector<double>& r,
                      int repeats) {
  const int batch = ne.batch();
  std::vector<double> gradient(static_cast<size_t>(batch) * ne.n()), norms(batch), step(gradient.size());
  const std::vector<double> lambda(batch, 0.0);
  std::vector<uint8_t> ok(batch);
  std::vector<std::string> reasons;
  std::vector<double> walls, devices;
  const auto budget = Clock::now();
  for (int run = 0; run <= repeats; ++run) {
    const auto start = Clock::now();
    ne.Linearize({j.data(), static_cast<int64_t>(j.size())}, {r.data(), static_cast<int64_t>(r.size())}, {},
                 gradient.data(), norms.data());
    double device = ne.last_device_seconds();
    ne.Factor({lambda.data(), batch}, ariadne::Damping::kIdentity, ok.data(), &reasons);
    device += ne.last_device_seconds();
    ne.Solve({gradient.data(), static_cast<int64_t>(gradient.size())}, 1, step.data());
    device += ne.last_device_seconds();
    const double wall = Seconds(start);
    for (int b = 0; b < batch; ++b) {
      if (!ok[b]) throw std::runtime_error(ne.backend_name() + ": element " + std::to_string(b) + ": " + reasons[b]);
    }
    if (run == 0) continue;  // warm-up
    walls.push_back(wall);
    devices.push_back(device);
    if (run >= 2 && Seconds(budget) > 20.0) break;
  }
  return {Median(walls), Median(devices)};
}

std::vector<double> Replicate(const std::vector<double>& one, int batch, double jitter, uint64_t seed) {
  std::vector<double> out(one.size() * batch);
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  for (int b = 0; b < batch; ++b) {
    for (size_t i = 0; i < one.size(); ++i) out[b * one.size() + i] = one[i] * (1.0 + jitter * normal(rng));
  }
  return out;
}

std::vector<int> ParseBatches(const char* text) {
  std::vector<int> batches;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) batches.push_back(std::stoi(item));
  return batches;
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = false;
  std::vector<int> batches = {1, 16, 64, 256};
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--quick") == 0) {
      quick = true;
    } else if (std::strcmp(argv[i], "--batches") == 0 && i + 1 < argc) {
      batches = ParseBatches(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: gpu_bench [--quick] [--batches 1,16,64,256]\n");
      return 2;
    }
  }
  const ariadne::cuda::DeviceInfo device = ariadne::cuda::QueryDevice();
  if (!device.available) {
    std::printf("gpu_bench: skipped (%s)\n", device.reason.c_str());
    return 0;
  }
  const double bandwidth = ariadne::cuda::MeasureCopyBandwidth();
  std::printf("device: %s (compute %d.%d, %.1f GiB); measured copy bandwidth %.0f GB/s; CPU: %u hardware threads\n",
              device.name.c_str(), device.compute_major, device.compute_minor, device.memory_bytes / (1 << 30),
              bandwidth / 1e9, std::thread::hardware_concurrency());
  std::printf("per batch element and Gauss-Newton iteration (linearize + factor + solve), medians\n\n");

  std::vector<pose_graphs::PoseGraphPattern> graphs(1);
  pose_graphs::MakeSerpentineGrid(4, 8, 8, 1, &graphs[0]);
  pose_graphs::PoseGraphPattern sphere;
  if (pose_graphs::LoadPoseGraph("g2o-3d/sphere2500.g2o", 1, &sphere)) {
    graphs.push_back(sphere);
  } else {
    std::printf("skipping sphere2500: %s/g2o-3d/sphere2500.g2o not found (set ARIADNE_SHARED_DATA)\n\n",
                pose_graphs::SharedDataDirectory().c_str());
  }
  const int repeats = quick ? 2 : 5;
  std::printf(
      "| graph | n | B | GPU kind | setup s | CPU ms | GPU linear algebra ms | GPU end to end ms | "
      "speed-up (linear algebra) | speed-up (end to end) | bandwidth bound |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|---|---|\n");
  bool target_met = false;
  bool target_measured = false;
  for (const pose_graphs::PoseGraphPattern& g : graphs) {
    for (const int batch : batches) {
      const std::vector<double> j = Replicate(g.values, batch, 0.01, 2);
      const std::vector<double> r = Replicate(std::vector<double>(g.m, 1.0), batch, 1.0, 3);
      ariadne::NormalEquations cpu(g.Input(), batch, {});
      const Timing cpu_time = TimeIterations(cpu, j, r, repeats);
      const auto setup = Clock::now();
      ariadne::cuda::CudaNormalEquations gpu(g.Input(), batch, {});
      const double setup_seconds = Seconds(setup);
      const Timing gpu_time = TimeIterations(gpu, j, r, repeats);
      // Bytes per iteration: J read once, A (upper triangle) written and read
      // once, the factor written once and read by the two triangular solves
      // (a lower bound of the traffic; benchmarks/gpu.ts counts the same).
      const double bytes =
          8.0 * batch * (static_cast<double>(g.values.size()) + 2.0 * gpu.a_nonzeros() + 3.0 * gpu.factor_nonzeros());
      const double per = 1e3 / batch;
      std::printf("| %s | %d | %d | %s | %.2f | %.3f | %.3f | %.3f | %.1fx | %.1fx | %.0f%% |\n", g.name.c_str(), g.n,
                  batch, gpu.backend_name().c_str(), setup_seconds, cpu_time.wall * per, gpu_time.device * per,
                  gpu_time.wall * per, cpu_time.wall / gpu_time.device, cpu_time.wall / gpu_time.wall,
                  100.0 * bytes / bandwidth / gpu_time.device);
      std::fflush(stdout);
      if (g.name.rfind("se3-grid", 0) == 0 && batch == 256) {
        target_measured = true;
        target_met = cpu_time.wall / gpu_time.device >= 10.0;
      }
    }
  }
  if (target_measured) {
    std::printf("\ntarget (SE3 grid of 256 poses, B = 256: GPU linear algebra ≥ 10x the CPU core's throughput): %s\n",
                target_met ? "met" : "NOT met");
  }
  return 0;
}
