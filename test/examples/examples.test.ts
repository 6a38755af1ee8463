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

/**
 * Runs a training example (one of learn-*.mjs) with --quick; checks the exit
 * code, the printed training curve (one row per epoch, starting and ending at
 * the summary's losses) and the SVG (one curve per panel); returns the
 * output and the first and last training loss.
 */
function checkTrainingExample(
  example: string,
  expected: { epochs: number; lossFactor: number; panels: number },
): { stdout: string; first: number; last: number } {
  const name = path.basename(example, '.mjs');
  const out = outFolder(name);
  const { code, stdout, stderr } = run(example, '--quick', '--out', out);
  expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  expect(stdout).toContain('(--quick)');
  const summary = /^training loss: (\S+) → (\S+), \S+× lower \(promised: at least (\d+)×\)$/m.exec(stdout);
  expect(summary).not.toBeNull();
  const [first, last, promised] = summary!.slice(1).map(Number) as [number, number, number];
  expect(promised).toBe(expected.lossFactor); // the factor the example states is the one tested
  expect(first / last).toBeGreaterThanOrEqual(expected.lossFactor);

  // The training curve: epoch 0 to the last, each row its epoch and loss.
  const epochs = stdout
    .split('\n')
    .filter((line) => /^ +\d+ +\S+ +\S+/.test(line))
    .map((line) => line.trim().split(/ +/).map(Number));
  expect(epochs.map((row) => row[0])).toEqual(Array.from({ length: expected.epochs + 1 }, (_, i) => i));
  expect(epochs[0]![1]).toBe(first);
  expect(epochs.at(-1)![1]).toBe(last);

  const svgPath = path.join(out, `${name}.svg`);
  expect(stdout).toContain(`wrote ${svgPath}`);
  const svg = parseSvg(fs.readFileSync(svgPath, 'utf8'));
  expect(byClass(svg, 'panel')).toHaveLength(expected.panels);
  const curves = byClass(svg, 'curve');
  expect(curves).toHaveLength(expected.panels);
  for (const curve of curves) expect(curve.attrs['points']!.split(' ')).toHaveLength(expected.epochs + 1);
  return { stdout, first, last };
}

test('learn-curve --quick: the sensor gain and offset learned through the fits approach the true ones', () => {
  // Loss: the mean squared error of the fitted (a, b, c) of 8 curves; it falls 186× here.
  const { stdout } = checkTrainingExample('learn-curve.mjs', { epochs: 40, lossFactor: 50, panels: 3 });
  // Truth 1.25 and −0.4; 8 curves of 25 readings with σ = 0.05 pin them to about 0.01 (here 0.0013 and 0.0069).
  expect(stdout).toMatch(/promised: within 0.02\), offset .*promised: within 0.02\)/);
  expect(Math.abs(numberAfter(stdout, 'learned gain') - 1.25)).toBeLessThan(0.02);
  expect(Math.abs(numberAfter(stdout, '), offset') - -0.4)).toBeLessThan(0.02);
});

test('learn-pose-graph-weights --quick: the loop-closure to odometry weight ratio approaches the true noise ratio', () => {
  // Loss: the mean squared pose error of 16 noisy copies of an 80-pose graph; it falls 3.3× here.
  const { stdout } = checkTrainingExample('learn-pose-graph-weights.mjs', { epochs: 30, lossFactor: 2, panels: 2 });
  // Scaling both weights alike leaves the solution alone: the two gradients cancel (to the solve's tolerance).
  expect(numberAfter(stdout, 'their sum is')).toBeLessThan(1e-5);
  // Truth 0.1 (loop closures 10× noisier); the training set's own optimum is near it, not on it (here 0.11).
  const ratio = numberAfter(stdout, 'learned W_loop/W_odometry:');
  expect(stdout).toContain('(promised: within 2)');
  expect(Math.max(ratio / 0.1, 0.1 / ratio)).toBeLessThan(2);
  // On fresh noise the learned weights do almost as well as the true ones (here 2.6% worse) and far better than equal weights.
  expect(stdout).toContain('(promised: at most 15%)');
  expect(numberAfter(stdout, "the learned weights' test loss is")).toBeLessThan(15);
  const equal = numberAfter(stdout, 'loss with equal weights');
  expect(numberAfter(stdout, ', learned')).toBeLessThan(equal / 2);
});

test('learn-loss-radius --quick: the Cauchy radius moves from 20 to the best of a grid of radii', () => {
  // Loss: the mean squared pose error of 16 copies with 27% outlier loop closures; it falls 12.6× here.
  const { stdout } = checkTrainingExample('learn-loss-radius.mjs', { epochs: 30, lossFactor: 10, panels: 2 });
  // 13 radii from 0.5 to 32, each a cold solve; the best here is 2.83, learned 2.93.
  const grid = stdout.split('the training loss on a grid of radii:\n')[1]!.split('\n\n')[0]!.split('\n');
  expect(grid).toHaveLength(13);
  const best = numberAfter(stdout, "the grid's best: δ =");
  const learned = numberAfter(stdout, 'learned radius:');
  expect(stdout).toContain('(promised: within 2)');
  expect(Math.max(learned / best, best / learned)).toBeLessThan(2);
  expect(stdout).toContain('(promised: at most 10%)');
  expect(numberAfter(stdout, 'its loss is')).toBeLessThan(10);
  expect(learned).toBeLessThan(20 / 2); // a sensible radius: a few σ, far below the start
});

test('learn-edge-weights-tfjs --quick: a tfjs network weighs the outlier loop closures down and beats uniform weights on another graph', () => {
  // Loss: the mean squared pose error of 8 copies of an 80-pose graph, 11 of whose 25 loop closures are outliers; it falls 127× here.
  const { stdout } = checkTrainingExample('learn-edge-weights-tfjs.mjs', { epochs: 30, lossFactor: 10, panels: 3 });
  // A zero last layer: every edge weighs 1 at epoch 0 (the columns: odometry, inlier loop closures, outliers).
  expect(stdout).toMatch(/^ +0 +\S+ +1 +1 +1$/m);
  // After training the outliers' mean weight is a small part of the inlier loop closures' (here 0.118).
  const inliers = numberAfter(stdout, 'mean weight of the loop closures: inliers');
  const outliers = numberAfter(stdout, ', outliers');
  expect(stdout).toContain("of the inliers' (promised: at most 0.25)");
  expect(outliers / inliers).toBeLessThan(0.25);
  // On a graph it never saw, the network still weighs outliers down (here 0.197) and its poses beat uniform weights' (here 22× lower loss).
  expect(stdout).toContain('of its inlier loop closures (promised: at most 0.5)');
  expect(numberAfter(stdout, 'the network weighs its outliers')).toBeLessThan(0.5);
  const uniform = numberAfter(stdout, 'test loss with uniform weights');
  const learned = numberAfter(stdout, ', learned');
  expect(stdout).toContain('(promised: at least 5×)');
  expect(uniform / learned).toBeGreaterThanOrEqual(5);
  // No tensor leaks: as many tensors after the last epoch as after the first step, and none once everything is disposed.
  const tensors = /^tfjs tensors: (\d+) after epoch 1, (\d+) after the last/m.exec(stdout);
  expect(tensors).not.toBeNull();
  expect(tensors![2]).toBe(tensors![1]);
  expect(numberAfter(stdout, 'tfjs tensors left after disposing everything:')).toBe(0);
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
