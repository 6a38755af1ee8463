#!/usr/bin/env bash
# The CUDA backend on a machine with an NVIDIA GPU and CUDA 13, without
# network, in under 5 minutes (H100, 16 cores):
#   1. builds the C++ core, the CUDA core, their tests and the GPU benchmark
#      with CMake (build-gpu/; Ninja when present; sm_90 only by default);
#   2. runs the tests (ctest: the CPU core's, the CUDA maps', kernels' and
#      core's; a CUDA test that skips, skips with its reason);
#   3. runs the GPU benchmark's C++ twin (native/bench/gpu_bench.cc);
#   4. where Node and node_modules are present (or .cache/node_modules.tar.gz):
#      builds the CPU addon (node-gyp) and the CUDA addon (in build-gpu), runs
#      the jest suite, whose NormalEquations take the CUDA backend ('auto'),
#      and `npm run bench -- gpu --quick`.
# Exits non-zero when a build or a test failed; every step prints its time.
#
# What it finds on its own: nvcc (PATH, CUDACXX, /usr/local/cuda, the
# nvidia/cu13 wheel); cuSOLVER, cuBLAS and cuSPARSE in the toolkit or in
# python3's site-packages as nvidia/cu13/{include,lib} with versioned names
# only (native/cuda/CMakeLists.txt makes unversioned links in
# build-gpu/cuda-libs and sets the RUNPATH), or ARIADNE_CUDA_LIBRARY_ROOT;
# Eigen in EIGEN3_INCLUDE_DIR, the system, or .cache/eigen3; sphere2500 in
# ../shared/data, else .cache/data.
#
# From a session without a GPU: `bash scripts/device-cache.sh` here (fills
# .cache/ with Eigen, sphere2500 and node_modules, ~28 MB; build-gpu/ is made
# there, never carried), then the `run` tool:
#   command: bash scripts/gpu-check.sh
#   carry:   [".cache/eigen3", ".cache/data", ".cache/node_modules.tar.gz"]
#   timeout_s: 420
# Options: --quick (benchmarks on B = 1 and 16 only), --no-node (skip step 4).
# Environment: ARIADNE_CUDA_ARCHITECTURES (default 90), JOBS (default: cores).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
quick=""
node_part=1
for arg in "$@"; do
  case "$arg" in
    --quick) quick="--quick" ;;
    --no-node) node_part=0 ;;
    *) echo "usage: scripts/gpu-check.sh [--quick] [--no-node]" >&2; exit 2 ;;
  esac
done
jobs="${JOBS:-$(nproc 2>/dev/null || echo 16)}"
arch="${ARIADNE_CUDA_ARCHITECTURES:-90}"
build="$root/build-gpu"
failures=()
step() { echo; echo "== [${SECONDS}s] $*"; }
fail() { failures+=("$1"); echo "gpu-check: FAILED: $1"; }

step "device"
if command -v nvidia-smi > /dev/null; then
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
else
  echo "nvidia-smi not found"
fi

# nvcc: the PATH, CUDACXX, the toolkit, or NVIDIA's nvcc wheel.
wheels=$(python3 -c "import nvidia, os; print('\n'.join(os.path.join(p, 'cu13') for p in nvidia.__path__))" 2> /dev/null || true)
if [ -z "${CUDACXX:-}" ]; then
  for candidate in "$(command -v nvcc || true)" /usr/local/cuda/bin/nvcc $(for w in $wheels; do echo "$w/bin/nvcc"; done); do
    if [ -n "$candidate" ] && [ -x "$candidate" ]; then export CUDACXX="$candidate"; break; fi
  done
fi
if [ -z "${CUDACXX:-}" ]; then
  echo "gpu-check: no nvcc (PATH, CUDACXX, /usr/local/cuda, nvidia/cu13 wheel)" >&2
  exit 1
fi
echo "nvcc: $CUDACXX ($("$CUDACXX" --version | tail -1))"
echo "CUDA wheels: ${wheels:-none}"
if [ -z "${EIGEN3_INCLUDE_DIR:-}" ] && [ ! -f /usr/include/eigen3/Eigen/Core ] && [ -f "$root/.cache/eigen3/Eigen/Core" ]; then
  export EIGEN3_INCLUDE_DIR="$root/.cache/eigen3"
fi
echo "Eigen: ${EIGEN3_INCLUDE_DIR:-system}"
data="$root/../shared/data"
[ -f "$data/g2o-3d/sphere2500.g2o" ] || data="$root/.cache/data"
export ARIADNE_SHARED_DATA="${ARIADNE_SHARED_DATA:-$data}"
export ARIADNE_DATA="${ARIADNE_DATA:-$data}"

# Node: unpack carried packages; the CUDA addon is built with the rest.
node_reason=""
if [ "$node_part" = 0 ]; then
  node_reason="--no-node"
elif ! command -v node > /dev/null; then
  node_reason="no node on this machine"
else
  if [ ! -d "$root/node_modules" ] && [ -f "$root/.cache/node_modules.tar.gz" ]; then
    step "unpacking .cache/node_modules.tar.gz"
    tar -xzf "$root/.cache/node_modules.tar.gz" -C "$root"
  fi
  [ -x "$root/node_modules/.bin/jest" ] || node_reason="no node_modules (bash scripts/device-cache.sh makes .cache/node_modules.tar.gz to carry)"
fi
addon_flags=()
if [ -z "$node_reason" ]; then addon_flags=(-DARIADNE_NODE_API_INCLUDE="$root/node_modules/node-api-headers/include"); fi

step "configure build-gpu"
mkdir -p "$build"
generator=()
if command -v ninja > /dev/null; then generator=(-G Ninja); fi
if ! cmake -S "$root" -B "$build" ${generator[@]+"${generator[@]}"} -DCMAKE_BUILD_TYPE=Release -DARIADNE_CUDA=ON \
  -DARIADNE_CUDA_ARCHITECTURES="$arch" -DCMAKE_CUDA_COMPILER="$CUDACXX" -DARIADNE_BUILD_GPU_BENCH=ON \
  -DARIADNE_NATIVE_ARCH=ON ${addon_flags[@]+"${addon_flags[@]}"} > "$build/configure.log" 2>&1; then
  cat "$build/configure.log"
  echo "gpu-check: configure failed" >&2
  exit 1
fi
grep "ariadne:" "$build/configure.log" || true

# The CPU addon (node-gyp, for the jest suite) builds alongside, on a few cores.
cpu_addon_pid=""
if [ -z "$node_reason" ]; then
  (ARIADNE_CUDA=0 JOBS=4 node scripts/install.js --build-from-source > "$build/cpu-addon.log" 2>&1; echo $? > "$build/cpu-addon.status") &
  cpu_addon_pid=$!
fi

step "build (-j$jobs)"
if ! cmake --build "$build" -j "$jobs"; then
  echo "gpu-check: build failed" >&2
  exit 1
fi

step "ctest"
(cd "$build" && ctest --output-on-failure --timeout 240 -j 4) || fail "ctest"
# On this machine a CUDA test that skips (no usable device) is a failure, with its reason.
skips=$(cd "$build" && for t in native/cuda/cuda_kernels_test native/cuda/cuda_normal_equations_test; do ./$t | grep "^SKIP"; done)
if [ -n "$skips" ]; then
  echo "$skips"
  fail "CUDA tests skipped"
fi

step "gpu_bench $quick"
timeout 150 "$build/native/cuda/gpu_bench" $quick || fail "gpu_bench"

if [ -n "$node_reason" ]; then
  step "jest and npm run bench -- gpu: skipped ($node_reason)"
else
  export ARIADNE_CUDA_ADDON="$build/native/cuda/ariadne_cuda.node"
  step "CPU addon (node-gyp, built alongside)"
  wait "$cpu_addon_pid"
  if [ "$(cat "$build/cpu-addon.status")" != 0 ]; then
    tail -30 "$build/cpu-addon.log"
    fail "CPU addon"
  fi
  step "TypeScript"
  { npm run build:ts --silent && npx tsc -p benchmarks; } || fail "TypeScript"
  step "the CUDA backend as the jest suite sees it"
  node -e "const s = require('./dist/cjs/index.js').cudaStatus(); console.log(s); process.exit(s.available ? 0 : 1)" || fail "CUDA addon"
  step "jest (NormalEquations default to the CUDA backend)"
  timeout 200 npx jest --ci --silent 2>&1 | tail -40
  [ "${PIPESTATUS[0]}" = 0 ] || fail "jest"
  step "npm run bench -- gpu --quick"
  timeout 90 node dist/bench/benchmarks/index.js gpu --quick || fail "bench gpu"
fi

step "done"
if [ ${#failures[@]} -gt 0 ]; then
  echo "gpu-check: failed: ${failures[*]} (${SECONDS}s)"
  exit 1
fi
echo "gpu-check: all passed (${SECONDS}s)"
