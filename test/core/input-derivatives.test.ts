// The derivatives of the weighting and of the robust losses with respect to
// their own inputs, analytic, against central differences: ∂(W r)/∂w for each
// kind of W, and ∂ρ/∂δ, ∂ρ′/∂δ for each loss.
import { RobustLoss, SeededRandom } from '../../lib/index.js';
import { LOSS_KINDS, rho, rhoRadius } from '../../lib/core/robust-loss.js';
import { Weight, applyWeight, weightJacobian } from '../../lib/core/weight.js';

const h = Math.cbrt(Number.EPSILON);

describe('∂(W r)/∂w', () => {
  const cases = (['scale', 'diagonal', 'sqrt-information'] as const).flatMap((kind) => [1, 2, 3, 6].map((d) => [kind, d] as const));
  test.each(cases)('%s, d = %d: against central differences of W r, every stored number', (kind, d) => {
    const random = new SeededRandom(21 + d);
    const rows = 4;
    const k = Weight.width(kind, d);
    const w = random.normals(rows * k);
    const r = random.normals(rows * d);
    const J = new Float64Array(rows * d * k);
    weightJacobian(kind, d, rows, r, J);
    const weighted = (values: Float64Array) => {
      const out = r.slice();
      applyWeight(kind, d, values, rows, out, []);
      return out;
    };
    let worst = 0;
    for (let c = 0; c < k; c++) {
      const [up, down] = [w.slice(), w.slice()];
      for (let row = 0; row < rows; row++) {
        up[row * k + c]! += h;
        down[row * k + c]! -= h;
      }
      const [plus, minus] = [weighted(up), weighted(down)];
      for (let row = 0; row < rows; row++) {
        for (let a = 0; a < d; a++) {
          const numeric = (plus[row * d + a]! - minus[row * d + a]!) / (2 * h);
          worst = Math.max(worst, Math.abs(J[(row * d + a) * k + c]! - numeric) / Math.max(1, Math.abs(numeric)));
        }
      }
    }
    expect(worst).toBeLessThan(1e-9);
  });

  test('the upper triangle: the number holding W[i][j] gives r_j in row i', () => {
    // d = 3: W = [[w0 w1 w2], [0 w3 w4], [0 0 w5]].
    const J = new Float64Array(18);
    weightJacobian('sqrt-information', 3, 1, Float64Array.of(1, 2, 3), J);
    expect(Array.from(J)).toEqual([1, 2, 3, 0, 0, 0, 0, 0, 0, 2, 3, 0, 0, 0, 0, 0, 0, 3]);
  });
});

describe('∂ρ/∂δ and ∂ρ′/∂δ', () => {
  /** s / δ² on both sides of δ² (not at it: Huber's ρ′ and Tukey's ρ″ have kinks there), and far out. */
  const RATIOS = [0, 1e-6, 0.01, 0.3, 0.9, 0.999, 1.001, 1.2, 4, 30, 300];
  const DELTAS = [0.3, 1, 2.5];
  for (const kind of LOSS_KINDS) {
    test(`${kind}: against central differences of ρ and ρ′ in δ`, () => {
      const loss = new RobustLoss(kind, 1);
      const [lo, hi, got, viaClass] = [new Float64Array(3), new Float64Array(3), new Float64Array(2), new Float64Array(2)];
      let worst = 0;
      for (const delta of DELTAS) {
        for (const ratio of RATIOS) {
          const s = ratio * delta * delta;
          rhoRadius(kind, s, delta, got, 0);
          loss.radiusDerivatives(s, delta, viaClass);
          expect(Array.from(viaClass)).toEqual(Array.from(got));
          const step = h * delta;
          rho(kind, s, delta + step, hi, 0);
          rho(kind, s, delta - step, lo, 0);
          for (let k = 0; k < 2; k++) {
            const numeric = (hi[k]! - lo[k]!) / (2 * step);
            worst = Math.max(worst, Math.abs(got[k]! - numeric) / Math.max(1, Math.abs(numeric)));
          }
        }
      }
      expect(worst).toBeLessThan(1e-8);
    });
  }

  test('the closed forms at one point: Cauchy, δ = 1, s = 1', () => {
    const out = new Float64Array(2);
    rhoRadius('cauchy', 1, 1, out, 0);
    // ρ = δ² ln(1 + s/δ²): ∂ρ/∂δ = 2δ(ln 2 − ½); ρ′ = δ²/(δ² + s): ∂ρ′/∂δ = 2δs/(δ² + s)².
    expect(out[0]).toBeCloseTo(2 * (Math.LN2 - 0.5), 15);
    expect(out[1]).toBeCloseTo(0.5, 15);
  });
});
