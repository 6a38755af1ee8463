// `ariadne solve` end to end, as a user runs it: a fresh process on the built
// package, exit codes, the JSON line, messages on stderr.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { parseG2o } from '../../lib/io/g2o.js';
import { byClass, drawnEllipses, parseSvg, type DrawnEllipse } from '../plot/svg-tree.js';
import { distEntry, root } from '../helpers/dist.js';
import { haveSharedData, missingSharedData, sharedData } from '../helpers/shared-data.js';

const cli = path.join(root, 'dist', 'cjs', 'cli', 'ariadne.js');

function run(...args: string[]) {
  distEntry();
  const result = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('ariadne solve', () => {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'ariadne-cli-'));
  const small = path.join(scratch, 'small.g2o');
  fs.writeFileSync(
    small,
    [
      'VERTEX_SE2 0 0 0 0',
      'VERTEX_SE2 1 0.9 0.1 0',
      'VERTEX_SE2 2 2.1 0 0.1',
      'EDGE_SE2 0 1 1 0 0 1 0 0 1 0 1',
      'EDGE_SE2 1 2 1 0 0 1 0 0 1 0 1',
      'EDGE_SE2 0 2 2 0 0 1 0 0 1 0 1',
    ].join('\n'),
  );

  test('--json prints exactly one line with the fields, and a summary on stderr', () => {
    const { code, stdout, stderr } = run('solve', small, '--json');
    expect(code).toBe(0);
    expect(stdout.endsWith('\n') && stdout.trim().split('\n').length === 1).toBe(true);
    const report = JSON.parse(stdout);
    expect(Object.keys(report)).toEqual([
      'file',
      'kind',
      'vertices',
      'edges',
      'batch',
      'noise',
      'seed',
      'initialCost',
      'finalCost',
      'iterations',
      'status',
      'solveSeconds',
    ]);
    expect(report).toMatchObject({ file: small, kind: 'se2', vertices: 3, edges: 3, batch: 1, noise: 0, status: 'converged' });
    expect(report.finalCost).toBeLessThan(report.initialCost);
    expect(stderr).toMatch(/small\.g2o: SE2, 3 vertices, 3 edges; cost .* → .* in \d+ iterations, [\d.]+ s: converged/);
  });

  test('--batch solves noisy copies; costs are means, per-copy lists follow', () => {
    const { code, stdout } = run('solve', small, '--batch', '4', '--noise', '0.05', '--seed', '3', '--json', '--optimizer', 'dogleg');
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report).toMatchObject({ batch: 4, noise: 0.05, seed: 3 });
    expect(report.finalCosts).toHaveLength(4);
    expect(report.statuses).toEqual(['converged', 'converged', 'converged', 'converged']);
    expect(report.iterationCounts).toHaveLength(4);
    expect(report.iterations).toBe(Math.max(...report.iterationCounts));
    const mean = report.finalCosts.reduce((a: number, b: number) => a + b, 0) / 4;
    expect(report.finalCost).toBeCloseTo(mean, 12);
  });

  test('--verbose prints the iteration table on stderr only', () => {
    const { code, stdout, stderr } = run('solve', small, '--verbose');
    expect(code).toBe(0);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^iter\s+cost\s+cost_change/m);
  });

  test('EXPECTED FAILURE - input errors exit 1 with one line and no stack trace', () => {
    const missing = run('solve', path.join(scratch, 'missing.g2o'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(`ariadne: cannot read ${path.join(scratch, 'missing.g2o')}: no such file\n`);
    const bad = path.join(scratch, 'bad.g2o');
    fs.writeFileSync(bad, 'VERTEX_SE2 0 0 0 0\nEDGE_SE2 0 1 1 0\n');
    const malformed = run('solve', bad);
    expect(malformed.code).toBe(1);
    expect(malformed.stderr).toBe(`ariadne: ${bad}:2: EDGE_SE2 expects 11 numbers after the tag, got 4\n`);
    expect(run('solve', scratch).stderr).toBe(`ariadne: cannot read ${scratch}: is a folder, not a file\n`);
  });

  test('EXPECTED FAILURE - with --json an error is also one JSON line on stdout', () => {
    const missing = run('solve', path.join(scratch, 'missing.g2o'), '--json');
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.stdout)).toEqual({ error: `cannot read ${path.join(scratch, 'missing.g2o')}: no such file`, exitCode: 1 });
    const usage = run('solve', small, '--json', '--bogus');
    expect(usage.code).toBe(2);
    expect(JSON.parse(usage.stdout)).toMatchObject({ error: expect.stringMatching(/unknown option '--bogus'/), exitCode: 2 });
  });

  test('EXPECTED FAILURE - a failed solve exits 3 after its report', () => {
    // An information matrix of 1e200 makes the first residuals overflow.
    const overflow = path.join(scratch, 'overflow.g2o');
    fs.writeFileSync(
      overflow,
      [
        'VERTEX_SE2 0 0 0 0',
        'VERTEX_SE2 1 1 0 0',
        'VERTEX_SE2 2 2 0.5 0',
        'EDGE_SE2 0 1 1 0 0 1 0 0 1 0 1',
        'EDGE_SE2 1 2 1e200 0 0 1e200 0 0 1e200 0 1e200',
      ].join('\n'),
    );
    const { code, stdout, stderr } = run('solve', overflow, '--json');
    expect(code).toBe(3);
    expect(JSON.parse(stdout)).toMatchObject({ status: 'failed' });
    expect(stderr).toMatch(/: failed \(non-finite residual or Jacobian at the initial values\)/);
  });

  test('a graph in several pieces: one vertex per piece without a fixed vertex held constant and said; --strict refuses', () => {
    const pieces = path.join(scratch, 'pieces.g2o');
    fs.writeFileSync(
      pieces,
      [
        'VERTEX_SE2 0 0 0 0',
        'VERTEX_SE2 1 1 0 0',
        'VERTEX_SE2 7 5 0 0',
        'VERTEX_SE2 8 6.2 0 0',
        'VERTEX_SE2 20 9 9 0',
        'EDGE_SE2 0 1 1 0 0 1 0 0 1 0 1',
        'EDGE_SE2 7 8 1 0 0 1 0 0 1 0 1',
      ].join('\n'),
    );
    const { code, stdout, stderr } = run('solve', pieces, '--json');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ status: 'converged', anchored: [7, 20] });
    expect(stderr).toContain(`ariadne: ${pieces} is in several pieces: held vertex 7, 20 constant`);
    const strict = run('solve', pieces, '--strict');
    expect(strict.code).toBe(1);
    expect(strict.stderr).toMatch(/got 3 pieces, 2 without a fixed vertex, by g2o id: \{7, 8\}, \{20\} \(no edges\)\n$/);
  });

  test('a solution that is not unique (rank-deficient) is said on stderr and listed in the JSON; --strict fails it (exit 3)', () => {
    // Vertex 2 hangs on an edge whose information is rank one (1e6 along x, the rest clamped to 1e-12): its y and θ are undetermined.
    const weak = path.join(scratch, 'weak.g2o');
    fs.writeFileSync(
      weak,
      [
        'VERTEX_SE2 0 0 0 0',
        'VERTEX_SE2 1 1.1 0.1 0.3',
        'VERTEX_SE2 2 2 0.5 0.6',
        'EDGE_SE2 0 1 1 0 0.3 1 0 0 1 0 1',
        'EDGE_SE2 1 2 1 0.2 0.4 1e6 0 0 0 0 0',
      ].join('\n'),
    );
    const { code, stdout, stderr } = run('solve', weak, '--json');
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.status).toBe('converged');
    expect(report.rankDeficient).toHaveLength(1);
    expect(report.rankDeficient[0]).toMatchObject({ copy: 0, vertex: 2, coordinate: expect.any(Number) });
    // The ratio of the pivot found (null where A could not be factored at all).
    const ratio = report.rankDeficient[0].pivotRatio;
    expect(ratio === null || ratio <= 1e-12).toBe(true);
    expect(stderr).toMatch(
      /ariadne: warning: the solution is not unique: the system at the solution is rank-deficient \(coordinate [12] of vertex 2 is not determined by the edges\); --strict makes it a failure\n/,
    );
    const strict = run('solve', weak, '--strict', '--batch', '2', '--noise', '0.01');
    expect(strict.code).toBe(3);
    expect(strict.stderr).toMatch(/rank-deficient in 2 of 2 copies \(copy 0: coordinate [12] of vertex 2/);
    expect(strict.stderr).toContain('is not determined by the edges): a failure with --strict\n');
    // The well-posed graph says nothing of it.
    expect(run('solve', small).stderr).not.toContain('not unique');
  });

  test("--covariance: each free pose's marginal standard deviations in the JSON and summarised on stderr", () => {
    const { code, stdout, stderr } = run('solve', small, '--covariance', '--json');
    expect(code).toBe(0);
    const { marginals } = JSON.parse(stdout);
    expect(marginals.ids).toEqual([1, 2]);
    expect(marginals.stdDev).toHaveLength(2);
    for (const s of marginals.stdDev) expect(s.every((v: number) => v > 0 && v < 10)).toBe(true);
    // Information 1 on every edge: vertex 1 is measured from 0 directly and through 2, so σ_x is below 1.
    expect(marginals.stdDev[0][0]).toBeLessThan(1);
    expect(stderr).toMatch(/marginal position σ of 2 poses: median [\d.]+, largest [\d.]+ at vertex [12]/);
  });

  test('BAD CALL - usage errors exit 2', () => {
    expect(run('solve', small, '--bogus').code).toBe(2);
    expect(run('solve').code).toBe(2);
    const bad = run('solve', small, '--optimizer', 'newton');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/option '--optimizer <name>' argument 'newton' is invalid/);
    expect(run('solve', small, '--batch', '0').stderr).toMatch(/--batch must be an integer ≥ 1, got '0'/);
    expect(run('solve', small, '--noise', '-1').code).toBe(2);
  });

  test('--out writes the solved graph, --plot its picture (one element per pose and per edge, in each panel)', () => {
    const out = path.join(scratch, 'solved.g2o');
    const plot = path.join(scratch, 'solved.svg');
    const { code, stderr } = run('solve', small, '--out', out, '--plot', plot);
    expect(code).toBe(0);
    expect(stderr).toContain(`wrote ${out}\n`);
    expect(stderr).toContain(`wrote ${plot}\n`);
    const solved = parseG2o(fs.readFileSync(out, 'utf8'));
    expect(solved.ids).toEqual(Int32Array.from([0, 1, 2]));
    // The written poses are a solution: solving them again starts at the final cost.
    const again = JSON.parse(run('solve', out, '--json').stdout);
    expect(again.initialCost).toBeLessThan(1e-12);
    const svg = parseSvg(fs.readFileSync(plot, 'utf8'));
    expect(byClass(svg, 'pose')).toHaveLength(2 * 3);
    expect(byClass(svg, 'edge')).toHaveLength(2 * 3);
    expect(byClass(svg, 'ellipses')).toHaveLength(0);
  });

  test('--plot with --covariance: the free poses\' 95% position ellipses in the "after" panel, said in the legend', () => {
    const plot = path.join(scratch, 'ellipses.svg');
    const { code } = run('solve', small, '--plot', plot, '--covariance');
    expect(code).toBe(0);
    const svg = parseSvg(fs.readFileSync(plot, 'utf8'));
    const [before, after] = byClass(svg, 'panel');
    expect(drawnEllipses(before!)).toHaveLength(0);
    expect(drawnEllipses(after!)).toHaveLength(2); // vertices 1 and 2; the fixed vertex 0 has none
    expect(
      byClass(svg, 'legend')[0]!
        .children.filter((n) => n.tag === 'text')
        .map((n) => n.children[0]!.text),
    ).toContain('95% position confidence ellipse');
  });

  test('--robust puts a loss on every edge', () => {
    const plain = JSON.parse(run('solve', small, '--json').stdout);
    const huber = run('solve', small, '--json', '--robust', 'huber:0.01');
    expect(huber.code).toBe(0);
    expect(huber.stderr).toMatch(/huber loss δ = 0\.01/);
    expect(JSON.parse(huber.stdout).initialCost).toBeLessThan(plain.initialCost);
    expect(run('solve', small, '--robust', 'cauchy:2').code).toBe(0);
  });

  test('EXPECTED FAILURE - bad --robust, --out and --plot values get one clear message', () => {
    const cases: [string[], number, string | RegExp][] = [
      [['--robust', 'huber:'], 2, "error: option '--robust <kind:delta>' argument 'huber:' is invalid. --robust huber:DELTA needs a number DELTA > 0, got ''"],
      [['--robust', 'huber:-1'], 2, "--robust huber:DELTA needs a number DELTA > 0, got '-1'"],
      [['--robust', 'huber:0'], 2, "--robust huber:DELTA needs a number DELTA > 0, got '0'"],
      [['--robust', 'tukey:1'], 2, "--robust must be huber:DELTA or cauchy:DELTA, got 'tukey:1'"],
      [['--robust'], 2, "error: option '--robust <kind:delta>' argument missing"],
      [['--out'], 2, "error: option '--out <file.g2o>' argument missing"],
      [
        ['--out', path.join(scratch, 'no-such-folder', 'x.g2o')],
        1,
        `ariadne: cannot write ${path.join(scratch, 'no-such-folder', 'x.g2o')} (--out): the folder ${path.join(scratch, 'no-such-folder')} does not exist\n`,
      ],
      [
        ['--plot', path.join(scratch, 'no-such-folder', 'x.svg')],
        1,
        `ariadne: cannot write ${path.join(scratch, 'no-such-folder', 'x.svg')} (--plot): the folder ${path.join(scratch, 'no-such-folder')} does not exist\n`,
      ],
      [['--out', small], 1, `ariadne: --out ${small} would overwrite the input file; choose another name\n`],
      [['--out', scratch], 1, `ariadne: cannot write ${scratch} (--out): it is a folder\n`],
      [['--view', 'below'], 2, "argument 'below' is invalid. Allowed choices are top, front, side, iso."],
    ];
    for (const [args, code, message] of cases) {
      const result = run('solve', small, ...args);
      expect({ args, code: result.code }).toEqual({ args, code });
      if (code === 1) expect(result.stderr).toBe(message);
      else expect(result.stderr).toContain(message as string);
      expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
    }
  });

  if (haveSharedData) {
    test('pose2example from ../shared/data with --plot --covariance: ellipses grow away from the fixed vertex and shrink at a loop closure', () => {
      const plot = path.join(scratch, 'pose2example.svg');
      const { code, stdout } = run('solve', path.join(sharedData, 'g2o-2d', 'pose2example.g2o'), '--plot', plot, '--covariance', '--json');
      expect(code).toBe(0);
      const { marginals } = JSON.parse(stdout);
      const drawn = drawnEllipses(parseSvg(fs.readFileSync(plot, 'utf8')));
      // Vertices 1 … 10 (0 is fixed): a chain 0 → 7 out and 7 → 10 back, 10 tied to 3 by a loop closure.
      expect(marginals.ids).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(drawn).toHaveLength(10);
      const area = drawn.map((e) => e.rx * e.ry);
      for (let i = 1; i < 7; i++) expect(area[i]).toBeGreaterThan(area[i - 1]!);
      for (let i = 7; i < 10; i++) expect(area[i]).toBeLessThan(area[i - 1]!);
      // Seen from the top, an ellipse's half-width and half-height are k·s·σ_x and k·s·σ_y (s px per m): the JSON's σ.
      const half = (e: DrawnEllipse): [number, number] => {
        const [c, s] = [Math.cos((e.angle * Math.PI) / 180), Math.sin((e.angle * Math.PI) / 180)];
        return [Math.hypot(e.rx * c, e.ry * s), Math.hypot(e.rx * s, e.ry * c)];
      };
      const scale = half(drawn[0]!)[0] / marginals.stdDev[0][0];
      drawn.forEach((e, i) => {
        const [hx, hy] = half(e);
        expect(Math.abs(hx / (scale * marginals.stdDev[i][0]) - 1)).toBeLessThan(0.01);
        expect(Math.abs(hy / (scale * marginals.stdDev[i][1]) - 1)).toBeLessThan(0.01);
      });
    });

    test("tinyGrid3D (SE3) from ../shared/data, a batch of 2, --view iso: copy 0's ellipses, one per free pose", () => {
      const plot = path.join(scratch, 'tinyGrid3D.svg');
      const file = path.join(sharedData, 'g2o-3d', 'tinyGrid3D.g2o');
      const { code, stdout } = run('solve', file, '--batch', '2', '--plot', plot, '--covariance', '--view', 'iso', '--json');
      expect(code).toBe(0);
      const drawn = drawnEllipses(parseSvg(fs.readFileSync(plot, 'utf8')));
      expect(drawn).toHaveLength(JSON.parse(stdout).marginals.ids.length);
      for (const e of drawn) expect(e.rx).toBeGreaterThanOrEqual(e.ry);
    });

    test('M3500 from ../shared/data', () => {
      const { code, stdout } = run('solve', path.join(sharedData, 'g2o-2d', 'M3500.g2o'), '--json');
      expect(code).toBe(0);
      const report = JSON.parse(stdout);
      expect(report).toMatchObject({ kind: 'se2', vertices: 3500, edges: 5453, status: 'converged' });
      expect(Math.abs(report.finalCost - 68.95744158) / 68.95744158).toBeLessThan(1e-5);
    });
  } else {
    test.skip(`pose2example from ../shared/data with --plot --covariance skipped: ${missingSharedData}`, () => {});
    test.skip(`tinyGrid3D from ../shared/data with --plot --covariance skipped: ${missingSharedData}`, () => {});
    test.skip(`M3500 from ../shared/data skipped: ${missingSharedData}`, () => {});
  }
});
