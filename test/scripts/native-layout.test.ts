// The native tree's layering (DESIGN.md section 2; STYLE: the maths files
// never include the N-API header): native/core and native/cuda (the CUDA
// core) know nothing of Node; every N-API file, the CUDA addon's included,
// lives in native/binding; native/sources.gypi lists files that exist.
import * as fs from 'node:fs';
import * as path from 'node:path';

import { root } from '../helpers/dist.js';

function files(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? files(full) : /\.(h|cc|cu)$/.test(entry.name) ? [full] : [];
  });
}

const includes = (file: string) => Array.from(fs.readFileSync(file, 'utf8').matchAll(/^\s*#\s*include\s*[<"]([^>"]+)[>"]/gm), (m) => m[1]!);

describe('the native tree', () => {
  const bindingHeaders = new Set(fs.readdirSync(path.join(root, 'native', 'binding')).filter((f) => f.endsWith('.h')));

  test.each(['core', 'cuda'])('native/%s includes neither napi.h nor anything from native/binding', (dir) => {
    const offending = files(path.join(root, 'native', dir)).flatMap((file) =>
      includes(file)
        .filter((header) => /(^|\/)(napi|node_api|js_native_api)\.h$/.test(header) || header.includes('binding/') || bindingHeaders.has(path.basename(header)))
        .map((header) => `${path.relative(root, file)}: ${header}`),
    );
    expect(offending).toEqual([]);
  });

  test('every file that includes napi.h is in native/binding', () => {
    const napi = files(path.join(root, 'native')).filter((file) => includes(file).some((h) => h === 'napi.h'));
    expect(napi.map((f) => path.relative(root, path.dirname(f)))).toEqual(napi.map(() => path.join('native', 'binding')));
    expect(napi.map((f) => path.basename(f))).toContain('cuda_addon.cc');
  });

  test('native/sources.gypi lists files that exist, the CUDA addon among the binding sources', () => {
    const gypi = fs.readFileSync(path.join(root, 'native', 'sources.gypi'), 'utf8');
    const listed = Array.from(gypi.matchAll(/'(native\/[^']+)'/g), (m) => m[1]!);
    expect(listed.filter((f) => !fs.existsSync(path.join(root, f)))).toEqual([]);
    expect(gypi).toMatch(/'ariadne_cuda_binding_sources': \[\s*'native\/binding\/cuda_addon\.cc',\s*\]/);
  });
});
