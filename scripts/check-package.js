#!/usr/bin/env node
// Packs the package (npm pack), installs the tarball into an empty folder with
// install scripts disabled and, with no compiler on the PATH, solves a small
// system through the prebuilt binary, from CommonJS and from ESM. Builds the
// prebuild first when prebuilds/ lacks one for this platform. Exit code 0
// when everything held; prints what it checked.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const root = path.join(__dirname, '..');
const target = `${process.platform}-${process.arch}`;
const npm = process.env.npm_execpath ? [process.execPath, process.env.npm_execpath] : ['npm'];

function run(command, args, options = {}) {
  return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...options });
}

function runNpm(args, cwd) {
  return run(npm[0], [...npm.slice(1), ...args], { cwd });
}

if (!fs.existsSync(path.join(root, 'prebuilds', target))) {
  console.error(`check-package: no prebuilds/${target}: building it`);
  run('bash', [path.join(root, 'scripts', 'prebuild.sh')], { cwd: root, stdio: 'inherit' });
}
if (!fs.existsSync(path.join(root, 'dist', 'cjs', 'index.js'))) {
  throw new Error("check-package: dist/ is missing: run 'npm run build:ts' first");
}

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'ariadne-package-'));
try {
  const [{ filename, files }] = JSON.parse(runNpm(['pack', '--json', '--pack-destination', scratch], root));
  const tarball = path.join(scratch, path.basename(filename));
  const packed = files.map((f) => f.path);
  const unwanted = packed.filter((p) => /^(build|test|benchmarks|native\/tests)\//.test(p) || p.endsWith('.tgz'));
  if (unwanted.length > 0) throw new Error(`check-package: the tarball holds files it should not: ${unwanted.join(', ')}`);
  if (!packed.some((p) => p.startsWith(`prebuilds/${target}/`))) throw new Error(`check-package: the tarball has no prebuilds/${target}`);

  const app = path.join(scratch, 'app');
  fs.mkdirSync(app);
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
  runNpm(['install', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline', tarball], app);
  const installed = path.join(app, 'node_modules', 'ariadne');
  if (fs.existsSync(path.join(installed, 'build'))) throw new Error('check-package: the installed package has a build/ folder');

  // No compiler anywhere on the PATH: only node's own folder.
  const env = { PATH: path.dirname(process.execPath), HOME: scratch, CC: '/bin/false', CXX: '/bin/false' };
  const solve = `
    const pattern = { m: 3, n: 2, rows: Int32Array.from([0, 0, 1, 1, 2, 2]), cols: Int32Array.from([0, 1, 0, 1, 0, 1]) };
    const ne = new NormalEquations(pattern, 2, { kind: 'sparse' });
    const j = Float64Array.from([1, 0, 1, 1, 1, 2, 1, 0, 1, 1, 1, 2]);
    const { gradient } = ne.linearize(j, Float64Array.from([-1, -3, -5, -2, -2, -2]));
    ne.factor(new Float64Array(2), 'diagonal');
    const x = Array.from(ne.solve(gradient), (s) => -s);
    const expected = [1, 2, 2, 0];
    if (x.some((v, i) => Math.abs(v - expected[i]) > 1e-12)) throw new Error('wrong solution ' + x);
    console.log(JSON.stringify({ x, info: ne.info, build: buildInfo() }));`;
  const cjs = JSON.parse(run(process.execPath, ['-e', `const { NormalEquations, buildInfo } = require('ariadne');${solve}`], { cwd: app, env }));
  const esm = JSON.parse(
    run(process.execPath, ['--input-type=module', '-e', `import { NormalEquations, buildInfo } from 'ariadne';${solve}`], { cwd: app, env }),
  );
  if (cjs.build.cholmod || esm.build.cholmod) throw new Error('check-package: the installed package loaded a binary with CHOLMOD, not the prebuild');
  console.log(
    `check-package: ${path.basename(filename)} (${files.length} files) installed with --ignore-scripts; ` +
      `solved through prebuilds/${target} from CommonJS and ESM (sparse backend ${cjs.info.backend}, no compiler on the PATH)`,
  );
} finally {
  fs.rmSync(scratch, { recursive: true, force: true });
}
