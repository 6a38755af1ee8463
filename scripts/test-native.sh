#!/usr/bin/env bash
# Builds the C++ core and its tests with CMake and runs them (ctest). Needs no
# Node. Where nvcc is found it also compiles the CUDA kernels (CUDA runtime
# only, one architecture) and, where cuSOLVER, cuBLAS and cuSPARSE are found,
# the CUDA core; their tests skip, with the reason, without a GPU
# (scripts/gpu-check.sh is the run on a GPU machine).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build-native"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build "$build" -j "$(nproc 2>/dev/null || echo 2)"
(cd "$build" && ctest --output-on-failure)
