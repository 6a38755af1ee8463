// The package as users get it: ESM and CommonJS entries, the prebuilt binary
// (licence and linkage), and a packed tarball installed without scripts.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { distEntry, root } from '../helpers/dist.js';

const target = `${process.platform}-${process.arch}`;

function prebuild(): string {
  const dir = path.join(root, 'prebuilds', target);
  if (!fs.existsSync(dir)) execFileSync('bash', [path.join(root, 'scripts', 'prebuild.sh')], { cwd: root, stdio: 'ignore' });
  const file = fs.readdirSync(dir).find((f) => f.endsWith('.node'));
  if (file === undefined) throw new Error(`no .node file in ${dir}`);
  return path.join(dir, file);
}

describe('the package', () => {
  test("the typings point at no file a package user lacks (the repository's TypeScript sources, docs, tests and shared data; native/ ships)", () => {
    distEntry();
    const typings: string[] = [];
    const walk = (dir: string) => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const file = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(file);
        else if (/\.d\.m?ts$/.test(entry.name)) typings.push(file);
      }
    };
    for (const dir of ['cjs', 'esm']) walk(path.join(root, 'dist', dir));
    expect(typings.length).toBeGreaterThan(20);
    const mentions = typings.flatMap((file) =>
      fs
        .readFileSync(file, 'utf8')
        .split('\n')
        .filter((line) => /REFERENCE\.md|DESIGN\.md|STYLE\.md|\.\.\/shared|\b(lib|docs|test|benchmarks|examples)\/[\w./-]+\.(ts|md|cc|h)\b/.test(line))
        .map((line) => `${path.relative(root, file)}: ${line.trim()}`),
    );
    expect(mentions).toEqual([]);
  });

  test('ESM and CommonJS entries export the same objects', () => {
    distEntry();
    const script = `
      import * as esm from 'ariadne';
      import { createRequire } from 'node:module';
      const cjs = createRequire(import.meta.url)('ariadne');
      const names = Object.keys(esm).sort();
      const same = names.every((k) => esm[k] === cjs[k]) && names.length === Object.keys(cjs).length;
      console.log(JSON.stringify({ names, same }));`;
    const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' }));
    expect(out.same).toBe(true);
    expect(out.names).toEqual(expect.arrayContaining(['NormalEquations', 'buildInfo']));
  });

  if (process.platform !== 'linux') {
    test.skip(`the prebuild's linkage is checked on Linux only (this is ${process.platform})`, () => {});
  } else {
    test('the prebuild links nothing beyond libc, libm, libstdc++ and libgcc, and holds no CHOLMOD', () => {
      const file = prebuild();
      const libraries = execFileSync('ldd', [file], { encoding: 'utf8' })
        .split('\n')
        .map((line) => line.trim().split(/\s+/)[0] ?? '')
        .filter((name) => name !== '');
      const allowed =
        /^(linux-vdso\.so\.\d+|libc\.so\.\d+|libm\.so\.\d+|libstdc\+\+\.so\.\d+|libgcc_s\.so\.\d+|\/lib64\/ld-linux-x86-64\.so\.\d+|\/lib\/ld-linux-aarch64\.so\.\d+)$/;
      expect(libraries.filter((name) => !allowed.test(name))).toEqual([]);
      const symbols = execFileSync('nm', ['-D', file], { encoding: 'utf8' });
      expect(symbols).not.toMatch(/\bcholmod_/); // none of its API, defined or needed
      const info = JSON.parse(execFileSync(process.execPath, ['-p', `JSON.stringify(require(${JSON.stringify(file)}).buildInfo())`], { encoding: 'utf8' }));
      expect(info).toMatchObject({ cholmod: false, sparseBackend: 'ariadne-supernodal' });
    });
  }

  test('a packed tarball installs without scripts and solves through the prebuild', () => {
    prebuild();
    const out = execFileSync(process.execPath, [path.join(root, 'scripts', 'check-package.js')], { cwd: root, encoding: 'utf8' });
    expect(out).toMatch(/solved through prebuilds\/.* from CommonJS and ESM/);
  });
});
