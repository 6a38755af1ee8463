// The examples in examples/, each run as a user runs it: `node examples/<name>.mjs
// --quick` in a fresh process on the built package (they import 'ariadne',
// the package's own ESM entry), from a scratch folder, with output there.
// Checks the exit code and what they print against what they claim.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { parseG2o } from '../../lib/io/g2o.js';
import { poseGraphObjective } from '../../lib/io/pose-graph.js';
import { byClass, parseSvg } from '../plot/svg-tree.js';
import { distEntry, root } from '../helpers/dist.js';
import { dataTest, referenceRows, sharedData } from '../helpers/shared-data.js';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'ariadne-examples-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

function run(example: string, ...args: string[]): { code: number | null; stdout: string; stderr: string } {
  distEntry();
  const result = spawnSync(process.execPath, [path.join(root, 'examples', example), ...args], { cwd: scratch, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A fresh output folder for one run. */
function outFolder(name: string): string {
  const folder = path.join(scratch, name);
  fs.mkdirSync(folder);
  return folder;
}

/** The first number after `label` in `text`. */
function numberAfter(text: string, label: string | RegExp): number {
  const pattern = typeof label === 'string' ? label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : label.source;
  const match = new RegExp(`${pattern}\\s*(-?[\\d.]+(?:e[+-]?\\d+)?)`).exec(text);
  if (match === null) throw new Error(`no number after ${String(label)} in:\n${text}`);
  return Number(match[1]);
}

/** curve-fitting's table rows: label → [a, b, c], per numbered section. */
function parameterRows(section: string): Map<string, number[]> {
  const rows = new Map<string, number[]>();
  for (const line of section.split('\n')) {
    const match = /^ {2}(\S.*?)\s+(-?\d+\.\d{4})\s+(-?\d+\.\d{4})\s+(-?\d+\.\d{4})/.exec(line);
    if (match) rows.set(match[1]!, [Number(match[2]), Number(match[3]), Number(match[4])]);
  }
  return rows;
}

const largestError = (fit: number[], truth: number[]) => Math.max(...fit.map((v, i) => Math.abs(v - truth[i]!)));

test('curve-fitting: the Jacobian checks out, the fits find the true parameters, robust losses resist the outliers', () => {
  const { code, stdout, stderr } = run('curve-fitting.mjs', '--quick');
  expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  expect(stdout).toMatch(/checkObjective: analytic Jacobian agrees with central differences/);
  const [, plain, outliers, batch] = stdout.split('\n\n').map(parameterRows);

  // 30 samples with σ = 0.05 determine a, b and c to a few hundredths (they are correlated).
  expect(largestError(plain!.get('least squares')!, plain!.get('true')!)).toBeLessThan(0.2);

  const truth = outliers!.get('true')!;
  const leastSquares = largestError(outliers!.get('least squares')!, truth);
  for (const robust of ['huber δ=1.345', 'cauchy δ=2.385']) {
    const error = largestError(outliers!.get(robust)!, truth);
    expect({ robust, error: error < 0.15 }).toEqual({ robust, error: true });
    expect(error).toBeLessThan(leastSquares / 2);
  }

  expect(stdout).toMatch(/4 data sets in one batch: .* all converged/);
  for (let b = 0; b < 4; b++) expect(largestError(batch!.get(`set ${b} fit`)!, batch!.get(`set ${b} true`)!)).toBeLessThan(0.25);
});

/** Runs a pose-graph example and checks its summary and files; returns the printed final cost and the output. */
function checkPoseGraphExample(
  example: string,
  args: string[],
  expected: { name: string; vertices: number; view?: string },
): { finalCost: number; stdout: string } {
  const out = outFolder(`${path.basename(example, '.mjs')}-${expected.name}`);
  const { code, stdout, stderr } = run(example, ...args, '--out', out);
  expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  expect(stdout).toMatch(/Levenberg-Marquardt: cost .* in \d+ iterations, [\d.]+ ms: converged/);
  const initialCost = numberAfter(stdout, 'Levenberg-Marquardt: cost');
  const finalCost = numberAfter(stdout, '→');
  expect(finalCost).toBeLessThan(initialCost);

  // The written graph holds the solution: its own cost is the printed final cost (to the printed digits).
  const g2oPath = path.join(out, `${expected.name}-solved.g2o`);
  const svgPath = path.join(out, `${expected.name}.svg`);
  expect(stdout).toContain(`wrote ${g2oPath}\nwrote ${svgPath}\n`);
  const solved = parseG2o(fs.readFileSync(g2oPath, 'utf8'));
  expect(solved.ids.length).toBe(expected.vertices);
  const cost = poseGraphObjective(solved).objective.costs()[0]!;
  expect(Math.abs(cost - finalCost) / finalCost).toBeLessThan(1e-6);

  // The picture: before and after, one element per pose in each panel.
  const svgText = fs.readFileSync(svgPath, 'utf8');
  expect(byClass(parseSvg(svgText), 'pose')).toHaveLength(2 * expected.vertices);
  if (expected.view) expect(svgText).toContain(expected.view);
  return { finalCost, stdout };
}

/** A generated world's poses, solved, lie much closer to the true ones than the initial guess. */
function expectCloserToTruth(stdout: string): void {
  const before = numberAfter(stdout, 'position error against the true poses (RMS):');
  const after = numberAfter(stdout, / m →/);
  expect(after).toBeLessThan(before / 4);
}

test('pose-graph-2d --quick: a generated Manhattan world, solved, written and drawn', () => {
  const { stdout } = checkPoseGraphExample('pose-graph-2d.mjs', ['--quick'], { name: 'generated-se2', vertices: 300 });
  expect(stdout).toMatch(/^input: a generated Manhattan world of 300 poses .*\(--quick\)$/m);
  expectCloserToTruth(stdout);
});

test('pose-graph-3d --quick: a generated sphere, solved, written and drawn in an isometric view', () => {
  const { stdout } = checkPoseGraphExample('pose-graph-3d.mjs', ['--quick'], { name: 'generated-se3', vertices: 240, view: 'isometric view' });
  expectCloserToTruth(stdout);
});

dataTest('pose-graph-2d reads ../shared/data/g2o-2d/intel.g2o by default and reaches the reference cost', () => {
  const reference = referenceRows().find((r) => r.file === 'intel.g2o')!;
  const { finalCost } = checkPoseGraphExample('pose-graph-2d.mjs', [], { name: 'intel', vertices: 1728 });
  expect(Math.abs(finalCost - reference.finalCost) / reference.finalCost).toBeLessThan(1e-5);
});

dataTest('pose-graph-3d solves a file named on the command line (smallGrid3D) to the reference cost', () => {
  const reference = referenceRows().find((r) => r.file === 'smallGrid3D.g2o')!;
  const { finalCost } = checkPoseGraphExample('pose-graph-3d.mjs', [path.join(sharedData, 'g2o-3d', 'smallGrid3D.g2o')], {
    name: 'smallGrid3D',
    vertices: 125,
  });
  expect(Math.abs(finalCost - reference.finalCost) / reference.finalCost).toBeLessThan(1e-5);
});

test('batch --quick: the batch gives every copy exactly its one-by-one solution, and draws the band', () => {
  const out = outFolder('batch');
  const { code, stdout, stderr } = run('batch.mjs', '--quick', '--out', out);
  expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  expect(stdout).toContain('batch and one by one: identical results for every copy');
  const rows = stdout.split('\n').filter((line) => /^\s+\d+\s/.test(line));
  expect(rows).toHaveLength(4);
  for (const row of rows) expect(row).toMatch(/ converged {3}0$/);
  expect(stdout).toMatch(/batch: +[\d.]+ ms in all, [\d.]+ ms per copy/);
  const svg = fs.readFileSync(path.join(out, 'batch-convergence.svg'), 'utf8');
  expect(svg).toContain('mean of 4');
});

test('calibration --quick: the hand-eye transform is found to within the noise', () => {
  const { code, stdout, stderr } = run('calibration.mjs', '--quick');
  expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  expect(stdout).toMatch(/checkObjective: analytic Jacobian agrees with central differences/);
  expect(stdout).toMatch(/iterations: converged/);
  expect(numberAfter(stdout, 'error: translation')).toBeLessThan(2); // mm
  expect(numberAfter(stdout, 'mm, rotation')).toBeLessThan(0.1); // degrees
});

test('BAD CALL - an unknown flag or a bad number exits 2 with a message; --help prints the usage and exits 0', () => {
  const bad = run('pose-graph-2d.mjs', '--bogus');
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain("Unknown option '--bogus'");
  expect(bad.stderr).toContain('usage: node examples/pose-graph-2d.mjs [file.g2o]');
  const count = run('batch.mjs', '--copies', '2.5');
  expect(count.code).toBe(2);
  expect(count.stderr).toBe("--copies must be an integer in [1, 100000], got '2.5'\n");
  const help = run('curve-fitting.mjs', '--help');
  expect(help.code).toBe(0);
  expect(help.stdout).toBe('usage: node examples/curve-fitting.mjs [--samples N] [--sets B] [--seed S] [--quick]\n');
});
