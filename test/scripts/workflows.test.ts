// The GitHub Actions workflows cannot run here: each is checked against the
// workflow schema by action-validator (@action-validator/cli, offline), and
// for the jobs it must hold.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { root } from '../helpers/dist.js';

const workflows = path.join(root, '.github', 'workflows');
const cli = path.join(path.dirname(require.resolve('@action-validator/cli/package.json')), 'cli.mjs');

function validate(file: string) {
  return spawnSync(process.execPath, [cli, file], { encoding: 'utf8' });
}

function read(name: string): string {
  return fs.readFileSync(path.join(workflows, name), 'utf8');
}

describe('.github/workflows', () => {
  test.each(['ci.yml', 'gpu.yml', 'prebuild.yml'])('%s is a valid workflow', (name) => {
    const result = validate(path.join(workflows, name));
    expect(result.stderr + result.stdout).toBe('');
    expect(result.status).toBe(0);
  });

  test('EXPECTED FAILURE - the validator rejects a misspelt key', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ariadne-workflow-')), 'bad.yml');
    fs.writeFileSync(file, 'name: bad\non: [push]\njobs:\n  a:\n    runs-on: ubuntu-latest\n    stepz: []\n');
    const result = validate(file);
    expect(result.status).not.toBe(0);
    expect(result.stdout + result.stderr).toMatch(/Additional property 'stepz' is not allowed/);
  });

  test("ci.yml runs the README's two commands", () => {
    const ci = read('ci.yml');
    expect(ci).toMatch(/run: bash scripts\/setup\.sh\n/);
    expect(ci).toMatch(/run: npm test\n/);
    expect(fs.readFileSync(path.join(root, 'README.md'), 'utf8')).toMatch(/bash scripts\/setup\.sh[^\n]*\nnpm test/);
  });

  test('gpu.yml runs scripts/gpu-check.sh on a self-hosted runner labelled gpu', () => {
    const gpu = read('gpu.yml');
    expect(gpu).toMatch(/runs-on: \[self-hosted, gpu\]/);
    expect(gpu).toMatch(/run: bash scripts\/gpu-check\.sh\n/);
  });

  test('prebuild.yml uploads the CPU and the CUDA prebuilds as artifacts', () => {
    const prebuild = read('prebuild.yml');
    expect(prebuild).toMatch(/run: npm run prebuild\n/);
    expect(prebuild).toMatch(/run: npm run prebuild:cuda\n/);
    expect(prebuild).toMatch(/uses: actions\/upload-artifact@v4\n\s+with:\n\s+name: prebuilds-linux-x64\n\s+path: prebuilds\//);
    expect(prebuild).toMatch(/uses: actions\/upload-artifact@v4\n\s+with:\n\s+name: prebuilds-cuda-linux-x64\n\s+path: prebuilds-cuda\//);
  });
});
