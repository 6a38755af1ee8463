// The robust losses against DESIGN.md section 3, written out again here:
// ρ, ρ′ and ρ″ against the formulas (their derivatives derived by hand and
// checked by central differences of ρ), and the objective's cost, corrected
// residuals and Jacobian on a small problem against Ceres' Corrector.
import { Custom, Objective, RobustLoss, SeededRandom, Variable, Vector, Weight, type LossKind } from '../../lib/index.js';
import { LOSS_KINDS, applyLoss, rho } from '../../lib/core/robust-loss.js';

type Rho = (s: number, delta: number) => [number, number, number];

/** [ρ, ρ′, ρ″](s) with c = δ², from DESIGN.md section 3. */
const formulas: Record<LossKind, Rho> = {
  huber: (s, d) => (s <= d * d ? [s, 1, 0] : [2 * d * Math.sqrt(s) - d * d, d / Math.sqrt(s), -d / (2 * s * Math.sqrt(s))]),
  cauchy: (s, d) => {
    const c = d * d;
    return [c * Math.log(1 + s / c), c / (c + s), -c / ((c + s) * (c + s))];
  },
  'geman-mcclure': (s, d) => {
    const c = d * d;
    return [(c * s) / (c + s), (c * c) / (c + s) ** 2, (-2 * c * c) / (c + s) ** 3];
  },
  welsch: (s, d) => {
    const c = d * d;
    return [c * (1 - Math.exp(-s / c)), Math.exp(-s / c), -Math.exp(-s / c) / c];
  },
  tukey: (s, d) => {
    const c = d * d;
    return s <= c ? [(c / 3) * (1 - (1 - s / c) ** 3), (1 - s / c) ** 2, (-2 * (1 - s / c)) / c] : [c / 3, 0, 0];
  },
};

/** s / δ² at which the losses are sampled: both sides of δ², close to it, at it, and far out. */
const RATIOS = [0.01, 0.3, 0.9, 0.999, 1, 1.001, 1.2, 4, 30, 300];
const DELTAS = [0.3, 1, 2.5];

/** |got − want| ≤ tolerance·(|want| + scale). */
function expectClose(got: number, want: number, tolerance: number, scale: number, what: string): void {
  const error = Math.abs(got - want);
  if (!(error <= tolerance * (Math.abs(want) + scale))) throw new Error(`${what}: got ${got}, want ${want} (error ${error.toExponential(2)})`);
}

/** The library's [ρ, ρ′, ρ″](s). */
function library(kind: LossKind, s: number, delta: number): number[] {
  const out = new Float64Array(3);
  rho(kind, s, delta, out, 0);
  return Array.from(out);
}

describe('robust losses', () => {
  for (const kind of LOSS_KINDS) {
    test(`${kind}: ρ, ρ′ and ρ″ are the formulas of DESIGN.md, and the hand-derived ρ′, ρ″ match central differences of ρ`, () => {
      for (const delta of DELTAS) {
        const c = delta * delta;
        expect(library(kind, 0, delta).slice(0, 2)).toEqual([0, 1]);
        for (const ratio of RATIOS) {
          const s = ratio * c;
          const want = formulas[kind](s, delta);
          const got = library(kind, s, delta);
          for (let k = 0; k < 3; k++) expectClose(got[k]!, want[k]!, 1e-12, 1e-300, `${kind} δ = ${delta}, s = ${ratio}δ²: ρ${'′'.repeat(k)}`);
          // The formula's own derivatives (not across the kinks of Huber and Tukey at s = δ²).
          if (ratio === 1) continue;
          const h = 1e-5 * c;
          const plus = formulas[kind](s + h, delta);
          const minus = formulas[kind](s - h, delta);
          expectClose((plus[0] - minus[0]) / (2 * h), want[1], 1e-7, 1, `${kind} δ = ${delta}, s = ${ratio}δ²: ρ′ by differences`);
          expectClose((plus[1] - minus[1]) / (2 * h), want[2], 1e-7, 1 / c, `${kind} δ = ${delta}, s = ${ratio}δ²: ρ″ by differences`);
        }
      }
    });
  }

  test('EXPECTED FAILURE - the comparison catches a loss off by a little (Cauchy with δ·(1 + 1e-9))', () => {
    expect(() => {
      for (const ratio of RATIOS) expectClose(library('cauchy', ratio, 1 + 1e-9)[0]!, formulas.cauchy(ratio, 1)[0], 1e-12, 1e-300, 'cauchy');
    }).toThrow(/^cauchy: got/);
  });

  /**
   * Ceres' Corrector applied to one whitened row r = W r₀, J = W J₀ (DESIGN.md
   * section 3): r̃ = √ρ′ r, J̃ = √ρ′ J when s = 0 or ρ″ ≤ 0; otherwise
   * α = 1 − √(1 + 2sρ″/ρ′), r̃ = √ρ′/(1 − α) r, J̃ = √ρ′ (I − α r rᵀ/s) J.
   * (The five losses are concave in s, ρ″ ≤ 0 everywhere, so they never take
   * the second branch; it is the rule for any loss that would.)
   */
  function corrector(r: number[], J: number[][], rhoS: [number, number, number]): { r: number[]; J: number[][] } {
    const s = r.reduce((sum, v) => sum + v * v, 0);
    const [, rho1, rho2] = rhoS;
    const root = Math.sqrt(rho1);
    if (s === 0 || rho2 <= 0) return { r: r.map((v) => root * v), J: J.map((row) => row.map((v) => root * v)) };
    const alpha = 1 - Math.sqrt(1 + (2 * s * rho2) / rho1);
    const rtJ = J[0]!.map((_, col) => r.reduce((sum, ra, a) => sum + ra * J[a]![col]!, 0));
    return {
      r: r.map((v) => (root / (1 - alpha)) * v),
      J: J.map((row, a) => row.map((v, col) => root * (v - (alpha / s) * r[a]! * rtJ[col]!))),
    };
  }

  /** W·x for W upper triangular, packed row-major (k = d(d+1)/2 numbers). */
  function upperTimes(w: ArrayLike<number>, x: number[]): number[] {
    const d = x.length;
    const y: number[] = [];
    for (let a = 0, p = 0; a < d; a++) {
      let sum = 0;
      for (let b = a; b < d; b++) sum += w[p++]! * x[b]!;
      y.push(sum);
    }
    return y;
  }

  test.each(LOSS_KINDS)("%s: the objective gives ½ Σ ρ(‖W r‖²) and the Corrector's r̃ and J̃ of a small weighted problem", (kind) => {
    // r_i(x) = A_i x − b_i (d = 2, x ∈ ℝ³), whitened by an upper-triangular W_i,
    // at residual sizes from 0 to 25δ², with a radius per instance.
    const d = 2;
    const n = 3;
    const random = new SeededRandom(41);
    const x = [0.7, -1.2, 0.4];
    const sizes = [0, 0.05, 0.5, 0.95, 1.05, 2, 6, 25]; // target s / δ²
    const I = sizes.length;
    const A = random.normals(I * d * n);
    const w = new Float64Array(I * 3);
    const delta = new Float64Array(I);
    const rows: number[][] = [];
    for (let i = 0; i < I; i++) {
      w.set([1 + random.uniform(), 0.5 * random.normal(), 1 + random.uniform()], i * 3);
      delta[i] = 0.5 + random.uniform();
      // r_i = W_i⁻¹ u with ‖u‖² = sizes[i]·δ_i², so that s_i ≈ sizes[i]·δ_i².
      const angle = 2 * Math.PI * random.uniform();
      const norm = Math.sqrt(sizes[i]!) * delta[i]!;
      const u = [norm * Math.cos(angle), norm * Math.sin(angle)];
      const r1 = u[1]! / w[i * 3 + 2]!;
      rows.push([(u[0]! - w[i * 3 + 1]! * r1) / w[i * 3]!, r1]);
    }
    const Ax = (i: number, xv: ArrayLike<number>, a: number) =>
      A[(i * d + a) * n]! * xv[0]! + A[(i * d + a) * n + 1]! * xv[1]! + A[(i * d + a) * n + 2]! * xv[2]!;
    // b_i = A_i x − r_i: at x the raw residual is r_i up to rounding, and exactly 0 for instance 0.
    const b = new Float64Array(I * d);
    for (let i = 0; i < I; i++) for (let a = 0; a < d; a++) b[i * d + a] = Ax(i, x, a) - rows[i]![a]!;
    const v = new Variable('x', Vector(n), Float64Array.from(x));
    const term = new Custom({
      dim: d,
      variables: [{ variable: v, indices: new Int32Array(I) }],
      auxiliary: [
        { name: 'A', values: A, k: d * n },
        { name: 'b', values: b, k: d },
      ],
      residual: (count, [p, a, bv], out) => {
        for (let i = 0; i < count; i++) {
          for (let r = 0; r < d; r++)
            out[i * d + r] =
              a![(i * d + r) * n]! * p![i * n]! + a![(i * d + r) * n + 1]! * p![i * n + 1]! + a![(i * d + r) * n + 2]! * p![i * n + 2]! - bv![i * d + r]!;
        }
      },
      jacobians: (count, [, a], [j]) => j!.set(a!.subarray(0, count * d * n)),
      weight: Weight.sqrtInformation(w, d),
      loss: new RobustLoss(kind, delta),
    });
    const objective = new Objective([term]);
    const evaluation = objective.evaluate(objective.initialState(), { residuals: true, jacobians: true });
    // The dense J̃ from the pattern.
    const dense = Array.from({ length: objective.m }, () => new Array<number>(n).fill(0));
    for (let k = 0; k < objective.nnz; k++) dense[objective.pattern.rows[k]!]![objective.pattern.cols[k]!]! += evaluation.jValues![k]!;

    let cost = 0;
    let zero = 0;
    let below = 0;
    let above = 0;
    for (let i = 0; i < I; i++) {
      const raw = [0, 1].map((a) => Ax(i, x, a) - b[i * d + a]!);
      const wi = w.subarray(i * 3, i * 3 + 3);
      const r = upperTimes(wi, raw);
      const columns = [0, 1, 2].map((col) => upperTimes(wi, [A[i * d * n + col]!, A[(i * d + 1) * n + col]!]));
      const J = [0, 1].map((a) => columns.map((column) => column[a]!));
      const s = r[0]! * r[0]! + r[1]! * r[1]!;
      if (s === 0) zero++;
      else if (s < delta[i]! ** 2) below++;
      else above++;
      const rhoS = formulas[kind](s, delta[i]!);
      cost += rhoS[0] / 2;
      const want = corrector(r, J, rhoS);
      for (let a = 0; a < d; a++) {
        expectClose(evaluation.residuals![i * d + a]!, want.r[a]!, 1e-12, 1e-14, `${kind} instance ${i}: r̃[${a}]`);
        for (let col = 0; col < n; col++) expectClose(dense[i * d + a]![col]!, want.J[a]![col]!, 1e-12, 1e-14, `${kind} instance ${i}: J̃[${a}][${col}]`);
      }
    }
    expect([zero, below, above]).toEqual([1, 3, 4]);
    expectClose(evaluation.cost[0]!, cost, 1e-12, 0, `${kind}: cost`);
  });

  test('the corrected system keeps the gradient: J̃ᵀr̃ = ρ′ Jᵀr', () => {
    const out = new Float64Array(3);
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
    expect(() => new RobustLoss('l1' as never, 1)).toThrow(
      new RangeError("RobustLoss: 'kind' must be 'huber', 'cauchy', 'geman-mcclure', 'welsch' or 'tukey', got 'l1'"),
    );
    expect(() => RobustLoss.huber(0).bind('Between', 'edges')).toThrow(/^Between: 'options.loss' must be a finite loss radius > 0, got 0 at index 0$/);
    expect(() => RobustLoss.cauchy(Float64Array.of(1, NaN)).bind('Between', 'edges')).toThrow(/got NaN at index 1/);
  });
});
