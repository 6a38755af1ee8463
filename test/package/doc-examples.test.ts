// The code in the docs runs as written and prints what it says: every ```ts
// block of README.md and of the TSDoc @example sections in lib/ is
// transpiled and run from the package root, importing 'ariadne' as a user
// would, and its output is compared, value by value, with the comments that
// state it (statedOutput: the comment ending each console.log line, or the
// comment lines below it; what follows ' — ' explains). An example that logs
// nothing must print nothing; one whose output depends on the machine is
// checked by a property below.
import * as fs from 'node:fs';
import * as path from 'node:path';

import { buildInfo, cudaStatus } from '../../lib/index.js';
import { compareOutput, runExample, statedOutput } from '../helpers/doc-code.js';
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

/** Examples whose output depends on the build and the machine: what they print must match. */
const machineDependent: Record<string, () => RegExp> = {
  'lib/linear/build-info.ts #1': () => (buildInfo().cholmod ? /^sparse: CHOLMOD over \S.*\n$/ : /^sparse: Eigen\n$/),
  'lib/linear/build-info.ts #2': () => (cudaStatus().available ? /^GPU: \S.*\n$/ : /^CPU only: \S.*\n$/),
};

describe('documentation examples', () => {
  test('exist in the README and in the TSDoc', () => {
    expect(examples.some((e) => e.name.startsWith('README'))).toBe(true);
    expect(examples.some((e) => e.name.startsWith('lib'))).toBe(true);
    for (const name of Object.keys(machineDependent)) expect(examples.map((e) => e.name)).toContain(name);
  });

  examples.forEach(({ name, code }, i) => {
    test(`${name} prints what it states`, () => {
      const printed = runExample(code, `doc-example-${i + 1}`);
      const property = machineDependent[name];
      if (property) expect(printed).toMatch(property());
      else if (!code.includes('console.log(')) expect(printed).toBe('');
      else expect(compareOutput(printed, statedOutput(code))).toBeNull();
    });
  });

  test('EXPECTED FAILURE - a printed value that differs from the stated one, a missing one and a missing statement', () => {
    expect(compareOutput('Float64Array(3) [ 1, 2.0000000001, 6.123233995736766e-17 ]\n', '[1, 2, 0]')).toBe("value 2: printed '2.0000000001', stated '2'");
    expect(compareOutput('converged true\n', 'converged true 6')).toBe("printed 2 values, stated 3: '6' not printed");
    expect(compareOutput('0.005 false\n', '0.005 true')).toBe("value 2: printed 'false', stated 'true'");
    expect(compareOutput('Float64Array(2) [ 1.5707963267948966, -3.141592653589793 ]\n', '[π/2, -π]')).toBeNull();
    expect(() => statedOutput('const x = 1;\nconsole.log(x);\n')).toThrow("no stated output for 'console.log(x);'");
    expect(statedOutput('console.log(a); // [1, 2] — explained\nconsole.log(b);\n// x y\n// z\n')).toBe('[1, 2]\nx y\nz');
  });
});
