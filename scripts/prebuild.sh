#!/usr/bin/env bash
# Writes prebuilds/<platform>-<arch>/ (N-API 8, prebuildify): the binary that
# `npm install` uses without a compiler. Eigen only: no CHOLMOD (its Supernodal
# module is GPL) and nothing linked beyond libc, libm, libstdc++ and libgcc;
# the baseline instruction set (no -march=native).
# Built in a scratch copy so that build/ keeps the source build.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

cp -r "$root/binding.gyp" "$root/package.json" "$root/native" "$scratch/"
mkdir -p "$scratch/scripts"
cp "$root/scripts/native-config.js" "$scratch/scripts/"
ln -s "$root/node_modules" "$scratch/node_modules"

export JOBS="${JOBS:-max}"
export npm_config_nodedir="${npm_config_nodedir:-$(dirname "$(dirname "$(command -v node)")")}"
node_gyp="$(dirname "$(dirname "$(command -v node)")")/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js"
if [ -z "${PREBUILD_NODE_GYP:-}" ] && [ -f "$node_gyp" ]; then export PREBUILD_NODE_GYP="$node_gyp"; fi
(cd "$scratch" && ARIADNE_CHOLMOD=0 ARIADNE_PORTABLE=1 "$root/node_modules/.bin/prebuildify" --napi --strip --tag-libc)

target="$(node -p 'process.platform + "-" + process.arch')"
rm -rf "$root/prebuilds/$target"
mkdir -p "$root/prebuilds"
cp -r "$scratch/prebuilds/$target" "$root/prebuilds/"
echo "prebuilds/$target: $(ls "$root/prebuilds/$target")"
