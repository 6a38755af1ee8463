import { LOSS_KINDS, RobustLoss, applyLoss, rho } from '../../lib/core/robust-loss.js';
import { SeededRandom } from '../../lib/core/random.js';

describe('robust losses', () => {
  const out = new Float64Array(3);
  const plus = new Float64Array(3);
  const minus = new Float64Array(3);

  for (const kind of LOSS_KINDS) {
    test(`${kind}: ρ(0) = 0, ρ′(0) = 1, ρ′ and ρ″ match central differences`, () => {
      for (const delta of [0.3, 1, 2.5]) {
        rho(kind, 0, delta, out, 0);
        expect(out[0]).toBe(0);
        expect(out[1]).toBe(1);
        for (const s of [0.01, 0.5, 0.99 * delta * delta, 1.01 * delta * delta, 4 * delta * delta, 30]) {
          const h = 1e-6 * Math.max(1, s);
          rho(kind, s, delta, out, 0);
          rho(kind, s + h, delta, plus, 0);
          rho(kind, s - h, delta, minus, 0);
          expect(out[1]).toBeCloseTo((plus[0]! - minus[0]!) / (2 * h), 6);
          expect(out[2]).toBeCloseTo((plus[1]! - minus[1]!) / (2 * h), 6);
          expect(out[1]).toBeGreaterThanOrEqual(0);
          expect(out[1]).toBeLessThanOrEqual(1);
        }
      }
    });
  }

  test('the corrected system keeps the gradient: J̃ᵀr̃ = ρ′ Jᵀr', () => {
    const random = new SeededRandom(3);
    for (const kind of LOSS_KINDS) {
      const d = 3;
      const cols = 4;
      const rows = 50;
      const r = random.normals(rows * d).map((v) => 3 * v);
      const j = random.normals(rows * d * cols);
      const radius = new Float64Array(rows).fill(1.5);
      const rTilde = r.slice();
      const jTilde = j.slice();
      const rhoOut = new Float64Array(rows);
      applyLoss(kind, d, radius, rows, rTilde, [{ values: jTilde, cols }], rhoOut);
      for (let row = 0; row < rows; row++) {
        let s = 0;
        for (let a = 0; a < d; a++) s += r[row * d + a]! ** 2;
        rho(kind, s, 1.5, out, 0);
        expect(rhoOut[row]).toBe(out[0]);
        for (let c = 0; c < cols; c++) {
          let got = 0;
          let want = 0;
          for (let a = 0; a < d; a++) {
            got += jTilde[(row * d + a) * cols + c]! * rTilde[row * d + a]!;
            want += j[(row * d + a) * cols + c]! * r[row * d + a]!;
          }
          expect(got).toBeCloseTo(out[1]! * want, 10);
        }
      }
    }
  });

  test('BAD CALL - an unknown kind and a non-positive radius', () => {
    expect(() => new RobustLoss('l1' as never, 1)).toThrow(new RangeError("RobustLoss: 'kind' must be 'huber', 'cauchy', 'geman-mcclure', 'welsch' or 'tukey', got 'l1'"));
    expect(() => RobustLoss.huber(0).bind('Between', 'edges')).toThrow(/^Between: 'options.loss' must be a finite loss radius > 0, got 0 at index 0$/);
    expect(() => RobustLoss.cauchy(Float64Array.of(1, NaN)).bind('Between', 'edges')).toThrow(/got NaN at index 1/);
  });
});
