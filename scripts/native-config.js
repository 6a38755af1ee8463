#!/usr/bin/env node
// Where the native dependencies are, for binding.gyp and scripts/install.js.
//   node scripts/native-config.js eigen-include    Eigen's include dir ('' if none)
//   node scripts/native-config.js cholmod          1 when CHOLMOD is used, else 0
//   node scripts/native-config.js cholmod-include  the folder of cholmod.h
//   node scripts/native-config.js cholmod-libdir   the folder of libcholmod
//   node scripts/native-config.js native-arch      1 to build with -march=native (not ARIADNE_PORTABLE=1)
// ARIADNE_CHOLMOD=0 turns CHOLMOD off (the prebuilt binaries do: its
// Supernodal module is GPL). EIGEN3_INCLUDE_DIR and SUITESPARSE_INCLUDE_DIR
// point at non-standard locations; ARIADNE_INCLUDE_PREFIXES (':'-separated)
// replaces the standard include prefixes and pkg-config.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const root = path.join(__dirname, '..');
const custom = process.env.ARIADNE_INCLUDE_PREFIXES;
const prefixes =
  custom !== undefined ? custom.split(':').filter(Boolean) : ['/usr/include', '/usr/local/include', '/opt/homebrew/include', '/opt/local/include'];

function pkgConfigIncludes(name) {
  if (custom !== undefined) return [];
  try {
    const out = execFileSync('pkg-config', ['--cflags-only-I', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return out
      .split(/\s+/)
      .filter((flag) => flag.startsWith('-I'))
      .map((flag) => flag.slice(2));
  } catch {
    return [];
  }
}

function findEigen() {
  const candidates = [
    process.env.EIGEN3_INCLUDE_DIR,
    ...pkgConfigIncludes('eigen3'),
    ...prefixes.map((prefix) => path.join(prefix, 'eigen3')),
    // scripts/device-cache.sh's copy (a standard place: not with custom prefixes)
    ...(custom === undefined ? [path.join(root, '.cache', 'eigen3')] : []),
  ].filter(Boolean);
  return candidates.find((dir) => fs.existsSync(path.join(dir, 'Eigen', 'Core'))) ?? '';
}

function findCholmodInclude() {
  const candidates = [
    process.env.SUITESPARSE_INCLUDE_DIR,
    ...pkgConfigIncludes('CHOLMOD'),
    ...prefixes.flatMap((prefix) => [path.join(prefix, 'suitesparse'), prefix]),
  ].filter(Boolean);
  return candidates.find((dir) => fs.existsSync(path.join(dir, 'cholmod.h'))) ?? '';
}

/** The folder of libcholmod ('' when none is found). */
function findCholmodLibrary() {
  const dirs = [
    process.env.SUITESPARSE_LIBRARY_DIR,
    '/usr/lib/x86_64-linux-gnu',
    '/usr/lib/aarch64-linux-gnu',
    '/usr/lib64',
    '/usr/lib',
    '/usr/local/lib',
    '/opt/homebrew/lib',
    '/opt/local/lib',
  ].filter(Boolean);
  return dirs.find((dir) => ['libcholmod.so', 'libcholmod.dylib', 'libcholmod.a'].some((name) => fs.existsSync(path.join(dir, name)))) ?? '';
}

function useCholmod() {
  return process.env.ARIADNE_CHOLMOD !== '0' && findCholmodInclude() !== '' && findCholmodLibrary() !== '';
}

function onPath(command) {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && fs.existsSync(path.join(dir, command))) return path.join(dir, command);
  }
  return '';
}

/**
 * What a build of the CUDA addon would use: { nvcc, libraryRoot } (a folder
 * with include/ and lib/ of cuSOLVER, cuBLAS and cuSPARSE), or { reason }
 * when it cannot be built. ARIADNE_CUDA=0 turns it off; CUDACXX names nvcc;
 * ARIADNE_CUDA_LIBRARY_ROOT is looked in first, then the toolkit, then
 * NVIDIA's Python wheels (site-packages/nvidia/cu13).
 */
function findCuda() {
  if (process.env.ARIADNE_CUDA === '0') return { reason: 'ARIADNE_CUDA=0' };
  const nvcc = [process.env.CUDACXX, onPath('nvcc'), '/usr/local/cuda/bin/nvcc'].find((file) => file && fs.existsSync(file));
  if (!nvcc) return { reason: 'no CUDA compiler (nvcc) on the PATH, in CUDACXX or in /usr/local/cuda' };
  const header = 'cusolverSp_LOWLEVEL_PREVIEW.h';
  const roots = [process.env.ARIADNE_CUDA_LIBRARY_ROOT, path.dirname(path.dirname(fs.realpathSync(nvcc))), '/usr/local/cuda'];
  try {
    const out = execFileSync('python3', ['-c', "import nvidia, os; print('\\n'.join(os.path.join(p, 'cu13') for p in nvidia.__path__))"], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    roots.push(...out.split('\n'));
  } catch {
    // no NVIDIA wheels
  }
  const candidates = [...new Set(roots.filter(Boolean))];
  const libraryRoot = candidates.find((dir) => fs.existsSync(path.join(dir, 'include', header)));
  if (libraryRoot === undefined) {
    return { reason: `cuSOLVER, cuBLAS and cuSPARSE not found (no include/${header} in ${candidates.join(', ')}; set ARIADNE_CUDA_LIBRARY_ROOT)` };
  }
  return { nvcc, libraryRoot };
}

module.exports = { findEigen, findCholmodInclude, useCholmod, findCuda };

if (require.main === module) {
  const what = process.argv[2];
  if (what === 'eigen-include') {
    process.stdout.write(findEigen());
  } else if (what === 'cholmod') {
    process.stdout.write(useCholmod() ? '1' : '0');
  } else if (what === 'cholmod-include') {
    process.stdout.write(findCholmodInclude() || '.');
  } else if (what === 'native-arch') {
    // Source builds tune for the CPU they are built on (the supernodal kernels
    // are 1.5-2.3x faster with AVX2/AVX-512); ARIADNE_PORTABLE=1 (the prebuilds)
    // keeps the baseline instruction set.
    process.stdout.write(process.env.ARIADNE_PORTABLE !== '1' && process.platform === 'linux' && process.arch === 'x64' ? '1' : '0');
  } else if (what === 'cholmod-libdir') {
    process.stdout.write(findCholmodLibrary() || '.');
  } else {
    process.stderr.write('usage: native-config.js eigen-include|cholmod|cholmod-include|cholmod-libdir|native-arch\n');
    process.exit(2);
  }
}
