#!/usr/bin/env bash
# Installs what a source build of ariadne needs, where it is missing: a C++17
# compiler, make, python3 (node-gyp), cmake (the C++ tests), Eigen 3.4 (needed),
# OpenBLAS and SuiteSparse/CHOLMOD (optional: the fast sparse kind).
# Debian/Ubuntu: apt-get, as root or through sudo. Elsewhere it says what to
# install and exits non-zero when something needed is missing.
set -euo pipefail

packages=()      # Debian packages to install
needed=()        # what is missing and required
optional=()      # what is missing but optional

have() { command -v "$1" > /dev/null 2>&1; }
first_file() { for f in "$@"; do [ -e "$f" ] && return 0; done; return 1; }

have c++ || have g++ || { packages+=(g++); needed+=("a C++17 compiler (g++ or clang++)"); }
have make || { packages+=(make); needed+=("make"); }
have python3 || { packages+=(python3); needed+=("python3"); }
have cmake || { packages+=(cmake); needed+=("cmake"); }
if [ -n "${EIGEN3_INCLUDE_DIR:-}" ] && [ -f "$EIGEN3_INCLUDE_DIR/Eigen/Core" ]; then :; 
elif ! first_file /usr/include/eigen3/Eigen/Core /usr/local/include/eigen3/Eigen/Core /opt/homebrew/include/eigen3/Eigen/Core; then
  packages+=(libeigen3-dev); needed+=("Eigen 3.4 headers (libeigen3-dev; Homebrew: eigen)")
fi
if ! first_file /usr/include/suitesparse/cholmod.h /usr/local/include/suitesparse/cholmod.h /opt/homebrew/include/suitesparse/cholmod.h; then
  packages+=(libsuitesparse-dev); optional+=("SuiteSparse/CHOLMOD (libsuitesparse-dev; Homebrew: suite-sparse)")
fi
if ! first_file /usr/lib/x86_64-linux-gnu/libopenblas.so.0 /usr/lib/aarch64-linux-gnu/libopenblas.so.0 /usr/lib64/libopenblas.so.0 /usr/local/lib/libopenblas.so.0 /opt/homebrew/opt/openblas/lib/libopenblas.dylib; then
  packages+=(libopenblas-dev); optional+=("OpenBLAS (libopenblas-dev; Homebrew: openblas)")
fi

if [ ${#packages[@]} -eq 0 ]; then
  echo "bootstrap: everything a source build needs is installed"
  exit 0
fi

if have apt-get; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if have sudo; then sudo="sudo"; else
      echo "bootstrap: run as root (or install sudo): apt-get install -y ${packages[*]}" >&2
      exit 1
    fi
  fi
  echo "bootstrap: installing ${packages[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" > /dev/null
  echo "bootstrap: installed ${packages[*]}"
  exit 0
fi

# ${a[@]+"${a[@]}"}: empty arrays under `set -u` on bash < 4.4 (macOS' 3.2).
for item in ${needed[@]+"${needed[@]}"}; do echo "bootstrap: missing (needed): $item" >&2; done
for item in ${optional[@]+"${optional[@]}"}; do echo "bootstrap: missing (optional): $item" >&2; done
[ ${#needed[@]} -eq 0 ]
