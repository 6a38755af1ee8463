// Live progress: drawn on stderr only when it is a terminal and --json is absent.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { main } from '../../lib/cli/ariadne.js';
import type { CliIo } from '../../lib/cli/io.js';

function capture(tty: boolean) {
  const io = { stdout: '', stderr: '' };
  const cli: CliIo = { stdout: (s) => void (io.stdout += s), stderr: (s) => void (io.stderr += s), stderrIsTTY: tty };
  return { io, cli };
}

describe('ariadne solve: live progress', () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ariadne-progress-')), 'loop.g2o');
  fs.writeFileSync(
    file,
    [
      'VERTEX_SE2 0 0 0 0',
      'VERTEX_SE2 1 0.9 0.1 0.2',
      'VERTEX_SE2 2 2.1 0 0.1',
      'EDGE_SE2 0 1 1 0 0 1 0 0 1 0 1',
      'EDGE_SE2 1 2 1 0 0 1 0 0 1 0 1',
      'EDGE_SE2 0 2 2 0 0 1 0 0 1 0 1',
    ].join('\n'),
  );

  test('on a terminal: redrawn lines, cleared before the summary', () => {
    const { io, cli } = capture(true);
    expect(main(['solve', file], cli)).toBe(0);
    // eslint-disable-next-line no-control-regex -- the terminal's escape codes are what is tested
    expect(io.stderr).toMatch(/^\r\x1b\[Kiteration 1: cost /);
    // eslint-disable-next-line no-control-regex -- as above
    expect(io.stderr).toMatch(/\r\x1b\[K[^\r]*loop\.g2o: SE2, 3 vertices, 3 edges; cost .* converged\n$/);
  });

  test('not on a terminal, nor with --json, nor with --verbose (the table instead)', () => {
    for (const [tty, args] of [
      [false, []],
      [true, ['--json']],
      [true, ['--verbose']],
    ] as const) {
      const { io, cli } = capture(tty);
      expect(main(['solve', file, ...args], cli)).toBe(0);
      expect(io.stderr).not.toContain('\r');
    }
  });
});
