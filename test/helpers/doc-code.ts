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
    throw new Error(`${name} failed:\n${stderr ?? ''}${stdout ? `\n(stdout)\n${stdout}` : ''}`, { cause: error });
  }
}

/**
 * What the API examples say they print: for each `console.log(...)` line of
 * `code`, in order, the `//` comment that ends it, or else the `//` lines
 * right below it (one per printed line). In a comment, what follows ' — ' is
 * an explanation, not output. Throws, naming the line, for a console.log
 * with neither.
 */
export function statedOutput(code: string): string {
  const lines = code.split('\n');
  const stated: string[] = [];
  lines.forEach((line, i) => {
    if (!line.includes('console.log(')) return;
    const trailing = /;\s*\/\/ ?(.*)$/.exec(line);
    const below: string[] = [];
    for (let j = i + 1; trailing === null && j < lines.length && /^\s*\/\//.test(lines[j]!); j++) below.push(lines[j]!.replace(/^\s*\/\/ ?/, ''));
    if (trailing === null && below.length === 0) throw new Error(`no stated output for '${line.trim()}'`);
    for (const comment of trailing ? [trailing[1]!] : below) stated.push(comment.split(' — ')[0]!);
  });
  return stated.join('\n');
}

/**
 * The values of console output, or of a statement of it, as tokens: Node's
 * typed-array headers (`Float64Array(3)`), brackets, commas and quotes are
 * dropped, so that `Float64Array(2) [ 1, 2 ]` and `[1, 2]` read alike.
 */
function outputTokens(text: string): string[] {
  return text
    .replace(/\b(?:Float32|Float64|Int8|Int16|Int32|Uint8|Uint16|Uint32)Array\(\d+\)/g, ' ')
    .replace(/[[\],']/g, ' ')
    .split(/\s+/)
    .filter((t) => t !== '');
}

/** A stated number: decimal, or a multiple of π or √½ (`-π`, `π/2`, `√½`), with an optional leading ~ or ≈. */
function statedNumber(token: string): number | undefined {
  const t = token.replace(/^[~≈]/, '').replace(/^−/, '-');
  if (/^-?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/.test(t)) return Number(t);
  const m = /^(-?)(\d*\.?\d*)(π|√½)(?:\/(\d+))?$/.exec(t);
  if (m === null) return undefined;
  const unit = m[3] === 'π' ? Math.PI : Math.SQRT1_2;
  return ((m[1] === '-' ? -1 : 1) * (m[2] ? Number(m[2]) : 1) * unit) / (m[4] ? Number(m[4]) : 1);
}

/**
 * Compares printed output with the output stated for it, value by value:
 * numbers within 1e-12·max(1, |stated|) (printed rounding, e.g. 6.1e-17 for
 * a stated 0), everything else as text. Returns null when they agree, else
 * what differs.
 */
export function compareOutput(printed: string, stated: string): string | null {
  const got = outputTokens(printed);
  const want = outputTokens(stated);
  for (let i = 0; i < Math.max(got.length, want.length); i++) {
    const [g, w] = [got[i], want[i]];
    if (g === undefined || w === undefined)
      return `printed ${got.length} values, stated ${want.length}: ${g === undefined ? `'${w}' not printed` : `'${g}' not stated`}`;
    const expected = statedNumber(w);
    const value = statedNumber(g);
    const same = expected !== undefined && value !== undefined ? Math.abs(value - expected) <= 1e-12 * Math.max(1, Math.abs(expected)) : g === w;
    if (!same) return `value ${i + 1}: printed '${g}', stated '${w}'`;
  }
  return null;
}
