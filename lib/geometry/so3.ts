/**
 * SO(3), rotations of space, stored as the Hamilton unit quaternion
 * q = [qx, qy, qz, qw] = (v, w); every output has ‖q‖ = 1 (renormalised) and
 * qw ≥ 0. Inputs within 1e-6 of unit norm are accepted and used as q/‖q‖.
 *
 *   R(q) = (w² − v·v) I + 2 v vᵀ + 2w [v]×,  x·p = R p
 *   Exp(ω) = (k(θ) ω, cos(θ/2)),  θ = ‖ω‖,  k = sin(θ/2)/θ   (negated when cos(θ/2) < 0, θ > π)
 *   Log(q) = (θ/‖v‖) v,  θ = 2 atan2(‖v‖, w) with w ≥ 0 (q flipped first), so θ ∈ [0, π]
 *     (robust: no acos/asin, exact at θ = π where w = 0; θ/‖v‖ → 2/w as ‖v‖ → 0)
 *   Jr(ω)   = I − a [ω]× + b [ω]×²  = A I − a [ω]× + b ω ωᵀ,  A = sin θ/θ = 2k cos(θ/2)
 *   Jr⁻¹(ω) = I + ½ [ω]× + c [ω]×² = α I + ½ [ω]× + c ω ωᵀ,  α = (θ/2) cot(θ/2) = 1 − θ² c
 *   Jl(ω) = Jr(−ω) = Jr(ω)ᵀ,  Ad(q) = R(q)
 *   ([ω]×² = ω ωᵀ − θ² I.) In Log, sin(θ/2) = ‖v‖ and cos(θ/2) = w, so
 *   c = (1 − θ w/(2‖v‖))/θ² needs no trigonometry and stays finite at π (c = 1/π²).
 *
 * Jacobians: compose J_a = R_bᵀ, J_b = I; inverse −R; between J_a = −R(a⁻¹b)ᵀ,
 * J_b = I; act J_x = −R [p]×, J_p = R; retract J_x = R(Exp δ)ᵀ, J_δ = Jr(δ);
 * local (τ = Log(x⁻¹y)) J_x = −Jl⁻¹(τ), J_y = Jr⁻¹(τ).
 */
import { checkFinite } from '../base/check.js';
import type { SeededRandom } from '../base/random.js';
import {
  Batch,
  checkCount,
  checkQuaternions,
  checkRandom,
  checkRotations,
  coefAlpha,
  coefB,
  coefC,
  coefK,
  holdError,
  jacobianArray,
  oneInput,
  operand,
  outputArray,
  timesRotation3T,
  twoInputs,
  writeIdentity,
  type LieGroup,
} from './lie-group.js';

/**
 * SO3 with its conversions, batched like the verbs: 3×3 row-major rotation
 * matrices (a matrix that is not a rotation within 1e-6 is a RangeError),
 * quaternions [qx, qy, qz, qw] (|‖q‖ − 1| > 1e-6 is a RangeError; accepted
 * ones are normalised to qw ≥ 0) and rotation vectors (angle·axis).
 *
 * @example
 * ```ts
 * import { SO3 } from 'ariadne';
 * const x = SO3.fromAngleAxis(new Float64Array([0, 0, Math.PI / 2])); // 90° about z
 * console.log(SO3.toMatrix(x)); // [0, -1, 0,  1, 0, 0,  0, 0, 1] — up to rounding
 * console.log(SO3.fromMatrix(SO3.toMatrix(x))); // [0, 0, √½, √½] — x again
 * console.log(SO3.fromQuaternion(new Float64Array([0, 0, -0.6, -0.8]))); // [0, 0, 0.6, 0.8] — the same rotation with qw ≥ 0
 * console.log(SO3.toAngleAxis(x), SO3.toQuaternion(x)); // [0, 0, π/2] [0, 0, √½, √½]
 * ```
 */
export interface SO3Group extends LieGroup {
  readonly name: 'SO3';
  /** 3×3 row-major rotation matrices (count·9) → elements. */
  fromMatrix(R: Float64Array, out?: Float64Array): Float64Array;
  /** Elements → 3×3 row-major rotation matrices (count·9). */
  toMatrix(x: Float64Array, out?: Float64Array): Float64Array;
  /** Quaternions [qx, qy, qz, qw] (count·4, |‖q‖ − 1| ≤ 1e-6) → normalised elements with qw ≥ 0. */
  fromQuaternion(q: Float64Array, out?: Float64Array): Float64Array;
  /** Elements → unit quaternions with qw ≥ 0 (count·4). */
  toQuaternion(x: Float64Array, out?: Float64Array): Float64Array;
  /** Rotation vectors θ·axis (count·3) → elements (Exp). */
  fromAngleAxis(rotationVector: Float64Array, out?: Float64Array): Float64Array;
  /** Elements → rotation vectors θ·axis with θ ∈ [0, π] (count·3; Log). */
  toAngleAxis(x: Float64Array, out?: Float64Array): Float64Array;
}

// ---------------------------------------------------------------------------
// Kernels shared with SE3. Quaternions are passed as four numbers, unit norm.

/**
 * s·R(q) (or s·R(q)ᵀ when `transpose`) into the 3×3 block at M[o], rows
 * `stride` apart (3 for a 3×3 array, 6 inside a 6×6 Jacobian).
 */
export function writeRotation(M: Float64Array, o: number, stride: number, qx: number, qy: number, qz: number, qw: number, s: number, transpose: boolean): void {
  const xx = qx * qx;
  const yy = qy * qy;
  const zz = qz * qz;
  const xy = qx * qy;
  const xz = qx * qz;
  const yz = qy * qz;
  const qwx = qw * qx;
  const qwy = qw * qy;
  const qwz = qw * qz;
  const r01 = 2 * (xy - qwz);
  const r10 = 2 * (xy + qwz);
  const r02 = 2 * (xz + qwy);
  const r20 = 2 * (xz - qwy);
  const r12 = 2 * (yz - qwx);
  const r21 = 2 * (yz + qwx);
  M[o] = s * (1 - 2 * (yy + zz));
  M[o + 1] = s * (transpose ? r10 : r01);
  M[o + 2] = s * (transpose ? r20 : r02);
  M[o + stride] = s * (transpose ? r01 : r10);
  M[o + stride + 1] = s * (1 - 2 * (xx + zz));
  M[o + stride + 2] = s * (transpose ? r21 : r12);
  M[o + 2 * stride] = s * (transpose ? r02 : r20);
  M[o + 2 * stride + 1] = s * (transpose ? r12 : r21);
  M[o + 2 * stride + 2] = s * (1 - 2 * (xx + yy));
}

/**
 * diag·I + skew·[ω]× + outer·ω ωᵀ into the 3×3 block at J[o] (rows `stride`
 * apart). Jr = (A, −a, b), Jl = V = (A, a, b), Jr⁻¹ = (α, ½, c), Jl⁻¹ = V⁻¹ = (α, −½, c).
 */
export function writeRotationJacobian(
  J: Float64Array,
  o: number,
  stride: number,
  w1: number,
  w2: number,
  w3: number,
  diag: number,
  skew: number,
  outer: number,
): void {
  const ox = outer * w1;
  const oy = outer * w2;
  const oz = outer * w3;
  J[o] = diag + ox * w1;
  J[o + 1] = ox * w2 - skew * w3;
  J[o + 2] = ox * w3 + skew * w2;
  J[o + stride] = oy * w1 + skew * w3;
  J[o + stride + 1] = diag + oy * w2;
  J[o + stride + 2] = oy * w3 - skew * w1;
  J[o + 2 * stride] = oz * w1 - skew * w2;
  J[o + 2 * stride + 1] = oz * w2 + skew * w1;
  J[o + 2 * stride + 2] = diag + oz * w3;
}

/** 1/‖q‖ of the quaternion at x[i], for inputs already checked to be within 1e-6 of unit norm. */
export function inverseNorm(x: Float64Array, i: number): number {
  const qx = x[i]!;
  const qy = x[i + 1]!;
  const qz = x[i + 2]!;
  const qw = x[i + 3]!;
  return 1 / Math.sqrt(qx * qx + qy * qy + qz * qz + qw * qw);
}

/**
 * Stores (qx, qy, qz, qw)/‖q‖ at out[o], negated when qw < 0 (the canonical
 * representative).
 */
export function storeQuaternion(out: Float64Array, o: number, qx: number, qy: number, qz: number, qw: number): void {
  let s = 1 / Math.sqrt(qx * qx + qy * qy + qz * qz + qw * qw);
  if (qw < 0) s = -s;
  out[o] = s * qx;
  out[o + 1] = s * qy;
  out[o + 2] = s * qz;
  out[o + 3] = s * qw;
}

/** The Hamilton product a ⊗ b, stored as storeQuaternion does. */
export function storeProduct(
  out: Float64Array,
  o: number,
  ax: number,
  ay: number,
  az: number,
  aw: number,
  bx: number,
  by: number,
  bz: number,
  bw: number,
): void {
  storeQuaternion(
    out,
    o,
    aw * bx + ax * bw + ay * bz - az * by,
    aw * by - ax * bz + ay * bw + az * bx,
    aw * bz + ax * by - ay * bx + az * bw,
    aw * bw - ax * bx - ay * by - az * bz,
  );
}

// Scratch for SO3.local's z = conj(x) ⊗ y; never escapes a call.
const localScratch = new Float64Array(4);

/**
 * Log of the unit quaternion (qx, qy, qz, qw) into out[o..o+3] and, when
 * given, Jr⁻¹(τ) at Jr[jo] and Jl⁻¹(τ) at Jl[jo] scaled by `lSign`, rows
 * `stride` apart. Reads the quaternion before writing.
 */
export function logQuaternion(
  qx: number,
  qy: number,
  qz: number,
  qw: number,
  out: Float64Array,
  o: number,
  Jr: Float64Array | undefined,
  Jl: Float64Array | undefined,
  jo: number,
  stride: number,
  lSign: number,
): void {
  if (qw < 0) {
    qx = -qx;
    qy = -qy;
    qz = -qz;
    qw = -qw;
  }
  const n = Math.sqrt(qx * qx + qy * qy + qz * qz);
  const theta = 2 * Math.atan2(n, qw);
  // θ/n = 2·atan2(n, w)/n is accurate for every n > 0 (atan2 has no cancellation); 2/w is its limit.
  const scale = n > 0 ? theta / n : 2 / qw;
  const w1 = scale * qx;
  const w2 = scale * qy;
  const w3 = scale * qz;
  out[o] = w1;
  out[o + 1] = w2;
  out[o + 2] = w3;
  if (Jr !== undefined || Jl !== undefined) {
    const alpha = coefAlpha(theta, n, qw);
    const c = coefC(theta, n, qw);
    if (Jr !== undefined) writeRotationJacobian(Jr, jo, stride, w1, w2, w3, alpha, 0.5, c);
    if (Jl !== undefined) writeRotationJacobian(Jl, jo, stride, w1, w2, w3, lSign * alpha, -0.5 * lSign, lSign * c);
  }
}

/** Scratch quaternion for Exp; never escapes a call. */
export const expScratch = new Float64Array(4);

/**
 * Exp(ω) into expScratch (qw ≥ 0) and, when given, Jr(ω) at J[jo] (rows
 * `stride` apart). Returns θ.
 */
export function expQuaternion(w1: number, w2: number, w3: number, J: Float64Array | undefined, jo: number, stride: number): number {
  const theta = Math.sqrt(w1 * w1 + w2 * w2 + w3 * w3);
  const sh = Math.sin(0.5 * theta);
  const ch = Math.cos(0.5 * theta);
  const k = coefK(theta, sh);
  // Beyond θ = π, cos(θ/2) < 0: store −q, the same rotation.
  const s = ch < 0 ? -1 : 1;
  expScratch[0] = s * k * w1;
  expScratch[1] = s * k * w2;
  expScratch[2] = s * k * w3;
  expScratch[3] = s * ch;
  if (J !== undefined) writeRotationJacobian(J, jo, stride, w1, w2, w3, 2 * k * ch, -2 * k * k, coefB(theta, sh, ch));
  return theta;
}

// ---------------------------------------------------------------------------

function values(fn: string, arg: string, x: Float64Array): void {
  checkQuaternions(fn, arg, x, 4, 0);
}

/** The batched arguments of the two-input verbs (see twoInputs). */
const inputs = {
  a: operand('a', 4, 3, values),
  b: operand('b', 4, 3, values),
  x: operand('x', 4, 3, values),
  y: operand('y', 4, 3, values),
  delta: operand('delta', 3, 3, checkFinite),
  points: operand('points', 3, 3, checkFinite, '3 numbers (points)'),
};

function expAll(fn: string, arg: string, tangent: Float64Array, out: unknown, J_out_tangent: unknown): Float64Array {
  const batch = new Batch(fn);
  batch.add(arg, tangent, 3);
  const count = batch.count;
  checkFinite(fn, arg, tangent, 3);
  const o = outputArray(fn, 'out', out, count, 4);
  const J = jacobianArray(fn, 'J_out_tangent', J_out_tangent, count, 3, 3);
  for (let k = 0; k < count; k++) {
    expQuaternion(tangent[3 * k]!, tangent[3 * k + 1]!, tangent[3 * k + 2]!, J, 9 * k, 3);
    o[4 * k] = expScratch[0]!;
    o[4 * k + 1] = expScratch[1]!;
    o[4 * k + 2] = expScratch[2]!;
    o[4 * k + 3] = expScratch[3]!;
  }
  return o;
}

function logAll(fn: string, x: Float64Array, out: unknown, J_out_x: unknown): Float64Array {
  const { count, o } = oneInput(fn, x, 4, values, out, 3);
  const J = jacobianArray(fn, 'J_out_x', J_out_x, count, 3, 3);
  for (let k = 0; k < count; k++) {
    const i = 4 * k;
    const s = inverseNorm(x, i);
    logQuaternion(s * x[i]!, s * x[i + 1]!, s * x[i + 2]!, s * x[i + 3]!, o, 3 * k, J, undefined, 9 * k, 3, 1);
  }
  return o;
}

function normalizeAll(fn: string, arg: string, x: Float64Array, out: unknown, strict: boolean): Float64Array {
  const batch = new Batch(fn);
  batch.add(arg, x, 4);
  const count = batch.count;
  if (strict) values(fn, arg, x);
  else checkFinite(fn, arg, x, 4);
  const o = outputArray(fn, 'out', out, count, 4);
  for (let k = 0; k < count; k++) {
    const i = 4 * k;
    const qx = x[i]!;
    const qy = x[i + 1]!;
    const qz = x[i + 2]!;
    const qw = x[i + 3]!;
    const n2 = qx * qx + qy * qy + qz * qz + qw * qw;
    if (!(n2 > 0) || n2 === Infinity) throw holdError(fn, arg, 'non-zero quaternions of finite norm', `norm ${Math.sqrt(n2)} at element ${k}`);
    storeQuaternion(o, i, qx, qy, qz, qw);
  }
  return o;
}

/**
 * SO3, the rotations of space as unit quaternions (see {@link SO3Group} for
 * the conversions).
 *
 * @example
 * ```ts
 * import { SO3 } from 'ariadne';
 * const x = SO3.exp(new Float64Array([0, 0, Math.PI / 2])); // 90° about z
 * const J_out_x = new Float64Array(9);
 * console.log(SO3.act(x, new Float64Array([1, 0, 0]), undefined, J_out_x)); // [0, 1, 0] — up to rounding
 * // 180° is exact: Log returns angle π and a finite Jacobian.
 * const halfTurn = new Float64Array([1, 0, 0, 0]);
 * const J_log = new Float64Array(9);
 * console.log(SO3.log(halfTurn, undefined, J_log), J_log.every(Number.isFinite)); // [π, 0, 0] true
 * ```
 */
export const SO3: SO3Group = {
  name: 'SO3',
  storage: 4,
  dof: 3,
  pointDim: 3,
  // T = Rᵀ; R′ = Exp(δω)·R.
  worldFrame: {
    bodyToWorld(x, rows, d, J, scratch) {
      const R = SO3.toMatrix(x, scratch.subarray(0, rows * 9));
      for (let row = 0; row < rows; row++) timesRotation3T(J, row * d * 3, d, 3, R, row * 9);
    },
    scratchLength: (rows) => rows * 9,
    retract(x, delta, out) {
      SO3.compose(SO3.exp(delta), x, out);
    },
  },

  identity(count = 1) {
    const n = checkCount('SO3.identity', count);
    const o = new Float64Array(4 * n);
    for (let k = 0; k < n; k++) o[4 * k + 3] = 1;
    return o;
  },

  exp(tangent, out, J_out_tangent) {
    return expAll('SO3.exp', 'tangent', tangent, out, J_out_tangent);
  },

  log(x, out, J_out_x) {
    return logAll('SO3.log', x, out, J_out_x);
  },

  compose(a, b, out, J_out_a, J_out_b) {
    const fn = 'SO3.compose';
    const { count, sa, sb, o, Ja, Jb } = twoInputs(fn, inputs.a, a, inputs.b, b, out, 4, 3, J_out_a, J_out_b);
    for (let k = 0; k < count; k++) {
      const ia = k * sa;
      const ib = k * sb;
      const ax = a[ia]!;
      const ay = a[ia + 1]!;
      const az = a[ia + 2]!;
      const aw = a[ia + 3]!;
      const s = inverseNorm(b, ib);
      const bx = s * b[ib]!;
      const by = s * b[ib + 1]!;
      const bz = s * b[ib + 2]!;
      const bw = s * b[ib + 3]!;
      storeProduct(o, 4 * k, ax, ay, az, aw, bx, by, bz, bw);
      if (Ja !== undefined) writeRotation(Ja, 9 * k, 3, bx, by, bz, bw, 1, true);
      if (Jb !== undefined) writeIdentity(Jb, 9 * k, 3);
    }
    return o;
  },

  inverse(x, out, J_out_x) {
    const fn = 'SO3.inverse';
    const { count, o } = oneInput(fn, x, 4, values, out, 4);
    const J = jacobianArray(fn, 'J_out_x', J_out_x, count, 3, 3);
    for (let k = 0; k < count; k++) {
      const i = 4 * k;
      const s = inverseNorm(x, i);
      const qx = s * x[i]!;
      const qy = s * x[i + 1]!;
      const qz = s * x[i + 2]!;
      const qw = s * x[i + 3]!;
      storeQuaternion(o, i, -qx, -qy, -qz, qw);
      if (J !== undefined) writeRotation(J, 9 * k, 3, qx, qy, qz, qw, -1, false);
    }
    return o;
  },

  between(a, b, out, J_out_a, J_out_b) {
    const fn = 'SO3.between';
    const { count, sa, sb, o, Ja, Jb } = twoInputs(fn, inputs.a, a, inputs.b, b, out, 4, 3, J_out_a, J_out_b);
    for (let k = 0; k < count; k++) {
      const ia = k * sa;
      const ib = k * sb;
      // conj(a) ⊗ b
      const ax = -a[ia]!;
      const ay = -a[ia + 1]!;
      const az = -a[ia + 2]!;
      const aw = a[ia + 3]!;
      const bx = b[ib]!;
      const by = b[ib + 1]!;
      const bz = b[ib + 2]!;
      const bw = b[ib + 3]!;
      const o4 = 4 * k;
      storeProduct(o, o4, ax, ay, az, aw, bx, by, bz, bw);
      if (Ja !== undefined) writeRotation(Ja, 9 * k, 3, o[o4]!, o[o4 + 1]!, o[o4 + 2]!, o[o4 + 3]!, -1, true);
      if (Jb !== undefined) writeIdentity(Jb, 9 * k, 3);
    }
    return o;
  },

  act(x, points, out, J_out_x, J_out_points) {
    const fn = 'SO3.act';
    const { count, sa: sx, sb: sp, o, Ja: Jx, Jb: Jp } = twoInputs(fn, inputs.x, x, inputs.points, points, out, 3, 3, J_out_x, J_out_points);
    for (let k = 0; k < count; k++) {
      const ix = k * sx;
      const s = inverseNorm(x, ix);
      const qx = s * x[ix]!;
      const qy = s * x[ix + 1]!;
      const qz = s * x[ix + 2]!;
      const qw = s * x[ix + 3]!;
      const ip = k * sp;
      const p1 = points[ip]!;
      const p2 = points[ip + 1]!;
      const p3 = points[ip + 2]!;
      rotatePoint(o, 3 * k, qx, qy, qz, qw, p1, p2, p3, 0, 0, 0);
      if (Jx !== undefined) writeRotationTimesSkew(Jx, 9 * k, 3, qx, qy, qz, qw, p1, p2, p3, 1);
      if (Jp !== undefined) writeRotation(Jp, 9 * k, 3, qx, qy, qz, qw, 1, false);
    }
    return o;
  },

  adjoint(x, out) {
    const fn = 'SO3.adjoint';
    const { count, o } = oneInput(fn, x, 4, values, out, 9, '3×3');
    for (let k = 0; k < count; k++) {
      const i = 4 * k;
      const s = inverseNorm(x, i);
      writeRotation(o, 9 * k, 3, s * x[i]!, s * x[i + 1]!, s * x[i + 2]!, s * x[i + 3]!, 1, false);
    }
    return o;
  },

  retract(x, delta, out, J_out_x, J_out_delta) {
    const fn = 'SO3.retract';
    const { count, sa: sx, sb: sd, o, Ja: Jx, Jb: Jd } = twoInputs(fn, inputs.x, x, inputs.delta, delta, out, 4, 3, J_out_x, J_out_delta);
    for (let k = 0; k < count; k++) {
      const ix = k * sx;
      const ax = x[ix]!;
      const ay = x[ix + 1]!;
      const az = x[ix + 2]!;
      const aw = x[ix + 3]!;
      const id = k * sd;
      expQuaternion(delta[id]!, delta[id + 1]!, delta[id + 2]!, Jd, 9 * k, 3);
      const bx = expScratch[0]!;
      const by = expScratch[1]!;
      const bz = expScratch[2]!;
      const bw = expScratch[3]!;
      storeProduct(o, 4 * k, ax, ay, az, aw, bx, by, bz, bw);
      if (Jx !== undefined) writeRotation(Jx, 9 * k, 3, bx, by, bz, bw, 1, true);
    }
    return o;
  },

  local(x, y, out, J_out_x, J_out_y) {
    const fn = 'SO3.local';
    const { count, sa: sx, sb: sy, o, Ja: Jx, Jb: Jy } = twoInputs(fn, inputs.x, x, inputs.y, y, out, 3, 3, J_out_x, J_out_y);
    for (let k = 0; k < count; k++) {
      const ix = k * sx;
      const iy = k * sy;
      // z = conj(x) ⊗ y, normalised; τ = Log z; J_x = −Jl⁻¹(τ), J_y = Jr⁻¹(τ).
      const ax = -x[ix]!;
      const ay = -x[ix + 1]!;
      const az = -x[ix + 2]!;
      const aw = x[ix + 3]!;
      const bx = y[iy]!;
      const by = y[iy + 1]!;
      const bz = y[iy + 2]!;
      const bw = y[iy + 3]!;
      // (Log takes the representative with w ≥ 0, as storeProduct does.)
      storeProduct(localScratch, 0, ax, ay, az, aw, bx, by, bz, bw);
      logQuaternion(localScratch[0]!, localScratch[1]!, localScratch[2]!, localScratch[3]!, o, 3 * k, Jy, Jx, 9 * k, 3, -1);
    }
    return o;
  },

  normalize(x, out) {
    return normalizeAll('SO3.normalize', 'x', x, out, false);
  },

  validate(x, fn, arg) {
    new Batch(fn).add(arg, x, 4);
    values(fn, arg, x);
  },

  random(count: number, random: SeededRandom) {
    const fn = 'SO3.random';
    const n = checkCount(fn, count);
    const r = checkRandom(fn, random);
    const o = new Float64Array(4 * n);
    for (let k = 0; k < n; k++) randomQuaternion(r, o, 4 * k);
    return o;
  },

  fromMatrix(R, out) {
    const fn = 'SO3.fromMatrix';
    const batch = new Batch(fn);
    batch.add('R', R, 9, '9 numbers (3×3)');
    const count = batch.count;
    checkFinite(fn, 'R', R, 9);
    checkRotations(fn, 'R', R, 9, 3, 3);
    const o = outputArray(fn, 'out', out, count, 4);
    for (let k = 0; k < count; k++) quaternionFromRotation(R, 9 * k, 3, o, 4 * k);
    return o;
  },

  toMatrix(x, out) {
    const fn = 'SO3.toMatrix';
    const { count, o } = oneInput(fn, x, 4, values, out, 9, '9 numbers (3×3)');
    for (let k = 0; k < count; k++) {
      const i = 4 * k;
      const s = inverseNorm(x, i);
      writeRotation(o, 9 * k, 3, s * x[i]!, s * x[i + 1]!, s * x[i + 2]!, s * x[i + 3]!, 1, false);
    }
    return o;
  },

  fromQuaternion(q, out) {
    return normalizeAll('SO3.fromQuaternion', 'q', q, out, true);
  },

  toQuaternion(x, out) {
    return normalizeAll('SO3.toQuaternion', 'x', x, out, true);
  },

  fromAngleAxis(rotationVector, out) {
    return expAll('SO3.fromAngleAxis', 'rotationVector', rotationVector, out, undefined);
  },

  toAngleAxis(x, out) {
    return logAll('SO3.toAngleAxis', x, out, undefined);
  },
};

/** out[o..o+3] = R(q) p + t for a unit quaternion (p + 2w (v × p) + 2 v × (v × p)). */
export function rotatePoint(
  out: Float64Array,
  o: number,
  qx: number,
  qy: number,
  qz: number,
  qw: number,
  p1: number,
  p2: number,
  p3: number,
  t1: number,
  t2: number,
  t3: number,
): void {
  // u = 2 v × p; R p = p + w u + v × u
  const u1 = 2 * (qy * p3 - qz * p2);
  const u2 = 2 * (qz * p1 - qx * p3);
  const u3 = 2 * (qx * p2 - qy * p1);
  out[o] = p1 + qw * u1 + (qy * u3 - qz * u2) + t1;
  out[o + 1] = p2 + qw * u2 + (qz * u1 - qx * u3) + t2;
  out[o + 2] = p3 + qw * u3 + (qx * u2 - qy * u1) + t3;
}

/**
 * −s·R(q) [p]× into the 3×3 block at J[o] (rows `stride` apart); with s = 1,
 * the derivative of R p in the right tangent of q.
 */
export function writeRotationTimesSkew(
  J: Float64Array,
  o: number,
  stride: number,
  qx: number,
  qy: number,
  qz: number,
  qw: number,
  p1: number,
  p2: number,
  p3: number,
  s: number,
): void {
  // Column j of −R[p]× is R (e_j × p): e₁×p = (0, −p₃, p₂), e₂×p = (p₃, 0, −p₁), e₃×p = (−p₂, p₁, 0).
  const xx = qx * qx;
  const yy = qy * qy;
  const zz = qz * qz;
  p1 *= s;
  p2 *= s;
  p3 *= s;
  const r00 = 1 - 2 * (yy + zz);
  const r01 = 2 * (qx * qy - qw * qz);
  const r02 = 2 * (qx * qz + qw * qy);
  const r10 = 2 * (qx * qy + qw * qz);
  const r11 = 1 - 2 * (xx + zz);
  const r12 = 2 * (qy * qz - qw * qx);
  const r20 = 2 * (qx * qz - qw * qy);
  const r21 = 2 * (qy * qz + qw * qx);
  const r22 = 1 - 2 * (xx + yy);
  J[o] = -r01 * p3 + r02 * p2;
  J[o + 1] = r00 * p3 - r02 * p1;
  J[o + 2] = -r00 * p2 + r01 * p1;
  J[o + stride] = -r11 * p3 + r12 * p2;
  J[o + stride + 1] = r10 * p3 - r12 * p1;
  J[o + stride + 2] = -r10 * p2 + r11 * p1;
  J[o + 2 * stride] = -r21 * p3 + r22 * p2;
  J[o + 2 * stride + 1] = r20 * p3 - r22 * p1;
  J[o + 2 * stride + 2] = -r20 * p2 + r21 * p1;
}

/** A uniform random rotation (four normals, normalised: the uniform measure on S³) at out[o]. */
export function randomQuaternion(r: SeededRandom, out: Float64Array, o: number): void {
  for (;;) {
    const qx = r.normal();
    const qy = r.normal();
    const qz = r.normal();
    const qw = r.normal();
    if (qx * qx + qy * qy + qz * qz + qw * qw > 1e-12) {
      storeQuaternion(out, o, qx, qy, qz, qw);
      return;
    }
  }
}

/**
 * The unit quaternion (qw ≥ 0) of the rotation block at M[m] (rows `stride`
 * apart) into out[o], by Shepperd's method: divide by the largest of
 * 4w², 4x², 4y², 4z² so no division loses accuracy.
 */
export function quaternionFromRotation(M: Float64Array, m: number, stride: number, out: Float64Array, o: number): void {
  const r00 = M[m]!;
  const r01 = M[m + 1]!;
  const r02 = M[m + 2]!;
  const r10 = M[m + stride]!;
  const r11 = M[m + stride + 1]!;
  const r12 = M[m + stride + 2]!;
  const r20 = M[m + 2 * stride]!;
  const r21 = M[m + 2 * stride + 1]!;
  const r22 = M[m + 2 * stride + 2]!;
  const trace = r00 + r11 + r22;
  if (trace >= r00 && trace >= r11 && trace >= r22) {
    const s = 2 * Math.sqrt(1 + trace);
    storeQuaternion(out, o, (r21 - r12) / s, (r02 - r20) / s, (r10 - r01) / s, 0.25 * s);
  } else if (r00 >= r11 && r00 >= r22) {
    const s = 2 * Math.sqrt(1 + r00 - r11 - r22);
    storeQuaternion(out, o, 0.25 * s, (r01 + r10) / s, (r02 + r20) / s, (r21 - r12) / s);
  } else if (r11 >= r22) {
    const s = 2 * Math.sqrt(1 + r11 - r00 - r22);
    storeQuaternion(out, o, (r01 + r10) / s, 0.25 * s, (r12 + r21) / s, (r02 - r20) / s);
  } else {
    const s = 2 * Math.sqrt(1 + r22 - r00 - r11);
    storeQuaternion(out, o, (r02 + r20) / s, (r12 + r21) / s, 0.25 * s, (r10 - r01) / s);
  }
}
