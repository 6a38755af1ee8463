/**
 * SE(3), rigid motions of space, stored as [tx, ty, tz, qx, qy, qz, qw]
 * (g2o's order; the quaternion as in SO3: unit, qw ≥ 0 in every output);
 * tangent τ = (v, ω) = (v₁, v₂, v₃, ω₁, ω₂, ω₃), translation first.
 *
 *   x = (t, R),  x·p = R p + t,  a·b = (t_a + R_a t_b, R_a R_b),  x⁻¹ = (−Rᵀt, Rᵀ)
 *   Exp(v, ω) = (V(ω) v, Exp_SO3(ω)),   V(ω)  = Jl_SO3(ω) = I + a [ω]× + b [ω]×²
 *   Log(t, q) = (V⁻¹(ω) t, ω = Log_SO3(q)),  V⁻¹(ω) = I − ½ [ω]× + c [ω]×²
 *   Jr(v, ω)   = [[Jr(ω), Q(−v, −ω)], [0, Jr(ω)]]
 *   Jr⁻¹(v, ω) = [[Jr⁻¹(ω), −Jr⁻¹(ω) Q(−v, −ω) Jr⁻¹(ω)], [0, Jr⁻¹(ω)]]
 *   Jl(τ) = Jr(−τ),  Ad(x) = [[R, [t]× R], [0, R]],  Ad(x)⁻¹ = [[Rᵀ, −Rᵀ [t]×], [0, Rᵀ]]
 *
 * Q is the block of Jl(v, ω) (Barfoot, State Estimation for Robotics, eq. 7.86), with
 * P = [v]×, W = [ω]×, θ = ‖ω‖:
 *   Q(v, ω) = ½ P + b (W P + P W + W P W) + e (W² P + P W² − 3 W P W) + f (W P W² + W² P W)
 *   b = (θ − sin θ)/θ³,  e = (θ²/2 + cos θ − 1)/θ⁴,  f = (2θ − 3 sin θ + θ cos θ)/(2θ⁵)
 * each with its Taylor series near θ = 0 (lie-group.ts gives the switch
 * points and errors). Since P and W are skew, P W = (W P)ᵀ, P W² = −(W² P)ᵀ and
 * W P W² = (W² P W)ᵀ, and W P = v ωᵀ − (ω·v) I, so Q costs three 3×3 products.
 *
 * Jacobians: compose J_a = Ad(b)⁻¹, J_b = I; inverse −Ad(x); between
 * J_a = −Ad(a⁻¹b)⁻¹, J_b = I; act J_x = [R, −R [p]×], J_p = R; retract
 * J_x = Ad(Exp δ)⁻¹, J_δ = Jr(δ); local (τ = Log(x⁻¹y)) J_x = −Jl⁻¹(τ),
 * J_y = Jr⁻¹(τ).
 */
import { checkFinite } from '../base/check.js';
import type { SeededRandom } from '../base/random.js';
import {
  Batch,
  checkCount,
  checkHomogeneousRow,
  checkQuaternions,
  checkRandom,
  checkRotations,
  coefAlpha,
  coefB,
  coefC,
  coefE,
  coefF,
  coefK,
  holdError,
  jacobianArray,
  mul3,
  oneInput,
  operand,
  outputArray,
  timesRotation3T,
  twoInputs,
  writeIdentity,
  type LieGroup,
} from './lie-group.js';
import {
  SO3,
  expQuaternion,
  expScratch,
  inverseNorm,
  quaternionFromRotation,
  randomQuaternion,
  rotatePoint,
  storeProduct,
  storeQuaternion,
  writeRotation,
  writeRotationJacobian,
  writeRotationTimesSkew,
} from './so3.js';

/**
 * SE3 with its conversions, batched like the verbs: 3×4 [R | t] and 4×4
 * homogeneous row-major matrices (a rotation block that is not a rotation
 * within 1e-6, or a last row other than [0, 0, 0, 1], is a RangeError), and
 * rotation (quaternion) plus translation.
 *
 * @example
 * ```ts
 * import { SE3 } from 'ariadne';
 * const q = new Float64Array([0, 0, Math.SQRT1_2, Math.SQRT1_2]); // 90° about z
 * const x = SE3.fromRotationTranslation(q, new Float64Array([1, 2, 3]));
 * const M = SE3.toMatrix4x4(x); // [0, -1, 0, 1,  1, 0, 0, 2,  0, 0, 1, 3,  0, 0, 0, 1] up to rounding
 * console.log(SE3.fromMatrix4x4(M)); // [1, 2, 3, 0, 0, √½, √½] — x again
 * console.log(SE3.toMatrix3x4(x).length, SE3.fromMatrix3x4(SE3.toMatrix3x4(x))); // 12 [1, 2, 3, 0, 0, √½, √½] — x again
 * console.log(SE3.toRotation(x), SE3.toTranslation(x)); // [0, 0, √½, √½] [1, 2, 3] — q and the translation
 * ```
 */
export interface SE3Group extends LieGroup {
  readonly name: 'SE3';
  /** Unit quaternions [qx, qy, qz, qw] (count·4) and translations (count·3) → elements; either may broadcast. */
  fromRotationTranslation(rotation: Float64Array, translation: Float64Array, out?: Float64Array): Float64Array;
  /** Elements → unit quaternions with qw ≥ 0 (count·4). */
  toRotation(x: Float64Array, out?: Float64Array): Float64Array;
  /** Elements → translations (count·3). */
  toTranslation(x: Float64Array, out?: Float64Array): Float64Array;
  /** 4×4 homogeneous matrices (count·16) → elements. */
  fromMatrix4x4(M: Float64Array, out?: Float64Array): Float64Array;
  /** Elements → 4×4 homogeneous matrices (count·16). */
  toMatrix4x4(x: Float64Array, out?: Float64Array): Float64Array;
  /** 3×4 matrices [R | t] (count·12) → elements. */
  fromMatrix3x4(M: Float64Array, out?: Float64Array): Float64Array;
  /** Elements → 3×4 matrices [R | t] (count·12). */
  toMatrix3x4(x: Float64Array, out?: Float64Array): Float64Array;
}

function values(fn: string, arg: string, x: Float64Array): void {
  checkQuaternions(fn, arg, x, 7, 3);
}

/** The batched arguments of the two-input verbs and conversions (see twoInputs). */
const inputs = {
  a: operand('a', 7, 6, values),
  b: operand('b', 7, 6, values),
  x: operand('x', 7, 6, values),
  y: operand('y', 7, 6, values),
  delta: operand('delta', 6, 6, checkFinite),
  points: operand('points', 3, 3, checkFinite, '3 numbers (points)'),
  rotation: operand('rotation', 4, 3, (fn, name, q) => checkQuaternions(fn, name, q, 4, 0), '4 numbers (quaternions)'),
  translation: operand('translation', 3, 3, checkFinite),
};

// Scratch 3×3 matrices for the Jacobian kernels; none escapes a call.
const WP = new Float64Array(9);
const W2P = new Float64Array(9);
const WPW = new Float64Array(9);
const W2PW = new Float64Array(9);
const Qm = new Float64Array(9);
const JI = new Float64Array(9);
const T = new Float64Array(9);
const T2 = new Float64Array(9);
// Scratch element for retract (Exp δ) and local (x⁻¹y).
const E = new Float64Array(7);

/** rows of M·W: row i of M·[ω]× is (row i of M) × ω. */
function mulSkewRight(M: Float64Array, w1: number, w2: number, w3: number, out: Float64Array): void {
  for (let i = 0; i < 9; i += 3) {
    const m0 = M[i]!;
    const m1 = M[i + 1]!;
    const m2 = M[i + 2]!;
    out[i] = m1 * w3 - m2 * w2;
    out[i + 1] = m2 * w1 - m0 * w3;
    out[i + 2] = m0 * w2 - m1 * w1;
  }
}

/** columns of W·M: column j of [ω]×·M is ω × (column j of M). */
function mulSkewLeft(w1: number, w2: number, w3: number, M: Float64Array, out: Float64Array): void {
  for (let j = 0; j < 3; j++) {
    const m0 = M[j]!;
    const m1 = M[j + 3]!;
    const m2 = M[j + 6]!;
    out[j] = w2 * m2 - w3 * m1;
    out[j + 3] = w3 * m0 - w1 * m2;
    out[j + 6] = w1 * m1 - w2 * m0;
  }
}

/** Q(v, ω) into Qm (see the header), with b, e, f at θ = ‖ω‖. */
function fillQ(v1: number, v2: number, v3: number, w1: number, w2: number, w3: number, b: number, e: number, f: number): void {
  // W P = v ωᵀ − (ω·v) I
  const d = w1 * v1 + w2 * v2 + w3 * v3;
  WP[0] = v1 * w1 - d;
  WP[1] = v1 * w2;
  WP[2] = v1 * w3;
  WP[3] = v2 * w1;
  WP[4] = v2 * w2 - d;
  WP[5] = v2 * w3;
  WP[6] = v3 * w1;
  WP[7] = v3 * w2;
  WP[8] = v3 * w3 - d;
  mulSkewLeft(w1, w2, w3, WP, W2P);
  mulSkewRight(WP, w1, w2, w3, WPW);
  mulSkewLeft(w1, w2, w3, WPW, W2PW);
  // ½ P
  Qm[0] = 0;
  Qm[1] = -0.5 * v3;
  Qm[2] = 0.5 * v2;
  Qm[3] = 0.5 * v3;
  Qm[4] = 0;
  Qm[5] = -0.5 * v1;
  Qm[6] = -0.5 * v2;
  Qm[7] = 0.5 * v1;
  Qm[8] = 0;
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      const ij = 3 * i + j;
      const ji = 3 * j + i;
      Qm[ij] = Qm[ij]! + b * (WP[ij]! + WP[ji]! + WPW[ij]!) + e * (W2P[ij]! - W2P[ji]! - 3 * WPW[ij]!) + f * (W2PW[ij]! + W2PW[ji]!);
    }
  }
}

/** Copies the 3×3 matrix M times s into the block at J[o] (rows `stride` apart). */
function putBlock(J: Float64Array, o: number, stride: number, M: Float64Array, s: number): void {
  for (let i = 0; i < 3; i++) {
    J[o + i * stride] = s * M[3 * i]!;
    J[o + i * stride + 1] = s * M[3 * i + 1]!;
    J[o + i * stride + 2] = s * M[3 * i + 2]!;
  }
}

/** Zeros the lower-left 3×3 block of the 6×6 at J[o]. */
function zeroLowerLeft(J: Float64Array, o: number): void {
  for (let i = 3; i < 6; i++) {
    J[o + 6 * i] = 0;
    J[o + 6 * i + 1] = 0;
    J[o + 6 * i + 2] = 0;
  }
}

/** Jr(v, ω) at J[o] (6×6); sh, ch = sin, cos of θ/2, k = k(θ). */
function writeJr(
  J: Float64Array,
  o: number,
  v1: number,
  v2: number,
  v3: number,
  w1: number,
  w2: number,
  w3: number,
  theta: number,
  sh: number,
  ch: number,
): void {
  const k = coefK(theta, sh);
  const b = coefB(theta, sh, ch);
  const A = 2 * k * ch;
  const a = 2 * k * k;
  writeRotationJacobian(J, o, 6, w1, w2, w3, A, -a, b);
  writeRotationJacobian(J, o + 21, 6, w1, w2, w3, A, -a, b);
  zeroLowerLeft(J, o);
  fillQ(-v1, -v2, -v3, -w1, -w2, -w3, b, coefE(theta, sh), coefF(theta, sh, ch));
  putBlock(J, o + 3, 6, Qm, 1);
}

/**
 * s·Jr⁻¹(σ·τ) at J[o] (6×6), σ = ±1 (σ = −1: Jl⁻¹(τ)), for τ = (v, ω) with
 * θ = ‖ω‖ ≤ π; sh, ch = sin, cos of θ/2.
 */
function writeJrInv(
  J: Float64Array,
  o: number,
  v1: number,
  v2: number,
  v3: number,
  w1: number,
  w2: number,
  w3: number,
  theta: number,
  sh: number,
  ch: number,
  sigma: number,
  s: number,
): void {
  const alpha = coefAlpha(theta, sh, ch);
  const c = coefC(theta, sh, ch);
  // Jr⁻¹(σω) = α I + (σ/2) [ω]× + c ω ωᵀ
  writeRotationJacobian(JI, 0, 3, w1, w2, w3, alpha, 0.5 * sigma, c);
  putBlock(J, o, 6, JI, s);
  putBlock(J, o + 21, 6, JI, s);
  zeroLowerLeft(J, o);
  // Q(−σv, −σω)
  const m = -sigma;
  fillQ(m * v1, m * v2, m * v3, m * w1, m * w2, m * w3, coefB(theta, sh, ch), coefE(theta, sh), coefF(theta, sh, ch));
  mul3(JI, 0, Qm, 0, T, 0);
  mul3(T, 0, JI, 0, T2, 0);
  putBlock(J, o + 3, 6, T2, -s);
}

/**
 * s·Ad(x)⁻¹ = s·[[Rᵀ, −Rᵀ [t]×], [0, Rᵀ]] at J[o] for x = (t, q), q unit.
 * @internal Also used by the fused Between kernels.
 */
export function writeAdjointInverse(
  J: Float64Array,
  o: number,
  tx: number,
  ty: number,
  tz: number,
  qx: number,
  qy: number,
  qz: number,
  qw: number,
  s: number,
): void {
  writeRotation(J, o, 6, qx, qy, qz, qw, s, true);
  writeRotation(J, o + 21, 6, qx, qy, qz, qw, s, true);
  zeroLowerLeft(J, o);
  // −Rᵀ [t]× = −R(q̄) [t]× with the conjugate q̄.
  writeRotationTimesSkew(J, o + 3, 6, -qx, -qy, -qz, qw, tx, ty, tz, s);
}

/**
 * Log of (t, q) into out[o..o+6] and, when given, Jr⁻¹(τ) at Jr[jo] and
 * −Jl⁻¹(τ) at Jl[jo]. q must be unit; it is flipped to qw ≥ 0. Reads its
 * arguments before writing.
 * @internal Also used by the fused Between kernels.
 */
export function logInto(
  tx: number,
  ty: number,
  tz: number,
  qx: number,
  qy: number,
  qz: number,
  qw: number,
  out: Float64Array,
  o: number,
  Jr: Float64Array | undefined,
  Jl: Float64Array | undefined,
  jo: number,
): void {
  if (qw < 0) {
    qx = -qx;
    qy = -qy;
    qz = -qz;
    qw = -qw;
  }
  const n = Math.sqrt(qx * qx + qy * qy + qz * qz);
  const theta = 2 * Math.atan2(n, qw);
  const scale = n > 0 ? theta / n : 2 / qw;
  const w1 = scale * qx;
  const w2 = scale * qy;
  const w3 = scale * qz;
  // v = V⁻¹ t = α t − ½ ω × t + c ω (ω·t); sin(θ/2) = n, cos(θ/2) = w.
  const alpha = coefAlpha(theta, n, qw);
  const c = coefC(theta, n, qw);
  const d = c * (w1 * tx + w2 * ty + w3 * tz);
  const v1 = alpha * tx - 0.5 * (w2 * tz - w3 * ty) + d * w1;
  const v2 = alpha * ty - 0.5 * (w3 * tx - w1 * tz) + d * w2;
  const v3 = alpha * tz - 0.5 * (w1 * ty - w2 * tx) + d * w3;
  out[o] = v1;
  out[o + 1] = v2;
  out[o + 2] = v3;
  out[o + 3] = w1;
  out[o + 4] = w2;
  out[o + 5] = w3;
  if (Jr !== undefined) writeJrInv(Jr, jo, v1, v2, v3, w1, w2, w3, theta, n, qw, 1, 1);
  if (Jl !== undefined) writeJrInv(Jl, jo, v1, v2, v3, w1, w2, w3, theta, n, qw, -1, -1);
}

/**
 * Exp(v, ω) into E (7 numbers) and, when given, Jr(τ) at J[jo].
 */
function expInto(v1: number, v2: number, v3: number, w1: number, w2: number, w3: number, J: Float64Array | undefined, jo: number): void {
  const theta = expQuaternion(w1, w2, w3, undefined, 0, 3);
  const sh = Math.sin(0.5 * theta);
  const ch = Math.cos(0.5 * theta);
  const k = coefK(theta, sh);
  const A = 2 * k * ch;
  const a = 2 * k * k;
  const b = coefB(theta, sh, ch);
  // t = V v = A v + a ω × v + b ω (ω·v)
  const d = b * (w1 * v1 + w2 * v2 + w3 * v3);
  E[0] = A * v1 + a * (w2 * v3 - w3 * v2) + d * w1;
  E[1] = A * v2 + a * (w3 * v1 - w1 * v3) + d * w2;
  E[2] = A * v3 + a * (w1 * v2 - w2 * v1) + d * w3;
  E[3] = expScratch[0]!;
  E[4] = expScratch[1]!;
  E[5] = expScratch[2]!;
  E[6] = expScratch[3]!;
  if (J !== undefined) writeJr(J, jo, v1, v2, v3, w1, w2, w3, theta, sh, ch);
}

/**
 * SE3, the rigid motions of space (see {@link SE3Group} for the
 * conversions).
 *
 * @example
 * ```ts
 * import { SE3 } from 'ariadne';
 * // Two poses at once; the second argument broadcasts.
 * const poses = SE3.exp(new Float64Array([1, 0, 0, 0, 0, 0.3, 0, 2, 0, 0.1, 0, 0]));
 * const step = new Float64Array([0.1, 0, 0, 0, 0, 0.05]);
 * const J_out_x = new Float64Array(2 * 36);
 * const J_out_delta = new Float64Array(2 * 36);
 * const moved = SE3.retract(poses, step, undefined, J_out_x, J_out_delta);
 * console.log(SE3.local(poses, moved)); // [0.1, 0, 0, 0, 0, 0.05, 0.1, 0, 0, 0, 0, 0.05] — step, twice, up to rounding
 * console.log(Array.from(SE3.act(poses, new Float64Array([0, 0, 1])), (v) => +v.toFixed(3))); // [0.985, 0.149, 1, 0, 1.897, 1.095] — each pose applied to the point (0, 0, 1)
 * ```
 */
export const SE3: SE3Group = {
  name: 'SE3',
  storage: 7,
  dof: 6,
  pointDim: 3,
  // T = diag(Rᵀ, Rᵀ); t′ = t + δv, R′ = Exp(δω)·R.
  worldFrame: {
    bodyToWorld(x, rows, d, J, scratch) {
      const R = SO3.toMatrix(SE3.toRotation(x, scratch.subarray(0, rows * 4)), scratch.subarray(rows * 4, rows * 13));
      for (let row = 0; row < rows; row++) timesRotation3T(J, row * d * 6, d, 6, R, row * 9);
    },
    scratchLength: (rows) => rows * 13,
    retract(x, delta, out) {
      const count = x.length / 7;
      const omega = new Float64Array(count * 3);
      const q = new Float64Array(count * 4);
      for (let k = 0; k < count; k++) {
        for (let c = 0; c < 3; c++) {
          out[k * 7 + c] = x[k * 7 + c]! + delta[k * 6 + c]!;
          omega[k * 3 + c] = delta[k * 6 + 3 + c]!;
        }
        for (let c = 0; c < 4; c++) q[k * 4 + c] = x[k * 7 + 3 + c]!;
      }
      const rotated = SO3.compose(SO3.exp(omega), q);
      for (let k = 0; k < count; k++) for (let c = 0; c < 4; c++) out[k * 7 + 3 + c] = rotated[k * 4 + c]!;
    },
  },

  identity(count = 1) {
    const n = checkCount('SE3.identity', count);
    const o = new Float64Array(7 * n);
    for (let k = 0; k < n; k++) o[7 * k + 6] = 1;
    return o;
  },

  exp(tangent, out, J_out_tangent) {
    const fn = 'SE3.exp';
    const batch = new Batch(fn);
    batch.add('tangent', tangent, 6);
    const count = batch.count;
    checkFinite(fn, 'tangent', tangent, 6);
    const o = outputArray(fn, 'out', out, count, 7);
    const J = jacobianArray(fn, 'J_out_tangent', J_out_tangent, count, 6, 6);
    for (let k = 0; k < count; k++) {
      const i = 6 * k;
      expInto(tangent[i]!, tangent[i + 1]!, tangent[i + 2]!, tangent[i + 3]!, tangent[i + 4]!, tangent[i + 5]!, J, 36 * k);
      o.set(E, 7 * k);
    }
    return o;
  },

  log(x, out, J_out_x) {
    const fn = 'SE3.log';
    const { count, o } = oneInput(fn, x, 7, values, out, 6);
    const J = jacobianArray(fn, 'J_out_x', J_out_x, count, 6, 6);
    for (let k = 0; k < count; k++) {
      const i = 7 * k;
      const s = inverseNorm(x, i + 3);
      logInto(x[i]!, x[i + 1]!, x[i + 2]!, s * x[i + 3]!, s * x[i + 4]!, s * x[i + 5]!, s * x[i + 6]!, o, 6 * k, J, undefined, 36 * k);
    }
    return o;
  },

  compose(a, b, out, J_out_a, J_out_b) {
    const fn = 'SE3.compose';
    const { count, sa, sb, o, Ja, Jb } = twoInputs(fn, inputs.a, a, inputs.b, b, out, 7, 6, J_out_a, J_out_b);
    for (let k = 0; k < count; k++) {
      const ia = k * sa;
      const ib = k * sb;
      const sA = inverseNorm(a, ia + 3);
      const ax = sA * a[ia + 3]!;
      const ay = sA * a[ia + 4]!;
      const az = sA * a[ia + 5]!;
      const aw = sA * a[ia + 6]!;
      const at1 = a[ia]!;
      const at2 = a[ia + 1]!;
      const at3 = a[ia + 2]!;
      const sB = inverseNorm(b, ib + 3);
      const bx = sB * b[ib + 3]!;
      const by = sB * b[ib + 4]!;
      const bz = sB * b[ib + 5]!;
      const bw = sB * b[ib + 6]!;
      const bt1 = b[ib]!;
      const bt2 = b[ib + 1]!;
      const bt3 = b[ib + 2]!;
      const o7 = 7 * k;
      rotatePoint(o, o7, ax, ay, az, aw, bt1, bt2, bt3, at1, at2, at3);
      storeProduct(o, o7 + 3, ax, ay, az, aw, bx, by, bz, bw);
      if (Ja !== undefined) writeAdjointInverse(Ja, 36 * k, bt1, bt2, bt3, bx, by, bz, bw, 1);
      if (Jb !== undefined) writeIdentity(Jb, 36 * k, 6);
    }
    return o;
  },

  inverse(x, out, J_out_x) {
    const fn = 'SE3.inverse';
    const { count, o } = oneInput(fn, x, 7, values, out, 7);
    const J = jacobianArray(fn, 'J_out_x', J_out_x, count, 6, 6);
    for (let k = 0; k < count; k++) {
      const i = 7 * k;
      const s = inverseNorm(x, i + 3);
      const qx = s * x[i + 3]!;
      const qy = s * x[i + 4]!;
      const qz = s * x[i + 5]!;
      const qw = s * x[i + 6]!;
      const tx = x[i]!;
      const ty = x[i + 1]!;
      const tz = x[i + 2]!;
      // −Rᵀ t = −R(q̄) t
      rotatePoint(o, i, -qx, -qy, -qz, qw, -tx, -ty, -tz, 0, 0, 0);
      storeQuaternion(o, i + 3, -qx, -qy, -qz, qw);
      if (J !== undefined) writeAdjoint(J, 36 * k, tx, ty, tz, qx, qy, qz, qw, -1);
    }
    return o;
  },

  between(a, b, out, J_out_a, J_out_b) {
    const fn = 'SE3.between';
    const { count, sa, sb, o, Ja, Jb } = twoInputs(fn, inputs.a, a, inputs.b, b, out, 7, 6, J_out_a, J_out_b);
    for (let k = 0; k < count; k++) {
      betweenInto(a, k * sa, b, k * sb, o, 7 * k);
      if (Ja !== undefined) {
        const o7 = 7 * k;
        writeAdjointInverse(Ja, 36 * k, o[o7]!, o[o7 + 1]!, o[o7 + 2]!, o[o7 + 3]!, o[o7 + 4]!, o[o7 + 5]!, o[o7 + 6]!, -1);
      }
      if (Jb !== undefined) writeIdentity(Jb, 36 * k, 6);
    }
    return o;
  },

  act(x, points, out, J_out_x, J_out_points) {
    const fn = 'SE3.act';
    const { count, sa: sx, sb: sp, o, Ja: Jx, Jb: Jp } = twoInputs(fn, inputs.x, x, inputs.points, points, out, 3, 3, J_out_x, J_out_points);
    for (let k = 0; k < count; k++) {
      const ix = k * sx;
      const s = inverseNorm(x, ix + 3);
      const qx = s * x[ix + 3]!;
      const qy = s * x[ix + 4]!;
      const qz = s * x[ix + 5]!;
      const qw = s * x[ix + 6]!;
      const ip = k * sp;
      const p1 = points[ip]!;
      const p2 = points[ip + 1]!;
      const p3 = points[ip + 2]!;
      rotatePoint(o, 3 * k, qx, qy, qz, qw, p1, p2, p3, x[ix]!, x[ix + 1]!, x[ix + 2]!);
      if (Jx !== undefined) {
        writeRotation(Jx, 18 * k, 6, qx, qy, qz, qw, 1, false);
        writeRotationTimesSkew(Jx, 18 * k + 3, 6, qx, qy, qz, qw, p1, p2, p3, 1);
      }
      if (Jp !== undefined) writeRotation(Jp, 9 * k, 3, qx, qy, qz, qw, 1, false);
    }
    return o;
  },

  adjoint(x, out) {
    const fn = 'SE3.adjoint';
    const { count, o } = oneInput(fn, x, 7, values, out, 36, '6×6');
    for (let k = 0; k < count; k++) {
      const i = 7 * k;
      const s = inverseNorm(x, i + 3);
      writeAdjoint(o, 36 * k, x[i]!, x[i + 1]!, x[i + 2]!, s * x[i + 3]!, s * x[i + 4]!, s * x[i + 5]!, s * x[i + 6]!, 1);
    }
    return o;
  },

  retract(x, delta, out, J_out_x, J_out_delta) {
    const fn = 'SE3.retract';
    const { count, sa: sx, sb: sd, o, Ja: Jx, Jb: Jd } = twoInputs(fn, inputs.x, x, inputs.delta, delta, out, 7, 6, J_out_x, J_out_delta);
    for (let k = 0; k < count; k++) {
      const id = k * sd;
      expInto(delta[id]!, delta[id + 1]!, delta[id + 2]!, delta[id + 3]!, delta[id + 4]!, delta[id + 5]!, Jd, 36 * k);
      const ix = k * sx;
      const s = inverseNorm(x, ix + 3);
      const ax = s * x[ix + 3]!;
      const ay = s * x[ix + 4]!;
      const az = s * x[ix + 5]!;
      const aw = s * x[ix + 6]!;
      const bx = E[3]!;
      const by = E[4]!;
      const bz = E[5]!;
      const bw = E[6]!;
      const o7 = 7 * k;
      rotatePoint(o, o7, ax, ay, az, aw, E[0]!, E[1]!, E[2]!, x[ix]!, x[ix + 1]!, x[ix + 2]!);
      storeProduct(o, o7 + 3, ax, ay, az, aw, bx, by, bz, bw);
      if (Jx !== undefined) writeAdjointInverse(Jx, 36 * k, E[0]!, E[1]!, E[2]!, bx, by, bz, bw, 1);
    }
    return o;
  },

  local(x, y, out, J_out_x, J_out_y) {
    const fn = 'SE3.local';
    const { count, sa: sx, sb: sy, o, Ja: Jx, Jb: Jy } = twoInputs(fn, inputs.x, x, inputs.y, y, out, 6, 6, J_out_x, J_out_y);
    for (let k = 0; k < count; k++) {
      betweenInto(x, k * sx, y, k * sy, E, 0);
      logInto(E[0]!, E[1]!, E[2]!, E[3]!, E[4]!, E[5]!, E[6]!, o, 6 * k, Jy, Jx, 36 * k);
    }
    return o;
  },

  normalize(x, out) {
    const fn = 'SE3.normalize';
    const batch = new Batch(fn);
    batch.add('x', x, 7);
    const count = batch.count;
    checkFinite(fn, 'x', x, 7);
    const o = outputArray(fn, 'out', out, count, 7);
    for (let k = 0; k < count; k++) {
      const i = 7 * k;
      const qx = x[i + 3]!;
      const qy = x[i + 4]!;
      const qz = x[i + 5]!;
      const qw = x[i + 6]!;
      const n2 = qx * qx + qy * qy + qz * qz + qw * qw;
      if (!(n2 > 0) || n2 === Infinity) throw holdError(fn, 'x', 'non-zero quaternions of finite norm', `norm ${Math.sqrt(n2)} at element ${k}`);
      o[i] = x[i]!;
      o[i + 1] = x[i + 1]!;
      o[i + 2] = x[i + 2]!;
      storeQuaternion(o, i + 3, qx, qy, qz, qw);
    }
    return o;
  },

  validate(x, fn, arg) {
    new Batch(fn).add(arg, x, 7);
    values(fn, arg, x);
  },

  random(count: number, random: SeededRandom) {
    const fn = 'SE3.random';
    const n = checkCount(fn, count);
    const r = checkRandom(fn, random);
    const o = new Float64Array(7 * n);
    for (let k = 0; k < n; k++) {
      o[7 * k] = r.normal();
      o[7 * k + 1] = r.normal();
      o[7 * k + 2] = r.normal();
      randomQuaternion(r, o, 7 * k + 3);
    }
    return o;
  },

  fromRotationTranslation(rotation, translation, out) {
    const fn = 'SE3.fromRotationTranslation';
    const { count, sa: sr, sb: st, o } = twoInputs(fn, inputs.rotation, rotation, inputs.translation, translation, out, 7, 6);
    for (let k = 0; k < count; k++) {
      const ir = k * sr;
      const it = k * st;
      const qx = rotation[ir]!;
      const qy = rotation[ir + 1]!;
      const qz = rotation[ir + 2]!;
      const qw = rotation[ir + 3]!;
      const tx = translation[it]!;
      const ty = translation[it + 1]!;
      const tz = translation[it + 2]!;
      o[7 * k] = tx;
      o[7 * k + 1] = ty;
      o[7 * k + 2] = tz;
      storeQuaternion(o, 7 * k + 3, qx, qy, qz, qw);
    }
    return o;
  },

  toRotation(x, out) {
    const fn = 'SE3.toRotation';
    const { count, o } = oneInput(fn, x, 7, values, out, 4);
    for (let k = 0; k < count; k++) {
      const i = 7 * k;
      storeQuaternion(o, 4 * k, x[i + 3]!, x[i + 4]!, x[i + 5]!, x[i + 6]!);
    }
    return o;
  },

  toTranslation(x, out) {
    const fn = 'SE3.toTranslation';
    const { count, o } = oneInput(fn, x, 7, values, out, 3);
    for (let k = 0; k < count; k++) {
      const tx = x[7 * k]!;
      const ty = x[7 * k + 1]!;
      const tz = x[7 * k + 2]!;
      o[3 * k] = tx;
      o[3 * k + 1] = ty;
      o[3 * k + 2] = tz;
    }
    return o;
  },

  fromMatrix4x4(M, out) {
    return fromMatrix('SE3.fromMatrix4x4', M, out, 4);
  },

  toMatrix4x4(x, out) {
    return toMatrix('SE3.toMatrix4x4', x, out, 4);
  },

  fromMatrix3x4(M, out) {
    return fromMatrix('SE3.fromMatrix3x4', M, out, 3);
  },

  toMatrix3x4(x, out) {
    return toMatrix('SE3.toMatrix3x4', x, out, 3);
  },
};

/** s·Ad(x) = s·[[R, [t]× R], [0, R]] at J[o] for x = (t, q), q unit. */
function writeAdjoint(J: Float64Array, o: number, tx: number, ty: number, tz: number, qx: number, qy: number, qz: number, qw: number, s: number): void {
  writeRotation(J, o, 6, qx, qy, qz, qw, s, false);
  writeRotation(J, o + 21, 6, qx, qy, qz, qw, s, false);
  zeroLowerLeft(J, o);
  // Column j of [t]× R is t × (column j of R).
  for (let j = 0; j < 3; j++) {
    const r0 = J[o + 21 + j]!;
    const r1 = J[o + 27 + j]!;
    const r2 = J[o + 33 + j]!;
    J[o + 3 + j] = ty * r2 - tz * r1;
    J[o + 9 + j] = tz * r0 - tx * r2;
    J[o + 15 + j] = tx * r1 - ty * r0;
  }
}

/**
 * a⁻¹·b = (R_aᵀ (t_b − t_a), q̄_a ⊗ q_b) of the elements at a[ia], b[ib] into out[o]; reads before writing.
 * @internal Also used by the fused Between kernels.
 */
export function betweenInto(a: Float64Array, ia: number, b: Float64Array, ib: number, out: Float64Array, o: number): void {
  const sA = inverseNorm(a, ia + 3);
  const ax = -sA * a[ia + 3]!;
  const ay = -sA * a[ia + 4]!;
  const az = -sA * a[ia + 5]!;
  const aw = sA * a[ia + 6]!;
  const bx = b[ib + 3]!;
  const by = b[ib + 4]!;
  const bz = b[ib + 5]!;
  const bw = b[ib + 6]!;
  const d1 = b[ib]! - a[ia]!;
  const d2 = b[ib + 1]! - a[ia + 1]!;
  const d3 = b[ib + 2]! - a[ia + 2]!;
  rotatePoint(out, o, ax, ay, az, aw, d1, d2, d3, 0, 0, 0);
  storeProduct(out, o + 3, ax, ay, az, aw, bx, by, bz, bw);
}

/** [R | t] (rows = 3) or [[R, t], [0, 0, 0, 1]] (rows = 4), row-major → elements. */
function fromMatrix(fn: string, M: Float64Array, out: Float64Array | undefined, rows: 3 | 4): Float64Array {
  const size = 4 * rows;
  const batch = new Batch(fn);
  batch.add('M', M, size, `${size} numbers (${rows}×4)`);
  const count = batch.count;
  checkFinite(fn, 'M', M, size);
  checkRotations(fn, 'M', M, size, 3, 4);
  if (rows === 4) checkHomogeneousRow(fn, 'M', M, 4);
  const o = outputArray(fn, 'out', out, count, 7);
  for (let k = 0; k < count; k++) {
    const m = k * size;
    const tx = M[m + 3]!;
    const ty = M[m + 7]!;
    const tz = M[m + 11]!;
    quaternionFromRotation(M, m, 4, o, 7 * k + 3);
    o[7 * k] = tx;
    o[7 * k + 1] = ty;
    o[7 * k + 2] = tz;
  }
  return o;
}

/** Elements → [R | t] (rows = 3) or [[R, t], [0, 0, 0, 1]] (rows = 4), row-major. */
function toMatrix(fn: string, x: Float64Array, out: Float64Array | undefined, rows: 3 | 4): Float64Array {
  const size = 4 * rows;
  const { count, o } = oneInput(fn, x, 7, values, out, size, `${size} numbers (${rows}×4)`);
  for (let k = 0; k < count; k++) {
    const i = 7 * k;
    const m = k * size;
    const s = inverseNorm(x, i + 3);
    const tx = x[i]!;
    const ty = x[i + 1]!;
    const tz = x[i + 2]!;
    writeRotation(o, m, 4, s * x[i + 3]!, s * x[i + 4]!, s * x[i + 5]!, s * x[i + 6]!, 1, false);
    o[m + 3] = tx;
    o[m + 7] = ty;
    o[m + 11] = tz;
    if (rows === 4) {
      o[m + 12] = 0;
      o[m + 13] = 0;
      o[m + 14] = 0;
      o[m + 15] = 1;
    }
  }
  return o;
}
