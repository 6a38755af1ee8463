// Observability at the end of every solve (SolveResult.rankDeficient): the
// undamped A = J̃ᵀJ̃ at the solution factored once; a singular A, or a pivot
// ≤ 1e-12 of its diagonal entry, flags the element (its status unchanged),
// naming the unknown found dependent.
import {
  Dogleg,
  GaussNewton,
  LevenbergMarquardt,
  Objective,
  Variable,
  Vector,
  Prior,
  leastSquares,
  manhattanWorld,
  noisyMeasurements,
  poseGraphObjective,
} from '../../lib/index.js';

const t = [0, 1, 2, 3, 4];
const y = t.map((ti) => 3 * ti + 1);
const methods = ['lm', 'dogleg'] as const;

describe('SolveResult.rankDeficient', () => {
  test.each(methods)("%s: y = (a + b)·t + c converges with 'a, b' flagged; y = a·t + c is observable", (method) => {
    const sum = leastSquares((p) => t.map((ti, i) => (p[0]! + p[1]!) * ti + p[2]! - y[i]!), [0, 0, 0], { method });
    expect(sum.status).toBe('converged');
    const found = sum.result.rankDeficient[0]!;
    expect(found).toMatchObject({ variable: 'x', element: 0 });
    expect([0, 1]).toContain(found.coordinate);
    expect(found.message).toMatch(/^rank-deficient at the solution: coordinate [01] of element 0 of variable 'x' is not observable/);
    const fine = leastSquares((p) => t.map((ti, i) => p[0]! * ti + p[1]! - y[i]!), [0, 0], { method });
    expect(fine.result.rankDeficient).toEqual([null]);
  });

  test('a parameter no residual uses is flagged by name; Gauss-Newton fails on it as before (nothing to flag)', () => {
    const residual = (p: Float64Array) => t.map((ti, i) => p[0]! * ti + p[2]! - y[i]!);
    const lm = leastSquares(residual, [0, 0, 0]);
    expect(lm.result.rankDeficient[0]).toMatchObject({ variable: 'x', element: 0, coordinate: 1 });
    const gn = leastSquares(residual, [0, 0, 0], { method: 'gn' });
    expect(gn.status).toBe('failed');
    expect(gn.result.rankDeficient).toEqual([undefined]);
  });

  test('numerically rank-deficient (columns 1e-7 apart: pivot ~1e-14 of its diagonal) is flagged, 1e-3 apart is not; the ratio is reported', () => {
    const fit = (apart: number) =>
      leastSquares((p) => t.map((ti, i) => p[0]! * ti + p[1]! * ti * (1 + apart * Math.sin(i + 1)) + p[2]! - y[i]!), [0, 0, 0], { maxIterations: 200 });
    const close = fit(1e-7).result.rankDeficient[0]!;
    expect(close.pivotRatio).toBeGreaterThan(0);
    expect(close.pivotRatio).toBeLessThanOrEqual(1e-12);
    expect(close.variable).toBe('x');
    expect(fit(1e-3).result.rankDeficient).toEqual([null]);
  });

  test('per element of a batch, through the pipelined halves: a gauge freedom (a pose graph without a fixed vertex) in every element, none once anchored', () => {
    const { graph } = manhattanWorld({ poses: 400, seed: 5 });
    const B = 12; // B·nnz ≥ 2¹⁶: solved as two pipelined halves on two or more threads
    const measurements = noisyMeasurements(graph, B, 0.02, 7);
    const free = new LevenbergMarquardt(poseGraphObjective({ ...graph, fixed: new Int32Array(0) }, { measurements }).objective).solve();
    expect(free.status.every((s) => s === 'converged')).toBe(true);
    for (const found of free.rankDeficient) {
      expect(found?.variable).toBe('poses');
      expect(found?.message).toMatch(/of variable 'poses' is not observable/);
    }
    const anchored = new LevenbergMarquardt(poseGraphObjective(graph, { measurements }).objective).solve();
    expect(anchored.rankDeficient).toEqual(new Array(B).fill(null));
  });

  test('an element that stops before the others is checked at its own solution (every method, dense and sparse)', () => {
    // Element 0 starts at its optimum (stops at iteration 0), element 1 takes steps: J and r of element 0 must be its own.
    const x = new Variable('x', Vector(2), Float64Array.of(1, 2, -5, 7), { batch: 2 });
    const objective = new Objective([new Prior({ variable: x, target: Float64Array.of(1, 2) })]);
    for (const Optimizer of [LevenbergMarquardt, GaussNewton, Dogleg]) {
      for (const kind of ['dense', 'sparse'] as const) {
        const result = new Optimizer(objective, { linearSolver: { kind } }).solve();
        expect(result.iterations[0]).toBe(0);
        expect(result.rankDeficient).toEqual([null, null]);
      }
    }
  });

  test('checkObservability: false skips the check (every entry undefined); an observable fit gives null for every method', () => {
    const line = (p: Float64Array) => t.map((ti, i) => p[0]! * ti + p[1]! - y[i]!);
    expect(leastSquares(line, [0, 0], { checkObservability: false }).result.rankDeficient).toEqual([undefined]);
    for (const method of ['lm', 'gn', 'dogleg'] as const) expect(leastSquares(line, [0, 0], { method }).result.rankDeficient).toEqual([null]);
    const x = new Variable('x', Vector(1), new Float64Array(1));
    const objective = new Objective([new Prior({ variable: x, target: Float64Array.of(2) })]);
    for (const Optimizer of [LevenbergMarquardt, GaussNewton, Dogleg]) {
      expect(() => new Optimizer(objective, { checkObservability: 1 as unknown as boolean })).toThrow(
        `${Optimizer.name}: 'options.checkObservability' must be a boolean, got a number (1)`,
      );
    }
  });
});
