// docs/api is generated from the TSDoc of lib/ by typedoc (typedoc.json) and
// committed so that it reads on GitHub. This regenerates it into a temporary
// folder, with typedoc's warnings as errors (an undocumented export, a broken
// {@link}), and fails when the committed copy differs: run `npm run docs`.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { root } from '../helpers/dist.js';

function files(dir: string, prefix = ''): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    return entry.isDirectory() ? files(path.join(dir, entry.name), relative) : [relative];
  });
}

describe('the API reference in docs/api', () => {
  let out: string;
  beforeAll(() => {
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'ariadne-api-'));
  });
  afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

  test('is generated without warnings and is up to date (else: npm run docs)', () => {
    const typedoc = path.join(root, 'node_modules', 'typedoc', 'bin', 'typedoc');
    try {
      execFileSync(process.execPath, [typedoc, '--out', out, '--logLevel', 'Warn'], { cwd: root, encoding: 'utf8', stdio: 'pipe' });
    } catch (error) {
      const { stdout, stderr } = error as { stdout?: string; stderr?: string };
      throw new Error(`typedoc failed (warnings are errors, see typedoc.json):\n${stdout ?? ''}${stderr ?? ''}`, { cause: error });
    }
    const generated = files(out).sort();
    const committed = files(path.join(root, 'docs', 'api')).sort();
    const stale = [
      ...generated.filter((f) => !committed.includes(f)).map((f) => `missing: docs/api/${f}`),
      ...committed.filter((f) => !generated.includes(f)).map((f) => `no longer generated: docs/api/${f}`),
      ...generated
        .filter((f) => committed.includes(f))
        .filter((f) => fs.readFileSync(path.join(out, f), 'utf8') !== fs.readFileSync(path.join(root, 'docs', 'api', f), 'utf8'))
        .map((f) => `differs: docs/api/${f}`),
    ];
    if (stale.length > 0) throw new Error(`docs/api is stale; run 'npm run docs' and commit the result:\n${stale.join('\n')}`);
  });
});
