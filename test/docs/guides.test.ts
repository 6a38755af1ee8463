// The guides in docs/*.md show code that runs and prints what they say.
//
// Every ```ts block is a program run against the built package (import from
// 'ariadne'), except that a block whose first line is `// continued` is
// appended to the program of the block before it, so that a guide can build
// one example in steps. A program's standard output must be, line for line,
// the `// → text` comments of its source in order: every console.log of a
// guide states what it prints. The programs also type-check (strict) against
// the built package's types, as a user's code would. Relative links between
// the guides, to the API reference and to the sources must name files that
// exist.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';

import { runExample, tsBlocks } from '../helpers/doc-code.js';
import { distEntry, root } from '../helpers/dist.js';

const docs = path.join(root, 'docs');
const guides = fs
  .readdirSync(docs)
  .filter((name) => name.endsWith('.md'))
  .sort();

interface Program {
  name: string;
  code: string;
}

function programs(guide: string): Program[] {
  const out: Program[] = [];
  for (const { code, line } of tsBlocks(fs.readFileSync(path.join(docs, guide), 'utf8'))) {
    const previous = out[out.length - 1];
    if (/^\/\/ continued\b/.test(code)) {
      if (previous === undefined) throw new Error(`docs/${guide}:${line}: '// continued' on the first block`);
      previous.code += code;
    } else {
      out.push({ name: `docs/${guide}:${line}`, code });
    }
  }
  return out;
}

/** The `// → text` comments of a program, in order. */
function expectedOutput(code: string): string[] {
  return [...code.matchAll(/\/\/ → (.*)$/gm)].map((m) => m[1]!.trimEnd());
}

describe('the guides in docs/', () => {
  test('are there, with code', () => {
    expect(guides).toEqual(expect.arrayContaining(['README.md', 'conventions.md', 'adding-a-cost-term.md', 'adding-a-lie-group.md']));
    // architecture.md describes the code's layout; the others show code.
    for (const guide of guides.filter((g) => g !== 'README.md' && g !== 'architecture.md')) expect(programs(guide).length).toBeGreaterThan(0);
  });

  test('type-check against the types of the built package', () => {
    distEntry();
    const dir = path.join(root, '.cache', 'guide-types');
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    const files = guides.flatMap((guide) =>
      programs(guide).map(({ code }, i) => {
        const file = path.join(dir, `${path.basename(guide, '.md')}-${i + 1}.mts`);
        fs.writeFileSync(file, code);
        return file;
      }),
    );
    const program = ts.createProgram(files, {
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      types: ['node'],
    });
    const diagnostics = ts.getPreEmitDiagnostics(program);
    const host = { getCanonicalFileName: (f: string) => f, getCurrentDirectory: () => root, getNewLine: () => '\n' };
    expect(ts.formatDiagnostics(diagnostics, host)).toBe('');
  });

  describe.each(guides)('docs/%s', (guide) => {
    const text = fs.readFileSync(path.join(docs, guide), 'utf8');

    test('links to files that exist', () => {
      const missing = [...text.matchAll(/\]\(([^)\s#]+)(#[^)\s]*)?\)/g)]
        .map((m) => m[1]!)
        .filter((target) => !/^[a-z]+:/.test(target))
        .filter((target) => !fs.existsSync(path.join(docs, target)));
      expect(missing).toEqual([]);
    });

    programs(guide).forEach(({ name, code }, i) => {
      test(`${name} prints what its comments say`, () => {
        const printed = runExample(code, `guide-${path.basename(guide, '.md')}-${i + 1}`).split('\n');
        if (printed[printed.length - 1] === '') printed.pop();
        expect(printed.map((l) => l.trimEnd())).toEqual(expectedOutput(code));
      });
    });
  });
});
