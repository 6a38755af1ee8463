#!/usr/bin/env node
// npm's install hook: keep a prebuilt binary that loads; otherwise check that
// a source build can work (one line per missing piece, not a wall of compiler
// errors) and build the addon with node-gyp. `--build-from-source` (or npm's
// --build-from-source) skips the prebuilt binary. Then, where a CUDA toolkit
// with cuSOLVER, cuBLAS and cuSPARSE is found, the CUDA addon is built too
// (scripts/build-cuda.js); that never fails the install.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { findCuda, findEigen, useCholmod } = require('./native-config.js');

const root = path.join(__dirname, '..');
const fromSource = process.argv.includes('--build-from-source') || process.env.npm_config_build_from_source === 'true';

// The CUDA addon where it can be built (silent where CUDA is absent).
function buildCuda() {
  if (findCuda().reason === undefined) spawnSync(process.execPath, [path.join(__dirname, 'build-cuda.js'), '--if-available'], { cwd: root, stdio: 'inherit' });
}

if (!fromSource) {
  try {
    require('node-gyp-build')(root);
    buildCuda();
    process.exit(0);
  } catch {
    // no loadable binary: build one
  }
}

function onPath(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

const missing = [];
if (!findEigen()) {
  missing.push('Eigen 3.4 headers not found: install libeigen3-dev (Debian/Ubuntu), eigen (Homebrew), or set EIGEN3_INCLUDE_DIR');
}
if (!onPath(process.env.CXX || 'c++')) missing.push('no C++ compiler: install g++ (Debian/Ubuntu: build-essential) or set CXX');
if (!onPath('make')) missing.push('make not found: install make');
if (!onPath('python3')) missing.push('python3 not found (node-gyp needs it): install python3');
if (missing.length > 0) {
  for (const line of missing) console.error(`ariadne: cannot build the native addon: ${line}`);
  console.error('ariadne: scripts/bootstrap.sh installs all of them on Debian/Ubuntu');
  process.exit(1);
}
if (!useCholmod()) {
  console.error(
    process.env.ARIADNE_CHOLMOD === '0'
      ? 'ariadne: building without CHOLMOD (ARIADNE_CHOLMOD=0): the sparse kind uses Eigen'
      : 'ariadne: SuiteSparse (CHOLMOD) not found: the sparse kind uses Eigen; install libsuitesparse-dev for CHOLMOD',
  );
}

// node-gyp must use this Node's own headers rather than download them.
const env = { ...process.env };
const prefix = path.dirname(path.dirname(process.execPath));
if (!env.npm_config_nodedir && fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h'))) {
  env.npm_config_nodedir = prefix;
}
env.JOBS = env.JOBS ?? 'max'; // compile on every core
let nodeGyp = env.npm_config_node_gyp;
if (!nodeGyp) {
  try {
    nodeGyp = require.resolve('node-gyp/bin/node-gyp.js');
  } catch {
    const bundled = path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
    nodeGyp = fs.existsSync(bundled) ? bundled : null;
  }
}
const [command, args] = nodeGyp ? [process.execPath, [nodeGyp, 'rebuild']] : ['node-gyp', ['rebuild']];
const result = spawnSync(command, args, { cwd: root, env, stdio: 'inherit' });
if (result.status === 0) buildCuda();
process.exit(result.status ?? 1);
