/**
 * Conversion round trips for every group, against matrices built by the test
 * code, at the identity, near it, at π − 1e-8, at π and at random points.
 */
import fc from 'fast-check';

import { SE2, SE3, SO2, SO3 } from '../../lib/geometry/index.js';
import { elementDistance, fixtureOf, points, scenarioArb, type Raw } from './fixtures.js';

const options = { seed: 20250103, numRuns: 40 };
const TOL = 1e-12;

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
}

/** The top-left rows×cols block of each count·n×n matrix from the fixture, flattened. */
function blocks(raws: Raw[], matrixOf: (k: number) => number[][], rows: number, cols: number): Float64Array {
  return Float64Array.from(
    raws.flatMap((_, k) =>
      matrixOf(k)
        .slice(0, rows)
        .flatMap((row) => row.slice(0, cols)),
    ),
  );
}

for (const point of points) {
  describe(`conversions at ${point.name}`, () => {
    const check = (body: (raws: Raw[]) => void): void =>
      fc.assert(
        fc.property(scenarioArb(point), (s) => body(s.special)),
        options,
      );

    test('SO2: angle and 2×2 matrix round trips', () =>
      check((raws) => {
        const fx = fixtureOf(SO2);
        const x = Float64Array.from(raws.map((r) => r.angle));
        const R = SO2.toMatrix(x);
        expect(
          maxDiff(
            R,
            blocks(raws, (k) => fx.matrix(x, k), 2, 2),
          ),
        ).toBeLessThanOrEqual(TOL);
        expect(elementDistance(fx, SO2.fromMatrix(R), x)).toBeLessThanOrEqual(TOL);
        const angles = SO2.toAngle(x);
        angles.forEach((a) => expect(a >= -Math.PI && a < Math.PI).toBe(true));
        expect(elementDistance(fx, SO2.fromAngle(angles), x)).toBeLessThanOrEqual(TOL);
      }));

    test('SE2: 3×3, 2×3, angle and translation round trips', () =>
      check((raws) => {
        const fx = fixtureOf(SE2);
        const x = Float64Array.from(raws.flatMap((r) => fx.element(r)));
        const M = SE2.toMatrix3x3(x);
        expect(
          maxDiff(
            M,
            blocks(raws, (k) => fx.matrix(x, 3 * k), 3, 3),
          ),
        ).toBeLessThanOrEqual(TOL);
        expect(elementDistance(fx, SE2.fromMatrix3x3(M), x)).toBeLessThanOrEqual(TOL);
        const N = SE2.toMatrix2x3(x);
        expect(
          maxDiff(
            N,
            blocks(raws, (k) => fx.matrix(x, 3 * k), 2, 3),
          ),
        ).toBeLessThanOrEqual(TOL);
        expect(elementDistance(fx, SE2.fromMatrix2x3(N), x)).toBeLessThanOrEqual(TOL);
        expect(
          maxDiff(
            SE2.toRotationMatrix(x),
            blocks(raws, (k) => fx.matrix(x, 3 * k), 2, 2),
          ),
        ).toBeLessThanOrEqual(TOL);
        const y = SE2.fromAngleTranslation(SE2.toAngle(x), SE2.toTranslation(x));
        expect(elementDistance(fx, y, x)).toBeLessThanOrEqual(TOL);
        expect(y).toEqual(SE2.normalize(x));
      }));

    test('SO3: 3×3 matrix, quaternion and angle-axis round trips', () =>
      check((raws) => {
        const fx = fixtureOf(SO3);
        const x = Float64Array.from(raws.flatMap((r) => fx.element(r)));
        const R = SO3.toMatrix(x);
        expect(
          maxDiff(
            R,
            blocks(raws, (k) => fx.matrix(x, 4 * k), 3, 3),
          ),
        ).toBeLessThanOrEqual(TOL);
        const back = SO3.fromMatrix(R);
        expect(elementDistance(fx, back, x)).toBeLessThanOrEqual(TOL);
        for (let k = 0; k < raws.length; k++) expect(back[4 * k + 3]).toBeGreaterThanOrEqual(0);
        expect(elementDistance(fx, SO3.fromQuaternion(SO3.toQuaternion(x)), x)).toBeLessThanOrEqual(TOL);
        const v = SO3.toAngleAxis(x);
        for (let k = 0; k < raws.length; k++) expect(Math.hypot(v[3 * k]!, v[3 * k + 1]!, v[3 * k + 2]!)).toBeLessThanOrEqual(Math.PI + 1e-15);
        expect(elementDistance(fx, SO3.fromAngleAxis(v), x)).toBeLessThanOrEqual(TOL);
      }));

    test('SE3: 4×4, 3×4, rotation and translation round trips', () =>
      check((raws) => {
        const fx = fixtureOf(SE3);
        const x = Float64Array.from(raws.flatMap((r) => fx.element(r)));
        const M = SE3.toMatrix4x4(x);
        expect(
          maxDiff(
            M,
            blocks(raws, (k) => fx.matrix(x, 7 * k), 4, 4),
          ),
        ).toBeLessThanOrEqual(TOL);
        expect(elementDistance(fx, SE3.fromMatrix4x4(M), x)).toBeLessThanOrEqual(TOL);
        const N = SE3.toMatrix3x4(x);
        expect(
          maxDiff(
            N,
            blocks(raws, (k) => fx.matrix(x, 7 * k), 3, 4),
          ),
        ).toBeLessThanOrEqual(TOL);
        expect(elementDistance(fx, SE3.fromMatrix3x4(N), x)).toBeLessThanOrEqual(TOL);
        const y = SE3.fromRotationTranslation(SE3.toRotation(x), SE3.toTranslation(x));
        expect(elementDistance(fx, y, x)).toBeLessThanOrEqual(TOL);
      }));
  });
}

describe('conversion details', () => {
  test('quaternions are normalised to qw ≥ 0 within the 1e-6 tolerance', () => {
    const q = SO3.fromQuaternion(new Float64Array([0, 0, 0.6 * (1 + 5e-7), -0.8 * (1 + 5e-7)]));
    expect(maxDiff(q, [0, 0, -0.6, 0.8])).toBeLessThanOrEqual(1e-16);
    expect(Math.hypot(...q)).toBeCloseTo(1, 15);
  });

  test('a slightly non-orthogonal matrix (within 1e-6) gives the nearest rotation, unit quaternion', () => {
    const R = SO3.toMatrix(SO3.exp(new Float64Array([0.4, -0.3, 1.2])));
    R[0] = R[0]! + 3e-7;
    const q = SO3.fromMatrix(R);
    expect(Math.abs(Math.hypot(...q) - 1)).toBeLessThanOrEqual(2.3e-16);
    expect(maxDiff(SO3.toMatrix(q), R)).toBeLessThanOrEqual(1e-6);
  });

  test('Shepperd branches: half turns about each axis and a generic rotation', () => {
    for (const q of [
      [1, 0, 0, 0],
      [0, 1, 0, 0],
      [0, 0, 1, 0],
      [0.5, 0.5, 0.5, 0.5],
      [Math.SQRT1_2, 0, 0, Math.SQRT1_2],
    ]) {
      const x = new Float64Array(q);
      expect(maxDiff(SO3.fromMatrix(SO3.toMatrix(x)), x)).toBeLessThanOrEqual(1e-15);
    }
  });

  test('broadcasting: one rotation with several translations', () => {
    const x = SE3.fromRotationTranslation(new Float64Array([0, 0, 0, 1]), new Float64Array([1, 2, 3, 4, 5, 6]));
    expect(x).toEqual(new Float64Array([1, 2, 3, 0, 0, 0, 1, 4, 5, 6, 0, 0, 0, 1]));
    const y = SE2.fromAngleTranslation(new Float64Array([0.5, -0.5]), new Float64Array([1, 2]));
    expect(y).toEqual(new Float64Array([1, 2, 0.5, 1, 2, -0.5]));
  });

  test('outputs can be preallocated', () => {
    const out = new Float64Array(16);
    expect(SE3.toMatrix4x4(SE3.identity(), out)).toBe(out);
    expect(Array.from(out)).toEqual([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);
  });
});
