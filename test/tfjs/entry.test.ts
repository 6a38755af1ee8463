// The subpath ariadne/tfjs as users get it (the built package): ESM and
// CommonJS give the same objects, over the one @tensorflow/tfjs-core that
// @tensorflow/tfjs uses; the main entry never loads TensorFlow.js.
import { execFileSync } from 'node:child_process';

import { distEntry, root } from '../helpers/dist.js';

describe('ariadne/tfjs', () => {
  test('ESM and CommonJS entries export the same objects, over the tfjs-core of @tensorflow/tfjs', () => {
    distEntry();
    const script = `
      import * as esm from 'ariadne/tfjs';
      import * as tf from '@tensorflow/tfjs';
      import { createRequire } from 'node:module';
      const require = createRequire(import.meta.url);
      const cjs = require('ariadne/tfjs');
      const names = Object.keys(esm).sort();
      const same = names.every((k) => esm[k] === cjs[k]) && names.length === Object.keys(cjs).length;
      const core = require(require.resolve('@tensorflow/tfjs-core', { paths: [require.resolve('ariadne/tfjs')] }));
      console.log(JSON.stringify({ names, same, oneCore: core.Tensor === tf.Tensor }));`;
    const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' }));
    expect(out).toEqual({ names: ['SYNC_BACKENDS', 'SolveLayer'], same: true, oneCore: true });
  });

  test('the main entry loads no TensorFlow.js', () => {
    const script = `require('ariadne'); require('ariadne/layer'); console.log(Object.keys(require.cache).some((f) => f.includes('@tensorflow')));`;
    expect(execFileSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8' }).trim()).toBe('false');
  });
});
