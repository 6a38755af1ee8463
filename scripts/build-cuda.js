#!/usr/bin/env node
// Builds the CUDA addon, build-cuda/Release/ariadne_cuda.node, with cmake-js
// from CMakeLists.txt (native/cuda): `npm run build:cuda`. Needs nvcc and
// cuSOLVER, cuBLAS and cuSPARSE (scripts/native-config.js findCuda), Eigen,
// and cmake-js (a devDependency). The CPU addon never links CUDA; this one
// is separate and the loader (lib/native/binding.ts) says why it is missing.
//   --if-available  exit 0 with one line when it cannot be built (npm's install hook)
//   --prebuild      also copy it to prebuilds-cuda/<platform>-<arch>/ (for every
//                   architecture CUDA 13 supports: its users need the CUDA 13
//                   cuSOLVER, cuBLAS and cuSPARSE libraries on the loader's path)
// ARIADNE_CUDA_ARCHITECTURES selects the GPU architectures (default 90: H100).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { findCuda } = require('./native-config.js');

const root = path.join(__dirname, '..');
const ifAvailable = process.argv.includes('--if-available');
const prebuild = process.argv.includes('--prebuild');
const architectures = process.env.ARIADNE_CUDA_ARCHITECTURES ?? (prebuild ? '75;80;86;89;90;100;120' : '90');

function skip(reason) {
  console.error(`ariadne: the CUDA addon is not built: ${reason}`);
  process.exit(ifAvailable ? 0 : 1);
}

const cuda = findCuda();
if (cuda.reason) skip(cuda.reason);
let cmakeJs;
try {
  cmakeJs = require.resolve('cmake-js/bin/cmake-js');
} catch {
  skip('cmake-js is not installed (it is a devDependency: npm install --no-save cmake-js)');
}
const args = [
  cmakeJs,
  'build',
  '--out',
  'build-cuda',
  '--CDARIADNE_CUDA=ON',
  // CHOLMOD's Supernodal module is GPL; the CUDA addon uses the CPU core for its analysis only.
  '--CDARIADNE_WITH_CHOLMOD=OFF',
  `--CDARIADNE_CUDA_ARCHITECTURES=${architectures}`,
  `--CDARIADNE_CUDA_LIBRARY_ROOT=${cuda.libraryRoot}`,
  `--CDCMAKE_CUDA_COMPILER=${cuda.nvcc}`,
];
const result = spawnSync(process.execPath, args, { cwd: root, stdio: ifAvailable ? ['ignore', 'ignore', 'inherit'] : 'inherit' });
const addon = path.join(root, 'build-cuda', 'Release', 'ariadne_cuda.node');
if (result.status !== 0 || !fs.existsSync(addon)) skip(`cmake-js failed (status ${result.status}); run npm run build:cuda for the details`);
console.error(`ariadne: built ${path.relative(root, addon)}`);
if (prebuild) {
  const target = path.join(root, 'prebuilds-cuda', `${process.platform}-${process.arch}`);
  fs.mkdirSync(target, { recursive: true });
  fs.copyFileSync(addon, path.join(target, 'ariadne_cuda.node'));
  console.error(`ariadne: ${path.relative(root, target)}/ariadne_cuda.node`);
}
