#!/usr/bin/env node
// clang-format (the npm package's binary, .clang-format's style) over the
// C++ and CUDA sources of native/: `--check` names every file it would
// change and exits 1 if there is one; `--write` formats them in place.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const os = require('node:os');
const { spawnSync } = require('node:child_process');

const root = path.join(__dirname, '..');
const mode = process.argv[2];
if (mode !== '--check' && mode !== '--write') {
  console.error('usage: node scripts/clang-format.js --check | --write');
  process.exit(2);
}

const platform = os.platform() === 'win32' ? 'win32' : `${os.platform()}_${os.arch()}`;
const binary = path.join(
  path.dirname(require.resolve('clang-format/package.json')),
  'bin',
  platform,
  os.platform() === 'win32' ? 'clang-format.exe' : 'clang-format',
);
if (!fs.existsSync(binary)) {
  console.error(`clang-format: no binary for ${platform} in the clang-format package`);
  process.exit(2);
}

function sources(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(full);
    return /\.(cc|h|cu|cuh)$/.test(entry.name) ? [full] : [];
  });
}

const changed = [];
for (const file of sources(path.join(root, 'native')).sort()) {
  const run = spawnSync(binary, ['--style=file', mode === '--write' ? '-i' : '--dry-run', '--Werror', file], { cwd: root, encoding: 'utf8' });
  if (run.status !== 0) changed.push(path.relative(root, file));
}
if (mode === '--check' && changed.length > 0) {
  console.error(`clang-format would change ${changed.length} file(s) (npm run format fixes them):\n  ${changed.join('\n  ')}`);
  process.exit(1);
}
