// leastSquares(residual, x0): the one-call form, against known answers: a
// linear fit (the normal equations' solution), a nonlinear fit with and
// without its Jacobian, a robust loss against an outlier, a batch of data
// sets with one start each, the covariance of a linear fit (σ²(XᵀX)⁻¹ with
// unit weights), bad arguments named.
import { RobustLoss, leastSquares } from '../../lib/index.js';

const t = Array.from({ length: 12 }, (_, i) => i / 2);

describe('leastSquares', () => {
  test('a line through exact points: the line, and its covariance (XᵀX)⁻¹', () => {
    const fit = leastSquares((p) => t.map((ti) => p[0]! + p[1]! * ti - (1 + 2 * ti)), [0, 0], { method: 'gn', covariance: true });
    expect(fit.status).toBe('converged');
    expect(Array.from(fit.x).map((v) => +v.toFixed(8))).toEqual([1, 2]); // the Jacobian by central differences: 1e-10
    // XᵀX = [[12, Σt], [Σt, Σt²]]: its inverse.
    const [s1, s2] = [t.reduce((a, b) => a + b, 0), t.reduce((a, b) => a + b * b, 0)];
    const det = 12 * s2 - s1 * s1;
    [s2 / det, -s1 / det, -s1 / det, 12 / det].forEach((v, i) => expect(fit.covariance![i]).toBeCloseTo(v, 9));
  });

  test('y = a·exp(b·t): numeric and analytic Jacobians give the same fit', () => {
    const y = t.map((ti) => 2 * Math.exp(-0.4 * ti));
    const residual = (p: Float64Array) => t.map((ti, i) => p[0]! * Math.exp(p[1]! * ti) - y[i]!);
    const numeric = leastSquares(residual, [1, 0], { functionTolerance: 1e-14 });
    const analytic = leastSquares(residual, [1, 0], {
      functionTolerance: 1e-14,
      jacobian: (p) => t.flatMap((ti) => [Math.exp(p[1]! * ti), p[0]! * ti * Math.exp(p[1]! * ti)]),
    });
    for (const fit of [numeric, analytic]) expect(Array.from(fit.x).map((v) => +v.toFixed(8))).toEqual([2, -0.4]);
  });

  test('a robust loss resists an outlier that drags plain least squares', () => {
    const y = t.map((ti, i) => 1 + 2 * ti + (i === 5 ? 30 : 0));
    const residual = (p: Float64Array) => t.map((ti, i) => p[0]! + p[1]! * ti - y[i]!);
    const plain = leastSquares(residual, [0, 0]);
    const robust = leastSquares(residual, [0, 0], { loss: RobustLoss.cauchy(0.5) });
    expect(Math.abs(plain.x[1]! - 2)).toBeGreaterThan(0.1);
    expect(Math.abs(robust.x[1]! - 2)).toBeLessThan(0.01);
  });

  test('a batch of data sets, one start each: every set its own solution', () => {
    const slopes = [1, -2, 0.5];
    const fit = leastSquares((p, slope: number) => t.map((ti) => p[0]! * ti - slope * ti), [[0], [1], [2]], { data: slopes, method: 'gn' });
    expect(fit.solutions.map((s) => +s.x[0]!.toFixed(8))).toEqual(slopes);
    expect(fit.x[0]).toBeCloseTo(1, 10);
    expect(fit.result.batch).toBe(3);
  });

  test('box bounds: a line fit whose slope is capped reaches the constrained optimum under every method, the active bound said', () => {
    // y = 1 + 2t with the slope at most 1.5: the intercept is then the mean of y − 1.5·t.
    const y = t.map((ti) => 1 + 2 * ti);
    const intercept = t.reduce((sum, ti, i) => sum + y[i]! - 1.5 * ti, 0) / t.length;
    for (const method of ['lm', 'gn', 'dogleg'] as const) {
      const fit = leastSquares((p) => t.map((ti, i) => p[0]! + p[1]! * ti - y[i]!), [0, 0], {
        method,
        bounds: { upper: [Infinity, 1.5] },
        functionTolerance: 1e-14,
      });
      expect(fit.status).toBe('converged');
      expect(fit.x[1]).toBe(1.5);
      expect(fit.x[0]).toBeCloseTo(intercept, 6);
      expect(Array.from(fit.activeBounds!)).toEqual([0, 1]);
    }
    expect(leastSquares((p) => [p[0]! - 1], [0]).activeBounds).toBeUndefined();
  });

  test('BAD CALL - arguments named', () => {
    const line = (p: Float64Array) => [p[0]! - 1];
    expect(() => leastSquares('f' as never, [0])).toThrow(new TypeError("leastSquares: 'residual' must be a function (x, data) => residuals, got a string"));
    expect(() => leastSquares(line, [])).toThrow(new RangeError("leastSquares: 'x0' must be at least one parameter, got none"));
    expect(() => leastSquares(line, [NaN])).toThrow(new RangeError("leastSquares: 'x0' must be finite, got NaN at index 0"));
    expect(() => leastSquares(line, [[0], [1]], { data: [1] })).toThrow(/'x0' must be one start, or one per data set \(1\), got 2 starts/);
    expect(() => leastSquares((p) => (p[0]! > 0.5 ? [1, 2] : [p[0]! - 1]), [0])).toThrow(
      /'residual' must be a function giving 1 residuals every time \(as at x0\), got 2/,
    );
    expect(() => leastSquares(line, [0], { jacobian: () => [1, 2] })).toThrow(/'options.jacobian' must be a function giving m × n = 1 numbers, got 2 numbers/);
    expect(() => leastSquares(line, [0], { method: 'newton' as never })).toThrow(RangeError);
    expect(() => leastSquares(line, [0], { maxIterations: -1 })).toThrow(/maxIterations/);
    expect(() => leastSquares(line, [0], { bounds: { lower: [1] } })).toThrow(
      new RangeError("leastSquares: 'x0' must be within options.bounds ([1, Infinity] at coordinate 0), got 0 at index 0"),
    );
    expect(() => leastSquares(line, [0], { bounds: { lower: [0, 0] } })).toThrow(/leastSquares: 'options.bounds.lower'/);
    expect(() => leastSquares(line, [0], { foo: 1 } as never)).toThrow(/leastSquares: 'options' must be .*jacobian.*got .*foo/);
    expect(() => leastSquares((p, n: number) => Array.from({ length: n }, () => p[0]!), [0], { data: [4, 3] })).toThrow(
      new RangeError(
        "leastSquares: 'options.data' must be data sets that each give the same number of residuals (data set 0: 4), got 3 residuals from data set 1",
      ),
    );
  });
});
