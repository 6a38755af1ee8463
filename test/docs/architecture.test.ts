// The layers of docs/architecture.md hold in lib/: every import of a file in
// a folder of lib/ names a folder that the table's row for it allows (the
// table is the one statement of the rules; this test reads it).
import * as fs from 'node:fs';
import * as path from 'node:path';

import { root } from '../helpers/dist.js';

const lib = path.join(root, 'lib');

/** folder → the folders it may import, from the table of docs/architecture.md. */
function rules(): Map<string, Set<string>> {
  const text = fs.readFileSync(path.join(root, 'docs', 'architecture.md'), 'utf8');
  const section = text.slice(text.indexOf('## Layers'), text.indexOf('## Where a new thing goes'));
  const allowed = new Map<string, Set<string>>();
  for (const line of section.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length < 5 || cells[1] === 'folder' || cells[1]!.startsWith('---')) continue;
    allowed.set(
      cells[1]!,
      new Set(
        cells[3]!
          .split(',')
          .map((c) => c.trim())
          .filter((c) => c !== ''),
      ),
    );
  }
  return allowed;
}

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** The lib/ folder a relative import from `file` lands in, or undefined for a package or node: import. */
function targetFolder(file: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const relative = path.relative(lib, path.resolve(path.dirname(file), specifier));
  return relative.includes(path.sep) ? relative.split(path.sep)[0] : 'index';
}

/** Every module specifier of a file: import/export … from, import(…), require(…). */
function specifiers(code: string): string[] {
  const found: string[] = [];
  for (const pattern of [/\bfrom\s+'([^']+)'/g, /\bimport\s*\(\s*'([^']+)'\s*\)/g, /\brequire\s*\(\s*'([^']+)'\s*\)/g, /^\s*import\s+'([^']+)'/gm]) {
    for (const match of code.matchAll(pattern)) found.push(match[1]!);
  }
  return found;
}

describe('the layers of docs/architecture.md', () => {
  const allowed = rules();

  test('the table names every folder of lib/', () => {
    const folders = fs
      .readdirSync(lib, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
    expect([...allowed.keys()].sort()).toEqual(folders);
  });

  test('every import in lib/ is one its folder may make', () => {
    const violations: string[] = [];
    for (const file of sources(lib)) {
      const relative = path.relative(lib, file);
      const folder = relative.includes(path.sep) ? relative.split(path.sep)[0]! : 'index';
      for (const specifier of specifiers(fs.readFileSync(file, 'utf8'))) {
        const target = targetFolder(file, specifier);
        if (target === undefined || target === folder) continue;
        const ok = folder === 'index' ? target !== 'native' : allowed.get(folder)?.has(target) === true;
        if (!ok) violations.push(`lib/${relative} imports ${specifier} (${folder} → ${target})`);
      }
    }
    expect(violations).toEqual([]);
  });

  test('the check sees a violation (geometry → core)', () => {
    expect(allowed.get('geometry')?.has('core')).toBe(false);
    const file = path.join(lib, 'geometry', 'se2.ts');
    expect(targetFolder(file, '../core/objective.js')).toBe('core');
    expect(specifiers("import { x } from '../core/a.js';\nexport { y } from './b.js';\nconst z = require('../native/c.js');")).toEqual([
      '../core/a.js',
      './b.js',
      '../native/c.js',
    ]);
  });
});
