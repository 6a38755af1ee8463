/**
 * Square roots of information matrices: the weight W of a cost term whose
 * information matrix is Ω, so that ‖W r‖² = rᵀΩr.
 *
 * Packing. A symmetric d×d matrix is stored as its upper triangle, row-major,
 * d(d+1)/2 numbers — the order in which g2o writes Ω (I11 I12 … I1d I22 … Idd).
 * The entry (i, j), i ≤ j, is at `i·d − i(i−1)/2 + (j − i)`. R is returned in
 * the same packing (it is upper-triangular, so nothing is lost).
 *
 * Positive definite Ω (the usual case): the Cholesky factor, RᵀR = Ω,
 *
 *   R_ii = √(Ω_ii − Σ_{k<i} R_ki²),   R_ij = (Ω_ij − Σ_{k<i} R_ki R_kj) / R_ii  (j > i).
 *
 * Ω counts as not positive definite when a pivot (the radicand of R_ii) is
 * ≤ 0 or not finite. Then, as DESIGN.md §3 and REFERENCE.md define the
 * weight, the eigenvalues are clamped:
 *
 *   Ω = V diag(λ) Vᵀ,   Ω' = V diag(λ') Vᵀ,   λ'ₖ = max(λₖ, 1e-12),
 *
 * and R is the Cholesky factor of Ω'. Forming Ω' and factoring it would lose
 * the small eigenvalues (the rounding error of V diag(λ') Vᵀ is ~1e-16·max λ,
 * which can exceed 1e-12 and make the factorisation fail again), so R is
 * computed from the square root U = diag(√λ') Vᵀ instead (UᵀU = Ω'): a QR
 * factorisation U = QR by Givens rotations gives RᵀR = RᵀQᵀQR = UᵀU = Ω',
 * and flipping the sign of each row of R whose diagonal is negative makes it
 * the Cholesky factor (positive diagonal; unique because Ω' ≻ 0).
 *
 * The eigen-decomposition is the cyclic Jacobi method (Golub & Van Loan,
 * Matrix Computations, 4th ed., §8.5.2): a rotation J(p, q, θ) in the (p, q)
 * plane annihilates a_pq of A ← JᵀAJ, with
 *
 *   τ = (a_qq − a_pp) / (2 a_pq),   t = sign(τ) / (|τ| + √(1 + τ²)),
 *   c = 1 / √(1 + t²),   s = t·c,
 *
 * the smaller of the two rotation angles, which makes the sweeps converge
 * quadratically; V accumulates the rotations (A = V diag(λ) Vᵀ at the end).
 * For d ≤ 6 a handful of sweeps reach off(A) ≤ ε‖A‖.
 *
 * Scaling. A matrix whose largest entry is beyond 1e±100 is scaled by a
 * power of 4 (so that its square root scales back by an exact power of 2)
 * before it is factored, which keeps squares of its entries from
 * overflowing or underflowing and changes no rounding otherwise.
 */
import { checkInteger, checkTypedArray, rangeError } from '../base/check.js';

/** Eigenvalues below this are raised to it. */
export const MIN_EIGENVALUE = 1e-12;

/** What {@link sqrtInformation} returns. */
export interface SqrtInformationResult {
  /** Upper-triangular R per matrix, upper triangle row-major (d(d+1)/2 each). */
  sqrt: Float64Array;
  /** How many matrices were not positive definite (their eigenvalues clamped). */
  nonPositiveDefinite: number;
  /** 1 for each matrix that was not positive definite, else 0. */
  flags: Uint8Array;
}

const FN = 'sqrtInformation';

/**
 * Upper-triangular square roots R (RᵀR = Ω) of `count = omega.length / (d(d+1)/2)`
 * symmetric matrices given as their upper triangles, row-major (g2o's order).
 * A matrix that is not positive definite gets the Cholesky factor of its
 * eigenvalue-clamped version Ω' = V diag(max(λₖ, 1e-12)) Vᵀ, and is counted
 * and flagged.
 *
 * @param omega count × d(d+1)/2 numbers; only the upper triangles are read.
 * @param d the matrix size, 1 to 6.
 * @param out where R goes (may be `omega` itself); a new array when omitted.
 *
 * @example
 * ```ts
 * import { sqrtInformation } from 'ariadne';
 * // Ω = [[4, 2], [2, 5]] (upper triangle 4 2 5) → R = [[2, 1], [0, 2]]; Ω = [[1, 2], [2, 1]] is indefinite.
 * const { sqrt, nonPositiveDefinite, flags } = sqrtInformation(new Float64Array([4, 2, 5, 1, 2, 1]), 2);
 * console.log(sqrt.subarray(0, 3), nonPositiveDefinite, flags); // Float64Array(3) [ 2, 1, 2 ] 1 Uint8Array(2) [ 0, 1 ]
 * ```
 */
export function sqrtInformation(omega: Float64Array, d: number, out?: Float64Array): SqrtInformationResult {
  checkTypedArray(FN, 'omega', omega, Float64Array);
  checkInteger(FN, 'd', d, 1, 6);
  const tri = (d * (d + 1)) / 2;
  if (omega.length % tri !== 0) {
    throw rangeError(FN, 'omega', `of a length that is a multiple of d(d+1)/2 = ${tri}`, `length ${omega.length}`);
  }
  const count = omega.length / tri;
  if (out !== undefined) checkTypedArray(FN, 'out', out, Float64Array, omega.length, `the length of 'omega'`);
  // x·0 is 0 for finite x and NaN otherwise: one cheap pass, then the culprit.
  let zero = 0;
  for (let k = 0; k < omega.length; k++) zero += omega[k]! * 0;
  if (zero !== 0) {
    for (let k = 0; k < omega.length; k++) {
      const x = omega[k]!;
      if (!Number.isFinite(x)) throw rangeError(FN, 'omega', 'finite', `${x} in matrix ${Math.floor(k / tri)}, entry ${k % tri}`);
    }
  }

  const sqrt = out ?? new Float64Array(omega.length);
  const flags = new Uint8Array(count);
  const scratch = new Scratch(d);
  let nonPositiveDefinite = 0;
  for (let m = 0; m < count; m++) {
    if (d === 3 && factor3(omega, m * 6, sqrt)) continue;
    if (!factorOne(omega, m * tri, d, sqrt, scratch)) {
      flags[m] = 1;
      nonPositiveDefinite++;
    }
  }
  return { sqrt, nonPositiveDefinite, flags };
}

/** Per-call work space (d ≤ 6): a dense matrix, eigenvectors, a packed factor. */
class Scratch {
  readonly a: Float64Array; // d×d row-major
  readonly v: Float64Array; // d×d row-major, eigenvectors in columns
  readonly u: Float64Array; // d×d row-major
  readonly r: Float64Array; // packed upper triangle
  constructor(readonly d: number) {
    this.a = new Float64Array(d * d);
    this.v = new Float64Array(d * d);
    this.u = new Float64Array(d * d);
    this.r = new Float64Array((d * (d + 1)) / 2);
  }
}

/** Index of (i, j), i ≤ j, in the packed upper triangle. */
function packed(i: number, j: number, d: number): number {
  return i * d - (i * (i - 1)) / 2 + (j - i);
}

/**
 * R of the matrix at `omega[offset ...]` into `out[offset ...]`; false when
 * it was not positive definite (R is then that of the clamped Ω').
 */
function factorOne(omega: Float64Array, offset: number, d: number, out: Float64Array, s: Scratch): boolean {
  const tri = s.r.length;
  let max = 0;
  for (let k = 0; k < tri; k++) max = Math.max(max, Math.abs(omega[offset + k]!));
  // Far from 1, scale by 4^-e so that the largest entry is in [1, 4): exact,
  // and R scales back by 2^e exactly.
  let down = 1;
  let up = 1;
  if (!(max > 1e-100 && max < 1e100) && max > 0) {
    const e = Math.min(500, Math.max(-500, Math.floor(Math.log2(max) / 2)));
    down = 4 ** -e;
    up = 2 ** e;
  }
  const a = s.a;
  for (let i = 0, k = offset; i < d; i++) for (let j = i; j < d; j++) a[i * d + j] = omega[k++]! * down;
  const positive = cholesky(a, d);
  if (positive) {
    for (let i = 0, k = offset; i < d; i++) for (let j = i; j < d; j++) out[k++] = a[i * d + j]! * up;
    return true;
  }
  const r = s.r;
  for (let k = 0; k < tri; k++) r[k] = omega[offset + k]! * down;
  clampedFactor(r, d, MIN_EIGENVALUE * down, s);
  for (let k = 0; k < tri; k++) out[offset + k] = r[k]! * up;
  return false;
}

/**
 * The common case, d = 3 (SE2) and positive definite with entries within
 * 1e±100, written out: the same operations in the same order as `cholesky`
 * (so the same bits), without its loops. False when it does not apply; the
 * general path then decides.
 */
function factor3(omega: Float64Array, o: number, out: Float64Array): boolean {
  const a00 = omega[o]!;
  const a01 = omega[o + 1]!;
  const a02 = omega[o + 2]!;
  const a11 = omega[o + 3]!;
  const a12 = omega[o + 4]!;
  const a22 = omega[o + 5]!;
  const max = Math.max(Math.abs(a00), Math.abs(a01), Math.abs(a02), Math.abs(a11), Math.abs(a12), Math.abs(a22));
  if (!(max > 1e-100 && max < 1e100) || !(a00 > 0)) return false;
  const r00 = Math.sqrt(a00);
  const r01 = a01 / r00;
  const r02 = a02 / r00;
  const p1 = a11 - r01 * r01;
  if (!(p1 > 0)) return false;
  const r11 = Math.sqrt(p1);
  const r12 = (a12 - r01 * r02) / r11;
  let p2 = a22 - r02 * r02;
  p2 -= r12 * r12;
  if (!(p2 > 0)) return false;
  out[o] = r00;
  out[o + 1] = r01;
  out[o + 2] = r02;
  out[o + 3] = r11;
  out[o + 4] = r12;
  out[o + 5] = Math.sqrt(p2);
  return true;
}

/**
 * In-place Cholesky of the upper triangle of the dense d×d `a` (row-major;
 * the lower triangle is not read); false at the first pivot ≤ 0 (or NaN).
 */
function cholesky(a: Float64Array, d: number): boolean {
  for (let i = 0; i < d; i++) {
    let pivot = a[i * d + i]!;
    for (let k = 0; k < i; k++) {
      const rki = a[k * d + i]!;
      pivot -= rki * rki;
    }
    if (!(pivot > 0) || pivot === Infinity) return false;
    const rii = Math.sqrt(pivot);
    a[i * d + i] = rii;
    for (let j = i + 1; j < d; j++) {
      let x = a[i * d + j]!;
      for (let k = 0; k < i; k++) x -= a[k * d + i]! * a[k * d + j]!;
      a[i * d + j] = x / rii;
    }
  }
  return true;
}

/**
 * The packed Ω in `r` becomes the Cholesky factor of V diag(max(λ, floor)) Vᵀ:
 * Jacobi eigen-decomposition, U = diag(√λ') Vᵀ, then U = QR by Givens rotations.
 */
function clampedFactor(r: Float64Array, d: number, floor: number, s: Scratch): void {
  const { a, v, u } = s;
  for (let i = 0; i < d; i++) {
    for (let j = i; j < d; j++) {
      const x = r[packed(i, j, d)]!;
      a[i * d + j] = x;
      a[j * d + i] = x;
    }
  }
  jacobiEigen(a, v, d);
  // Row k of U is √λ'ₖ times eigenvector k (column k of V).
  for (let k = 0; k < d; k++) {
    const root = Math.sqrt(Math.max(a[k * d + k]!, floor));
    for (let j = 0; j < d; j++) u[k * d + j] = root * v[j * d + k]!;
  }
  givensQr(u, d);
  for (let i = 0; i < d; i++) {
    const sign = u[i * d + i]! < 0 ? -1 : 1;
    for (let j = i; j < d; j++) r[packed(i, j, d)] = sign * u[i * d + j]!;
  }
}

/**
 * Cyclic Jacobi: the symmetric `a` (d×d, row-major) becomes diagonal (its
 * eigenvalues) and `v` holds the eigenvectors in its columns, A = V Λ Vᵀ.
 */
function jacobiEigen(a: Float64Array, v: Float64Array, d: number): void {
  v.fill(0);
  for (let i = 0; i < d; i++) v[i * d + i] = 1;
  let norm2 = 0;
  for (let k = 0; k < d * d; k++) norm2 += a[k]! * a[k]!;
  const tolerance = (Number.EPSILON * Number.EPSILON * norm2) / 4;
  for (let sweep = 0; sweep < 64; sweep++) {
    let off = 0;
    for (let p = 0; p < d; p++) for (let q = p + 1; q < d; q++) off += a[p * d + q]! * a[p * d + q]!;
    if (!(off > tolerance)) return;
    for (let p = 0; p < d; p++) {
      for (let q = p + 1; q < d; q++) {
        const apq = a[p * d + q]!;
        if (apq === 0) continue;
        const tau = (a[q * d + q]! - a[p * d + p]!) / (2 * apq);
        // For huge τ, √(1 + τ²) would overflow; t → 1/(2τ) there.
        const t = Math.abs(tau) > 1e150 ? 1 / (2 * tau) : Math.sign(tau || 1) / (Math.abs(tau) + Math.sqrt(1 + tau * tau));
        const c = 1 / Math.sqrt(1 + t * t);
        const sn = t * c;
        // A ← JᵀAJ with J = I except J_pp = J_qq = c, J_pq = s, J_qp = −s.
        for (let k = 0; k < d; k++) {
          const akp = a[k * d + p]!;
          const akq = a[k * d + q]!;
          a[k * d + p] = c * akp - sn * akq;
          a[k * d + q] = sn * akp + c * akq;
        }
        for (let k = 0; k < d; k++) {
          const apk = a[p * d + k]!;
          const aqk = a[q * d + k]!;
          a[p * d + k] = c * apk - sn * aqk;
          a[q * d + k] = sn * apk + c * aqk;
        }
        a[p * d + q] = 0;
        a[q * d + p] = 0;
        for (let k = 0; k < d; k++) {
          const vkp = v[k * d + p]!;
          const vkq = v[k * d + q]!;
          v[k * d + p] = c * vkp - sn * vkq;
          v[k * d + q] = sn * vkp + c * vkq;
        }
      }
    }
  }
}

/** In place, `u` (d×d row-major) becomes R of U = QR (below-diagonal entries zeroed). */
function givensQr(u: Float64Array, d: number): void {
  for (let j = 0; j < d; j++) {
    for (let i = d - 1; i > j; i--) {
      // Rotate rows i−1 and i so that u[i][j] becomes 0.
      const x = u[(i - 1) * d + j]!;
      const y = u[i * d + j]!;
      if (y === 0) continue;
      const h = Math.hypot(x, y);
      const c = x / h;
      const sn = y / h;
      for (let k = j; k < d; k++) {
        const a = u[(i - 1) * d + k]!;
        const b = u[i * d + k]!;
        u[(i - 1) * d + k] = c * a + sn * b;
        u[i * d + k] = -sn * a + c * b;
      }
      u[i * d + j] = 0;
    }
  }
}

/**
 * The clamped matrix Ω' = V diag(max(λₖ, 1e-12)) Vᵀ of one packed symmetric
 * matrix (the matrix whose Cholesky factor `sqrtInformation` returns for a
 * matrix that is not positive definite), packed the same way. For tests and
 * diagnostics.
 */
export function clampedInformation(omega: Float64Array, d: number): Float64Array {
  const fn = 'clampedInformation';
  checkInteger(fn, 'd', d, 1, 6);
  checkTypedArray(fn, 'omega', omega, Float64Array, (d * (d + 1)) / 2, `d(d+1)/2 for d = ${d}`);
  for (let k = 0; k < omega.length; k++) {
    if (!Number.isFinite(omega[k]!)) throw rangeError(fn, 'omega', 'finite', `${omega[k]} at entry ${k}`);
  }
  const s = new Scratch(d);
  for (let i = 0; i < d; i++) {
    for (let j = i; j < d; j++) {
      s.a[i * d + j] = omega[packed(i, j, d)]!;
      s.a[j * d + i] = omega[packed(i, j, d)]!;
    }
  }
  jacobiEigen(s.a, s.v, d);
  const result = new Float64Array(omega.length);
  for (let i = 0; i < d; i++) {
    for (let j = i; j < d; j++) {
      let x = 0;
      for (let k = 0; k < d; k++) x += s.v[i * d + k]! * Math.max(s.a[k * d + k]!, MIN_EIGENVALUE) * s.v[j * d + k]!;
      result[packed(i, j, d)] = x;
    }
  }
  return result;
}
