import { SeededRandom } from '../../lib/base/random.js';
import { Weight, applyWeight, type WeightKind } from '../../lib/core/weight.js';
import { GaussNewton, Objective, Prior, Variable, Vector } from '../../lib/index.js';

/** W as a dense d×d row-major matrix from one instance's k numbers. */
function dense(kind: WeightKind, d: number, w: Float64Array): Float64Array {
  const m = new Float64Array(d * d);
  if (kind === 'scale') for (let a = 0; a < d; a++) m[a * d + a] = w[0]!;
  else if (kind === 'diagonal') for (let a = 0; a < d; a++) m[a * d + a] = w[a]!;
  else for (let a = 0, p = 0; a < d; a++) for (let c = a; c < d; c++) m[a * d + c] = w[p++]!;
  return m;
}

describe('weights', () => {
  const cases = (['scale', 'diagonal', 'sqrt-information'] as const).flatMap((kind) => [2, 3, 4, 6].map((d) => [kind, d] as const));
  test.each(cases)('%s, d = %d: W r and W J match dense products', (kind, d) => {
    const random = new SeededRandom(7 + d);
    const cols = d === 6 ? 6 : 3;
    const rows = 5;
    const k = Weight.width(kind, d);
    const w = random.normals(rows * k);
    const r = random.normals(rows * d);
    const j = random.normals(rows * d * cols);
    const rw = r.slice();
    const jw = j.slice();
    applyWeight(kind, d, w, rows, rw, [{ values: jw, cols }]);
    for (let row = 0; row < rows; row++) {
      const W = dense(kind, d, w.subarray(row * k, (row + 1) * k));
      for (let a = 0; a < d; a++) {
        let sum = 0;
        for (let c = 0; c < d; c++) sum += W[a * d + c]! * r[row * d + c]!;
        expect(rw[row * d + a]).toBeCloseTo(sum, 12);
        for (let col = 0; col < cols; col++) {
          let jsum = 0;
          for (let c = 0; c < d; c++) jsum += W[a * d + c]! * j[(row * d + c) * cols + col]!;
          expect(jw[(row * d + a) * cols + col]).toBeCloseTo(jsum, 12);
        }
      }
    }
  });

  test('a scale or diagonal entry of 0 masks: the solution is that of the problem without those residuals', () => {
    const x = new Variable('x', Vector(2), new Float64Array(2));
    const targets = Float64Array.of(1, 2, 5, 7, -3, 4);
    const solve = (weight: Weight) =>
      new GaussNewton(new Objective([new Prior({ variable: { variable: x, indices: new Int32Array(3) }, target: targets, weight })])).solve().values('x');
    // Instance 1 masked: the mean of instances 0 and 2.
    expect(Array.from(solve(Weight.scale(Float64Array.of(1, 0, 1)))).map((v) => +v.toFixed(9))).toEqual([-1, 3]);
    // Coordinate 0 of instance 0 and coordinate 1 of instance 2 masked.
    expect(Array.from(solve(Weight.diagonal(Float64Array.of(0, 1, 1, 1, 1, 0), 2))).map((v) => +v.toFixed(9))).toEqual([1, 4.5]);
  });

  test('BAD CALL - a non-positive diagonal, a wrong dimension, a wrong length', () => {
    expect(() => Weight.sqrtInformation(Float64Array.of(1, 2, 0), 2).bind('Between', 'edges', 2)).toThrow(
      /^Between: 'options.weight' must be a weight with a positive diagonal, got 0 at index 2 \(instance 0\)$/,
    );
    expect(() => Weight.diagonal(Float64Array.of(1, -1, 1), 3).bind('Prior', 'p', 3)).toThrow(/non-negative diagonal \(0 masks\), got -1 at index 1/);
    expect(() => Weight.scale(Float64Array.of(-0.5)).bind('Prior', 'p', 3)).toThrow(/non-negative diagonal \(0 masks\), got -0.5 at index 0/);
    expect(() => Weight.diagonal(Float64Array.of(1, 1), 2).bind('Prior', 'p', 3)).toThrow(
      /^Prior: 'options.weight' must be a weight for residuals of dimension 3, got one of dimension 2$/,
    );
    expect(() => Weight.sqrtInformation(new Float64Array(7), 3).bind('Prior', 'p', 3)).toThrow(
      /^Prior: 'options.weight' must be a non-empty multiple of batch 1 × 6 numbers long, got length 7$/,
    );
    expect(() => Weight.scale(Float64Array.of(Infinity)).bind('Prior', 'p', 1)).toThrow(/must be finite, got Infinity at index 0/);
  });
});
