// `ariadne info` and `ariadne demo` end to end, as a user runs them.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { parseG2o } from '../../lib/io/g2o.js';
import { distEntry, root } from '../helpers/dist.js';
import { haveSharedData, missingSharedData, sharedData } from '../helpers/shared-data.js';
import { byClass, parseSvg } from '../plot/svg-tree.js';

const cli = path.join(root, 'dist', 'cjs', 'cli', 'ariadne.js');

function run(args: string[], cwd?: string) {
  distEntry();
  const result = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', cwd });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('ariadne info', () => {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'ariadne-info-'));
  // Vertex 7 is touched by no edge: two components, one isolated vertex.
  const split = path.join(scratch, 'split.g2o');
  fs.writeFileSync(
    split,
    [
      'VERTEX_SE2 0 0 0 0',
      'VERTEX_SE2 1 1 0 0',
      'VERTEX_SE2 2 2 0 0',
      'VERTEX_SE2 7 5 0 0',
      'EDGE_SE2 0 1 1 0 0 1 0 0 1 0 1',
      'EDGE_SE2 1 2 1 0 0 1 0 0 1 0 1',
      'EDGE_SE2 0 2 2.1 0 0 1 0 0 1 0 1',
      'FOO 1 2',
    ].join('\n'),
  );

  test('counts, connectivity and degrees as text, and the same as one JSON line', () => {
    const text = run(['info', split]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('edges             3: 2 odometry (consecutive ids), 1 loop closures');
    expect(text.stdout).toContain('connectivity      2 components, the largest with 3 vertices; 1 isolated vertices');
    expect(text.stdout).toContain('skipped           FOO ×1');
    expect(text.stdout).toMatch(/initial cost {6}\d/);
    const json = run(['info', split, '--json']);
    expect(json.stdout.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(json.stdout)).toMatchObject({
      kind: 'se2',
      vertices: 4,
      edges: 3,
      odometryEdges: 2,
      loopClosures: 1,
      components: 2,
      largestComponent: 3,
      isolatedVertices: 1,
      fixed: [0],
      initialCost: expect.any(Number),
      skipped: { FOO: 1 },
    });
  });

  test('EXPECTED FAILURE - a missing or malformed file: exit 1, one line naming the line', () => {
    expect(run(['info', path.join(scratch, 'none.g2o')])).toMatchObject({
      code: 1,
      stderr: `ariadne: cannot read ${path.join(scratch, 'none.g2o')}: no such file\n`,
    });
    const bad = path.join(scratch, 'bad.g2o');
    fs.writeFileSync(bad, 'VERTEX_SE2 0 0 0 0\nVERTEX_SE2 1 1 0 nan\n');
    const result = run(['info', bad]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`^ariadne: ${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2: .*\n$`));
    expect(run(['info']).code).toBe(2);
    expect(run(['info', split, '--bogus']).code).toBe(2);
  });

  if (haveSharedData) {
    test('sphere2500 from ../shared/data', () => {
      const report = JSON.parse(run(['info', path.join(sharedData, 'g2o-3d', 'sphere2500.g2o'), '--json']).stdout);
      expect(report).toMatchObject({ kind: 'se3', vertices: 2500, edges: 4949, components: 1, isolatedVertices: 0 });
      expect(report.odometryEdges + report.loopClosures).toBe(4949);
    });
  } else {
    test.skip(`sphere2500 from ../shared/data skipped: ${missingSharedData}`, () => {});
  }
});

describe('ariadne demo', () => {
  test('generates, solves, reports and writes the pictures and graphs', () => {
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'ariadne-demo-'));
    const result = run(['demo', '--poses', '300', '--batch', '4'], cwd);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/300 poses, \d+ edges: 299 odometry, \d+ loop closures/);
    expect(result.stdout).toMatch(/Levenberg-Marquardt: converged in \d+ iterations/);
    expect(result.stdout).toMatch(/4 copies .* as one batch: 4\/4 converged/);
    const [before, after] = /position error {2}([\d.]+) m → ([\d.]+) m/.exec(result.stdout)!.slice(1).map(Number) as [number, number];
    expect(after).toBeLessThan(before / 5);
    const folder = path.join(cwd, 'ariadne-demo');
    expect(fs.readdirSync(folder).sort()).toEqual(['convergence.svg', 'problem.g2o', 'solution.g2o', 'trajectory.svg']);
    const graph = parseG2o(fs.readFileSync(path.join(folder, 'problem.g2o'), 'utf8'));
    const svg = parseSvg(fs.readFileSync(path.join(folder, 'trajectory.svg'), 'utf8'));
    expect(byClass(svg, 'pose')).toHaveLength(2 * 300);
    expect(byClass(svg, 'edge')).toHaveLength(2 * graph.from.length);
    parseSvg(fs.readFileSync(path.join(folder, 'convergence.svg'), 'utf8'));
    // The written problem solves from the command line to the demo's final cost.
    const solved = JSON.parse(run(['solve', path.join(folder, 'problem.g2o'), '--json']).stdout);
    expect(solved.status).toBe('converged');
  });

  test('the sphere world (SE3), and bad options', () => {
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'ariadne-demo-'));
    const result = run(['demo', '--world', 'sphere', '--poses', '400', '--batch', '1', '--out-dir', 'pictures'], cwd);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/400 poses, 699 edges: 399 odometry, 300 loop closures/);
    expect(fs.existsSync(path.join(cwd, 'pictures', 'trajectory.svg'))).toBe(true);
    expect(run(['demo', '--world', 'moon'], cwd).code).toBe(2);
    expect(run(['demo', '--poses', '10'], cwd).stderr).toContain("--poses must be an integer ≥ 200, got '10'");
    fs.writeFileSync(path.join(cwd, 'file'), '');
    expect(run(['demo', '--out-dir', 'file'], cwd)).toMatchObject({ code: 1, stderr: 'ariadne: cannot write into file (--out-dir): it is a file\n' });
  });
});
