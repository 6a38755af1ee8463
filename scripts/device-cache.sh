#!/usr/bin/env bash
# Fills the git-ignored .cache/ with what scripts/gpu-check.sh needs on a GPU
# machine that has no network and may lack Eigen, the data and Node's
# packages, so that a session can carry it there (`run` tool, carry ≤ 64 MiB):
#   .cache/eigen3/Eigen              this machine's Eigen headers (6.8 MB)
#   .cache/data/g2o-3d/sphere2500.g2o  the benchmark's data set (1.1 MB)
#   .cache/node_modules.tar.gz       node_modules, for the jest suite (~20 MB;
#                                    --no-node-modules leaves it out)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cache="$root/.cache"
mkdir -p "$cache"

eigen=""
for dir in "${EIGEN3_INCLUDE_DIR:-}" /usr/include/eigen3 /usr/local/include/eigen3; do
  if [ -n "$dir" ] && [ -f "$dir/Eigen/Core" ]; then eigen="$dir"; break; fi
done
if [ -z "$eigen" ]; then
  echo "device-cache: no Eigen headers here (install libeigen3-dev or set EIGEN3_INCLUDE_DIR)" >&2
  exit 1
fi
if [ "$(realpath "$eigen")" != "$(realpath -m "$cache/eigen3")" ]; then
  rm -rf "$cache/eigen3"
  mkdir -p "$cache/eigen3"
  cp -r "$eigen/Eigen" "$cache/eigen3/"
fi
echo "device-cache: .cache/eigen3 from $eigen"

data="${ARIADNE_DATA:-$root/../shared/data}"
if [ -f "$data/g2o-3d/sphere2500.g2o" ]; then
  mkdir -p "$cache/data/g2o-3d"
  cp "$data/g2o-3d/sphere2500.g2o" "$cache/data/g2o-3d/"
  echo "device-cache: .cache/data/g2o-3d/sphere2500.g2o"
else
  echo "device-cache: $data/g2o-3d/sphere2500.g2o not found: the benchmarks will skip sphere2500" >&2
fi

if [ "${1:-}" != "--no-node-modules" ] && [ -d "$root/node_modules" ]; then
  tar -czf "$cache/node_modules.tar.gz" -C "$root" node_modules
  echo "device-cache: .cache/node_modules.tar.gz"
fi
du -sh "$cache/eigen3" "$cache/data" "$cache/node_modules.tar.gz" 2>/dev/null || true
