// The code in the docs runs as written: every ```ts block of README.md and of
// the TSDoc @example sections in lib/ is transpiled and run from the package
// root, importing 'ariadne' as a user would.
import * as fs from 'node:fs';
import * as path from 'node:path';

import { runExample } from '../helpers/doc-code.js';
import { root } from '../helpers/dist.js';

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? sources(full) : entry.name.endsWith('.ts') ? [full] : [];
  });
}

const examples = [path.join(root, 'README.md'), ...sources(path.join(root, 'lib'))].flatMap((file) => {
  const text = fs.readFileSync(file, 'utf8');
  // In TSDoc comments, drop the leading " * " of each line.
  const blocks = [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!.replace(/^\s*\* ?/gm, file.endsWith('.ts') ? '' : '$&'));
  return blocks.map((code, i) => ({ name: `${path.relative(root, file)} #${i + 1}`, code }));
});

describe('documentation examples', () => {
  test('exist in the README and in the TSDoc', () => {
    expect(examples.some((e) => e.name.startsWith('README'))).toBe(true);
    expect(examples.some((e) => e.name.startsWith('lib'))).toBe(true);
  });

  examples.forEach(({ name, code }, i) => {
    test(`${name} runs`, () => {
      expect(() => runExample(code, `doc-example-${i + 1}`)).not.toThrow();
    });
  });
});
