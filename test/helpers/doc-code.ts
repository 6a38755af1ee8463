// Running the code of the documentation as a user would: a ```ts block is
// transpiled to an ES module in the package's .cache folder and run by Node
// from the package root, so that `import ... from 'ariadne'` resolves to the
// built package through its own "exports" (package self-reference).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';

import { distEntry, root } from './dist.js';

/** The ```ts blocks of a Markdown text, with the line each starts on (1-based, the fence's line). */
export function tsBlocks(markdown: string): { code: string; line: number }[] {
  return [...markdown.matchAll(/^```ts\n([\s\S]*?)^```/gm)].map((m) => ({
    code: m[1]!,
    line: markdown.slice(0, m.index).split('\n').length,
  }));
}

/**
 * Runs `code` (TypeScript, an ES module) with Node and returns its standard
 * output; throws an Error with the standard error when it fails. `name`
 * names the file written under .cache (letters, digits and dashes).
 */
export function runExample(code: string, name: string): string {
  distEntry();
  const js = ts.transpileModule(code, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
  const dir = path.join(root, '.cache');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.mjs`);
  fs.writeFileSync(file, js);
  try {
    return execFileSync(process.execPath, [file], { cwd: root, encoding: 'utf8', stdio: 'pipe' });
  } catch (error) {
    const { stderr, stdout } = error as { stderr?: string; stdout?: string };
    throw new Error(`${name} failed:\n${stderr ?? ''}${stdout ? `\n(stdout)\n${stdout}` : ''}`);
  }
}
