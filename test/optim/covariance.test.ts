// covariance(): blocks of (J̃ᵀJ̃)⁻¹ at the solution against a dense inverse
// built here from the Jacobian; cross-covariances; a batch; the
// rank-deficient case named, or its pseudo-inverse on request.
import {
  Custom,
  GaussNewton,
  LevenbergMarquardt,
  Objective,
  Prior,
  SeededRandom,
  Variable,
  Vector,
  Weight,
  covariance,
  manhattanWorld,
  poseGraphObjective,
  type SolveResult,
} from '../../lib/index.js';

/** (J̃ᵀJ̃)⁻¹ of element b, dense, by Gauss-Jordan elimination on J̃ from the objective. */
function denseInverse(objective: Objective, result: SolveResult, b: number): Float64Array {
  const state = objective.variables.map((v) => result.values(v.name));
  const { jValues } = objective.evaluate(state, { residuals: true, jacobians: true });
  const { rows, cols } = objective.pattern;
  const n = objective.program.n;
  const nnz = rows.length;
  const m = Math.max(...rows) + 1;
  const j = new Float64Array(m * n);
  for (let e = 0; e < nnz; e++) j[rows[e]! * n + cols[e]!]! += jValues![b * nnz + e]!;
  const a = new Float64Array(n * 2 * n);
  for (let p = 0; p < n; p++) {
    for (let q = 0; q < n; q++) for (let r = 0; r < m; r++) a[p * 2 * n + q]! += j[r * n + p]! * j[r * n + q]!;
    a[p * 2 * n + n + p] = 1;
  }
  for (let p = 0; p < n; p++) {
    let pivot = p;
    for (let r = p + 1; r < n; r++) if (Math.abs(a[r * 2 * n + p]!) > Math.abs(a[pivot * 2 * n + p]!)) pivot = r;
    for (let c = 0; c < 2 * n; c++) [a[p * 2 * n + c], a[pivot * 2 * n + c]] = [a[pivot * 2 * n + c]!, a[p * 2 * n + c]!];
    const d = a[p * 2 * n + p]!;
    for (let c = 0; c < 2 * n; c++) a[p * 2 * n + c]! /= d;
    for (let r = 0; r < n; r++) {
      if (r === p) continue;
      const f = a[r * 2 * n + p]!;
      for (let c = 0; c < 2 * n; c++) a[r * 2 * n + c]! -= f * a[p * 2 * n + c]!;
    }
  }
  return Float64Array.from({ length: n * n }, (_, i) => a[Math.floor(i / n) * 2 * n + n + (i % n)]!);
}

/** The dof_i × dof_j block of a dense n × n matrix at columns (first_i, first_j). */
const denseBlock = (inverse: Float64Array, n: number, fi: number, di: number, fj: number, dj: number) =>
  Float64Array.from({ length: di * dj }, (_, k) => inverse[(fi + Math.floor(k / dj)) * n + fj + (k % dj)]!);

const maxDifference = (a: Float64Array, b: Float64Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0) / Math.max(...Array.from(b, Math.abs));

describe('covariance', () => {
  test('a noisy curve fit with a robust loss, batch of two: the blocks equal the dense inverse', () => {
    const random = new SeededRandom(2);
    const abc = new Variable('abc', Vector(3), Float64Array.of(1, -0.5, 0, 1, -0.5, 0), { batch: 2 });
    const samples = Float64Array.from({ length: 2 * 2 * 15 }, (_, i) => {
      const t = (Math.floor(i / 2) % 15) / 4;
      return i % 2 === 0 ? t : 2 * Math.exp(-1.1 * t) + 0.4 + 0.05 * random.normal();
    });
    const term = new Custom({
      name: 'curve',
      dim: 1,
      variables: [{ variable: abc, indices: new Int32Array(15) }],
      auxiliary: [{ name: 'samples', k: 2, values: samples, batch: 2 }],
      weight: Weight.scale(Float64Array.of(20)),
      residual: (rows, [p, s], r) => {
        for (let i = 0; i < rows; i++) r[i] = p![3 * i]! * Math.exp(p![3 * i + 1]! * s![2 * i]!) + p![3 * i + 2]! - s![2 * i + 1]!;
      },
    });
    const objective = new Objective([term]);
    const result = new LevenbergMarquardt(objective).solve();
    const { blocks, pseudoInverse } = covariance(objective, result, [{ variable: 'abc' }]);
    expect(pseudoInverse).toEqual([false, false]);
    for (let b = 0; b < 2; b++) expect(maxDifference(blocks[b]![0]!, denseInverse(objective, result, b))).toBeLessThan(1e-10);
  });

  test('a 2D pose graph: marginals and cross-covariances of chosen poses, in the world update frame', () => {
    const { objective } = poseGraphObjective(manhattanWorld({ poses: 12, seed: 4 }).graph);
    const result = new LevenbergMarquardt(objective).solve();
    const chosen = [
      { variable: 'poses', element: 3 },
      { variable: 'poses', element: 11 },
      { variable: 'poses', element: 7 },
    ];
    const { blocks, cross } = covariance(objective, result, chosen, { cross: true });
    const dense = denseInverse(objective, result, 0);
    const n = objective.program.n;
    const first = (e: number) => objective.program.columns[0]![e]!;
    chosen.forEach((p, i) => {
      expect(maxDifference(blocks[0]![i]!, denseBlock(dense, n, first(p.element), 3, first(p.element), 3))).toBeLessThan(1e-9);
      chosen.forEach((q, j) => expect(maxDifference(cross![0]![i]![j]!, denseBlock(dense, n, first(p.element), 3, first(q.element), 3))).toBeLessThan(1e-9));
    });
    // Farther from the fixed vertex 0, more uncertain.
    expect(blocks[0]![1]![0]!).toBeGreaterThan(blocks[0]![0]![0]!);
  });

  test('EXPECTED FAILURE - an unobservable parameter (y = (a + b)·t) is named, or the pseudo-inverse given on request', () => {
    const ab = new Variable('ab', Vector(2), Float64Array.of(0.3, 0.2));
    const term = new Custom({
      name: 'sum',
      dim: 1,
      variables: [{ variable: ab, indices: new Int32Array(5) }],
      auxiliary: [{ name: 'ty', k: 2, values: Float64Array.of(1, 2, 2, 4, 3, 6, 4, 8, 5, 10) }],
      residual: (rows, [p, s], r) => {
        for (let i = 0; i < rows; i++) r[i] = (p![2 * i]! + p![2 * i + 1]!) * s![2 * i]! - s![2 * i + 1]!;
      },
    });
    const objective = new Objective([term]);
    const result = new LevenbergMarquardt(objective).solve();
    expect(() => covariance(objective, result, [{ variable: 'ab' }])).toThrow(
      /^covariance: 'result' must be an observable problem .*got batch element 0: coordinate [01] of element 0 of variable 'ab' is not observable \(/,
    );
    const { blocks, pseudoInverse } = covariance(objective, result, [{ variable: 'ab' }], { rankDeficient: 'pseudo-inverse' });
    expect(pseudoInverse).toEqual([true]);
    // A = s·[1 1; 1 1], s = Σ t² = 55: A⁺ = [1 1; 1 1] / (4·55).
    expect(Array.from(blocks[0]![0]!).map((v) => +(v * 4 * 55).toFixed(8))).toEqual([1, 1, 1, 1]); // J by central differences: 1e-10
  });

  test('the example: two measurements of different σ', () => {
    const x = new Variable('x', Vector(1), new Float64Array(1));
    const prior = new Prior({ variable: { variable: x, indices: [0, 0] }, target: Float64Array.of(1, 2), weight: Weight.scale(Float64Array.of(10, 5)) });
    const objective = new Objective([prior]);
    expect(covariance(objective, new GaussNewton(objective).solve(), [{ variable: 'x' }]).blocks[0]![0]![0]).toBeCloseTo(0.008, 14);
  });

  test('BAD CALL - blocks and options name the argument', () => {
    const { objective } = poseGraphObjective(manhattanWorld({ poses: 5, seed: 1 }).graph);
    const result = new LevenbergMarquardt(objective).solve();
    expect(() => covariance(objective, result, [{ variable: 'pose' }])).toThrow(
      /'blocks\[0\].variable' must be the name of a variable \('poses'\), got 'pose'/,
    );
    expect(() => covariance(objective, result, [{ variable: 'poses', element: 9 }])).toThrow(
      /'blocks\[0\].element' must be an element of 'poses' in \[0, 5\), got 9/,
    );
    expect(() => covariance(objective, result, [{ variable: 'poses', element: 0 }])).toThrow(
      /must be a non-constant element .*element 0 of 'poses', held constant/,
    );
    expect(() => covariance(objective, result, [])).toThrow(TypeError);
    expect(() => covariance(objective, result, [{ variable: 'poses', element: 1 }], { rankDeficient: 'ignore' as never })).toThrow(RangeError);
    expect(() => covariance(objective, {} as never, [{ variable: 'poses', element: 1 }])).toThrow(TypeError);
  });
});
