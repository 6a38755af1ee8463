import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';

import { distEntry } from '../helpers/dist.js';

const fixtures = path.join(__dirname, '..', 'fixtures');

function solveInWorker(kind: 'dense' | 'sparse'): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(path.join(fixtures, 'worker-solve.js'), { workerData: { entry: distEntry(), kind } });
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}

describe('the addon', () => {
  test('loads and solves inside worker threads, several at once', async () => {
    const results = await Promise.all([solveInWorker('dense'), solveInWorker('sparse'), solveInWorker('sparse')]);
    for (const x of results) {
      const expected = [1, 2, 2, 0];
      x.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 12));
    }
  });

  test.each(['exit', 'terminate'])('survives a worker that ends (%s) while an async call runs', (mode) => {
    const out = execFileSync(process.execPath, [path.join(fixtures, 'worker-exit.js'), distEntry(), mode], { encoding: 'utf8' });
    expect(out.trim()).toBe('alive');
  });

  (process.platform === 'linux' ? test : test.skip)('stays loaded after the last worker that loaded it exits (its thread pool lives on)', () => {
    const out = execFileSync(process.execPath, [path.join(fixtures, 'worker-unload.js'), distEntry()], { encoding: 'utf8' });
    expect(out.trim()).toBe('mapped');
  });

  test('survives workers terminated while their solves run native calls on threads of their own', () => {
    const out = execFileSync(process.execPath, [path.join(fixtures, 'worker-terminate-solve.js'), distEntry()], { encoding: 'utf8' });
    expect(out.trim()).toBe('alive');
  });

  test('10 000 create/dispose cycles grow RSS by at most 8 MiB', () => {
    const out = execFileSync(process.execPath, ['--expose-gc', path.join(fixtures, 'create-dispose.js'), distEntry()], { encoding: 'utf8' });
    const { growthMiB } = JSON.parse(out) as { growthMiB: number };
    expect(growthMiB).toBeLessThanOrEqual(8);
  });
});
