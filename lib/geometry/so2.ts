/**
 * SO(2), the rotations of the plane, stored as the angle [θ] (wrapped to
 * [-π, π) in every output; inputs may be any finite angle).
 *
 *   R(θ)   = [[cos θ, −sin θ], [sin θ, cos θ]]
 *   Exp(τ) = wrap(τ),  Log(θ) = wrap(θ),  Jr = Jr⁻¹ = 1
 *   a·b = wrap(θa + θb),  x⁻¹ = wrap(−θ),  Ad = 1 (the group is commutative)
 *   act: y = R p;  J_y_x = R·[−p₂, p₁]ᵀ = [−y₂, y₁]ᵀ,  J_y_p = R
 *
 * Jacobians: compose 1, 1; inverse −1; between −1, 1; retract 1, 1; local −1, 1.
 */
import { checkFinite } from '../base/check.js';
import type { SeededRandom } from '../base/random.js';
import {
  Batch,
  checkCount,
  checkRandom,
  checkRotations,
  jacobianArray,
  operand,
  outputArray,
  twoInputs,
  wrapAngle,
  type LieGroup,
  type Operand,
} from './lie-group.js';

/**
 * SO2 with its conversions: angles and 2×2 row-major rotation matrices
 * (batched like the verbs; a matrix that is not a rotation within 1e-6 is a
 * RangeError).
 *
 * @example
 * ```ts
 * import { SO2 } from 'ariadne';
 * const R = SO2.toMatrix(new Float64Array([Math.PI / 2])); // [0, -1, 1, 0]
 * console.log(SO2.fromMatrix(R)); // [π/2]
 * console.log(SO2.fromAngle(new Float64Array([3 * Math.PI]))); // [-π] — wrapped to [-π, π)
 * ```
 */
export interface SO2Group extends LieGroup {
  readonly name: 'SO2';
  /** Angles (count) → elements: θ wrapped to [-π, π). */
  fromAngle(angle: Float64Array, out?: Float64Array): Float64Array;
  /** Elements → angles in [-π, π) (count). */
  toAngle(x: Float64Array, out?: Float64Array): Float64Array;
  /** 2×2 row-major rotation matrices (count·4) → elements. */
  fromMatrix(R: Float64Array, out?: Float64Array): Float64Array;
  /** Elements → 2×2 row-major rotation matrices (count·4). */
  toMatrix(x: Float64Array, out?: Float64Array): Float64Array;
}

function values(fn: string, arg: string, x: Float64Array): void {
  checkFinite(fn, arg, x, 1);
}

/** The batched arguments of the two-input verbs (see twoInputs). */
const inputs = {
  a: operand('a', 1, 1, values),
  b: operand('b', 1, 1, values),
  x: operand('x', 1, 1, values),
  y: operand('y', 1, 1, values),
  delta: operand('delta', 1, 1, values),
  points: operand('points', 2, 2, checkFinite, '2 numbers (points)'),
};

/** Element-wise θ ↦ wrap(θ) with a constant Jacobian; for exp, log, normalize and the angle conversions. */
function wrapAll(fn: string, arg: string, x: Float64Array, out: unknown, J?: unknown): Float64Array {
  const batch = new Batch(fn);
  const sx = batch.add(arg, x, 1);
  const count = batch.count;
  values(fn, arg, x);
  const o = outputArray(fn, 'out', out, count, 1);
  const Jo = J === undefined ? undefined : jacobianArray(fn, `J_out_${arg}`, J, count, 1, 1);
  for (let k = 0; k < count; k++) o[k] = wrapAngle(x[k * sx]!);
  if (Jo !== undefined) Jo.fill(1);
  return o;
}

/**
 * Element-wise wrap(sa·a + sb·b) with Jacobians sa, sb: compose (1, 1),
 * between (−1, 1), retract (1, 1), local (−1, 1).
 */
function combine(
  fn: string,
  A: Operand,
  a: Float64Array,
  B: Operand,
  b: Float64Array,
  sa: number,
  sb: number,
  out: unknown,
  Ja: unknown,
  Jb: unknown,
): Float64Array {
  const { count, sa: ia, sb: ib, o, Ja: JA, Jb: JB } = twoInputs(fn, A, a, B, b, out, 1, 1, Ja, Jb);
  for (let k = 0; k < count; k++) o[k] = wrapAngle(sa * a[k * ia]! + sb * b[k * ib]!);
  if (JA !== undefined) JA.fill(sa);
  if (JB !== undefined) JB.fill(sb);
  return o;
}

/**
 * The rotations of the plane (see {@link SO2Group} for the conversions).
 *
 * @example
 * ```ts
 * import { SO2 } from 'ariadne';
 * const a = new Float64Array([0.5, 3]); // two rotations
 * const b = new Float64Array([1]); // broadcast to both
 * const J_out_a = new Float64Array(2);
 * console.log(SO2.compose(a, b, undefined, J_out_a)); // [1.5, -2.283185307179586] — 3 + 1 wrapped to 4 − 2π
 * console.log(J_out_a); // [1, 1]
 * console.log(SO2.act(new Float64Array([Math.PI / 2]), new Float64Array([1, 0]))); // [0, 1] — up to rounding
 * ```
 */
export const SO2: SO2Group = {
  name: 'SO2',
  storage: 1,
  dof: 1,
  pointDim: 2,

  identity(count = 1) {
    return new Float64Array(checkCount('SO2.identity', count));
  },

  exp(tangent, out, J_out_tangent) {
    return wrapAll('SO2.exp', 'tangent', tangent, out, J_out_tangent);
  },

  log(x, out, J_out_x) {
    return wrapAll('SO2.log', 'x', x, out, J_out_x);
  },

  compose(a, b, out, J_out_a, J_out_b) {
    return combine('SO2.compose', inputs.a, a, inputs.b, b, 1, 1, out, J_out_a, J_out_b);
  },

  inverse(x, out, J_out_x) {
    const fn = 'SO2.inverse';
    const batch = new Batch(fn);
    const sx = batch.add('x', x, 1);
    const count = batch.count;
    values(fn, 'x', x);
    const o = outputArray(fn, 'out', out, count, 1);
    const J = jacobianArray(fn, 'J_out_x', J_out_x, count, 1, 1);
    for (let k = 0; k < count; k++) o[k] = wrapAngle(-x[k * sx]!);
    if (J !== undefined) J.fill(-1);
    return o;
  },

  between(a, b, out, J_out_a, J_out_b) {
    return combine('SO2.between', inputs.a, a, inputs.b, b, -1, 1, out, J_out_a, J_out_b);
  },

  act(x, points, out, J_out_x, J_out_points) {
    const fn = 'SO2.act';
    const { count, sa: sx, sb: sp, o, Ja: Jx, Jb: Jp } = twoInputs(fn, inputs.x, x, inputs.points, points, out, 2, 2, J_out_x, J_out_points);
    for (let k = 0; k < count; k++) {
      const theta = x[k * sx]!;
      const c = Math.cos(theta);
      const s = Math.sin(theta);
      const p1 = points[k * sp]!;
      const p2 = points[k * sp + 1]!;
      const y1 = c * p1 - s * p2;
      const y2 = s * p1 + c * p2;
      o[2 * k] = y1;
      o[2 * k + 1] = y2;
      if (Jx !== undefined) {
        Jx[2 * k] = -y2;
        Jx[2 * k + 1] = y1;
      }
      if (Jp !== undefined) {
        Jp[4 * k] = c;
        Jp[4 * k + 1] = -s;
        Jp[4 * k + 2] = s;
        Jp[4 * k + 3] = c;
      }
    }
    return o;
  },

  adjoint(x, out) {
    const fn = 'SO2.adjoint';
    const batch = new Batch(fn);
    batch.add('x', x, 1);
    values(fn, 'x', x);
    return outputArray(fn, 'out', out, batch.count, 1, '1×1').fill(1);
  },

  retract(x, delta, out, J_out_x, J_out_delta) {
    return combine('SO2.retract', inputs.x, x, inputs.delta, delta, 1, 1, out, J_out_x, J_out_delta);
  },

  local(x, y, out, J_out_x, J_out_y) {
    return combine('SO2.local', inputs.x, x, inputs.y, y, -1, 1, out, J_out_x, J_out_y);
  },

  normalize(x, out) {
    return wrapAll('SO2.normalize', 'x', x, out);
  },

  validate(x, fn, arg) {
    new Batch(fn).add(arg, x, 1);
    values(fn, arg, x);
  },

  random(count: number, random: SeededRandom) {
    const fn = 'SO2.random';
    const n = checkCount(fn, count);
    const r = checkRandom(fn, random);
    const o = new Float64Array(n);
    for (let k = 0; k < n; k++) o[k] = wrapAngle(Math.PI * (2 * r.uniform() - 1));
    return o;
  },

  fromAngle(angle, out) {
    return wrapAll('SO2.fromAngle', 'angle', angle, out);
  },

  toAngle(x, out) {
    return wrapAll('SO2.toAngle', 'x', x, out);
  },

  fromMatrix(R, out) {
    const fn = 'SO2.fromMatrix';
    const batch = new Batch(fn);
    batch.add('R', R, 4, '4 numbers (2×2)');
    const count = batch.count;
    checkFinite(fn, 'R', R, 4);
    checkRotations(fn, 'R', R, 4, 2, 2);
    const o = outputArray(fn, 'out', out, count, 1);
    // The angle of the rotation nearest in Frobenius norm.
    for (let k = 0; k < count; k++) o[k] = wrapAngle(Math.atan2(R[4 * k + 2]! - R[4 * k + 1]!, R[4 * k]! + R[4 * k + 3]!));
    return o;
  },

  toMatrix(x, out) {
    const fn = 'SO2.toMatrix';
    const batch = new Batch(fn);
    const sx = batch.add('x', x, 1);
    const count = batch.count;
    values(fn, 'x', x);
    const o = outputArray(fn, 'out', out, count, 4, '4 numbers (2×2)');
    for (let k = 0; k < count; k++) {
      const theta = x[k * sx]!;
      const c = Math.cos(theta);
      const s = Math.sin(theta);
      o[4 * k] = c;
      o[4 * k + 1] = -s;
      o[4 * k + 2] = s;
      o[4 * k + 3] = c;
    }
    return o;
  },
};
