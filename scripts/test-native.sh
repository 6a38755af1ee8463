#!/usr/bin/env bash
# Builds the C++ core and its tests with CMake and runs them (ctest). Needs no
# Node: the GPU machine runs this too.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build-native"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build "$build" -j "$(nproc 2>/dev/null || echo 2)"
(cd "$build" && ctest --output-on-failure)
