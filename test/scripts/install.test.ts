// The install hook reports what a source build lacks in one line each,
// naming the package to install, instead of a wall of compiler errors.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { root } from '../helpers/dist.js';

function install(env: Record<string, string>) {
  return spawnSync(process.execPath, [path.join(root, 'scripts', 'install.js'), '--build-from-source'], {
    cwd: root,
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
}

describe('scripts/install.js', () => {
  test('EXPECTED FAILURE - missing Eigen is one line naming the package', () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'ariadne-no-headers-'));
    const result = install({ ARIADNE_INCLUDE_PREFIXES: empty, EIGEN3_INCLUDE_DIR: '' });
    expect(result.status).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toContain(
      'ariadne: cannot build the native addon: Eigen 3.4 headers not found: install libeigen3-dev (Debian/Ubuntu), eigen (Homebrew), or set EIGEN3_INCLUDE_DIR',
    );
    expect(lines.every((line) => line.startsWith('ariadne: '))).toBe(true);
    expect(result.stderr).not.toMatch(/error:|gyp ERR/);
  });

  test('EXPECTED FAILURE - no compiler on the PATH is one line', () => {
    const result = install({ PATH: path.dirname(process.execPath), CXX: 'no-such-compiler' });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^ariadne: cannot build the native addon: no C\+\+ compiler: install g\+\+ \(Debian\/Ubuntu: build-essential\) or set CXX$/m);
    expect(result.stderr).not.toMatch(/error:|gyp ERR/);
  });
});
